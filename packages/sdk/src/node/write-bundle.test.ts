import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openssl } from '../../test/helpers/openssl.js';
import { type BundleFile, bundleFiles } from '../bundle/bundle-files.js';
import { createCa } from '../ca/create-ca.js';
import { NodeIdError } from '../errors.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { writeBundle } from './write-bundle.js';

const isPosix = process.platform !== 'win32';
const modeOf = (path: string) => statSync(path).mode & 0o777;
const scratch = () => mkdtempSync(join(tmpdir(), 'nodeid-write-'));

let files: BundleFile[];

beforeAll(async () => {
  const ca = await createCa({ clusterName: 'flocker.cluster' });
  const node = await issueIdentity({ ca, name: 'node1.example.net' });
  files = await bundleFiles(node, 'flocker');
});

async function errorOf(p: Promise<unknown>): Promise<NodeIdError> {
  try {
    await p;
  } catch (e) {
    if (NodeIdError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a NodeIdError');
}

describe('writeBundle', () => {
  it.runIf(isPosix)(
    'creates a 0700 folder with keys 0600 and certificates 0644, whatever the umask',
    async () => {
      const dir = join(scratch(), 'etc', 'flocker');
      const old = process.umask(0o077);
      let result: Awaited<ReturnType<typeof writeBundle>>;
      try {
        result = await writeBundle(dir, files);
      } finally {
        process.umask(old);
      }
      expect(result.created).toBe(true);
      expect(modeOf(dir)).toBe(0o700);
      expect(readdirSync(dir).sort()).toEqual(['cluster.crt', 'node.crt', 'node.key']);
      expect(modeOf(join(dir, 'node.key'))).toBe(0o600);
      expect(modeOf(join(dir, 'node.crt'))).toBe(0o644);
      expect(modeOf(join(dir, 'cluster.crt'))).toBe(0o644);
      for (const f of files) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.contents);
      expect(result.files.map((f) => [f.path, f.mode, f.replaced])).toEqual(
        files.map((f) => [join(dir, f.path), f.mode, false]),
      );
      const r = openssl(['verify', '-CAfile', join(dir, 'cluster.crt'), join(dir, 'node.crt')]);
      expect(r.output).toContain(': OK');
    },
  );

  it('refuses to overwrite any existing file and writes nothing, not even the new files', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'node.key'), 'old key');
    const e = await errorOf(writeBundle(dir, files));
    expect(e.code).toBe('ERR_FILE_EXISTS');
    expect(e.message).toContain('node.key');
    expect(readdirSync(dir)).toEqual(['node.key']);
    expect(readFileSync(join(dir, 'node.key'), 'utf8')).toBe('old key');
  });

  it('replaces existing files with force, and says which', async () => {
    const dir = scratch();
    await writeBundle(dir, files);
    writeFileSync(join(dir, 'node.crt'), 'stale');
    const again = await writeBundle(dir, files, { force: true });
    expect(again.files.every((f) => f.replaced)).toBe(true);
    expect(readFileSync(join(dir, 'node.crt'), 'utf8')).toBe(files[0]!.contents);
    expect(readdirSync(dir).sort()).toEqual(['cluster.crt', 'node.crt', 'node.key']);
  });

  it.runIf(isPosix)(
    'tightens an existing folder open to others, or only warns when told not to',
    async () => {
      const dir = scratch();
      chmodSync(dir, 0o755);
      const fixed = await writeBundle(dir, files);
      expect(fixed.previousDirMode).toBe(0o755);
      expect(fixed.warnings.join()).toContain('0755');
      expect(modeOf(dir)).toBe(0o700);

      const other = scratch();
      chmodSync(other, 0o750);
      const kept = await writeBundle(other, files, { fixDirMode: false });
      expect(kept.previousDirMode).toBeUndefined();
      expect(kept.warnings.join()).toContain('chmod 0700');
      expect(modeOf(other)).toBe(0o750);
    },
  );

  it('refuses unsafe names, duplicates and bad modes before touching the disk', async () => {
    const dir = join(scratch(), 'new');
    const bad: [BundleFile[], string][] = [
      [[{ path: '../escape.key', contents: 'x', mode: 0o600 }], 'ERR_NAME_INVALID'],
      [[{ path: '.hidden', contents: 'x', mode: 0o600 }], 'ERR_NAME_INVALID'],
      [[{ path: 'a.key', contents: 'x', mode: 0o4755 }], 'ERR_INVALID_ARGUMENT'],
      [[files[0]!, files[0]!], 'ERR_INVALID_ARGUMENT'],
      [[], 'ERR_INVALID_ARGUMENT'],
    ];
    for (const [list, code] of bad) expect((await errorOf(writeBundle(dir, list))).code).toBe(code);
    expect(() => statSync(dir)).toThrow();
  });

  it('reports I/O failures as ERR_FILE_IO and leaves no temporary files', async () => {
    const parent = scratch();
    const file = join(parent, 'not-a-folder');
    writeFileSync(file, '');
    expect((await errorOf(writeBundle(file, files))).code).toBe('ERR_FILE_IO');

    const dir = scratch();
    mkdirSync(join(dir, 'node.key'));
    expect((await errorOf(writeBundle(dir, files, { force: true }))).code).toBe('ERR_FILE_IO');
    expect(readdirSync(dir)).toEqual(['node.key']);
  });

  it.runIf(isPosix && process.getuid?.() !== 0)('a read-only folder fails cleanly', async () => {
    const dir = scratch();
    chmodSync(dir, 0o500);
    try {
      const e = await errorOf(writeBundle(dir, files));
      expect(e.code).toBe('ERR_FILE_IO');
      expect(e.message).toContain('EACCES');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
