/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * every batch, claims its chunks with its lanes (`lib/chunk-lanes.ts`), issues and stages each
 * with `lib/issue-chunk.ts` for the CA it was started with, and answers with each chunk's
 * outcomes in one message (no file contents: the bundles are staged already). Its first message is
 * the CA and the run's settings (`IssueThreadInit`): the thread may be started before they are
 * known (`bin/issue-threads.mjs`). The CA's private key arrives as a `CryptoKey`, cloned inside
 * this process; it never leaves it.
 *
 * A thread started early is told the key algorithm the command line names (`workerData.keysAhead`)
 * and makes key pairs of it until its first batch arrives, a few at a time so that no message is
 * held up: on two cores it waited about 150 ms for its CA, idle, while the main thread loaded
 * the CLI. The run uses those pairs first; a run of another algorithm drops them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, parseCertificateDer } from '@nodeid/sdk';
import type { BulkSettings } from './lib/bulk-types.js';
import { ChunkLanes, type SharedBatch } from './lib/chunk-lanes.js';
import { chunkIssuer } from './lib/issue-chunk.js';
import { dropKeysAhead, isAheadAlgorithm, keysAhead, makeKeysAhead } from './lib/thread-keys.js';

/** Key pairs a thread makes at most before its first batch (3,000 nodes: about 1,000 fit). */
const KEYS_AHEAD = 1024;

/** Key pairs made between two looks at the thread's messages (well under a millisecond). */
const KEYS_PER_TURN = 8;

/** The first message: the CA and the run's settings (the thread may start before they are known). */
export interface IssueThreadInit {
  ca: {
    certificate: Uint8Array;
    chain: Uint8Array[];
    privateKey: CryptoKey;
    crlDistributionPoints?: readonly string[];
  };
  settings: BulkSettings;
  lanes: number;
}

let issuing: ChunkLanes | undefined;
/** Whether the thread has work (a batch), or pairs made ahead would not be used. */
let busy = false;

const aheadAlgorithm: unknown = (workerData as { keysAhead?: unknown } | undefined)?.keysAhead;
if (isAheadAlgorithm(aheadAlgorithm)) {
  const makeSome = () => {
    if (busy || keysAhead() >= KEYS_AHEAD) return;
    makeKeysAhead(aheadAlgorithm, KEYS_PER_TURN);
    setImmediate(makeSome);
  };
  setImmediate(makeSome);
}

parentPort?.on('message', (message: IssueThreadInit | SharedBatch) => {
  if (issuing) {
    busy = true;
    issuing.add(message as SharedBatch);
    return;
  }
  const { ca, settings, lanes } = message as IssueThreadInit;
  if (settings.algorithm !== aheadAlgorithm) {
    busy = true;
    dropKeysAhead();
  }
  const issuer: Issuer = {
    certificate: parseCertificateDer(ca.certificate),
    chain: ca.chain.map((der) => parseCertificateDer(der)),
    privateKey: ca.privateKey,
    ...(ca.crlDistributionPoints && { crlDistributionPoints: ca.crlDistributionPoints }),
  };
  issuing = new ChunkLanes(lanes, chunkIssuer(issuer, settings), (id, chunk, result) =>
    parentPort?.postMessage({ id, chunk, result }),
  );
});
