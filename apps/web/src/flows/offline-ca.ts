/**
 * Offline CA: a cluster CA and node identities made in the page with the SDK, offered as
 * downloads. Nothing here touches the network; the CA key lives in this module's memory only.
 */
import {
  type BundleLayout,
  bundleFiles,
  type Certificate,
  clusterNameOf,
  createCa,
  exportPrivateKeyPem,
  type Identity,
  type Issuer,
  importPrivateKeyPem,
  inspectCertificate,
  isKeyAlgorithm,
  issueIdentity,
  keyMatchesCertificate,
  parseCertificates,
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

/** The CA issuing here: made in this page, or loaded from a CA folder's files (maybe an intermediate). */
let ca: Issuer | undefined;
/** The cluster name node certificates carry as their CN (createCa's, or the loaded folder's). */
let issuingCluster = '';

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
  byId<HTMLFormElement>('ca-load').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadExistingCa(event.currentTarget as HTMLFormElement);
  });
  byId<HTMLInputElement>('ca-load-files').addEventListener('change', (event) => {
    void readCaFolderFiles(event.currentTarget as HTMLInputElement);
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
    let made: Identity;
    try {
      made = await createCa({
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
    ca = made;
    issuingCluster = clusterName;
    byId('ca-details').textContent = renderText(await inspectCertificate(made.certificate));
    byId('ca-result').hidden = false;
    byId('node-form').hidden = false;
    clearDownloads(byId('ca-files'));
    byId('node-list').replaceChildren();
    setStatus(
      status,
      'ok',
      `CA "${made.certificate.subject.text}" created. Download its files, then issue node identities.`,
    );
  });
}

/**
 * Fills the paste areas from chosen CA folder files by their names (`ca.crt`, `ca.key`,
 * `chain.crt`, `root.crt`; any other certificate file joins the chain, nearest first as chosen).
 */
async function readCaFolderFiles(input: HTMLInputElement): Promise<void> {
  const files = [...(input.files ?? [])];
  const texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })));
  const rank = (name: string) => (name === 'chain.crt' ? 0 : name === 'root.crt' ? 2 : 1);
  const chain: string[] = [];
  for (const { name, text } of texts.sort((a, b) => rank(a.name) - rank(b.name))) {
    if (name === 'ca.crt') byId<HTMLTextAreaElement>('ca-load-cert').value = text;
    else if (name === 'ca.key' || text.includes('PRIVATE KEY-----'))
      byId<HTMLTextAreaElement>('ca-load-key').value = text;
    else chain.push(text.trim());
  }
  if (chain.length > 0) byId<HTMLTextAreaElement>('ca-load-chain').value = `${chain.join('\n')}\n`;
  // nodeid's CAs carry the cluster name as their OU: a default the user can correct
  const cluster = byId<HTMLInputElement>('ca-load-cluster');
  const ou = [byId<HTMLTextAreaElement>('ca-load-cert').value, ...chain]
    .flatMap((t) => {
      try {
        return parseCertificates(t).map((c) => clusterNameOf(c.subject));
      } catch {
        return [];
      }
    })
    .find((v) => v);
  if (!cluster.value && ou) cluster.value = ou;
}

/** The certificates of a paste area, or an error shown next to it. */
function certificatesFrom(id: string, what: string): Certificate[] | undefined {
  const text = fieldValue(id);
  if (!text) return [];
  try {
    return parseCertificates(text);
  } catch (e) {
    showFieldError(id, `${what}: ${messageOf(e)}`);
    return undefined;
  }
}

/** Same DER bytes (names compared as encoded, RFC 5280 §7.1 for names nodeid writes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Loads a CA folder's certificate, key and, for an intermediate, the CAs above it. The path must
 * chain by name, each certificate's issuer the next one's subject, up to a self-signed root
 * (RFC 5280 §6.1: name chaining from the trust anchor): bundleFiles then writes the intermediates
 * after the node's certificate and the root as ca.crt, as `nodeid cert issue` does.
 */
async function loadExistingCa(form: HTMLFormElement): Promise<void> {
  const status = byId('ca-load-status');
  clearFieldErrors(form);
  const own = certificatesFrom('ca-load-cert', 'ca.crt');
  const above = certificatesFrom('ca-load-chain', 'the chain');
  const keyPem = fieldValue('ca-load-key');
  const passphrase = byId<HTMLInputElement>('ca-load-passphrase').value;
  if (own && own.length === 0) showFieldError('ca-load-cert', 'Paste or choose ca.crt.');
  if (!keyPem) showFieldError('ca-load-key', 'Paste or choose ca.key.');
  const cluster = fieldValue('ca-load-cluster');
  if (!cluster) showFieldError('ca-load-cluster', 'Enter the cluster name, e.g. scale.cluster.');
  if (!own?.length || !above || !keyPem || !cluster)
    return setStatus(status, 'error', 'Fix the marked field.');
  // ca.crt of folders made before intermediates had their own files may hold the chain itself
  const [certificate, ...rest] = own as [Certificate, ...Certificate[]];
  const chain = [...rest, ...above];
  const path = [certificate, ...chain];
  if (!certificate.basicConstraints?.ca) {
    showFieldError('ca-load-cert', `${certificate.subject.text} is not a CA certificate.`);
    return setStatus(status, 'error', 'Fix the marked field.');
  }
  for (let i = 0; i + 1 < path.length; i++)
    if (!sameBytes(path[i]!.issuer.raw, path[i + 1]!.subject.raw)) {
      showFieldError(
        'ca-load-chain',
        `${path[i]!.subject.text} is issued by ${path[i]!.issuer.text}, not by ${path[i + 1]!.subject.text}: give the CAs nearest first, the root last.`,
      );
      return setStatus(status, 'error', 'Fix the marked field.');
    }
  const top = path[path.length - 1]!;
  if (!sameBytes(top.issuer.raw, top.subject.raw)) {
    showFieldError(
      'ca-load-chain',
      `${top.subject.text} is issued by ${top.issuer.text}: add the CAs above it up to the root (chain.crt, then root.crt).`,
    );
    return setStatus(status, 'error', 'Fix the marked field.');
  }
  if (certificate.notAfter.getTime() < Date.now()) {
    showFieldError(
      'ca-load-cert',
      `The CA certificate expired at ${certificate.notAfter.toISOString()}; nothing can be issued from it.`,
    );
    return setStatus(status, 'error', 'Fix the marked field.');
  }
  await whileBusy(form, async () => {
    setStatus(status, 'busy', 'Reading the CA key…');
    let privateKey: CryptoKey;
    try {
      if (keyPem.includes('ENCRYPTED PRIVATE KEY') && !passphrase)
        throw new Error('The key is encrypted: enter its passphrase.');
      const pair = await importPrivateKeyPem(keyPem, passphrase ? { passphrase } : {});
      if (!(await keyMatchesCertificate(pair, certificate)))
        throw new Error(`This is not the key of ${certificate.subject.text}.`);
      privateKey = pair.privateKey;
    } catch (e) {
      showFieldError('ca-load-key', messageOf(e));
      return setStatus(status, 'error', 'The CA key could not be used.');
    }
    ca = { certificate, privateKey, chain };
    issuingCluster = cluster;
    byId('ca-result').hidden = true;
    byId('node-form').hidden = false;
    byId('node-list').replaceChildren();
    setStatus(
      status,
      'ok',
      chain.length > 0
        ? `Intermediate CA "${certificate.subject.text}" under the root "${top.subject.text}" loaded. Issue node identities.`
        : `CA "${certificate.subject.text}" loaded. Issue node identities.`,
    );
  });
}

async function prepareCaFiles(form: HTMLFormElement): Promise<void> {
  if (!ca) return;
  const made = ca;
  clearFieldErrors(form);
  const passphrase = byId<HTMLInputElement>('ca-passphrase').value;
  await whileBusy(form, async () => {
    try {
      const key = await exportPrivateKeyPem(made.privateKey, passphrase ? { passphrase } : {});
      offerDownloads(
        byId('ca-files'),
        [
          {
            name: 'ca.crt',
            contents: made.certificate.pem,
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
      node = await issueIdentity({
        ca: ca!,
        clusterName: issuingCluster,
        name,
        ...extra,
        algorithm,
        days,
        extractable: true,
      });
    } catch (e) {
      const message = messageOf(e);
      const culprit = allNames(extra).find((n) => message.includes(n));
      showFieldError(culprit ? 'node-extra' : 'node-name', message);
      return setStatus(status, 'error', `${name} could not be issued.`);
    }
    if (layout === 'pkcs12' && !passphrase) {
      showFieldError('node-passphrase', 'The pkcs12 layout needs a passphrase for its .p12 files.');
      return setStatus(status, 'error', 'Fix the marked field.');
    }
    let files: Awaited<ReturnType<typeof bundleFiles>>;
    try {
      // the identity's chain (the issuing CA and those above it, root last) gives the node file
      // its intermediates and ca.crt the root; pkcs12 protects both .p12 files with the passphrase
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
