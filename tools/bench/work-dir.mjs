/**
 * Where the benches that measure durable writes (bulk issuance and its floors) put their files:
 * `BENCH_DIR` when set, else `.bench-work/` at the repository's root, on the disk the project is
 * on. Not the system's temporary folder: on many systems (Debian 13, Fedora, Arch) /tmp is a
 * tmpfs, where a sync costs nothing and "durable" would measure memory; and on this project's
 * 2-core machines /tmp lay in a crowded part of the root file system, where the files floor
 * (`bulk-floor.mjs files 3000`: 3,000 bundles, 12,000 files made durable) took 1.03–1.10 s
 * against 0.63–0.74 s in four other folders of the same ext4 file system, in the same minutes.
 */
import { mkdirSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** statfs(2) f_type values of the file systems a bench is likely to meet (linux/magic.h). */
const FILE_SYSTEMS = {
  61267: 'ext4',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  16914836: 'tmpfs',
  801189825: 'zfs',
  2035054128: 'overlayfs',
  26985: 'nfs',
};

/** The folder for durable bench files (made when missing). */
export function durableWorkDir() {
  const dir = resolve(process.env.BENCH_DIR || join(ROOT, '.bench-work'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The name of the file system `dir` is on ("ext4", "tmpfs", …), or its type number in hex. */
export function fileSystemOf(dir) {
  try {
    const type = statfsSync(dir).type;
    return FILE_SYSTEMS[type] ?? `type 0x${type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}
