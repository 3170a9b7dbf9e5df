import {
  existsSync,
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
import { type BundleFile, bundleFiles } from '../bundle/bundle-files.js';
import { createCa } from '../ca/create-ca.js';
import { issueIdentity } from '../issue/issue-identity.js';
import {
  commitBundleBatch,
  commitBundleBatches,
  openBundleBatch,
  recoverBundleBatches,
  stageBundles,
  writeBundleBatch,
} from './write-bundle.js';

const isPosix = process.platform !== 'win32';
const modeOf = (path: string) => statSync(path).mode & 0o777;
const scratch = () => mkdtempSync(join(tmpdir(), 'nodeid-batch-'));

let files: BundleFile[];

beforeAll(async () => {
  const ca = await createCa({ clusterName: 'batch.cluster' });
  files = await bundleFiles(await issueIdentity({ ca, name: 'node1.example.net' }), 'plain');
});

/** Every file under the staging folder, relative to it. */
function staged(staging: string): string[] {
  if (!existsSync(staging)) return [];
  return readdirSync(staging, { recursive: true, encoding: 'utf8' }).sort();
}

describe('writeBundleBatch', () => {
  it('fails a second bundle for the same folder before the commit, and commits only the first', async () => {
    const out = scratch();
    let committed: number[] = [];
    const outcomes = await writeBundleBatch(
      [
        { id: 'a', dir: join(out, 'node'), files },
        { id: 'b', dir: join(out, 'other', '..', 'node'), files },
      ],
      {
        staging: join(out, '.staging'),
        commit: async (ids) => {
          committed = ids;
        },
      },
    );
    expect(committed).toEqual([0]);
    expect(outcomes[0]!.ok).toBe(true);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_ARGUMENT' } });
    expect(readdirSync(join(out, 'node')).sort()).toEqual(files.map((f) => f.path).sort());
  });

  it
    .runIf(isPosix)
    .each(process.platform === 'linux' ? (['file', 'filesystem'] as const) : (['file'] as const))(
    'makes the bundles visible only after commit, complete and with their modes (sync: %s)',
    async (sync) => {
      const out = scratch();
      const staging = join(out, '.staging');
      const seenAtCommit: string[][] = [];
      const outcomes = await writeBundleBatch(
        ['a', 'b'].map((id) => ({ id, dir: join(out, `node-${id}`), files })),
        {
          staging,
          sync,
          commit: async (ids) => {
            // at the commit point nothing is visible yet, and every staged file is complete
            seenAtCommit.push(readdirSync(out).filter((n) => !n.startsWith('.')));
            const batch = readdirSync(staging)[0]!;
            for (const id of ['a', 'b'])
              for (const f of files)
                expect(readFileSync(join(staging, batch, id, f.path), 'utf8')).toBe(f.contents);
            expect(JSON.parse(readFileSync(join(staging, batch, 'batch.json'), 'utf8'))).toEqual({
              entries: ['a', 'b'].map((id) => ({ id, dir: join(out, `node-${id}`) })),
              force: false,
            });
            expect(ids).toEqual([0, 1]);
          },
        },
      );
      expect(seenAtCommit).toEqual([[]]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
      for (const id of ['a', 'b']) {
        const dir = join(out, `node-${id}`);
        expect(modeOf(dir)).toBe(0o700);
        for (const f of files) {
          expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.contents);
          expect(modeOf(join(dir, f.path))).toBe(f.mode);
        }
      }
      expect(staged(staging)).toEqual([]);
    },
  );

  it('fails an entry whose files exist alone, and leaves its files untouched', async () => {
    const out = scratch();
    mkdirSync(join(out, 'taken'));
    writeFileSync(join(out, 'taken', files[1]!.path), 'old key');
    let committed: number[] = [];
    const outcomes = await writeBundleBatch(
      [
        { id: 'x', dir: join(out, 'taken'), files },
        { id: 'y', dir: join(out, 'free'), files },
      ],
      {
        staging: join(out, '.staging'),
        commit: async (ids) => {
          committed = ids;
        },
      },
    );
    expect(committed).toEqual([1]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { code: 'ERR_FILE_EXISTS' } });
    expect(outcomes[1]!.ok).toBe(true);
    expect(readdirSync(join(out, 'taken'))).toEqual([files[1]!.path]);
    expect(readFileSync(join(out, 'taken', files[1]!.path), 'utf8')).toBe('old key');
  });

  it('removes the staged bundles and shows nothing when the commit fails', async () => {
    const out = scratch();
    const staging = join(out, '.staging');
    await expect(
      writeBundleBatch([{ id: 'a', dir: join(out, 'node-a'), files }], {
        staging,
        commit: async () => {
          throw new Error('inventory down');
        },
      }),
    ).rejects.toThrow('inventory down');
    expect(readdirSync(out)).toEqual(['.staging']);
    expect(staged(staging)).toEqual([]);
  });
});

describe('openBundleBatch, stageBundles and commitBundleBatch', () => {
  const shape = () => files.map((f) => ({ path: f.path, mode: f.mode }));

  it.runIf(isPosix)(
    'commits bundles staged by several calls at once, visible only after the commit',
    async () => {
      const out = scratch();
      const staging = join(out, '.staging');
      const batch = await openBundleBatch(staging);
      expect(modeOf(staging)).toBe(0o700);
      expect(modeOf(batch)).toBe(0o700);
      const ids = ['a', 'b', 'c', 'd'];
      // two stagings into one batch at the same time, as two issuing threads do
      const errors = await Promise.all([
        stageBundles(
          batch,
          ids.slice(0, 2).map((id) => ({ id, dir: join(out, id), files })),
        ),
        stageBundles(
          batch,
          ids.slice(2).map((id) => ({ id, dir: join(out, id), files })),
        ),
      ]);
      expect(errors.flat()).toEqual([undefined, undefined, undefined, undefined]);
      // staged, complete, with their modes, and nothing at the bundles' folders
      expect(readdirSync(out).filter((n) => !n.startsWith('.'))).toEqual([]);
      for (const id of ids) {
        expect(modeOf(join(batch, id))).toBe(0o700);
        for (const f of files) {
          expect(readFileSync(join(batch, id, f.path), 'utf8')).toBe(f.contents);
          expect(modeOf(join(batch, id, f.path))).toBe(f.mode);
        }
      }
      let committed: number[] = [];
      const outcomes = await commitBundleBatch(
        batch,
        ids.map((id) => ({ id, dir: join(out, id), files: shape() })),
        {
          commit: async (staged) => {
            committed = staged;
            expect(readdirSync(out).filter((n) => !n.startsWith('.'))).toEqual([]);
          },
        },
      );
      expect(committed).toEqual([0, 1, 2, 3]);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      for (const id of ids) {
        expect(modeOf(join(out, id))).toBe(0o700);
        for (const f of files) expect(readFileSync(join(out, id, f.path), 'utf8')).toBe(f.contents);
      }
      expect(existsSync(batch)).toBe(false);
    },
  );

  it('stages none of an entry whose files exist, and the others', async () => {
    const out = scratch();
    mkdirSync(join(out, 'taken'));
    writeFileSync(join(out, 'taken', files[0]!.path), 'mine');
    const batch = await openBundleBatch(join(out, '.staging'));
    const errors = await stageBundles(batch, [
      { id: 'a', dir: join(out, 'taken'), files },
      { id: 'b', dir: join(out, 'free'), files },
      { id: '../escape', dir: join(out, 'bad'), files },
    ]);
    expect(errors[0]).toMatchObject({ code: 'ERR_FILE_EXISTS' });
    expect(errors[1]).toBeUndefined();
    expect(errors[2]).toMatchObject({ code: 'ERR_NAME_INVALID' });
    expect(readdirSync(batch)).toEqual(['b']);
    expect(readFileSync(join(out, 'taken', files[0]!.path), 'utf8')).toBe('mine');
  });

  it('removes the batch and throws the commit error as it is when the commit fails', async () => {
    const out = scratch();
    const batch = await openBundleBatch(join(out, '.staging'));
    await stageBundles(batch, [{ id: 'a', dir: join(out, 'a'), files }]);
    const refusal = new Error('inventory is read-only');
    await expect(
      commitBundleBatch(batch, [{ id: 'a', dir: join(out, 'a'), files: shape() }], {
        commit: async () => {
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    expect(existsSync(batch)).toBe(false);
    expect(existsSync(join(out, 'a'))).toBe(false);
  });

  it('leaves a staged batch never committed (a crash before its manifest) to recovery, which removes it', async () => {
    const out = scratch();
    const staging = join(out, '.staging');
    const batch = await openBundleBatch(staging);
    await stageBundles(batch, [{ id: 'a', dir: join(out, 'a'), files }]);
    const result = await recoverBundleBatches(staging, async () => true);
    expect(result).toEqual({ published: [], discarded: [], blocked: [] });
    expect(existsSync(batch)).toBe(false);
    expect(existsSync(join(out, 'a'))).toBe(false);
  });

  it('refuses a staging path that is not one', async () => {
    await expect(openBundleBatch('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('commitBundleBatches (a group commit)', () => {
  const shape = () => files.map((f) => ({ path: f.path, mode: f.mode }));
  /** Two batches of one staged bundle each (`n0`, `n1`), and the group that commits them. */
  const twoStagedBatches = async () => {
    const out = scratch();
    const staging = join(out, '.staging');
    const batches = [await openBundleBatch(staging), await openBundleBatch(staging)];
    for (const [k, batch] of batches.entries())
      await stageBundles(batch, [{ id: `n${k}`, dir: join(out, `n${k}`), files }]);
    const group = batches.map((batch, k) => ({
      batch,
      entries: [{ id: `n${k}`, dir: join(out, `n${k}`), files: shape() }],
    }));
    return { out, batches, group };
  };
  const modes =
    process.platform === 'linux' ? (['file', 'filesystem'] as const) : (['file'] as const);

  it.each(modes)(
    "commits several staged batches with one commit call, given each batch's entries, then publishes them all (sync: %s)",
    async (sync) => {
      const out = scratch();
      const staging = join(out, '.staging');
      const batches = [await openBundleBatch(staging), await openBundleBatch(staging)];
      const ids = [['a', 'b'], ['c']];
      for (const [k, batch] of batches.entries())
        expect(
          await stageBundles(
            batch,
            ids[k]!.map((id) => ({ id, dir: join(out, id), files })),
            { sync },
          ),
        ).toEqual(ids[k]!.map(() => undefined));
      const calls: number[][][] = [];
      const outcomes = await commitBundleBatches(
        batches.map((batch, k) => ({
          batch,
          entries: ids[k]!.map((id) => ({ id, dir: join(out, id), files: shape() })),
        })),
        {
          sync,
          commit: async (staged) => {
            calls.push(staged);
            // the commit point comes before anything is visible, and after every manifest
            expect(readdirSync(out).filter((n) => !n.startsWith('.'))).toEqual([]);
            for (const batch of batches) expect(existsSync(join(batch, 'batch.json'))).toBe(true);
          },
        },
      );
      expect(calls).toEqual([[[0, 1], [0]]]);
      expect(outcomes.map((o) => o.map((r) => r.ok))).toEqual([[true, true], [true]]);
      for (const id of ids.flat())
        for (const f of files) expect(readFileSync(join(out, id, f.path), 'utf8')).toBe(f.contents);
      for (const batch of batches) expect(existsSync(batch)).toBe(false);
      expect(staged(staging)).toEqual([]);
    },
  );

  it('removes every batch of the group and throws the commit error when the commit fails', async () => {
    const { out, batches, group } = await twoStagedBatches();
    const refusal = new Error('inventory is read-only');
    await expect(
      commitBundleBatches(group, {
        commit: async () => {
          throw refusal;
        },
      }),
    ).rejects.toBe(refusal);
    for (const batch of batches) expect(existsSync(batch)).toBe(false);
    expect(readdirSync(out)).toEqual(['.staging']);
  });

  it("writes each batch's own manifest before the commit point", async () => {
    const { out, batches, group } = await twoStagedBatches();
    const manifests: string[] = [];
    await expect(
      commitBundleBatches(group, {
        commit: async () => {
          for (const batch of batches)
            manifests.push(readFileSync(join(batch, 'batch.json'), 'utf8'));
          throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(manifests.map((m) => JSON.parse(m).entries)).toEqual([
      [{ id: 'n0', dir: join(out, 'n0') }],
      [{ id: 'n1', dir: join(out, 'n1') }],
    ]);
  });
});

describe('recoverBundleBatches', () => {
  it('publishes the committed bundles of a crashed batch and removes the others', async () => {
    const out = scratch();
    const staging = join(out, '.staging');
    // a batch that crashed after its commit point: stop it by failing right after commit
    // is impossible from outside, so build what a crash leaves: staged folders and a manifest
    const batch = join(staging, 'batch-1-crashed');
    for (const id of ['kept', 'dropped']) {
      mkdirSync(join(batch, id), { recursive: true });
      for (const f of files) writeFileSync(join(batch, id, f.path), f.contents, { mode: f.mode });
    }
    writeFileSync(
      join(batch, 'batch.json'),
      JSON.stringify({
        entries: [
          { id: 'kept', dir: join(out, 'node-kept') },
          { id: 'dropped', dir: join(out, 'node-dropped') },
        ],
        force: false,
      }),
    );
    // and one that crashed before writing its manifest
    mkdirSync(join(staging, 'batch-2-early', 'half'), { recursive: true });
    const asked: string[] = [];
    const result = await recoverBundleBatches(staging, async (id) => {
      asked.push(id);
      return id === 'kept';
    });
    expect(asked.sort()).toEqual(['dropped', 'kept']);
    expect(result).toEqual({
      published: [join(out, 'node-kept')],
      discarded: ['dropped'],
      blocked: [],
    });
    expect(readdirSync(out).sort()).toEqual(['.staging', 'node-kept']);
    for (const f of files)
      expect(readFileSync(join(out, 'node-kept', f.path), 'utf8')).toBe(f.contents);
    expect(staged(staging)).toEqual([]);
    // nothing left: a second recovery does nothing
    expect(await recoverBundleBatches(staging, async () => true)).toEqual({
      published: [],
      discarded: [],
      blocked: [],
    });
  });
});
