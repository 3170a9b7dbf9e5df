import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBatchSync, syncFilesystem } from './sync-filesystem.js';

const [major = 0, minor = 0] = release()
  .split('.')
  .map((n) => Number.parseInt(n, 10));
/** syncfs(2) reports writeback errors since Linux 5.8; GNU and BusyBox `sync` take `-f`. */
const canSyncfs =
  process.platform === 'linux' &&
  (major > 5 || (major === 5 && minor >= 8)) &&
  (() => {
    try {
      execFileSync('/usr/bin/sync', ['-f', tmpdir()]);
      return true;
    } catch {
      return false;
    }
  })();

describe('syncFilesystem', () => {
  it.runIf(canSyncfs)(
    'chooses one syncfs per batch where the kernel reports its errors',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nodeid-syncfs-'));
      expect(await chooseBatchSync(dir)).toBe('filesystem');
    },
  );

  it.runIf(!canSyncfs)('keeps an fsync per file where syncfs cannot be trusted', async () => {
    expect(await chooseBatchSync(tmpdir())).toBe('file');
  });

  it.runIf(canSyncfs)(
    'answers each of many concurrent calls in order, a failing one alone, with the reason',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'nodeid-syncfs-'));
      writeFileSync(join(dir, 'a'), 'x');
      const paths = [dir, join(dir, 'missing'), join(dir, 'a'), dir, `-${dir}`, dir];
      const results = await Promise.allSettled(paths.map((p) => syncFilesystem(p)));
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        // a path that looks like an option is a path (after `--`), and does not exist
        'rejected',
        'fulfilled',
      ]);
      const missing = (results[1] as PromiseRejectedResult).reason;
      expect(missing).toMatchObject({ code: 'ERR_FILE_IO' });
      expect(String(missing.message)).toContain(join(dir, 'missing'));
      expect(String(missing.message)).toMatch(/No such file/i);
    },
  );

  it('refuses a path it cannot pass on one line, without running anything', async () => {
    await expect(syncFilesystem(`${tmpdir()}\nrm -rf /`)).rejects.toMatchObject({
      code: 'ERR_FILE_IO',
    });
  });

  it.runIf(canSyncfs)('treats a path of shell text as a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-syncfs-'));
    const marker = join(dir, 'ran');
    await expect(syncFilesystem(`$(touch ${marker})`)).rejects.toMatchObject({
      code: 'ERR_FILE_IO',
    });
    await expect(syncFilesystem(`"; touch ${marker}; "`)).rejects.toMatchObject({
      code: 'ERR_FILE_IO',
    });
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  });
});
