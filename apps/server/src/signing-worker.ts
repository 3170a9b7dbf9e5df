/**
 * A signing thread of nodeid-server (see `lib/signing-pool.ts`): receives `{ id, job }`, runs
 * {@link signJob} with the CA it was started with, and answers `{ id, issued }` or
 * `{ id, error }`. The CA's private key arrives as a `CryptoKey` in `workerData`, cloned inside
 * this process; it never leaves it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, parseCertificateDer } from '@nodeid/sdk';
import { createNodeCrypto } from '@nodeid/sdk/node';
import { type SignJob, signJob, toSignError } from './lib/issuance.js';

interface WorkerCa {
  certificate: Uint8Array;
  chain: Uint8Array[];
  privateKey: CryptoKey;
}

const { ca } = workerData as { ca: WorkerCa };
const issuer: Issuer = {
  certificate: parseCertificateDer(ca.certificate),
  chain: ca.chain.map((der) => parseCertificateDer(der)),
  privateKey: ca.privateKey,
};
const crypto = createNodeCrypto();

parentPort?.on('message', async ({ id, job }: { id: number; job: SignJob }) => {
  try {
    parentPort?.postMessage({ id, issued: await signJob(job, issuer, crypto) });
  } catch (e) {
    parentPort?.postMessage({ id, error: toSignError(e) });
  }
});
