/**
 * The CA folder as the CLI uses it: where it is (`--dir`, `NODEID_CA_DIR`, `~/.nodeid/ca`),
 * loading it with the passphrase from a file, the environment or a prompt, and its inventory.
 * Reading the folder itself is `@nodeid/sdk/node`'s `loadCaFolder`, shared with the server.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Issuer } from '@nodeid/sdk';
import {
  CA_CONFIG_FILE,
  CA_INVENTORY_FILE,
  type CaFolderConfig,
  loadCaFolder,
  readCaCertificates,
  readCaConfig,
  writeCaConfig,
} from '@nodeid/sdk/node';
import { openCaInventory, type Store } from '@nodeid/store';
import { CliError, EXIT } from './cli-error.js';
import { readPassphrase } from './passphrase.js';

export { readCaCertificates, readCaConfig, writeCaConfig };
export type CaConfig = CaFolderConfig;
export const CONFIG_FILE = CA_CONFIG_FILE;
export const INVENTORY_FILE = CA_INVENTORY_FILE;

/** The CA folder to use: `--dir`, else `NODEID_CA_DIR`, else `~/.nodeid/ca`. */
export function resolveCaDir(dir: string | undefined): string {
  return dir ?? process.env.NODEID_CA_DIR ?? join(homedir(), '.nodeid', 'ca');
}

/** Everything needed to issue: the CA's certificate and key, its config and its inventory. */
export interface LoadedCa {
  dir: string;
  config: CaConfig;
  issuer: Issuer;
  /** During a rotation (until `ca retire-old`): the old root and key, which signs its own CRL. */
  previous?: Issuer;
  store: Store;
}

/**
 * Loads the CA to sign with and opens its inventory. A missing passphrase for an encrypted key
 * is a usage error (exit 2); everything else that stops it is reported with its code.
 */
export async function loadCa(
  dir: string,
  options: { passphraseFile?: string; now?: Date },
): Promise<LoadedCa> {
  try {
    const loaded = await loadCaFolder(dir, {
      now: options.now,
      passphrase: () =>
        readPassphrase({ passphraseFile: options.passphraseFile, prompt: 'CA key passphrase' }),
    });
    return { ...loaded, store: await openInventory(dir) };
  } catch (e) {
    throw passphraseRequiredAsUsage(e);
  }
}

/**
 * What to throw for an error met while unlocking the CA key: a missing passphrase for an
 * encrypted key is a usage error (exit 2, `ERR_PASSPHRASE_REQUIRED`); anything else as it is.
 */
export function passphraseRequiredAsUsage(e: unknown): unknown {
  return (e as { code?: string }).code === 'ERR_PASSPHRASE_REQUIRED'
    ? new CliError('ERR_PASSPHRASE_REQUIRED', (e as Error).message, EXIT.USAGE)
    : e;
}

/**
 * Opens the CA's inventory; an unreadable one stops the command, and so does a missing or
 * empty one once the CA has issued (`ERR_STORE_MISSING`: a fresh inventory would publish an
 * empty CRL), as nodeid-server refuses to start on it.
 */
export async function openInventory(dir: string): Promise<Store> {
  try {
    return await openCaInventory(dir, { location: join(dir, INVENTORY_FILE) });
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'ERR_STORE_IO';
    if (code === 'ERR_STORE_MISSING') throw new CliError(code, (e as Error).message);
    throw new CliError(
      code,
      `cannot open the CA inventory ${join(dir, INVENTORY_FILE)}: ${(e as Error).message}`,
    );
  }
}
