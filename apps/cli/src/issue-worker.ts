/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * every batch, claims its chunks with its lanes (`lib/chunk-lanes.ts`), issues and stages each
 * with `lib/issue-chunk.ts` for the CA it was started with, and answers with each chunk's
 * outcomes in one message (no file contents: the bundles are staged already). The CA's private key arrives as a `CryptoKey` in `workerData`, cloned inside
 * this process; it never leaves it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, parseCertificateDer } from '@nodeid/sdk';
import type { BulkSettings } from './lib/bulk-types.js';
import { ChunkLanes, type SharedBatch } from './lib/chunk-lanes.js';
import { chunkIssuer } from './lib/issue-chunk.js';

interface WorkerCa {
  certificate: Uint8Array;
  chain: Uint8Array[];
  privateKey: CryptoKey;
  crlDistributionPoints?: readonly string[];
}

const { ca, settings, lanes } = workerData as {
  ca: WorkerCa;
  settings: BulkSettings;
  lanes: number;
};
const issuer: Issuer = {
  certificate: parseCertificateDer(ca.certificate),
  chain: ca.chain.map((der) => parseCertificateDer(der)),
  privateKey: ca.privateKey,
  ...(ca.crlDistributionPoints && { crlDistributionPoints: ca.crlDistributionPoints }),
};
const issuing = new ChunkLanes(lanes, chunkIssuer(issuer, settings), (id, chunk, result) =>
  parentPort?.postMessage({ id, chunk, result }),
);

parentPort?.on('message', (batch: SharedBatch) => issuing.add(batch));
