/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * every batch, claims its chunks with its lanes (`lib/chunk-lanes.ts`), issues and stages each
 * with `lib/issue-chunk.ts` for the CA it was started with, and answers with each chunk's
 * outcomes in one message (no file contents: the bundles are staged already). Its first message is
 * the CA and the run's settings (`IssueThreadInit`): the thread may be started before they are
 * known (`bin/issue-threads.mjs`). The CA's private key arrives as a `CryptoKey`, cloned inside
 * this process; it never leaves it.
 */
import { parentPort } from 'node:worker_threads';
import { type Issuer, parseCertificateDer } from '@nodeid/sdk';
import type { BulkSettings } from './lib/bulk-types.js';
import { ChunkLanes, type SharedBatch } from './lib/chunk-lanes.js';
import { chunkIssuer } from './lib/issue-chunk.js';

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

parentPort?.on('message', (message: IssueThreadInit | SharedBatch) => {
  if (issuing) {
    issuing.add(message as SharedBatch);
    return;
  }
  const { ca, settings, lanes } = message as IssueThreadInit;
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
