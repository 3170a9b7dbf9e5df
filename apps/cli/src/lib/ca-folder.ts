/**
 * The CA folder: `ca.crt`, `ca.key` (0600, folder 0700), `nodeid.json` (what kind of folder this
 * is and the cluster name) and `inventory.db` (every certificate issued, for list, revoke and CRLs).
 * With the Flocker layout the certificate and key are `cluster.crt` and `cluster.key`.
 */

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type Certificate,
  type Issuer,
  importPrivateKeyPem,
  keyMatchesCertificate,
  NodeIdError,
  parseCertificates,
} from '@nodeid/sdk';
import { openSqliteStore, type Store } from '@nodeid/store';
import { CliError, EXIT } from './cli-error.js';
import { exists } from './files.js';
import { readPassphrase } from './passphrase.js';

/** What `nodeid.json` holds. */
export interface CaConfig {
  version: 1;
  clusterName: string;
  /** File names of the CA certificate and key inside the folder. */
  certificateFile: string;
  keyFile: string;
  /** Whether the key file is encrypted. */
  keyEncrypted: boolean;
  createdAt: string;
}

/** File name of the folder's description. */
export const CONFIG_FILE = 'nodeid.json';
/** File name of the inventory database. */
export const INVENTORY_FILE = 'inventory.db';

/** The CA folder to use: `--dir`, else `NODEID_CA_DIR`, else `~/.nodeid/ca`. */
export function resolveCaDir(dir: string | undefined): string {
  return dir ?? process.env.NODEID_CA_DIR ?? join(homedir(), '.nodeid', 'ca');
}

/** Reads and checks `nodeid.json`. */
export async function readCaConfig(dir: string): Promise<CaConfig> {
  const path = join(dir, CONFIG_FILE);
  if (!(await exists(path))) {
    throw new CliError(
      'ERR_CA_FOLDER',
      `${dir} is not a nodeid CA folder (no ${CONFIG_FILE}); create one with: nodeid ca init <cluster-name> --dir ${dir}`,
    );
  }
  let config: CaConfig;
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as CaConfig;
  } catch {
    throw new CliError('ERR_CA_FOLDER', `${path} is not valid JSON; the CA folder is damaged`);
  }
  if (
    config?.version !== 1 ||
    typeof config.certificateFile !== 'string' ||
    typeof config.keyFile !== 'string'
  ) {
    throw new CliError(
      'ERR_CA_FOLDER',
      `${path} is not a nodeid CA description this version understands`,
    );
  }
  return config;
}

/** The CA certificate (and the CAs above it, when the file holds a chain). */
export async function readCaCertificates(dir: string, config: CaConfig): Promise<Certificate[]> {
  const path = join(dir, config.certificateFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError('ERR_CA_FOLDER', `cannot read the CA certificate ${path}`);
  }
  return parseCertificates(text);
}

/** Everything needed to issue: the CA's certificate and key, its config and its inventory. */
export interface LoadedCa {
  dir: string;
  config: CaConfig;
  issuer: Issuer;
  store: Store;
}

/**
 * Loads the CA to sign with: decrypts the key (passphrase from the file, the environment or a
 * prompt), checks it matches the certificate and that the CA has not expired, and opens the
 * inventory. Refuses to go on when any of that fails.
 */
export async function loadCa(
  dir: string,
  options: { passphraseFile?: string; now?: Date },
): Promise<LoadedCa> {
  const config = await readCaConfig(dir);
  const [certificate, ...chain] = await readCaCertificates(dir, config);
  const keyPath = join(dir, config.keyFile);
  let keyPem: string;
  try {
    keyPem = await readFile(keyPath, 'utf8');
  } catch {
    throw new CliError('ERR_CA_FOLDER', `cannot read the CA key ${keyPath}`);
  }
  const encrypted = keyPem.includes('ENCRYPTED PRIVATE KEY');
  const passphrase = encrypted
    ? await readPassphrase({ passphraseFile: options.passphraseFile, prompt: 'CA key passphrase' })
    : undefined;
  if (encrypted && !passphrase) {
    throw new CliError(
      'ERR_PASSPHRASE_REQUIRED',
      'the CA key is encrypted: give its passphrase with --passphrase-file or NODEID_CA_PASSPHRASE',
      EXIT.USAGE,
    );
  }
  const keyPair = await importPrivateKeyPem(keyPem, { passphrase });
  if (!(await keyMatchesCertificate(keyPair, certificate!))) {
    throw new CliError(
      'ERR_KEY_MISMATCH',
      `${keyPath} is not the key of ${join(dir, config.certificateFile)}`,
    );
  }
  const now = options.now ?? new Date();
  if (certificate!.notAfter.getTime() < now.getTime()) {
    throw new NodeIdError(
      'ERR_CA_EXPIRED',
      `the CA certificate expired at ${certificate!.notAfter.toISOString()}; nothing can be issued from it`,
    );
  }
  const store = await openInventory(dir);
  return {
    dir,
    config,
    issuer: { certificate: certificate!, privateKey: keyPair.privateKey, chain },
    store,
  };
}

/** Opens the CA's inventory; an unreadable one stops the command. */
export async function openInventory(dir: string): Promise<Store> {
  try {
    return await openSqliteStore(join(dir, INVENTORY_FILE));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ERR_STORE_IO';
    throw new CliError(
      code,
      `cannot open the CA inventory ${join(dir, INVENTORY_FILE)}: ${(e as Error).message}`,
    );
  }
}
