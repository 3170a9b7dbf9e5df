/**
 * Writes a bundle (from `bundleFiles`) to disk the way an admin would by hand — a 0700 folder,
 * keys 0600 — but atomically: every file is first written in full to a temporary file in the same
 * folder with its final mode and synced, then renamed into place, so a reader (a TLS reloader, a
 * daemon starting up) never sees half a key, and a refused or failed write changes nothing.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import {
  chmod,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BundleFile } from '../bundle/bundle-files.js';
import { NodeIdError } from '../errors.js';
import { assertSafeFileName } from '../lib/file-name.js';
import { type BatchSync, chooseBatchSync, syncFilesystem } from './sync-filesystem.js';

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

const fsyncAsync = promisify(fsync);

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
  checkBundleFiles(files);

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

/**
 * Writes a new file exclusively with `mode`, whatever the umask (`exact`: the umask is known to
 * keep it, so no chmod is needed), and syncs it to disk unless `sync` is false (its caller syncs
 * it).
 */
async function writeSynced(
  path: string,
  contents: string | Uint8Array,
  mode: number,
  exact = false,
  sync = true,
): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'wx', mode);
    if (!exact) await handle.chmod(mode);
    await handle.writeFile(contents);
    if (sync) await handle.sync();
  } catch (e) {
    throw ioError('write', path, e);
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Whether a folder's fsync failed only because the platform or file system cannot sync folders. */
function folderSyncUnsupported(e: NodeJS.ErrnoException): boolean {
  return ['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EBADF'].includes(e?.code ?? '');
}

/**
 * Syncs a folder so the renames survive a crash; not every platform can (Windows), so best
 * effort. With `strict`, a failure other than "not supported here" is an `ERR_FILE_IO`: a staged
 * batch must not be committed when its folders may not be on disk.
 */
async function syncDir(path: string, strict = false): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (e) {
    // Directory fsync is unsupported on some platforms and file systems; the files are synced.
    if (strict && !folderSyncUnsupported(e as NodeJS.ErrnoException))
      throw ioError('sync', path, e);
  } finally {
    await handle?.close().catch(() => {});
  }
}

// ---- many bundles at once ----------------------------------------------------------------------

/** Name of the manifest of a staged batch (see {@link writeBundleBatch}). */
const BATCH_MANIFEST = 'batch.json';

/** One bundle of {@link writeBundleBatch}. */
export interface BundleBatchEntry {
  /**
   * A plain file name unique in the batch that names the bundle while it is staged, and by which
   * {@link recoverBundleBatches} asks whether it was committed (e.g. the certificate's serial).
   */
  id: string;
  /** The bundle's folder. */
  dir: string;
  files: readonly BundleFile[];
}

/** Options for {@link writeBundleBatch}. */
export interface WriteBundleBatchOptions {
  /**
   * The staging folder: on the file system of every bundle folder (a rename cannot cross file
   * systems), and used by nothing else. Created 0700. Bundles are written there under a hidden
   * batch folder, never visible at their names before `commit` has returned.
   */
  staging: string;
  /** Replace files that already exist (per file, as {@link writeBundle} does). */
  force?: boolean;
  /**
   * Called once every staged bundle is durable, with the indexes of the entries that were staged
   * (an entry whose files exist, or that could not be written, is left out and fails alone). The
   * bundles become visible only after it resolves; when it rejects, the staged bundles are
   * removed and the error is thrown. This is where the caller records what it issued.
   */
  commit: (staged: number[]) => Promise<void>;
  /** How the batch is made durable; default the best the staging folder allows ({@link stagingSync}). */
  sync?: BatchSync;
}

/** What became of one entry of {@link writeBundleBatch}. */
export type BundleBatchOutcome =
  | { ok: true; result: WriteBundleResult }
  | { ok: false; error: NodeIdError };

/** What {@link recoverBundleBatches} did. */
export interface RecoverBundleBatchesResult {
  /** Folders of committed bundles it moved into place. */
  published: string[];
  /** Ids of staged bundles that were never committed, removed. */
  discarded: string[];
  /** Folders of committed bundles it could not place (another folder is there now), left staged. */
  blocked: string[];
}

interface BatchManifest {
  entries: { id: string; dir: string }[];
  force: boolean;
}

/**
 * Writes many bundles durably at the cost of a few disk syncs per batch instead of several per
 * file, with an explicit commit point. The order, and why a crash at any moment leaves every
 * visible bundle complete and committed:
 *
 * 1. every bundle is written in full, with its final modes, into its own folder under a fresh
 *    hidden batch folder of `staging`, next to a manifest naming each bundle's id and folder;
 *    the files, each staged folder, the manifest and the batch folder are made durable: with
 *    one syncfs(2) of their file system where it reports errors (`sync: 'filesystem'`, Linux
 *    5.8 and later), else with an fsync of each, all issued at once so the disk groups them;
 * 2. `commit(staged)` runs (the caller's inventory transaction): the commit point;
 * 3. each staged folder is renamed to its bundle folder (one atomic rename; with `force` and an
 *    existing folder, its files are renamed into it one by one, as {@link writeBundle} does),
 *    then each parent folder is synced once, and the batch folder is removed.
 *
 * A crash before 2 leaves only hidden staged files; after 2, committed bundles whose rename had
 * not happened yet are still staged with their manifest. {@link recoverBundleBatches}, run before
 * the next batch, publishes the committed ones and removes the others. Bundle folders are created
 * 0700; file names must be plain names (`ERR_NAME_INVALID`), an entry whose files exist fails
 * with `ERR_FILE_EXISTS` unless `force`, and I/O failures are `ERR_FILE_IO`, for that entry alone.
 *
 * @example
 * ```ts
 * const outcomes = await writeBundleBatch(
 *   identities.map((id, i) => ({ id: id.certificate.serialNumber, dir: `certs/node${i}`, files: files[i] })),
 *   { staging: 'certs/.nodeid-staging', commit: (staged) => store.recordCertificates(staged.map(recordOf)) },
 * );
 * ```
 */
export async function writeBundleBatch(
  entries: readonly BundleBatchEntry[],
  options: WriteBundleBatchOptions,
): Promise<BundleBatchOutcome[]> {
  if (!Array.isArray(entries))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a list of bundles');
  if (typeof options?.commit !== 'function')
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a commit function');
  const outcomes: (BundleBatchOutcome | undefined)[] = entries.map(() => undefined);
  refuseRepeats(entries, outcomes);
  const sync = options.sync ?? (await stagingSync(options.staging));
  const batch = await openBundleBatch(options.staging);
  const toStage = entries.flatMap((entry, i) => (outcomes[i] ? [] : [{ i, entry }]));
  let errors: (NodeIdError | undefined)[];
  try {
    errors = await stageBundles(
      batch,
      toStage.map((s) => s.entry),
      { force: options.force, sync },
    );
  } catch (e) {
    await rm(batch, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  const staged: { i: number; entry: BundleBatchEntry }[] = [];
  toStage.forEach((s, k) => {
    const error = errors[k];
    if (error) outcomes[s.i] = { ok: false, error };
    else staged.push(s);
  });
  const published = await commitBundleBatch(
    batch,
    staged.map((s) => s.entry),
    {
      force: options.force,
      sync,
      commit: (indexes) => options.commit(indexes.map((k) => staged[k]!.i)),
    },
  );
  published.forEach((o, k) => {
    outcomes[staged[k]!.i] = o;
  });
  return outcomes as BundleBatchOutcome[];
}

/** A staged bundle as {@link commitBundleBatch} needs it: its files' names and modes, not their contents. */
export interface StagedBundleEntry {
  /** The id it was staged under. */
  id: string;
  /** The bundle's folder. */
  dir: string;
  files: readonly { path: string; mode: number }[];
}

/**
 * Creates the staging folder of {@link openBundleBatch} when it is missing (0700, synced into its
 * parent) and answers how batches staged there are best made durable: `filesystem` (one
 * syncfs(2) per batch) where a probe sync of it succeeds on Linux 5.8 or later, else `file`.
 * Pass the answer as `sync` to {@link stageBundles} and {@link commitBundleBatch} of every batch.
 */
export async function stagingSync(staging: string): Promise<BatchSync> {
  if (typeof staging !== 'string' || staging.length === 0 || staging.includes('\0'))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected the path of the staging folder');
  const root = resolve(staging);
  await ensureStaging(root);
  return chooseBatchSync(root);
}

/**
 * Step 1 of {@link writeBundleBatch} on its own: a fresh hidden batch folder (0700) under the
 * staging folder (created 0700 and synced into its parent the first time). Bundles are staged
 * into it with {@link stageBundles}, from any thread of the process, and committed with
 * {@link commitBundleBatch}. Answers its path.
 */
export async function openBundleBatch(staging: string): Promise<string> {
  if (typeof staging !== 'string' || staging.length === 0 || staging.includes('\0'))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected the path of the staging folder');
  const root = resolve(staging);
  await ensureStaging(root);
  const batch = join(root, `batch-${Date.now()}-${randomBytes(6).toString('hex')}`);
  await mkdir(batch, { mode: BUNDLE_DIR_MODE }).catch((e) => {
    throw ioError('create the folder', batch, e);
  });
  return batch;
}

/**
 * Writes bundles into a batch folder of {@link openBundleBatch}, each under its id: the files
 * with their final modes and each staged folder, synced (fsync) with the default `sync: 'file'`;
 * with `sync: 'filesystem'` they are only written, and {@link commitBundleBatch} (given the same
 * `sync`) makes the whole batch durable at once. Nothing is visible at the bundles' folders. Answers, per entry, `undefined` once it is staged, or why it is not: its
 * files exist at its folder (`ERR_FILE_EXISTS`, unless `force`), a bad name or file list
 * (`ERR_NAME_INVALID`, `ERR_INVALID_ARGUMENT`), an I/O failure (`ERR_FILE_IO`). Several calls may
 * stage disjoint entries into one batch at once, from different threads.
 */
export async function stageBundles(
  batch: string,
  entries: readonly BundleBatchEntry[],
  options: { force?: boolean; sync?: BatchSync } = {},
): Promise<(NodeIdError | undefined)[]> {
  const root = resolve(batch);
  const errors: (NodeIdError | undefined)[] = entries.map(() => undefined);
  const fail = (i: number, e: unknown, what = 'write') => {
    errors[i] ??= NodeIdError.isInstance(e) ? e : ioError(what, resolve(entries[i]!.dir), e);
  };
  const modes = exactModes();
  const later = options.sync === 'filesystem';
  // every file and folder is created first, with no sync in flight (a create waits for a
  // running journal commit), then all of them are synced at once, so the disk groups the syncs
  let written: StagedBundle[] = [];
  let open = 0;
  const syncWritten = async () => {
    try {
      await syncStaged(written, fail);
    } finally {
      for (const w of written) for (const f of w.fds) closeSync(f.fd);
      written = [];
      open = 0;
    }
  };
  try {
    for (const [i, entry] of entries.entries()) {
      try {
        checkEntry(entry);
        const existing = existingFiles(resolve(entry.dir), entry.files);
        if (existing.length > 0 && !options.force)
          throw new NodeIdError(
            'ERR_FILE_EXISTS',
            `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (use force to replace)`,
          );
        const bundle = stageBundle(join(root, entry.id), entry.files, modes, later);
        if (later) continue;
        written.push({ index: i, ...bundle });
        open += bundle.fds.length;
      } catch (e) {
        fail(i, e);
      }
      // bounded: never more than MAX_OPEN_FILES descriptors held at once
      if (open >= MAX_OPEN_FILES) await syncWritten();
    }
    await syncWritten();
  } finally {
    for (const w of written) for (const f of w.fds) closeSync(f.fd);
  }
  return errors;
}

/**
 * Steps 2 and 3 of {@link writeBundleBatch} for bundles {@link stageBundles} staged into
 * `batch`: the manifest (synced, with the batch folder; with `sync: 'filesystem'`, the whole
 * batch with one syncfs(2)), then `commit` (the commit point), then
 * each staged folder renamed into place and each parent folder synced once; the batch folder is
 * removed. When `commit` rejects, the batch folder is removed and its error thrown: nothing was
 * committed. Answers the outcome of each entry (a failure to move one into place fails it alone).
 * One batch of {@link commitBundleBatches}.
 */
export async function commitBundleBatch(
  batch: string,
  entries: readonly StagedBundleEntry[],
  options: {
    force?: boolean;
    /** As given to {@link stageBundles}; `filesystem` syncs the batch's file system here. */
    sync?: BatchSync;
    commit: (staged: number[]) => Promise<void>;
  },
): Promise<BundleBatchOutcome[]> {
  const [outcomes] = await commitBundleBatches([{ batch, entries }], {
    force: options.force,
    sync: options.sync,
    commit: ([staged]) => options.commit(staged ?? []),
  });
  return outcomes ?? [];
}

/**
 * {@link commitBundleBatch} for several staged batches at once, with one commit point for all of
 * them (a group commit): each batch's manifest, then one syncfs(2) per staging folder with
 * `sync: 'filesystem'` (else each manifest and batch folder synced), then ONE `commit` call,
 * given the staged indexes of each batch in order, then every bundle renamed into place and each
 * parent synced once. Each batch keeps its own manifest, so {@link recoverBundleBatches} after
 * a crash publishes exactly the bundles `commit` recorded, of any batch. When `commit` rejects,
 * every batch folder is removed and its error thrown. Answers the outcomes of each batch.
 */
export async function commitBundleBatches(
  batches: readonly { batch: string; entries: readonly StagedBundleEntry[] }[],
  options: {
    force?: boolean;
    /** As given to {@link stageBundles}; `filesystem` syncs the batches' file systems here. */
    sync?: BatchSync;
    commit: (staged: number[][]) => Promise<void>;
  },
): Promise<BundleBatchOutcome[][]> {
  const roots = batches.map((b) => resolve(b.batch));
  const removeAll = () =>
    Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }).catch(() => {})));
  const outcomes: (BundleBatchOutcome | undefined)[][] = batches.map((b) =>
    b.entries.map(() => undefined),
  );
  const targets = batches.map((b) => b.entries.map((e) => resolve(e.dir)));
  try {
    if (batches.every((b) => b.entries.length === 0)) {
      await removeAll();
      return batches.map(() => []);
    }
    const filesystem = options.sync === 'filesystem';
    // the staged files, their folders, each manifest and each batch folder; with one syncfs(2)
    // of each staging folder's file system, a manifest cut short by a crash before it does not
    // parse, and its batch is removed
    await Promise.all(
      batches.map(async (b, k) => {
        const manifest: BatchManifest = {
          entries: b.entries.map((e, i) => ({ id: e.id, dir: targets[k]![i]! })),
          force: options.force === true,
        };
        const path = join(roots[k]!, BATCH_MANIFEST);
        if (filesystem) await writeSynced(path, JSON.stringify(manifest), 0o600, false, false);
        else {
          await writeSynced(path, JSON.stringify(manifest), 0o600);
          await syncDir(roots[k]!, true);
        }
      }),
    );
    if (filesystem)
      for (const staging of new Set(roots.map((root) => dirname(root))))
        await syncFilesystem(staging);

    // 2. the commit point
    try {
      await options.commit(batches.map((b) => b.entries.map((_, i) => i)));
    } catch (e) {
      // the caller's own error, as it is
      throw { commitFailed: e };
    }

    // 3. publish: rename into place, sync each parent once
    const synced = new Set<string>();
    await Promise.all(
      batches.flatMap((b, k) =>
        b.entries.map(async (entry, i) => {
          const target = targets[k]![i]!;
          try {
            outcomes[k]![i] = {
              ok: true,
              result: await publish(join(roots[k]!, entry.id), target, entry.files, synced),
            };
          } catch (e) {
            outcomes[k]![i] = {
              ok: false,
              error: NodeIdError.isInstance(e) ? e : ioError('move into place', target, e),
            };
          }
        }),
      ),
    );
    await Promise.all([...synced].map((dir) => syncDir(dir)));
    await removeAll();
    return outcomes as BundleBatchOutcome[][];
  } catch (e) {
    // only before the commit point (publish failures are per entry): nothing was committed
    await removeAll();
    if (e && typeof e === 'object' && 'commitFailed' in e) throw e.commitFailed;
    throw NodeIdError.isInstance(e) ? e : ioError('write', roots[0] ?? '', e);
  }
}

/** Marks entries with a bad shape, a repeated id or a repeated folder as failed. */
function refuseRepeats(
  entries: readonly BundleBatchEntry[],
  outcomes: (BundleBatchOutcome | undefined)[],
): void {
  const ids = new Set<string>();
  const dirs = new Set<string>();
  entries.forEach((entry, i) => {
    try {
      checkEntry(entry);
      if (ids.has(entry.id))
        throw new NodeIdError('ERR_INVALID_ARGUMENT', `bundle id ${entry.id} appears twice`);
      // two bundles for one folder would both be committed, and only one could be put there
      const dir = resolve(entry.dir);
      if (dirs.has(dir))
        throw new NodeIdError('ERR_INVALID_ARGUMENT', `two bundles of the batch go to ${dir}`);
      ids.add(entry.id);
      dirs.add(dir);
    } catch (e) {
      outcomes[i] = {
        ok: false,
        error: NodeIdError.isInstance(e) ? e : ioError('write', String(entry?.dir), e),
      };
    }
  });
}

/**
 * Finishes what a crashed {@link writeBundleBatch} left in `staging`: each staged bundle whose id
 * `isCommitted` confirms is moved into place (as step 3 would have), every other one is removed,
 * and so is a batch without a complete manifest (it crashed before its commit point). Run it
 * before writing new batches into the same staging folder; a missing staging folder is fine.
 */
export async function recoverBundleBatches(
  staging: string,
  isCommitted: (id: string) => Promise<boolean>,
): Promise<RecoverBundleBatchesResult> {
  const root = resolve(staging);
  const result: RecoverBundleBatchesResult = { published: [], discarded: [], blocked: [] };
  const batches = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw ioError('read', root, e);
  });
  for (const name of batches.filter((n) => n.startsWith('batch-'))) {
    const batch = join(root, name);
    const manifest = await readFile(join(batch, BATCH_MANIFEST), 'utf8')
      .then((text) => JSON.parse(text) as BatchManifest)
      .catch(() => undefined);
    let keep = false;
    for (const entry of manifest?.entries ?? []) {
      const staged = join(batch, entry.id);
      if (!(await stat(staged).catch(() => undefined))) continue; // already in place
      if (!(await isCommitted(entry.id))) {
        result.discarded.push(entry.id);
        continue;
      }
      const files = (await readdir(staged)).map((path) => ({ path }));
      const exists = await stat(entry.dir).catch(() => undefined);
      if (exists && !manifest!.force) {
        result.blocked.push(entry.dir);
        keep = true;
        continue;
      }
      const synced = new Set<string>();
      await publish(staged, entry.dir, files, synced);
      await Promise.all([...synced].map((dir) => syncDir(dir)));
      result.published.push(entry.dir);
    }
    if (!keep) await rm(batch, { recursive: true, force: true });
  }
  return result;
}

function checkEntry(entry: BundleBatchEntry): void {
  if (typeof entry?.dir !== 'string' || entry.dir.length === 0 || entry.dir.includes('\0'))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected the path of the bundle folder');
  assertSafeFileName(entry.id, 'the bundle id');
  checkBundleFiles(entry.files);
}

/** The staging folder, 0700, created once and synced into its parent. */
async function ensureStaging(staging: string): Promise<void> {
  const info = await stat(staging).catch(() => undefined);
  if (info?.isDirectory()) return;
  await mkdir(staging, { recursive: true, mode: BUNDLE_DIR_MODE }).catch((e) => {
    throw ioError('create the folder', staging, e);
  });
  await chmod(staging, BUNDLE_DIR_MODE).catch((e) => {
    throw ioError('set the mode of', staging, e);
  });
  await syncDir(dirname(staging));
}

/**
 * Whether files opened with mode 0600/0644 and folders with 0700 get exactly those modes under
 * the process's umask (the usual 022 or 077 keeps them), so the chmod after each create can be
 * skipped; `process.umask()` without an argument only reads it.
 */
function exactModes(): boolean {
  const umask = process.umask();
  return (umask & 0o700) === 0 && (umask & 0o044) === 0;
}

/** Refuses a bundle's file list that is empty, unsafe, malformed or names a file twice. */
function checkBundleFiles(files: readonly BundleFile[]): void {
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
}

/** Which of `files` exist in `dir` (none when `dir` does not exist: one check instead of one per file). */
function existingFiles(dir: string, files: readonly BundleFile[]): string[] {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw ioError('check', dir, e);
  }
  if (!info) return [];
  if (!info.isDirectory()) throw new NodeIdError('ERR_FILE_IO', `${dir} is not a folder`);
  const existing: string[] = [];
  for (const f of files) {
    const target = join(dir, f.path);
    const file = lstatSync(target, { throwIfNoEntry: false });
    if (file?.isDirectory())
      throw new NodeIdError('ERR_FILE_IO', `${target} is a folder, not a file`);
    if (file) existing.push(target);
  }
  return existing;
}

/** Staged files held open at once for their grouped sync (well under the usual 1,024 limit). */
const MAX_OPEN_FILES = 512;

/** A bundle written under the batch folder, its files and folder still open for their sync. */
interface StagedBundle {
  index: number;
  dir: string;
  fds: { fd: number; path: string; folder: boolean }[];
}

/**
 * Writes a staged bundle: its folder (0700) and its files, left open. Only calls that touch the
 * page cache (mkdir, open, write) are made here, directly on this thread: measured on ext4,
 * creating a batch's files this way while no sync is in flight beat creating them concurrently
 * on the libuv pool, where the creates contend for the folders' locks and wait behind journal
 * commits. {@link syncStaged} makes them durable; with `unsynced` (the batch is synced as a
 * whole later) each file is closed once written and the folder is not opened. On a failure the
 * files already open are closed and the error is thrown.
 */
function stageBundle(
  dir: string,
  files: readonly BundleFile[],
  exact: boolean,
  unsynced = false,
): Omit<StagedBundle, 'index'> {
  try {
    mkdirSync(dir, { mode: BUNDLE_DIR_MODE });
    if (!exact) chmodSync(dir, BUNDLE_DIR_MODE);
  } catch (e) {
    throw ioError('create the folder', dir, e);
  }
  const fds: StagedBundle['fds'] = [];
  try {
    for (const f of files) {
      const path = join(dir, f.path);
      try {
        const fd = openSync(path, 'wx', f.mode);
        fds.push({ fd, path, folder: false });
        if (!exact) fchmodSync(fd, f.mode);
        writeFileSync(fd, f.contents);
        if (unsynced) closeSync(fds.pop()!.fd);
      } catch (e) {
        throw ioError('write', path, e);
      }
    }
    if (unsynced) return { dir, fds };
    try {
      // the folder too, so that its sync is one call on the pool (not an open, a sync, a close)
      fds.push({ fd: openSync(dir, 'r'), path: dir, folder: true });
    } catch (e) {
      throw ioError('open', dir, e);
    }
  } catch (e) {
    for (const f of fds) closeSync(f.fd);
    throw e;
  }
  return { dir, fds };
}

/**
 * Syncs every staged file, then every staged folder, each set issued at once on the libuv pool;
 * a bundle whose sync fails fails alone (`fail`), the others stay staged.
 */
async function syncStaged(
  written: StagedBundle[],
  fail: (i: number, e: unknown) => void,
): Promise<void> {
  const failed = new Set<number>();
  await Promise.all(
    written.flatMap((w) =>
      w.fds.map((f) =>
        fsyncAsync(f.fd).catch((e: NodeJS.ErrnoException) => {
          if (f.folder && folderSyncUnsupported(e)) return;
          if (!failed.has(w.index)) fail(w.index, ioError('sync', f.path, e));
          failed.add(w.index);
        }),
      ),
    ),
  );
}

/** Moves a staged bundle folder to `target`, or its files into an existing `target` (force). */
async function publish(
  staged: string,
  target: string,
  files: readonly { path: string }[],
  toSync: Set<string>,
): Promise<WriteBundleResult> {
  const warnings: string[] = [];
  const parent = dirname(target);
  const existing = lstatSync(target, { throwIfNoEntry: false });
  if (!existing) {
    try {
      if (!toSync.has(parent)) mkdirSync(parent, { recursive: true, mode: BUNDLE_DIR_MODE });
      renameSync(staged, target);
    } catch (e) {
      throw ioError('rename into', target, e);
    }
    toSync.add(parent);
    return {
      dir: target,
      created: true,
      files: await describeFiles(target, files, new Set()),
      warnings,
    };
  }
  const { previousDirMode } = await prepareDir(target, true, warnings);
  const replaced = new Set<string>();
  for (const f of files) {
    const to = join(target, f.path);
    if (await lstat(to).catch(() => undefined)) replaced.add(f.path);
    await rename(join(staged, f.path), to).catch((e) => {
      throw ioError('rename into', to, e);
    });
  }
  toSync.add(target);
  await rm(staged, { recursive: true, force: true });
  return {
    dir: target,
    created: false,
    ...(previousDirMode === undefined ? {} : { previousDirMode }),
    files: await describeFiles(target, files, replaced),
    warnings,
  };
}

async function describeFiles(
  dir: string,
  files: readonly { path: string; mode?: number }[],
  replaced: Set<string>,
): Promise<WrittenFile[]> {
  return files.map((f) => ({
    path: join(dir, f.path),
    mode: f.mode ?? 0,
    replaced: replaced.has(f.path),
  }));
}
