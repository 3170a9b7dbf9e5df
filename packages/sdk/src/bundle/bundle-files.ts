/**
 * Turns an identity into the files a node, server or client keeps on disk, named the way the
 * software that reads them expects (Storage Scale, Flocker, AIStore, Kubernetes TLS secrets).
 * Pure: it returns names, contents and modes; `writeBundle` from `@nodeid/sdk/node` writes them.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Identity } from '../issue/identity.js';
import {
  CONTROL_SERVICE_CN,
  isProfile,
  type Profile,
  profileExtendedKeyUsage,
} from '../issue/profiles.js';
import {
  type ExportPrivateKeyOptions,
  exportPrivateKeyPem,
  pkcs8Pem,
} from '../keys/export-private-key-pem.js';
import { bytesEqual } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { children, decode } from '../lib/der.js';
import { assertSafeFileName } from '../lib/file-name.js';
import { importPkcs8 } from '../lib/key-import.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { describePkcs8, keyAlgorithmFor, readPkcs8 } from '../lib/pkcs8.js';
import { createPkcs12 } from '../pkcs12/create-pkcs12.js';
import { kubernetesSecretYaml } from './kubernetes-secret.js';

/**
 * File layouts:
 *
 * | layout       | certificate (leaf + intermediates) | private key     | root CA        |
 * | ------------ | ---------------------------------- | --------------- | -------------- |
 * | `plain`      | `<name>.crt`                       | `<name>.key`    | `ca.crt`       |
 * | `scale`      | `<fqdn>.pem`                       | `<fqdn>.key`    | `ca.crt`       |
 * | `flocker`    | see below                          | see below       | `cluster.crt`  |
 * | `aistore`    | `server.crt`                       | `server.key`    | `ca.crt`       |
 * | `kubernetes` | `tls.crt`                          | `tls.key`       | `ca.crt`       |
 *
 * Flocker names files by role: a node holds `node.crt`/`node.key`, the control service
 * `control-service.crt`/`.key`, an API user `<user>.crt`/`.key`.
 *
 * Two layouts are single files for the software that wants one:
 * - `pkcs12`: `<name>.p12` (0600) holds the key, the certificate and its chain to the root, and
 *   `truststore.p12` (0644) the root as a trusted entry (Java, Kafka, Elasticsearch, Spectrum Scale
 *   key clients); both need a passphrase ({@link BundleFilesOptions.pkcs12Passphrase}).
 * - `kubernetes-secret`: `secret.yaml` (0600), the `kubernetes.io/tls` Secret manifest holding
 *   `tls.crt`, `tls.key` and `ca.crt` (`kubectl apply -f secret.yaml`).
 */
export type BundleLayout =
  | 'plain'
  | 'scale'
  | 'flocker'
  | 'aistore'
  | 'kubernetes'
  | 'kubernetes-secret'
  | 'pkcs12';

/** All bundle layouts. */
export const BUNDLE_LAYOUTS: readonly BundleLayout[] = [
  'plain',
  'scale',
  'flocker',
  'aistore',
  'kubernetes',
  'kubernetes-secret',
  'pkcs12',
];

/** Mode of certificate files: readable by all, as the CA certificate must be. */
export const CERTIFICATE_FILE_MODE = 0o644;
/** Mode of private key files: owner only. */
export const KEY_FILE_MODE = 0o600;

/**
 * One file of a bundle: a plain file name (no folders), its contents and its permission bits.
 * Contents are text, except in the `pkcs12` layout (DER bytes).
 */
export interface BundleFile {
  path: string;
  contents: string | Uint8Array;
  mode: number;
}

/** Options for {@link bundleFiles}. */
export interface BundleFilesOptions extends CryptoOptions {
  /**
   * Base name of the `plain` and `scale` files (and of a Flocker user's files). Default from the
   * certificate: its first DNS name that is fully qualified (has a dot), else its common name.
   */
  name?: string;
  /** Encrypts the private key (PKCS#8 PBES2, AES-256-CBC, as `openssl pkey -passin` reads). */
  passphrase?: string | Uint8Array;
  /** PBKDF2 iterations when encrypting; see {@link exportPrivateKeyPem}. */
  iterations?: number;
  /**
   * For `flocker`: the identity's role. Default from the certificate: CN `control-service` is the
   * control service; serverAuth + clientAuth is a node; clientAuth alone is a user.
   */
  profile?: Profile;
  /**
   * For a `flocker` node: name the files `<uuid>.crt`/`<uuid>.key`, as `flocker-ca
   * create-node-certificate` does in the admin's folder, instead of the `node.crt`/`node.key` the
   * node's `/etc/flocker` holds. Use it to prepare several nodes in one folder.
   */
  uuid?: string;
  /**
   * For `pkcs12`: the passphrase of both `.p12` files; default {@link passphrase}. Java reads a
   * keystore with one password for the store and its key, so the key gets the same one.
   */
  pkcs12Passphrase?: string | Uint8Array;
}

/**
 * What {@link bundleFiles} writes out: an {@link Identity}, or a certificate with its chain and
 * the private key as PKCS#8 DER (a key made outside WebCrypto, e.g. with {@link encodeEcKeyPair}
 * for {@link issueCertificate}).
 */
export type BundleIdentity = Pick<Identity, 'certificate' | 'chain'> & {
  privateKey: CryptoKey | Uint8Array;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The files of `identity` in `layout`: the certificate file holds the leaf followed by its
 * intermediate CAs (not the root, which peers must already trust), the CA file holds the root,
 * and the key is PKCS#8 PEM (`PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with a passphrase).
 * Keys get mode 0600 and certificates 0644. Every file name is checked to be a plain name
 * (`ERR_NAME_INVALID` for a name with a path separator, a leading dot, a control character...).
 * The private key must be extractable (`ERR_KEY_NOT_EXTRACTABLE`).
 *
 * @example
 * ```ts
 * const ca = await createCa({ clusterName: 'scale.cluster' });
 * const node1 = await issueIdentity({ ca, name: 'node1.example.net' });
 * const files = await bundleFiles(node1, 'scale');
 * // node1.example.net.pem (0644), node1.example.net.key (0600), ca.crt (0644)
 * const k8s = await bundleFiles(node1, 'kubernetes'); // tls.crt, tls.key, ca.crt
 * ```
 */
export async function bundleFiles(
  identity: BundleIdentity,
  layout: BundleLayout,
  options: BundleFilesOptions = {},
): Promise<BundleFile[]> {
  if (!identity?.certificate?.pem || !identity.privateKey)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'expected an identity with a certificate and a private key',
    );
  if (identity.privateKey instanceof Uint8Array)
    checkPkcs8For(identity.privateKey, identity.certificate);
  if (!(BUNDLE_LAYOUTS as readonly string[]).includes(layout))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `unknown bundle layout "${String(layout)}"; use ${BUNDLE_LAYOUTS.join(', ')}`,
    );
  if (options.name !== undefined) assertSafeFileName(options.name, 'the name');

  const { certificate } = identity;
  const chain = Array.isArray(identity.chain) ? identity.chain : [];
  const root = chain.length > 0 ? chain[chain.length - 1]! : certificate;
  if (chain.length === 0 && !bytesEqual(certificate.subject.raw, certificate.issuer.raw))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'the identity has no issuing CA in its chain, so the CA file cannot be written; keep the `chain` that issueIdentity returned',
    );
  const intermediates = chain.slice(0, -1);
  if (layout === 'pkcs12') return pkcs12Files(identity, chain, root, options);
  const certPem = [certificate, ...intermediates].map((c) => c.pem).join('');
  const keyPem = await privateKeyPem(identity.privateKey, options);

  if (layout === 'kubernetes-secret') {
    if (options.passphrase !== undefined)
      throw new NodeIdError(
        'ERR_INVALID_ARGUMENT',
        'a kubernetes.io/tls Secret holds the key unencrypted (the ingress controller reads it as is); leave out the passphrase',
      );
    const yaml = kubernetesSecretYaml(options.name ?? defaultName(certificate), [
      { path: 'tls.crt', contents: certPem },
      { path: 'tls.key', contents: keyPem },
      { path: 'ca.crt', contents: root.pem },
    ]);
    return [{ path: 'secret.yaml', contents: yaml, mode: KEY_FILE_MODE }];
  }
  const [certName, keyName, caName] = fileNames(certificate, layout, options);
  const files: BundleFile[] = [
    { path: certName, contents: certPem, mode: CERTIFICATE_FILE_MODE },
    { path: keyName, contents: keyPem, mode: KEY_FILE_MODE },
    { path: caName, contents: root.pem, mode: CERTIFICATE_FILE_MODE },
  ];
  for (const f of files) assertSafeFileName(f.path);
  return files;
}

/** The `pkcs12` layout: the keystore `<name>.p12` and `truststore.p12`. */
async function pkcs12Files(
  identity: BundleIdentity,
  chain: Certificate[],
  root: Certificate,
  options: BundleFilesOptions,
): Promise<BundleFile[]> {
  const passphrase = options.pkcs12Passphrase ?? options.passphrase;
  if (passphrase === undefined)
    throw new NodeIdError(
      'ERR_PASSPHRASE_REQUIRED',
      'the pkcs12 layout needs a passphrase for the .p12 files (`pkcs12Passphrase` or `passphrase`)',
    );
  const name = options.name ?? defaultName(identity.certificate);
  const common = { passphrase, crypto: options.crypto, friendlyName: name };
  const keyIterations =
    options.iterations === undefined ? {} : { keyIterations: options.iterations };
  const keystore = await createPkcs12({
    ...common,
    ...keyIterations,
    privateKey:
      identity.privateKey instanceof Uint8Array
        ? await importPkcs8(
            getCrypto(options).subtle,
            identity.privateKey,
            keyAlgorithmFor(describePkcs8(identity.privateKey)),
            true,
          )
        : identity.privateKey,
    certificate: identity.certificate,
    chain,
  });
  const truststore = await createPkcs12({ ...common, trusted: [root] });
  const files: BundleFile[] = [
    { path: `${name}.p12`, contents: keystore, mode: KEY_FILE_MODE },
    { path: 'truststore.p12', contents: truststore, mode: CERTIFICATE_FILE_MODE },
  ];
  for (const f of files) assertSafeFileName(f.path);
  return files;
}

/**
 * The names of the files {@link bundleFiles} writes for a certificate in `layout`, without
 * making them (no key export, no encryption): to check that none is in the way before a
 * certificate is requested. Any certificate with the same names and profile gives the same names.
 *
 * @example
 * ```ts
 * bundleFileNames(node.certificate, 'pkcs12'); // ['node1.example.net.p12', 'truststore.p12']
 * ```
 */
export function bundleFileNames(
  certificate: Certificate,
  layout: BundleLayout,
  options: Pick<BundleFilesOptions, 'name' | 'profile' | 'uuid'> = {},
): string[] {
  if (!(BUNDLE_LAYOUTS as readonly string[]).includes(layout))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `unknown bundle layout "${String(layout)}"; use ${BUNDLE_LAYOUTS.join(', ')}`,
    );
  if (options.name !== undefined) assertSafeFileName(options.name, 'the name');
  const names =
    layout === 'pkcs12'
      ? [`${options.name ?? defaultName(certificate)}.p12`, 'truststore.p12']
      : layout === 'kubernetes-secret'
        ? ['secret.yaml']
        : fileNames(certificate, layout, options);
  for (const n of names) assertSafeFileName(n);
  return names;
}

/**
 * What is wrong with issuing a `profile` certificate for `layout`, or `undefined`. The `aistore`
 * layout is for AIStore nodes, which are TLS clients of one another as well as servers (the
 * seed's recipe puts serverAuth and clientAuth in server.crt; `AIS_CLIENT_AUTH_TLS` makes peers
 * verify client certificates), so its certificate needs both: the `node` profile.
 *
 * @example
 * ```ts
 * layoutProfileWarning('aistore', 'server'); // 'the aistore layout's certificate ... clientAuth ...'
 * layoutProfileWarning('aistore', 'node'); // undefined
 * ```
 */
export function layoutProfileWarning(layout: BundleLayout, profile: Profile): string | undefined {
  if (layout !== 'aistore' || !isProfile(profile)) return undefined;
  const eku = profileExtendedKeyUsage(profile);
  if (eku.includes(OID.serverAuth) && eku.includes(OID.clientAuth)) return undefined;
  return `the aistore layout's certificate should carry serverAuth and clientAuth (AIStore nodes are TLS clients of one another, AIS_CLIENT_AUTH_TLS); the ${profile} profile has ${eku.includes(OID.serverAuth) ? 'serverAuth' : 'clientAuth'} only: use the node profile`;
}

/** Certificate, key and CA file names of `layout`. */
function fileNames(
  cert: Certificate,
  layout: BundleLayout,
  options: BundleFilesOptions,
): [string, string, string] {
  switch (layout) {
    case 'plain': {
      const name = options.name ?? defaultName(cert);
      return [`${name}.crt`, `${name}.key`, 'ca.crt'];
    }
    case 'scale': {
      const name = options.name ?? defaultName(cert);
      return [`${name}.pem`, `${name}.key`, 'ca.crt'];
    }
    case 'aistore':
      return ['server.crt', 'server.key', 'ca.crt'];
    case 'kubernetes':
    case 'kubernetes-secret': // the names of the files inside the Secret
      return ['tls.crt', 'tls.key', 'ca.crt'];
    case 'pkcs12':
      throw new NodeIdError('ERR_INTERNAL', 'the pkcs12 layout has no PEM files');
    case 'flocker': {
      const base = flockerBase(cert, options);
      return [`${base}.crt`, `${base}.key`, 'cluster.crt'];
    }
  }
}

/** Base name of a Flocker identity's files, by role. */
function flockerBase(cert: Certificate, options: BundleFilesOptions): string {
  if (options.profile !== undefined && !isProfile(options.profile))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `unknown profile "${String(options.profile)}"; use node, client or control`,
    );
  const profile = options.profile ?? guessProfile(cert);
  if (options.uuid !== undefined && profile !== 'node')
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'the `uuid` option names node files only');
  switch (profile) {
    case 'node':
      if (options.uuid === undefined) return 'node';
      if (typeof options.uuid !== 'string' || !UUID.test(options.uuid))
        throw new NodeIdError(
          'ERR_INVALID_ARGUMENT',
          `"${String(options.uuid)}" is not a UUID (e.g. 8eab4b8d-c0a2-4ce2-80aa-0709277a9a7a)`,
        );
      return options.uuid.toLowerCase();
    case 'control':
      return CONTROL_SERVICE_CN;
    case 'client':
      return options.name ?? defaultName(cert);
    case 'server':
      throw new NodeIdError(
        'ERR_INVALID_ARGUMENT',
        'the flocker layout has files for nodes, the control service and API users, not for a server identity; pass `profile` if the certificate is one of those',
      );
  }
}

/** The role a certificate was most likely issued for, from its CN and extended key usages. */
function guessProfile(cert: Certificate): Profile {
  if (nameValues(cert.subject, OID.commonName)[0] === CONTROL_SERVICE_CN) return 'control';
  const eku = cert.extendedKeyUsage ?? [];
  const server = eku.includes(OID.serverAuth);
  const client = eku.includes(OID.clientAuth);
  if (server && client) return 'node';
  if (client) return 'client';
  if (server) return 'server';
  throw new NodeIdError(
    'ERR_INVALID_ARGUMENT',
    'cannot tell whether the certificate is a node, control service or user certificate; pass `profile`',
  );
}

/** First fully qualified DNS name of the certificate (not a wildcard), else its common name. */
function defaultName(cert: Certificate): string {
  const fqdn = (cert.subjectAltNames ?? []).find(
    (n) => n.type === 'dns' && n.value.includes('.') && !n.value.startsWith('*'),
  );
  const name = fqdn?.value ?? nameValues(cert.subject, OID.commonName)[0];
  if (name === undefined)
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      'the certificate has neither a DNS name nor a common name to name its files after; pass `name`',
    );
  return name;
}

/**
 * Checks that PKCS#8 bytes given as an identity's key are a well-formed key of the certificate's
 * key type and, for an EC key that carries its public point (RFC 5915 §3, as WebCrypto and
 * {@link encodeEcKeyPair} write it), that the point is the certificate's: a bundle must never
 * pair a certificate with another key. `ERR_KEY_INVALID`, `ERR_KEY_MISMATCH`.
 */
function checkPkcs8For(pkcs8: Uint8Array, certificate: Certificate): void {
  const facts = readPkcs8(pkcs8);
  const cert = certificate.publicKey;
  if (facts.type !== cert.type || (facts.curve ?? '') !== (cert.curve ?? ''))
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      `the private key (${facts.type}${facts.curve ? ` ${facts.curve}` : ''}) does not match the certificate's ${cert.type}${cert.curve ? ` ${cert.curve}` : ''} key`,
    );
  const spkiBits = children(decode(cert.spki))[1]?.raw;
  if (facts.publicKeyBits && !(spkiBits && bytesEqual(facts.publicKeyBits, spkiBits)))
    throw new NodeIdError('ERR_KEY_MISMATCH', 'the private key does not match the certificate');
}

/** The private key as PEM, encrypted when a passphrase is given. */
async function privateKeyPem(
  key: CryptoKey | Uint8Array,
  options: BundleFilesOptions,
): Promise<string> {
  const exportOptions: ExportPrivateKeyOptions = { crypto: options.crypto };
  if (options.passphrase !== undefined) exportOptions.passphrase = options.passphrase;
  if (options.iterations !== undefined) exportOptions.iterations = options.iterations;
  return key instanceof Uint8Array
    ? pkcs8Pem(key, exportOptions)
    : exportPrivateKeyPem(key, exportOptions);
}
