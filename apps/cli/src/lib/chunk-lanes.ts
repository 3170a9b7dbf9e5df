/**
 * The lanes of one issuing thread of `nodeid cert issue --from-file` (`bulk-issue.ts`), the same
 * on the main thread and on a worker (`issue-worker.ts`). Every thread is given every batch
 * whole; its lanes claim the batch's chunks one at a time through a counter in shared memory
 * (`Atomics.add`), so a thread takes its next chunk the moment it is free, without asking the
 * main thread, which may be busy issuing or committing. A lane moves on to the next batch when
 * the current one has no chunk left, so no thread waits at the end of each batch. Each thread
 * runs a fixed number of lanes (one issues while the others wait for their disk syncs), which
 * also bounds the files it holds open.
 */
import type { BatchSync } from '@nodeid/sdk/node';
import type { NodeJob, NodeOutcome } from './bulk-types.js';
import { describeError } from './cli-error.js';
import type { IssueChunk } from './issue-chunk.js';

/** A batch as every thread receives it. */
export interface SharedBatch {
  id: number;
  /** Its staging folder (`openBundleBatch`). */
  batch: string;
  /** How its bundles are made durable (`stagingSync`). */
  sync: BatchSync;
  chunks: NodeJob[][];
  /** One Int32: the index of the next chunk to claim. */
  counter: SharedArrayBuffer;
}

/** What became of a chunk: its outcomes, or why it could not be issued at all. */
export type ChunkResult =
  | { outcomes: NodeOutcome[] }
  | { error: { code: string; message: string } };

/** The lanes of a thread. */
export class ChunkLanes {
  private readonly batches: { shared: SharedBatch; next: Int32Array }[] = [];
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** Settles once every lane has stopped, after {@link close}. */
  readonly stopped: Promise<void>;

  /**
   * `lanes` lanes issuing with `issue`, reporting each chunk through `report`; `pause`, when
   * given, runs after each chunk (the main thread lets its other work in there).
   */
  constructor(
    lanes: number,
    private readonly issue: IssueChunk,
    private readonly report: (id: number, chunk: number, result: ChunkResult) => void,
    private readonly pause?: () => Promise<void>,
  ) {
    this.stopped = Promise.all(Array.from({ length: lanes }, () => this.lane())).then(() => {});
  }

  /** Adds a batch after those already given. */
  add(shared: SharedBatch): void {
    this.batches.push({ shared, next: new Int32Array(shared.counter) });
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Claims no more chunks; the chunks being issued finish. */
  close(): void {
    this.closed = true;
    this.batches.length = 0;
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async lane(): Promise<void> {
    while (!this.closed) {
      const head = this.batches[0];
      if (!head) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      const k = Atomics.add(head.next, 0, 1);
      if (k >= head.shared.chunks.length) {
        if (this.batches[0] === head) this.batches.shift();
        continue;
      }
      let result: ChunkResult;
      try {
        const { batch, chunks, sync } = head.shared;
        result = { outcomes: await this.issue(batch, chunks[k]!, sync) };
      } catch (e) {
        const { code, message } = describeError(e);
        result = { error: { code, message } };
      }
      this.report(head.shared.id, k, result);
      if (this.pause) await this.pause();
    }
  }
}
