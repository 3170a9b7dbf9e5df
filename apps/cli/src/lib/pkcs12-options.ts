/**
 * The PKCS#12 flags, one definition for every command: `--p12-passphrase-file` for the commands
 * that write bundles (`cert issue`, `enroll`) in `--layout pkcs12`, and `--passphrase-file` for
 * the commands that read `.p12`/`.pfx` files (`expiry check`, `cert inspect`). Passphrases come
 * from files only, never from flag values (shell history, process list).
 */
import { CliError, EXIT } from './cli-error.js';
import { readPassphrase } from './passphrase.js';
import type { ScanOptions } from './scan-files.js';

/** Flags of a command that writes bundles. */
export interface Pkcs12WriteFlags {
  layout?: string;
  p12PassphraseFile?: string;
  keyPassphraseFile?: string;
}

/** The yargs option of the writing commands. */
export const PKCS12_WRITE_OPTIONS = {
  'p12-passphrase-file': {
    type: 'string',
    describe:
      'with --layout pkcs12: passphrase of the .p12 files, from this file (default: --key-passphrase-file)',
  },
} as const;

/**
 * The yargs `check` of the writing commands: `--layout pkcs12` needs a passphrase, and
 * `--p12-passphrase-file` goes with `--layout pkcs12` only. Throws the message yargs prints.
 */
export function checkPkcs12Flags(a: Pkcs12WriteFlags): true {
  if (a.p12PassphraseFile !== undefined && a.layout !== 'pkcs12')
    throw new Error('--p12-passphrase-file goes with --layout pkcs12');
  if (a.layout === 'pkcs12' && a.p12PassphraseFile === undefined && !a.keyPassphraseFile)
    throw new Error(
      '--layout pkcs12 needs a passphrase for the .p12 files: --p12-passphrase-file FILE (or --key-passphrase-file FILE)',
    );
  return true;
}

/**
 * The passphrase of the `.p12` files, or `undefined` when the layout is not pkcs12 or the key
 * passphrase is to be used (bundleFiles falls back to it).
 */
export async function pkcs12PassphraseOf(a: Pkcs12WriteFlags): Promise<string | undefined> {
  if (a.layout !== 'pkcs12' || a.p12PassphraseFile === undefined) return undefined;
  return readPassphrase({ passphraseFile: a.p12PassphraseFile });
}

/** Flags of a command that reads PKCS#12 files. */
export interface Pkcs12ReadFlags {
  passphraseFile?: string;
}

/** The yargs option of the reading commands. */
export const PKCS12_READ_OPTIONS = {
  'passphrase-file': {
    type: 'string',
    describe: 'passphrase of the PKCS#12 files (.p12, .pfx) to read, from this file',
  },
} as const;

/** What the scan needs to open PKCS#12 files. */
export async function scanOptionsOf(a: Pkcs12ReadFlags): Promise<ScanOptions> {
  if (a.passphraseFile === undefined) return {};
  const passphrase = await readPassphrase({ passphraseFile: a.passphraseFile });
  if (passphrase === undefined)
    throw new CliError('ERR_PASSPHRASE_REQUIRED', 'the passphrase file is empty', EXIT.USAGE);
  return { passphrase };
}
