/**
 * The operating system's trust store, for `trust install` and `trust uninstall`: which one this
 * system uses (from os-release, else from the folders present), where CA files go, and the command
 * that rebuilds the bundle programs read. Every path can be put under a root folder (a chroot, or
 * a test's temporary folder); the rebuild command is only run on the real system.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import type { Certificate } from '@nodeid/sdk';
import type { Argv } from 'yargs';
import { CliError, EXIT } from './cli-error.js';
import { isSafeBaseName } from './csr-names.js';

/** Trust store families nodeid knows. */
export type TrustSystem = 'debian' | 'rhel' | 'suse' | 'arch' | 'alpine';

/** All known families. */
export const TRUST_SYSTEMS: readonly TrustSystem[] = ['debian', 'rhel', 'suse', 'arch', 'alpine'];

/** How one family stores extra CAs. */
export interface TrustStore {
  system: TrustSystem;
  /** Who uses it, for messages. */
  description: string;
  /** Folder of extra CA files on the target system (not prefixed with the root). */
  anchorDir: string;
  /** The command that rebuilds the system bundle, as argv. */
  update: string[];
  /** The command that rebuilds it after a CA was removed, when not `update`. */
  updateAfterRemoval?: string[];
  /**
   * Debian's hooks (`update-ca-certificates(8)`: Java's cacerts, …), told of a removal on stdin
   * as `-<link in etcCertsDir>` lines, since update-ca-certificates tells them only of additions
   * when a local CA file is deleted.
   */
  removalHooks?: { hooksDir: string; etcCertsDir: string };
}

const STORES: Record<TrustSystem, Omit<TrustStore, 'system'>> = {
  debian: {
    description: 'Debian, Ubuntu and derivatives',
    anchorDir: '/usr/local/share/ca-certificates',
    update: ['update-ca-certificates'],
    // without --fresh, deleting a local CA leaves its symlink and hash link in /etc/ssl/certs
    // dangling (update-ca-certificates only removes links of "!"-entries of ca-certificates.conf)
    updateAfterRemoval: ['update-ca-certificates', '--fresh'],
    removalHooks: { hooksDir: '/etc/ca-certificates/update.d', etcCertsDir: '/etc/ssl/certs' },
  },
  rhel: {
    description: 'RHEL, Fedora, CentOS, Rocky, AlmaLinux, Amazon Linux',
    anchorDir: '/etc/pki/ca-trust/source/anchors',
    update: ['update-ca-trust', 'extract'],
  },
  suse: {
    description: 'openSUSE and SLES',
    anchorDir: '/etc/pki/trust/anchors',
    update: ['update-ca-certificates'],
  },
  arch: {
    description: 'Arch Linux and derivatives',
    anchorDir: '/etc/ca-certificates/trust-source/anchors',
    update: ['update-ca-trust'],
  },
  alpine: {
    description: 'Alpine Linux',
    anchorDir: '/usr/local/share/ca-certificates',
    update: ['update-ca-certificates'],
  },
};

/** The store of a family. */
export function trustStoreOf(system: TrustSystem): TrustStore {
  return { system, ...STORES[system] };
}

/** Reads `ID` and `ID_LIKE` of os-release(5) under `root`. */
async function readOsRelease(
  root: string,
): Promise<{ id: string; like: string[]; name?: string } | undefined> {
  for (const path of ['etc/os-release', 'usr/lib/os-release']) {
    const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const fields: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) fields[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
    }
    return {
      id: (fields.ID ?? '').toLowerCase(),
      like: (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
      name: fields.PRETTY_NAME,
    };
  }
  return undefined;
}

function familyOf(ids: string[]): TrustSystem | undefined {
  for (const id of ids) {
    if (id === 'alpine') return 'alpine';
    if (['debian', 'ubuntu', 'linuxmint', 'raspbian', 'pop', 'kali', 'devuan'].includes(id))
      return 'debian';
    if (['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'ol', 'amzn', 'scientific'].includes(id))
      return 'rhel';
    if (id === 'suse' || id === 'sles' || id.startsWith('opensuse')) return 'suse';
    if (['arch', 'manjaro', 'endeavouros'].includes(id)) return 'arch';
  }
  return undefined;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** What to tell an admin whose system nodeid cannot handle, in one line. */
export function manualSteps(caPath: string): string {
  return `copy ${caPath} to the folder of local CAs of your system and run its update command by hand (macOS: sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caPath}; Windows: certutil -addstore -f Root ${caPath}), or name the family with --system ${TRUST_SYSTEMS.join('|')}`;
}

/**
 * The trust store of the system under `root`: `--system` when given, else the family named by
 * os-release, else the first anchor folder that exists. Throws a CliError saying what to do by
 * hand when none fits.
 */
export async function detectTrustStore(
  root: string,
  caPath: string,
  system?: TrustSystem,
): Promise<TrustStore> {
  if (system) return trustStoreOf(system);
  const onHost = resolve(root) === '/';
  if (onHost && process.platform !== 'linux') {
    throw new CliError(
      'ERR_TRUST_UNSUPPORTED',
      `nodeid installs CAs on Linux only (this is ${process.platform}); ${manualSteps(caPath)}`,
    );
  }
  const os = await readOsRelease(root);
  const family = os && familyOf([os.id, ...os.like]);
  if (family) return trustStoreOf(family);
  for (const s of ['rhel', 'debian', 'suse', 'arch'] as TrustSystem[]) {
    if (await isDir(join(root, STORES[s].anchorDir))) return trustStoreOf(s);
  }
  const what = os
    ? `${os.name ?? os.id} (os-release ID=${os.id || 'none'})`
    : 'this system (no os-release, no known CA folder)';
  throw new CliError(
    'ERR_TRUST_UNSUPPORTED',
    `cannot tell where ${what} keeps local CAs; ${manualSteps(caPath)}`,
  );
}

/** A file name for the CA in the anchor folder, from its subject: `nodeid-<cn>.crt`. */
export function anchorFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 100);
  return `${slug.startsWith('nodeid') ? slug : `nodeid-${slug || 'ca'}`}.crt`;
}

/** The file name for `--name` (`.crt` added when missing); refuses anything but a plain file name. */
export function anchorNameOption(name: string): string {
  const file = name.endsWith('.crt') ? name : `${name}.crt`;
  if (!isSafeBaseName(file))
    throw new CliError(
      'ERR_NAME_INVALID',
      `"${name}" cannot name a file in the trust store`,
      EXIT.USAGE,
    );
  return file;
}

/** The file name of a CA in the anchor folder: `--name`, else one made from its common name. */
export function anchorNameFor(name: string | undefined, cert: Certificate): string {
  if (name !== undefined) return anchorNameOption(name);
  const cn = cert.subject.rdns.flat().find((a) => a.type === 'CN')?.value;
  return anchorFileName(cn || cert.subject.text);
}

/** Writes a file atomically with mode 0644 (a trust anchor is public), creating its folder 0755. */
export async function writePublicFile(
  dir: string,
  name: string,
  contents: string,
): Promise<string> {
  const target = join(dir, name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(contents);
      await handle.chmod(0o644);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  await chmod(target, 0o644);
  return target;
}

/** Files in the anchor folder, for finding an installed CA by content. */
export async function anchorFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).map((n) => join(dir, n));
}

/** Turns a file system error into a CliError that says what to do (usually: run as root). */
export function fileError(e: unknown, what: string, path: string): CliError {
  const code = (e as { code?: string })?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new CliError(
      'ERR_PERMISSION',
      `cannot ${what} ${path}: permission denied; run it as root (sudo nodeid ...)`,
      EXIT.ERROR,
    );
  }
  return new CliError(
    'ERR_FILE_IO',
    `cannot ${what} ${path}: ${(e as Error)?.message ?? String(e)}`,
    EXIT.ERROR,
  );
}

/** The options both trust commands take. */
export interface TrustOptions {
  root: string;
  system?: TrustSystem;
  dryRun: boolean;
}

/** Adds `--system`, `--dry-run` and `--root` to a trust command. */
export function withTrustOptions<T>(y: Argv<T>) {
  return y
    .option('system', {
      choices: TRUST_SYSTEMS as TrustSystem[],
      describe: 'trust store family (default: detected from /etc/os-release)',
    })
    .option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'print the exact steps without doing them',
    })
    .option('root', {
      type: 'string',
      default: '/',
      describe:
        'prefix every system path with this folder (a chroot or an image being built, or tests); the update command is then not run',
    });
}

/** Whether the update follows an installation or a removal. */
export type TrustChange = 'install' | 'uninstall';

/** The update command, as argv, after `change`. */
export function updateCommandOf(store: TrustStore, change: TrustChange = 'install'): string[] {
  return change === 'uninstall' ? (store.updateAfterRemoval ?? store.update) : store.update;
}

/** The shell line of the update command, as run on the host or inside `root`. */
export function updateCommandLine(
  store: TrustStore,
  root: string,
  change: TrustChange = 'install',
): string {
  const line = updateCommandOf(store, change).join(' ');
  return resolve(root) === '/' ? line : `chroot ${root} ${line}`;
}

/**
 * The lines the removal hooks read for removed anchor files: `-<etcCertsDir>/<name>.pem`, the
 * link update-ca-certificates made for each (its `add()`: `.crt` dropped, spaces and commas to
 * `_`, parentheses to `=`). Empty for stores without removal hooks.
 */
export function removalHookInput(store: TrustStore, anchorNames: string[]): string[] {
  const hooks = store.removalHooks;
  if (!hooks) return [];
  return anchorNames.map((name) => {
    const base = name
      .replace(/\.crt$/, '')
      .replace(/[ ,]/g, '_')
      .replace(/[()]/g, '=');
    return `-${posix.join(hooks.etcCertsDir, `${base}.pem`)}`;
  });
}

/** The shell line that tells the removal hooks, as run on the host or inside `root`. */
export function removalHookLine(
  store: TrustStore,
  root: string,
  input: string[],
): string | undefined {
  if (!store.removalHooks || input.length === 0) return undefined;
  const loop = `for hook in ${store.removalHooks.hooksDir}/*; do printf '%s\\n' ${input.map((l) => `'${l}'`).join(' ')} | "$hook"; done`;
  return resolve(root) === '/' ? loop : `chroot ${root} sh -c '${loop.replace(/'/g, `'\\''`)}'`;
}

/**
 * Feeds `input` to each hook of the store on the real system (only when `root` is `/`), as
 * update-ca-certificates runs them: the executable files of the hooks folder whose names
 * run-parts accepts, in name order. A hook that fails is reported, as update-ca-certificates does.
 */
export async function runRemovalHooks(
  store: TrustStore,
  root: string,
  input: string[],
  json: boolean,
): Promise<{ ran: string[]; failed: string[]; note?: string }> {
  if (!store.removalHooks || input.length === 0) return { ran: [], failed: [] };
  if (resolve(root) !== '/')
    return { ran: [], failed: [], note: 'not run because --root is set: run them inside the root' };
  const dir = store.removalHooks.hooksDir;
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) =>
    /^[A-Za-z0-9_-]+$/.test(n),
  );
  const ran: string[] = [];
  const failed: string[] = [];
  for (const name of names.sort()) {
    const hook = join(dir, name);
    const info = await stat(hook).catch(() => undefined);
    if (!info?.isFile() || (info.mode & 0o111) === 0) continue;
    const r = spawnSync(hook, [], {
      input: `${input.join('\n')}\n`,
      stdio: ['pipe', json ? 2 : 'inherit', 'inherit'],
    });
    (r.status === 0 ? ran : failed).push(hook);
  }
  return { ran, failed };
}

/**
 * Runs the store's update command on the real system (only when `root` is `/`). Its output goes
 * to stderr when standard output carries JSON. Throws a CliError when it cannot run or fails.
 */
export function runUpdate(
  store: TrustStore,
  root: string,
  json: boolean,
  change: TrustChange = 'install',
): { ran: boolean; note?: string } {
  if (resolve(root) !== '/') {
    return {
      ran: false,
      note: `not run because --root is set: run it inside the root: ${updateCommandLine(store, root, change)}`,
    };
  }
  const update = updateCommandOf(store, change);
  const [command, ...args] = update;
  const r = spawnSync(command!, args, { stdio: ['ignore', json ? 2 : 'inherit', 'inherit'] });
  if (r.error) {
    const missing = (r.error as { code?: string }).code === 'ENOENT';
    throw new CliError(
      'ERR_TRUST_UPDATE',
      missing
        ? `${command} is not installed (package ca-certificates); install it and run: ${update.join(' ')}`
        : `cannot run ${update.join(' ')}: ${r.error.message}`,
    );
  }
  if (r.status !== 0)
    throw new CliError(
      'ERR_TRUST_UPDATE',
      `${update.join(' ')} failed (exit ${r.status ?? r.signal}); the CA file is in place, run it again once fixed`,
    );
  return { ran: true };
}

/** Node.js reads only its own CA list, never the system store: the sentence every trust command ends with. */
export function nodeNote(systemPath: string, installed: boolean): string {
  return installed
    ? `note: Node.js does not use the system trust store. Start Node programs with NODE_EXTRA_CA_CERTS=${systemPath} (e.g. NODE_EXTRA_CA_CERTS=${systemPath} node app.js), or pass the CA as the "ca" option of tls/https.`
    : `note: Node.js does not use the system trust store: where NODE_EXTRA_CA_CERTS=${systemPath} was set for this CA, remove it too.`;
}
