/**
 * The CA folder that the CLI creates and the server serves from: `nodeid.json` (what kind of
 * folder it is, the cluster name, the file names, the CRL address), the CA certificate (`ca.crt`,
 * or `cluster.crt` in the Flocker layout), its key (0600, usually encrypted) and the inventory
 * database.
 *
 * An intermediate CA's folder (`ca init --intermediate`, then `ca sign` on the root's host, then
 * `ca import`) also holds `ca.csr` (the request the root signed), `chain.crt` (the CAs between
 * this one and the root, nearest first; only when there are any) and `root.crt` (the trust
 * anchor). `ca.crt` is always the certificate this folder signs with, alone.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Certificate, parseCertificates } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Issuer } from '../issue/identity.js';
import { importPrivateKeyPem } from '../keys/import-private-key-pem.js';
import { keyMatchesCertificate } from '../keys/key-matches-certificate.js';
import { writeBundle } from './write-bundle.js';

/** What `nodeid.json` holds. */
export interface CaFolderConfig {
  version: 1;
  clusterName: string;
  /** File names of the CA certificate and key inside the folder. */
  certificateFile: string;
  keyFile: string;
  /** Whether the key file is encrypted. */
  keyEncrypted: boolean;
  createdAt: string;
  /** `root` (self-signed; also when absent) or `intermediate` (signed by a CA elsewhere). */
  role?: 'root' | 'intermediate';
  /** Intermediate: the CSR `ca init --intermediate` wrote, for `ca sign` on the root's host. */
  csrFile?: string;
  /** Intermediate, once imported: the CAs between this one and the root, nearest first. */
  chainFile?: string;
  /** Intermediate, once imported: the root CA (the trust anchor nodes install). */
  rootFile?: string;
  /**
   * CRL address (http URL) written as cRLDistributionPoints into every certificate this CA
   * issues (`ca init --crl-url`, `ca set-crl-url`); nodeid-server serves the CRL at its path.
   */
  crlUrl?: string;
  /**
   * The trust bundle (`ca-bundle.crt`) once the CA was rotated (`ca rotate`): the roots nodes
   * should trust now, the new one first. Without it, nodes trust the root (`ca.crt`, or
   * `rootFile` for an intermediate); see {@link readCaBundle}.
   */
  bundleFile?: string;
  /**
   * While a rotation overlaps (`ca rotate` until `ca retire-old`): the old root CA, kept under
   * its own names, and the two cross certificates of RFC 4210 §4.4.
   */
  previous?: {
    certificateFile: string;
    keyFile: string;
    keyEncrypted: boolean;
    /** The new key certified by the old one (NewWithOld). */
    newWithOldFile: string;
    /** The old key certified by the new one (OldWithNew). */
    oldWithNewFile: string;
    rotatedAt: string;
  };
}

/** File name of the folder's description. */
export const CA_CONFIG_FILE = 'nodeid.json';
/** File name of the inventory database in the folder. */
export const CA_INVENTORY_FILE = 'inventory.db';

/** Reads and checks `nodeid.json`; `ERR_CA_FOLDER` when the folder is not a CA folder. */
export async function readCaConfig(dir: string): Promise<CaFolderConfig> {
  const path = join(dir, CA_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new NodeIdError(
      'ERR_CA_FOLDER',
      `${dir} is not a nodeid CA folder (no ${CA_CONFIG_FILE}); create one with: nodeid ca init <cluster-name> --dir ${dir}`,
    );
  }
  let config: CaFolderConfig;
  try {
    config = JSON.parse(text) as CaFolderConfig;
  } catch {
    throw new NodeIdError('ERR_CA_FOLDER', `${path} is not valid JSON; the CA folder is damaged`);
  }
  if (
    config?.version !== 1 ||
    typeof config.certificateFile !== 'string' ||
    typeof config.keyFile !== 'string' ||
    typeof config.clusterName !== 'string'
  ) {
    throw new NodeIdError(
      'ERR_CA_FOLDER',
      `${path} is not a nodeid CA description this version understands`,
    );
  }
  return config;
}

/**
 * The CA certificate and the CAs above it, nearest first and the root last: `ca.crt` (which may
 * itself hold a chain, as in folders made before intermediates had their own files), then for an
 * intermediate `chain.crt` and `root.crt`. An intermediate whose certificate was not imported yet
 * is `ERR_CA_FOLDER` with the two commands to run.
 */
export async function readCaCertificates(
  dir: string,
  config: CaFolderConfig,
): Promise<Certificate[]> {
  const path = join(dir, config.certificateFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    if (config.role === 'intermediate' && !config.rootFile) {
      const csr = join(dir, config.csrFile ?? 'ca.csr');
      throw new NodeIdError(
        'ERR_CA_FOLDER',
        `the intermediate CA in ${dir} has a CSR (${csr}) but no certificate yet: sign it on the root's host with \`nodeid ca sign ${csr} --dir ROOT --out intermediate.crt\`, then install it here with \`nodeid ca import intermediate.crt --dir ${dir}\``,
      );
    }
    throw new NodeIdError('ERR_CA_FOLDER', `cannot read the CA certificate ${path}`);
  }
  const certificates = certificatesIn(text, path);
  for (const file of [config.chainFile, config.rootFile]) {
    if (!file) continue;
    let more: string;
    try {
      more = await readFile(join(dir, file), 'utf8');
    } catch {
      throw new NodeIdError('ERR_CA_FOLDER', `cannot read ${join(dir, file)} of the CA folder`);
    }
    certificates.push(...certificatesIn(more, join(dir, file)));
  }
  return certificates;
}

/** The certificates of a CA folder's file; a damaged file (or one being written) named. */
function certificatesIn(text: string, path: string): Certificate[] {
  try {
    return parseCertificates(text);
  } catch (e) {
    throw new NodeIdError(
      'ERR_CA_FOLDER',
      `${path} is not a readable certificate file: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * The roots nodes of this CA should trust now: the trust bundle (`bundleFile`, old and new root
 * during a rotation), else the root: `rootFile` for an intermediate, else the last certificate
 * of {@link readCaCertificates} (`ca.crt` for a root). What nodeid-server serves at
 * `/v1/ca/bundle`.
 */
export async function readCaBundle(dir: string, config: CaFolderConfig): Promise<Certificate[]> {
  if (config.bundleFile) {
    const path = join(dir, config.bundleFile);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new NodeIdError('ERR_CA_FOLDER', `cannot read the trust bundle ${path}`);
    }
    const bundle = certificatesIn(text, path);
    if (!bundle.length)
      throw new NodeIdError('ERR_CA_FOLDER', `the trust bundle ${path} holds no certificate`);
    return bundle;
  }
  const certificates = await readCaCertificates(dir, config);
  return certificates.slice(-1);
}

/**
 * Rewrites `nodeid.json` atomically (temporary file, sync, rename), e.g. after `ca import` or
 * `ca set-crl-url`. The other files of the folder are left as they are.
 *
 * @example
 * ```ts
 * const config = await readCaConfig(dir);
 * await writeCaConfig(dir, { ...config, crlUrl: 'http://ca.example.net:8443/v1/crl' });
 * ```
 */
export async function writeCaConfig(dir: string, config: CaFolderConfig): Promise<void> {
  await writeBundle(
    dir,
    [{ path: CA_CONFIG_FILE, contents: `${JSON.stringify(config, null, 2)}\n`, mode: 0o644 }],
    { force: true },
  );
}

/** Options of {@link loadCaFolder}. */
export interface LoadCaFolderOptions {
  /** Asked for the key's passphrase only when the key is encrypted. */
  passphrase?: () => Promise<string | undefined>;
  /** The current time, to refuse an expired CA. */
  now?: Date;
  /** Load an expired CA too (`ca renew` brings one back); default `false`. */
  allowExpired?: boolean;
  crypto?: Crypto;
}

/** A CA folder ready to sign. */
export interface LoadedCaFolder {
  dir: string;
  config: CaFolderConfig;
  issuer: Issuer;
  /**
   * While a rotation overlaps (`ca rotate` until `ca retire-old`): the old root and its key
   * (same passphrase), which keeps signing the CRL of the certificates it issued (RFC 5280
   * §6.3.3 (f)); see `createCrlsByIssuer`.
   */
  previous?: Issuer;
}

/**
 * Loads the CA to sign with: reads the description, the certificate and the key (asking for the
 * passphrase when the key is encrypted), checks the key matches and the CA has not expired.
 *
 * @example
 * ```ts
 * const { issuer, config } = await loadCaFolder('/srv/nodeid-ca', { passphrase: async () => process.env.NODEID_CA_PASSPHRASE });
 * const node = await issueIdentity({ ca: issuer, name: 'node1.example.net', clusterName: config.clusterName });
 * ```
 */
export async function loadCaFolder(
  dir: string,
  options: LoadCaFolderOptions = {},
): Promise<LoadedCaFolder> {
  const config = await readCaConfig(dir);
  const [certificate, ...chain] = await readCaCertificates(dir, config);
  // a file being rewritten, or garbage: refused by name, never a crash further on
  if (!certificate)
    throw new NodeIdError(
      'ERR_CA_FOLDER',
      `${join(dir, config.certificateFile)} holds no certificate`,
    );
  const keyPath = join(dir, config.keyFile);
  let keyPem: string;
  try {
    keyPem = await readFile(keyPath, 'utf8');
  } catch {
    throw new NodeIdError('ERR_CA_FOLDER', `cannot read the CA key ${keyPath}`);
  }
  const encrypted = keyPem.includes('ENCRYPTED PRIVATE KEY');
  const passphrase = encrypted ? await options.passphrase?.() : undefined;
  if (encrypted && !passphrase) {
    throw new NodeIdError(
      'ERR_PASSPHRASE_REQUIRED',
      'the CA key is encrypted: give its passphrase with --passphrase-file or NODEID_CA_PASSPHRASE',
    );
  }
  const keyPair = await importPrivateKeyPem(keyPem, { passphrase, crypto: options.crypto });
  if (!(await keyMatchesCertificate(keyPair, certificate!, { crypto: options.crypto }))) {
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      `${keyPath} is not the key of ${join(dir, config.certificateFile)}`,
    );
  }
  const now = options.now ?? new Date();
  if (!options.allowExpired && certificate!.notAfter.getTime() < now.getTime()) {
    throw new NodeIdError(
      'ERR_CA_EXPIRED',
      `the CA certificate expired at ${certificate!.notAfter.toISOString()}; nothing can be issued from it`,
    );
  }
  let previous: Issuer | undefined;
  if (config.previous) {
    const p = config.previous;
    let oldCert: Certificate | undefined;
    let oldKeyPem: string;
    try {
      [oldCert] = parseCertificates(await readFile(join(dir, p.certificateFile), 'utf8'));
      oldKeyPem = await readFile(join(dir, p.keyFile), 'utf8');
    } catch {
      throw new NodeIdError(
        'ERR_CA_FOLDER',
        `cannot read the old CA ${join(dir, p.certificateFile)} and its key ${join(dir, p.keyFile)} (kept until \`nodeid ca retire-old\`)`,
      );
    }
    const oldKey = await importPrivateKeyPem(oldKeyPem, {
      passphrase: oldKeyPem.includes('ENCRYPTED PRIVATE KEY') ? passphrase : undefined,
      crypto: options.crypto,
    });
    if (!oldCert || !(await keyMatchesCertificate(oldKey, oldCert, { crypto: options.crypto })))
      throw new NodeIdError(
        'ERR_KEY_MISMATCH',
        `${join(dir, p.keyFile)} is not the key of ${join(dir, p.certificateFile)}`,
      );
    previous = { certificate: oldCert, privateKey: oldKey.privateKey };
  }
  return {
    dir,
    config,
    ...(previous && { previous }),
    issuer: {
      certificate: certificate!,
      privateKey: keyPair.privateKey,
      chain,
      ...(config.crlUrl && { crlDistributionPoints: [config.crlUrl] }),
    },
  };
}
