/**
 * Offline CA: a cluster CA and node identities made in the page with the SDK, offered as
 * downloads. Nothing here touches the network; the CA key lives in this module's memory only.
 */
import {
  type BundleLayout,
  bundleFiles,
  createCa,
  exportPrivateKeyPem,
  type Identity,
  inspectCertificate,
  isKeyAlgorithm,
  issueIdentity,
  renderText,
} from '@nodeid/sdk';
import {
  byId,
  clearFieldErrors,
  element,
  fieldValue,
  messageOf,
  setStatus,
  showFieldError,
  whileBusy,
} from '../lib/dom.js';
import { clearDownloads, offerDownloads } from '../lib/downloads.js';
import { allNames, splitNames } from '../lib/names.js';
import { describe } from './enroll.js';

let ca: Identity | undefined;

/** Wires the Offline CA forms. */
export function setupOfflineCa(): void {
  byId<HTMLFormElement>('ca-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void createClusterCa(event.currentTarget as HTMLFormElement);
  });
  byId<HTMLFormElement>('ca-download').addEventListener('submit', (event) => {
    event.preventDefault();
    void prepareCaFiles(event.currentTarget as HTMLFormElement);
  });
  byId<HTMLFormElement>('node-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void issueNode(event.currentTarget as HTMLFormElement);
  });
}

/** A whole number of days from a field, or an error shown next to it. */
function daysFrom(id: string): number | undefined {
  const days = Number(fieldValue(id));
  if (Number.isInteger(days) && days >= 1 && days <= 36500) return days;
  showFieldError(id, 'Enter a whole number of days from 1 to 36500.');
  return undefined;
}

async function createClusterCa(form: HTMLFormElement): Promise<void> {
  const status = byId('ca-status');
  clearFieldErrors(form);
  const clusterName = fieldValue('ca-cluster');
  const organization = fieldValue('ca-organization');
  const algorithm = fieldValue('ca-algorithm');
  if (!clusterName) {
    showFieldError('ca-cluster', 'Enter the cluster name, e.g. scale.cluster.');
    return setStatus(status, 'error', 'The cluster name is missing.');
  }
  const days = daysFrom('ca-days');
  if (days === undefined || !isKeyAlgorithm(algorithm))
    return setStatus(status, 'error', 'Fix the marked field.');
  await whileBusy(form, async () => {
    setStatus(status, 'busy', `Creating the ${clusterName} CA (${algorithm})…`);
    try {
      ca = await createCa({
        clusterName,
        organization: organization || undefined,
        algorithm,
        days,
        extractable: true,
      });
    } catch (e) {
      showFieldError('ca-cluster', messageOf(e));
      return setStatus(status, 'error', 'The CA could not be created.');
    }
    byId('ca-details').textContent = renderText(await inspectCertificate(ca.certificate));
    byId('ca-result').hidden = false;
    byId('node-form').hidden = false;
    clearDownloads(byId('ca-files'));
    byId('node-list').replaceChildren();
    setStatus(
      status,
      'ok',
      `CA "${ca.certificate.subject.text}" created. Download its files, then issue node identities.`,
    );
  });
}

async function prepareCaFiles(form: HTMLFormElement): Promise<void> {
  if (!ca) return;
  clearFieldErrors(form);
  const passphrase = byId<HTMLInputElement>('ca-passphrase').value;
  await whileBusy(form, async () => {
    try {
      const key = await exportPrivateKeyPem(ca!.privateKey, passphrase ? { passphrase } : {});
      offerDownloads(
        byId('ca-files'),
        [
          {
            name: 'ca.crt',
            contents: ca!.certificate.pem,
            description: 'CA certificate (give it to every node)',
            type: 'application/x-pem-file',
          },
          {
            name: 'ca.key',
            contents: key,
            description: passphrase ? 'CA private key, encrypted' : 'CA private key',
            secret: true,
            type: 'application/x-pem-file',
          },
        ],
        'The CA files. Keep ca.key offline: whoever has it can issue certificates for your cluster.',
      );
    } catch (e) {
      showFieldError('ca-passphrase', messageOf(e));
    }
  });
}

async function issueNode(form: HTMLFormElement): Promise<void> {
  const status = byId('node-status');
  clearFieldErrors(form);
  if (!ca) return setStatus(status, 'error', 'Create the CA first.');
  const name = fieldValue('node-name');
  const extra = splitNames(fieldValue('node-extra'));
  const algorithm = fieldValue('node-algorithm');
  const layout = fieldValue('node-layout') as BundleLayout;
  const passphrase = byId<HTMLInputElement>('node-passphrase').value;
  if (!name) {
    showFieldError('node-name', "Enter the node's fully qualified name, e.g. node1.example.net.");
    return setStatus(status, 'error', 'The node name is missing.');
  }
  const days = daysFrom('node-days');
  if (days === undefined || !isKeyAlgorithm(algorithm))
    return setStatus(status, 'error', 'Fix the marked field.');
  await whileBusy(form, async () => {
    setStatus(status, 'busy', `Issuing ${name}…`);
    let node: Identity;
    try {
      node = await issueIdentity({ ca: ca!, name, ...extra, algorithm, days, extractable: true });
    } catch (e) {
      const message = messageOf(e);
      const culprit = allNames(extra).find((n) => message.includes(n));
      showFieldError(culprit ? 'node-extra' : 'node-name', message);
      return setStatus(status, 'error', `${name} could not be issued.`);
    }
    let files: Awaited<ReturnType<typeof bundleFiles>>;
    try {
      files = await bundleFiles(node, layout, passphrase ? { passphrase } : {});
    } catch (e) {
      return setStatus(status, 'error', messageOf(e));
    }
    const item = element('li', 'identity');
    item.dataset['node'] = name;
    const heading = element('h3', undefined, name);
    const details = element('details');
    const pre = element('pre', 'details', renderText(await inspectCertificate(node.certificate)));
    details.append(element('summary', undefined, 'Certificate details'), pre);
    const downloads = element('div', 'files');
    item.append(heading, downloads, details);
    byId('node-list').append(item);
    offerDownloads(
      downloads,
      describe(files, layout, node),
      `${name} in the ${layout} layout${passphrase ? ', key encrypted' : ''}.`,
    );
    for (const w of node.warnings) item.append(element('p', 'hint', w));
    setStatus(status, 'ok', `${name} issued: its files are listed below.`);
    byId<HTMLInputElement>('node-name').value = '';
    byId<HTMLInputElement>('node-extra').value = '';
  });
}
