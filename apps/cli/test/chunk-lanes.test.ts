/**
 * The lanes of bulk issuance's threads (`chunk-lanes.ts`): several threads' lanes sharing one
 * batch through its counter claim every chunk exactly once, move on to the next batch, report a
 * chunk that fails as a whole, and claim nothing once closed. The lanes here are two sets in one
 * thread, which share the counter exactly as threads do (the counter is the only shared state).
 */
import { describe, expect, it } from 'vitest';
import type { NodeJob, NodeOutcome } from '../src/lib/bulk-types.js';
import { ChunkLanes, type ChunkResult, type SharedBatch } from '../src/lib/chunk-lanes.js';

const job = (line: number): NodeJob => ({ line, name: `n${line}`, dns: [], ips: [], uris: [] });

function batchOf(id: number, chunks: number, size = 3): SharedBatch {
  return {
    id,
    batch: `batch-${id}`,
    sync: 'file',
    chunks: Array.from({ length: chunks }, (_, c) =>
      Array.from({ length: size }, (_, j) => job(id * 1000 + c * size + j)),
    ),
    counter: new SharedArrayBuffer(4),
  };
}

/** An issuer that answers each job as failed with its line, after a turn of the event loop. */
const issueBy =
  (who: string, seen: string[]) =>
  async (batch: string, jobs: NodeJob[]): Promise<NodeOutcome[]> => {
    seen.push(`${who}:${batch}:${jobs[0]!.line}`);
    await new Promise((resolve) => setImmediate(resolve));
    return jobs.map((j) => ({
      ok: false,
      line: j.line,
      name: j.name,
      error: { code: 'X', message: who },
    }));
  };

describe('ChunkLanes', () => {
  it('claims every chunk of every batch exactly once across lane sets, in batch order', async () => {
    const seen: string[] = [];
    const reports: { id: number; chunk: number; result: ChunkResult }[] = [];
    const report = (id: number, chunk: number, result: ChunkResult) =>
      reports.push({ id, chunk, result });
    const a = new ChunkLanes(3, issueBy('a', seen), report);
    const b = new ChunkLanes(2, issueBy('b', seen), report);
    const batches = [batchOf(1, 7), batchOf(2, 5), batchOf(3, 1)];
    for (const batch of batches) {
      a.add(batch);
      b.add(batch);
    }
    while (reports.length < 13) await new Promise((resolve) => setImmediate(resolve));
    a.close();
    b.close();
    await Promise.all([a.stopped, b.stopped]);

    const claimed = reports.map((r) => `${r.id}/${r.chunk}`).sort();
    expect(claimed).toEqual(batches.flatMap((s) => s.chunks.map((_, c) => `${s.id}/${c}`)).sort());
    // both sets did work, and every report carries the jobs of the chunk it names
    expect(new Set(seen.map((s) => s.split(':')[0]))).toEqual(new Set(['a', 'b']));
    for (const r of reports) {
      const chunk = batches.find((s) => s.id === r.id)!.chunks[r.chunk]!;
      expect(
        'outcomes' in r.result && r.result.outcomes.map((o) => (o.ok ? o.node.line : o.line)),
      ).toEqual(chunk.map((j) => j.line));
    }
    // a lane takes batch 2 only once batch 1 has no chunk left to claim
    const firstOf2 = seen.findIndex((s) => s.includes(':batch-2:'));
    const claimsOf1 = seen.filter((s) => s.includes(':batch-1:')).length;
    expect(seen.slice(0, firstOf2).filter((s) => s.includes(':batch-1:')).length).toBe(claimsOf1);
  });

  it('reports a chunk whose issuing throws as an error with its code, and goes on', async () => {
    const reports: ChunkResult[] = [];
    let calls = 0;
    const lanes = new ChunkLanes(
      1,
      async (_batch, jobs) => {
        if (calls++ === 0) throw Object.assign(new Error('disk on fire'), { code: 'ERR_FILE_IO' });
        return issueBy('x', [])('b', jobs);
      },
      (_id, _chunk, result) => reports.push(result),
    );
    lanes.add(batchOf(1, 2));
    while (reports.length < 2) await new Promise((resolve) => setImmediate(resolve));
    lanes.close();
    await lanes.stopped;
    expect(reports[0]).toMatchObject({
      error: { message: expect.stringContaining('disk on fire') },
    });
    expect('outcomes' in reports[1]!).toBe(true);
  });

  it('claims nothing after close, and its lanes stop', async () => {
    const seen: string[] = [];
    const lanes = new ChunkLanes(2, issueBy('a', seen), () => {});
    lanes.close();
    lanes.add(batchOf(1, 4));
    await lanes.stopped;
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
  });
});
