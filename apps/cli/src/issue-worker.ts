/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * chunks of nodes, issues and stages each with `lib/issue-chunk.ts` for the CA it was started
 * with, and answers with the chunk's outcomes in one message (no file contents: the bundles are
 * staged already). The CA's private key arrives as a `CryptoKey` in `workerData`, cloned inside
 * this process; it never leaves it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, parseCertificateDer } from '@nodeid/sdk';
import type { BulkSettings, NodeJob } from './lib/bulk-types.js';
import { chunkIssuer } from './lib/issue-chunk.js';

interface WorkerCa {
  certificate: Uint8Array;
  chain: Uint8Array[];
  privateKey: CryptoKey;
  crlDistributionPoints?: readonly string[];
}

const { ca, settings } = workerData as { ca: WorkerCa; settings: BulkSettings };
const issuer: Issuer = {
  certificate: parseCertificateDer(ca.certificate),
  chain: ca.chain.map((der) => parseCertificateDer(der)),
  privateKey: ca.privateKey,
  ...(ca.crlDistributionPoints && { crlDistributionPoints: ca.crlDistributionPoints }),
};
const issueChunk = chunkIssuer(issuer, settings);

parentPort?.on('message', async (chunk: { id: number; batch: string; jobs: NodeJob[] }) => {
  parentPort?.postMessage({ id: chunk.id, outcomes: await issueChunk(chunk.batch, chunk.jobs) });
});
