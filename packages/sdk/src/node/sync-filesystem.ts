/**
 * One disk sync for a whole batch of files: syncfs(2), which writes back every dirty file and
 * folder of one file system and commits its journal once, where an fsync per file makes the
 * file system commit its journal again and again (measured on ext4 here, 3,000 bundles of three
 * files and a folder: about 0.7 s instead of 2.8 s, and a third of the system time).
 *
 * Node has no binding for syncfs(2); `sync -f PATH` (`--file-system`: GNU coreutils 8.24 and
 * later, BusyBox) makes the call and reports its error. It is used only where syncfs(2) reports
 * writeback failures (Linux 5.8 and later), run by absolute path (never looked up on `PATH`),
 * and after a probe call succeeded on the same folder. Everywhere else the callers keep an
 * fsync per file.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { release } from 'node:os';
import { NodeIdError } from '../errors.js';

/**
 * How a batch of staged files is made durable: `file`, an fsync of every file and folder as it
 * is staged; `filesystem`, one syncfs(2) of their file system for the whole batch, before its
 * commit point.
 */
export type BatchSync = 'file' | 'filesystem';

const SYNC_PATHS = ['/usr/bin/sync', '/bin/sync'];

/** The `sync` program, by absolute path, on a kernel whose syncfs(2) reports errors. */
function syncProgram(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const [major = 0, minor = 0] = release()
    .split('.')
    .map((n) => Number.parseInt(n, 10));
  // syncfs(2): only since Linux 5.8 does it report writeback errors of the file system
  if (major < 5 || (major === 5 && minor < 8)) return undefined;
  if (!executable('/bin/sh')) return undefined;
  return SYNC_PATHS.find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A long-lived `/bin/sh` that runs `sync -f` for each path written to it, one at a time, and
 * answers each exit status on a line. Started at the first sync, while the process is small:
 * forking a process of 150 MB with many threads for every batch took 16 ms of the main thread
 * each time, the shell's own fork of `sync` about 4 ms of nobody's. The path arrives on stdin
 * and is expanded quoted, after `--`: it is never parsed as shell text or as an option.
 */
class SyncHelper {
  private readonly child: ChildProcessWithoutNullStreams;
  private pending?: { resolve: () => void; reject: (e: Error) => void; path: string };
  private queue: Promise<void> = Promise.resolve();
  private stdout = '';
  private stderr = '';
  dead = false;

  constructor(program: string) {
    this.child = spawn(
      '/bin/sh',
      ['-c', `while IFS= read -r p; do ${program} -f -- "$p"; echo "$?"; done`],
      { stdio: ['pipe', 'pipe', 'pipe'], env: {} },
    );
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => this.answer(text));
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-2000);
    });
    this.child.stdin.on('error', () => {});
    this.child.on('error', (e) => this.stop(e.message));
    this.child.on('exit', (code) => this.stop(`the sync helper exited (${code})`));
    this.idle();
  }

  sync(path: string): Promise<void> {
    const run = this.queue.then(
      () =>
        new Promise<void>((resolve, reject) => {
          if (this.dead) return reject(new Error('the sync helper is not running'));
          this.pending = { resolve, reject, path };
          this.stderr = '';
          // keep the process alive while the answer is awaited, not after
          (this.child.stdout as unknown as { ref(): void }).ref();
          this.child.stdin.write(`${path}\n`);
        }),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  private answer(text: string): void {
    this.stdout += text;
    let newline = this.stdout.indexOf('\n');
    while (newline >= 0) {
      const status = this.stdout.slice(0, newline).trim();
      this.stdout = this.stdout.slice(newline + 1);
      const pending = this.pending;
      this.pending = undefined;
      this.idle();
      if (pending) {
        if (status === '0') pending.resolve();
        else pending.reject(new Error(this.stderr.trim() || `sync exited with status ${status}`));
      }
      newline = this.stdout.indexOf('\n');
    }
  }

  private idle(): void {
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr])
      (stream as unknown as { unref(): void }).unref();
    this.child.unref();
  }

  private stop(why: string): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new Error(this.stderr.trim() || why));
  }
}

let helper: SyncHelper | undefined;

/**
 * Makes every file and folder of the file system holding `path` durable with one syncfs(2).
 * Rejects with `ERR_FILE_IO` when it cannot be done here or the file system reports an error.
 */
export async function syncFilesystem(path: string): Promise<void> {
  const program = syncProgram();
  if (!program || path.includes('\n'))
    throw new NodeIdError('ERR_FILE_IO', `cannot sync the file system of ${path} here`);
  if (!helper || helper.dead) helper = new SyncHelper(program);
  await helper.sync(path).catch((e: Error) => {
    throw new NodeIdError('ERR_FILE_IO', `cannot sync the file system of ${path}: ${e.message}`, {
      cause: e,
    });
  });
}

/**
 * How batches staged in the existing folder `path` are best made durable: `filesystem` when a
 * probe {@link syncFilesystem} of it succeeds, else `file`.
 */
export async function chooseBatchSync(path: string): Promise<BatchSync> {
  if (!syncProgram()) return 'file';
  return syncFilesystem(path).then(
    () => 'filesystem' as const,
    () => 'file' as const,
  );
}
