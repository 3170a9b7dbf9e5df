/**
 * Writes a bundle (from `bundleFiles`) to disk the way an admin would by hand — a 0700 folder,
 * keys 0600 — but atomically: every file is first written in full to a temporary file in the same
 * folder with its final mode and synced, then renamed into place, so a reader (a TLS reloader, a
 * daemon starting up) never sees half a key, and a refused or failed write changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { chmod, type FileHandle, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BundleFile } from '../bundle/bundle-files.js';
import { NodeIdError } from '../errors.js';
import { assertSafeFileName } from '../lib/file-name.js';

/** Mode of the bundle folder: owner only, as Flocker asks of `/etc/flocker`. */
export const BUNDLE_DIR_MODE = 0o700;

/** Options for {@link writeBundle}. */
export interface WriteBundleOptions {
  /** Replace files that already exist. Without it, any existing file stops the whole write. */
  force?: boolean;
  /**
   * Tighten an existing folder that group or others can access to 0700; default `true`.
   * With `false` the folder is left as it is and a warning is returned.
   */
  fixDirMode?: boolean;
}

/** One written file. */
export interface WrittenFile {
  /** Absolute path. */
  path: string;
  mode: number;
  /** True when an existing file was replaced (only with `force`). */
  replaced: boolean;
}

/** The result of {@link writeBundle}. */
export interface WriteBundleResult {
  /** Absolute path of the folder. */
  dir: string;
  /** True when the folder was created. */
  created: boolean;
  /** The folder's mode before it was tightened, when it was. */
  previousDirMode?: number;
  files: WrittenFile[];
  /** Things the caller should tell the admin, e.g. that the folder's mode was changed. */
  warnings: string[];
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

function ioError(what: string, path: string, cause: unknown): NodeIdError {
  const code = (cause as { code?: string })?.code;
  return new NodeIdError('ERR_FILE_IO', `cannot ${what} ${path}${code ? ` (${code})` : ''}`, {
    cause,
  });
}

/**
 * Writes `files` into `dir`. The folder is created with mode 0700 (parents as needed); an existing
 * folder open to group or others is tightened to 0700 and a warning says so. Before writing
 * anything it checks every file: an existing file (key or certificate) fails the whole write with
 * `ERR_FILE_EXISTS` naming all of them, unless `force`. Each file is written to a temporary file in
 * `dir` with its final mode (whatever the umask), synced, and renamed over its name once every
 * temporary file is complete; the folder is synced last. File names must be plain names
 * (`ERR_NAME_INVALID`); I/O failures are `ERR_FILE_IO`, and leave no temporary file behind.
 *
 * @example
 * ```ts
 * import { bundleFiles, createCa, issueIdentity } from '@nodeid/sdk';
 * import { writeBundle } from '@nodeid/sdk/node';
 *
 * const ca = await createCa({ clusterName: 'flocker.cluster' });
 * const node = await issueIdentity({ ca, name: 'node1.example.net' });
 * const result = await writeBundle('/etc/flocker', await bundleFiles(node, 'flocker'));
 * // /etc/flocker (0700): node.crt 0644, node.key 0600, cluster.crt 0644
 * ```
 */
export async function writeBundle(
  dir: string,
  files: readonly BundleFile[],
  options: WriteBundleOptions = {},
): Promise<WriteBundleResult> {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\0'))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected the path of the bundle folder');
  if (!Array.isArray(files) || files.length === 0)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a non-empty list of bundle files');
  const seen = new Set<string>();
  for (const f of files) {
    assertSafeFileName(f?.path);
    if (typeof f.contents !== 'string' && !(f.contents instanceof Uint8Array))
      throw new NodeIdError('ERR_INVALID_ARGUMENT', `${f.path}: contents must be text or bytes`);
    if (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o777)
      throw new NodeIdError(
        'ERR_INVALID_ARGUMENT',
        `${f.path}: mode must be a number from 0 to 0o777`,
      );
    if (seen.has(f.path))
      throw new NodeIdError('ERR_INVALID_ARGUMENT', `${f.path} appears twice in the bundle`);
    seen.add(f.path);
  }

  const root = resolve(dir);
  const warnings: string[] = [];
  const { created, previousDirMode } = await prepareDir(root, options.fixDirMode ?? true, warnings);

  // Check every target before touching any.
  const existing: string[] = [];
  const replaced = new Set<string>();
  for (const f of files) {
    const target = join(root, f.path);
    const info = await lstat(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw ioError('check', target, e);
    });
    if (!info) continue;
    if (info.isDirectory())
      throw new NodeIdError('ERR_FILE_IO', `${target} is a folder, not a file`);
    existing.push(target);
    replaced.add(f.path);
  }
  if (existing.length > 0 && !options.force)
    throw new NodeIdError(
      'ERR_FILE_EXISTS',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (use force to replace)`,
    );

  // Phase 1: complete temporary files. Phase 2: rename them all into place.
  const temps: { temp: string; target: string }[] = [];
  try {
    for (const f of files) {
      const target = join(root, f.path);
      const temp = join(root, `.${f.path}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push({ temp, target });
      await writeSynced(temp, f.contents, f.mode);
    }
    for (const t of temps) {
      await rename(t.temp, t.target).catch((e) => {
        throw ioError('rename into', t.target, e);
      });
      t.temp = '';
    }
  } catch (e) {
    await Promise.all(temps.filter((t) => t.temp).map((t) => unlink(t.temp).catch(() => {})));
    throw NodeIdError.isInstance(e) ? e : ioError('write', root, e);
  }
  await syncDir(root);

  return {
    dir: root,
    created,
    ...(previousDirMode === undefined ? {} : { previousDirMode }),
    files: files.map((f) => ({
      path: join(root, f.path),
      mode: f.mode,
      replaced: replaced.has(f.path),
    })),
    warnings,
  };
}

/** Creates the folder 0700, or checks (and tightens) an existing one. */
async function prepareDir(
  root: string,
  fix: boolean,
  warnings: string[],
): Promise<{ created: boolean; previousDirMode?: number }> {
  const before = await stat(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw ioError('read', root, e);
  });
  if (!before) {
    await mkdir(root, { recursive: true, mode: BUNDLE_DIR_MODE }).catch((e) => {
      throw ioError('create the folder', root, e);
    });
    // mkdir applies the umask; a umask cannot widen 0700, but set it exactly anyway.
    await chmod(root, BUNDLE_DIR_MODE).catch((e) => {
      throw ioError('set the mode of', root, e);
    });
    return { created: true };
  }
  if (!before.isDirectory()) throw new NodeIdError('ERR_FILE_IO', `${root} is not a folder`);
  const mode = before.mode & 0o777;
  if ((mode & 0o077) === 0) return { created: false };
  if (!fix) {
    warnings.push(
      `${root} has mode ${octal(mode)}: group or others can list the key files; run chmod 0700 ${root}`,
    );
    return { created: false };
  }
  await chmod(root, BUNDLE_DIR_MODE).catch((e) => {
    throw ioError('set the mode of', root, e);
  });
  warnings.push(`${root} had mode ${octal(mode)}; changed it to 0700`);
  return { created: false, previousDirMode: mode };
}

/** Writes a new file exclusively with `mode`, whatever the umask, and syncs it to disk. */
async function writeSynced(
  path: string,
  contents: string | Uint8Array,
  mode: number,
): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'wx', mode);
    await handle.chmod(mode);
    await handle.writeFile(contents);
    await handle.sync();
  } catch (e) {
    throw ioError('write', path, e);
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Syncs a folder so the renames survive a crash; not every platform can (Windows), so best effort. */
async function syncDir(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Directory fsync is unsupported on some platforms and file systems; the files are synced.
  } finally {
    await handle?.close().catch(() => {});
  }
}
