/**
 * The options every command on a CA folder shares, declared once: `--dir` (the folder) and, for
 * the commands that sign with the CA key, `--passphrase-file`; and the one way those commands
 * load the folder from them. A command adds its own options after these.
 */
import type { Argv } from 'yargs';
import { type CaConfig, type LoadedCa, loadCa, readCaConfig, resolveCaDir } from './ca-folder.js';
import { assertRootFolder } from './ca-rotation.js';
import type { GlobalArgs } from './command.js';

/** Arguments of a command that works on a CA folder (`--dir`). */
export interface CaDirArgs extends GlobalArgs {
  /** `--dir`: the CA folder (else `$NODEID_CA_DIR`, else `~/.nodeid/ca`). */
  dir?: string;
}

/** Arguments of a command that signs with the CA key (`--dir`, `--passphrase-file`). */
export interface CaKeyArgs extends CaDirArgs {
  /** `--passphrase-file`: the CA key's passphrase (else `$NODEID_CA_PASSPHRASE`, else a prompt). */
  passphraseFile?: string;
}

/** Adds the `--dir` option of commands that work on the CA folder. */
export function withCaDir<T>(y: Argv<T>) {
  return y.option('dir', {
    type: 'string',
    describe: 'CA folder (default: $NODEID_CA_DIR, else ~/.nodeid/ca)',
  });
}

/** Adds `--passphrase-file` for commands that use the CA key. */
export function withPassphrase<T>(y: Argv<T>) {
  return y.option('passphrase-file', {
    type: 'string',
    describe:
      'file holding the CA key passphrase (else $NODEID_CA_PASSPHRASE, else a prompt on a terminal)',
  });
}

/**
 * Adds the options of commands that sign with the CA key: `--dir` and `--passphrase-file`.
 *
 * @example
 * ```ts
 * builder: (y) => withCaKey(y).option('days', { type: 'number', default: 7 })
 * ```
 */
export function withCaKey<T>(y: Argv<T>) {
  return withPassphrase(withCaDir(y));
}

/**
 * Loads the CA named by `--dir` with its key unlocked by `--passphrase-file` (or the
 * environment, or a prompt) and opens its inventory; the caller closes `store`.
 *
 * @example
 * ```ts
 * const ca = await loadCaOf(args);
 * try { ... } finally { await ca.store.close(); }
 * ```
 */
export function loadCaOf(args: CaKeyArgs, options: { now?: Date } = {}): Promise<LoadedCa> {
  return loadCa(resolveCaDir(args.dir), { passphraseFile: args.passphraseFile, now: options.now });
}

/**
 * The root CA folder named by `--dir` and its config, for the commands that change the root
 * itself (`ca renew`, `ca rotate`): refused before any passphrase is asked when it is an
 * intermediate's folder (`what` names the command in the message).
 */
export async function openRootFolder(
  args: CaDirArgs,
  what: string,
): Promise<{ dir: string; config: CaConfig }> {
  const dir = resolveCaDir(args.dir);
  const config = await readCaConfig(dir);
  assertRootFolder(dir, config, what);
  return { dir, config };
}
