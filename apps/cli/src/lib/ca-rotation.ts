/**
 * What `ca renew`, `ca rotate` and `ca retire-old` share: the file names a rotation adds to the
 * CA folder, loading the CA key once with its passphrase (the new key is encrypted with the
 * same one), and the "what to do next" lines both renew and rotate print.
 */
import { extname } from 'node:path';
import type { Issuer } from '@nodeid/sdk';
import { loadCaFolder } from '@nodeid/sdk/node';
import { type CaConfig, passphraseRequiredAsUsage } from './ca-folder.js';
import { CliError } from './cli-error.js';
import { readPassphrase } from './passphrase.js';

/** File name of the trust bundle (old and new root during a rotation). */
export const BUNDLE_FILE = 'ca-bundle.crt';

/** Byte-for-byte equality (keys, names). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** `ca.crt` → `ca-old.crt`; `cluster.key` → `cluster-old.key` (the Flocker layout). */
export function withSuffix(file: string, suffix: string): string {
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${suffix}${ext}`;
}

/** A compact UTC time for file names: `20261201T235900Z`. */
export function fileStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The CA folder of a rotation or renewal must be a root's: an intermediate renews through its root. */
export function assertRootFolder(dir: string, config: CaConfig, what: string): void {
  if (config.role === 'intermediate')
    throw new CliError(
      'ERR_CA_INVALID',
      `${dir} holds an intermediate CA; it cannot ${what} itself: make a new CSR (nodeid ca init --intermediate), sign it on the root's host (nodeid ca sign) and import it (nodeid ca import)`,
    );
}

/** The loaded CA and the passphrase it was opened with (undefined for an unencrypted key). */
export interface UnlockedCa {
  issuer: Issuer;
  passphrase?: string;
}

/**
 * Loads the folder's CA key, asking for the passphrase once when the key is encrypted, and keeps
 * the passphrase for the key `ca rotate` writes. `allowExpired` lets `ca renew` revive a CA.
 */
export async function unlockCa(
  dir: string,
  config: CaConfig,
  options: { passphraseFile?: string; allowExpired?: boolean },
): Promise<UnlockedCa> {
  let passphrase: string | undefined;
  try {
    const { issuer } = await loadCaFolder(dir, {
      allowExpired: options.allowExpired,
      passphrase: async () => {
        passphrase = await readPassphrase({
          passphraseFile: options.passphraseFile,
          prompt: 'CA key passphrase',
        });
        return passphrase;
      },
    });
    return { issuer, passphrase: config.keyEncrypted ? passphrase : undefined };
  } catch (e) {
    throw passphraseRequiredAsUsage(e);
  }
}

/** What to tell the admin after the CA's certificate or key changed. */
export function nextSteps(dir: string, bundlePath: string, rotated: boolean): string[] {
  return [
    `restart nodeid-server (--ca ${dir}) so it serves the new bundle at /v1/ca/bundle${rotated ? ', signs with the new key and accepts renewals from leaves of either key' : ''}`,
    `distribute the trust bundle ${bundlePath}: nodes running \`nodeid agent\` fetch /v1/ca/bundle and follow it by themselves; elsewhere run \`nodeid trust install ${bundlePath}\` (or copy it over each node's CA file)`,
    ...(rotated
      ? [
          'let the nodes renew onto the new key: agents do it by themselves at two thirds of each lifetime; by hand `nodeid cert renew <node.crt>`',
          `when no valid certificate of the old key remains, drop the old root: \`nodeid ca retire-old --dir ${dir}\``,
        ]
      : [
          'certificates already issued keep working: the key, name and key identifier are unchanged',
        ]),
  ];
}
