/**
 * Enroll: the key pair is generated here with WebCrypto, a CSR is built from it, and only the
 * CSR (with the enrollment token) goes to the server. The issued certificate comes back; the
 * key pair never leaves this module's memory until the person downloads it.
 */
import {
  type BundleFile,
  type BundleLayout,
  bundleFiles,
  createCsr,
  type Identity,
  inspectCertificate,
  isKeyAlgorithm,
  KEY_FILE_MODE,
  type KeyPair,
  keyMatchesCertificate,
  kubernetesSecretYaml,
  NodeIdError,
  parseCertificates,
  renderText,
} from '@nodeid/sdk';
import { ApiError, apiBase, fetchCa, requestCertificate } from '../lib/api.js';
import { ENROLLMENT_TOKEN, pinCa } from '../lib/ca-pin.js';
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
import { clearDownloads, type DownloadFile, offerDownloads } from '../lib/downloads.js';
import { allNames, splitNames } from '../lib/names.js';

/** The identity of the last enrollment: in memory only, replaced by the next one. */
let identity: Identity | undefined;

/** Wires the Enroll forms. */
export function setupEnroll(): void {
  const server = byId<HTMLInputElement>('enroll-server');
  if (__NODEID_API__) server.value = __NODEID_API__;
  byId<HTMLFormElement>('enroll-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void enroll(event.currentTarget as HTMLFormElement);
  });
  byId<HTMLFormElement>('enroll-download').addEventListener('submit', (event) => {
    event.preventDefault();
    void prepareFiles(event.currentTarget as HTMLFormElement);
  });
}

async function enroll(form: HTMLFormElement): Promise<void> {
  const status = byId('enroll-status');
  clearFieldErrors(form);
  const token = fieldValue('enroll-token');
  const name = fieldValue('enroll-name');
  const extra = splitNames(fieldValue('enroll-extra'));
  const algorithm = fieldValue('enroll-algorithm');
  let base: string;
  try {
    base = apiBase(fieldValue('enroll-server'), location.origin);
  } catch (e) {
    showFieldError('enroll-server', messageOf(e));
    return setStatus(status, 'error', 'Fix the server address.');
  }
  if (!token) {
    showFieldError('enroll-token', 'Enter the enrollment token your admin gave you.');
    return setStatus(status, 'error', 'The enrollment token is missing.');
  }
  if (!ENROLLMENT_TOKEN.test(token)) {
    showFieldError(
      'enroll-token',
      'This is not an enrollment token: it looks like 0123456789abcdef. followed by 43 letters, digits, - and _ (copy it again).',
    );
    return setStatus(status, 'error', 'The enrollment token is malformed; nothing was sent.');
  }
  if (!name) {
    showFieldError('enroll-name', "Enter the node's fully qualified name, e.g. node1.example.net.");
    return setStatus(status, 'error', 'The node name is missing.');
  }
  if (!isKeyAlgorithm(algorithm)) return setStatus(status, 'error', 'Pick a key algorithm.');

  await whileBusy(form, async () => {
    forget();
    setStatus(status, 'busy', `Generating a ${algorithm} key pair and the certificate request…`);
    let csr: { pem: string; keyPair: KeyPair };
    try {
      csr = await createCsr({ name, ...extra, algorithm, extractable: true });
    } catch (e) {
      const message = messageOf(e);
      const culprit = allNames(extra).find((n) => message.includes(n));
      showFieldError(culprit ? 'enroll-extra' : 'enroll-name', message);
      return setStatus(status, 'error', 'The certificate request could not be made.');
    }

    try {
      await pinCa(base, location.origin, fieldValue('enroll-fingerprint'));
    } catch (e) {
      showFieldError('enroll-fingerprint', messageOf(e));
      return setStatus(status, 'error', `Nothing was sent: ${messageOf(e)}`);
    }
    setStatus(status, 'busy', `Sending the certificate request to ${new URL(base).host}…`);
    let reply: Awaited<ReturnType<typeof requestCertificate>>;
    try {
      reply = await requestCertificate(base, token, csr.pem);
    } catch (e) {
      const message = e instanceof ApiError ? `${e.message} (${e.code})` : messageOf(e);
      const field =
        e instanceof ApiError && e.code === 'ERR_TOKEN_INVALID'
          ? 'enroll-token'
          : e instanceof ApiError && e.code === 'ERR_POLICY_DENIED'
            ? 'enroll-name'
            : e instanceof ApiError && e.status === 0
              ? 'enroll-server'
              : undefined;
      if (field) showFieldError(field, message);
      return setStatus(status, 'error', `The server did not issue a certificate: ${message}`);
    }

    try {
      identity = await identityFrom(reply, csr.keyPair, base);
    } catch (e) {
      return setStatus(status, 'error', `The server's reply is not usable: ${messageOf(e)}`);
    }
    const ca = await fetchCa(base).catch(() => undefined);
    showResult(reply, renderText(await inspectCertificate(identity.certificate)), ca);
    setStatus(
      status,
      'ok',
      `Certificate issued for ${name}: ${reply.granted.length} name(s) granted, ${reply.denied.length} denied. Download the files below.`,
    );
    byId('enroll-result').querySelector('h2')?.focus();
  });
}

/** The Identity the SDK's bundleFiles wants, from the reply's PEMs and the local key pair. */
async function identityFrom(
  reply: Awaited<ReturnType<typeof requestCertificate>>,
  keyPair: KeyPair,
  base: string,
): Promise<Identity> {
  const [certificate, ...bundled] = parseCertificates(reply.certificate);
  if (!certificate) throw new NodeIdError('ERR_PEM_INVALID', 'no certificate in the reply');
  const chain = [...bundled, ...reply.chain.flatMap((pem) => parseCertificates(pem))];
  if (chain.length === 0) {
    const ca = await fetchCa(base);
    chain.push(...parseCertificates(ca.pem));
  }
  if (!(await keyMatchesCertificate(keyPair, certificate)))
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      'the certificate is not for the key generated in this page',
    );
  return { certificate, ...keyPair, chain, warnings: [] };
}

function showResult(
  reply: Awaited<ReturnType<typeof requestCertificate>>,
  details: string,
  ca: { subject: string; fingerprintSha256: string } | undefined,
): void {
  const names = byId('enroll-names');
  names.replaceChildren();
  const granted = element('ul', 'granted');
  granted.setAttribute('aria-label', 'Granted names');
  for (const n of reply.granted) granted.append(element('li', undefined, n));
  names.append(element('h3', undefined, `Granted (${reply.granted.length})`), granted);
  if (reply.denied.length > 0) {
    const denied = element('ul', 'denied');
    denied.setAttribute('aria-label', 'Denied names');
    for (const d of reply.denied) {
      const li = element('li');
      li.append(element('strong', undefined, d.name), document.createTextNode(` — ${d.reason}`));
      denied.append(li);
    }
    names.append(element('h3', undefined, `Denied (${reply.denied.length})`), denied);
  }
  if (ca) {
    names.append(
      element(
        'p',
        'hint',
        `Issued by ${ca.subject}, SHA-256 fingerprint ${ca.fingerprintSha256}. Compare it with the one your admin gave you.`,
      ),
    );
  }
  byId('enroll-details').textContent = details;
  const result = byId('enroll-result');
  result.hidden = false;
  result.querySelector('h2')?.setAttribute('tabindex', '-1');
  clearDownloads(byId('enroll-files'));
}

async function prepareFiles(form: HTMLFormElement): Promise<void> {
  clearFieldErrors(form);
  const files = byId('enroll-files');
  if (!identity) return;
  const layout = fieldValue('enroll-layout') as BundleLayout;
  const passphrase = byId<HTMLInputElement>('enroll-passphrase').value;
  await whileBusy(form, async () => {
    try {
      const bundle = await bundleFiles(identity!, layout, passphrase ? { passphrase } : {});
      offerDownloads(files, describe(bundle, layout, identity!), downloadLabel(layout, passphrase));
    } catch (e) {
      showFieldError('enroll-passphrase', messageOf(e));
    }
  });
}

/** The bundle's files as downloads; the kubernetes layout also gets a Secret manifest. */
export function describe(
  bundle: BundleFile[],
  layout: BundleLayout,
  owner: Identity,
): DownloadFile[] {
  const files: DownloadFile[] = bundle.map((f) => {
    // The pkcs12 layout's files are DER bytes; the kubernetes-secret layout's is YAML.
    const text = typeof f.contents === 'string' ? f.contents : '';
    const key = text.includes('PRIVATE KEY-----');
    const single: Record<string, string> = {
      '.p12':
        f.mode === KEY_FILE_MODE
          ? 'PKCS#12 keystore (key, certificate, chain)'
          : 'PKCS#12 truststore (the CA)',
      '.yaml': 'Kubernetes TLS Secret (kubectl apply -f secret.yaml; contains the key)',
    };
    const ext = /\.(p12|yaml)$/.exec(f.path)?.[0];
    return {
      name: f.path,
      contents: f.contents,
      description: ext
        ? single[ext]!
        : key
          ? text.includes('ENCRYPTED')
            ? 'private key, encrypted'
            : 'private key'
          : f === bundle[bundle.length - 1]
            ? 'CA certificate'
            : 'certificate',
      secret: key || f.mode === KEY_FILE_MODE,
      type:
        ext === '.p12'
          ? 'application/x-pkcs12'
          : ext === '.yaml'
            ? 'application/yaml'
            : 'application/x-pem-file',
    };
  });
  if (layout === 'kubernetes') {
    const host =
      owner.certificate.subjectAltNames?.find((n) => n.type === 'dns' && n.value.includes('.'))
        ?.value ?? 'nodeid';
    files.push({
      name: 'secret.yaml',
      contents: kubernetesSecretYaml(host, bundle),
      description: 'Kubernetes TLS Secret (kubectl apply -f secret.yaml; contains the key)',
      secret: true,
      type: 'application/yaml',
    });
  }
  return files;
}

function downloadLabel(layout: BundleLayout, passphrase: string): string {
  return `Files in the ${layout} layout${passphrase ? ', key encrypted with your passphrase' : ''}. Keep the private key on the node only.`;
}

/** Drops the previous identity, its key pair and its download links. */
function forget(): void {
  identity = undefined;
  byId('enroll-result').hidden = true;
  clearDownloads(byId('enroll-files'));
  byId('enroll-details').textContent = '';
}
