/**
 * A signing thread of nodeid-server (see `lib/signing-pool.ts`): receives batches of
 * `{ id, job }`, runs {@link signJob} on each with the CA it was started with, and answers with
 * a list of `{ id, issued }` or `{ id, error }`; a message `{ ca }` (a reloaded CA folder) replaces
 * the CA for the jobs after it. The CA's private key arrives as a `CryptoKey` in `workerData`, cloned inside
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
  crlDistributionPoints?: readonly string[];
}

const issuerOf = (ca: WorkerCa): Issuer => ({
  certificate: parseCertificateDer(ca.certificate),
  chain: ca.chain.map((der) => parseCertificateDer(der)),
  privateKey: ca.privateKey,
  crlDistributionPoints: ca.crlDistributionPoints,
});
let issuer = issuerOf((workerData as { ca: WorkerCa }).ca);
const crypto = createNodeCrypto();

/**
 * Jobs come in batches (those asked for in one turn of the server's event loop) and their
 * answers go back as one message: one thread wake-up each way per batch, not per job.
 */
parentPort?.on('message', async (batch: { id: number; job: SignJob }[] | { ca: WorkerCa }) => {
  // the CA folder was reloaded: every job after this message is signed with the new CA
  if (!Array.isArray(batch)) {
    issuer = issuerOf(batch.ca);
    return;
  }
  // the whole batch with the CA it was sent under, whatever arrives while it is signed
  const ca = issuer;
  const answers = [];
  for (const { id, job } of batch) {
    try {
      answers.push({ id, issued: await signJob(job, ca, crypto) });
    } catch (e) {
      answers.push({ id, error: toSignError(e) });
    }
  }
  parentPort?.postMessage(answers);
});
