/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * chunks of nodes, makes each one's key and certificate with the CA it was started with, builds
 * the bundle's files and the inventory record from the certificate it just made (nothing is
 * parsed again), and answers with the whole chunk in one message. Key generation and signatures
 * run on the calling thread (`createThreadCrypto`), not through the libuv pool. The CA's private key arrives as a
 * `CryptoKey` in `workerData`, cloned inside this process; it never leaves it.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, issueIdentity, parseCertificateDer } from '@nodeid/sdk';
import { certificateRecordOf } from '@nodeid/store/record';
import type { BulkSettings, IssuedNode, NodeJob, NodeOutcome } from './lib/bulk-types.js';
import { describeError } from './lib/cli-error.js';
import { bundleOf } from './lib/issue-one.js';
import { createThreadCrypto } from './lib/thread-crypto.js';

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
const crypto = createThreadCrypto();

async function issueNode(job: NodeJob): Promise<IssuedNode> {
  const identity = await issueIdentity({
    ca: issuer,
    profile: settings.profile,
    name: job.name,
    clusterName: settings.clusterName,
    dns: job.dns,
    ips: job.ips,
    uris: job.uris,
    days: settings.days,
    algorithm: settings.algorithm,
    crypto,
  });
  const files = await bundleOf(identity, {
    layout: settings.layout,
    keyPassphrase: settings.keyPassphrase,
    uuid: settings.uuid ? randomUUID() : undefined,
  });
  const record = certificateRecordOf(identity.certificate, {
    profile: settings.profile,
    issuedBy: 'cli',
  });
  return {
    line: job.line,
    name: job.name,
    serialNumber: identity.certificate.serialNumber,
    notAfter: identity.certificate.notAfter.toISOString(),
    files,
    record,
    warnings: identity.warnings,
    denied: identity.denied ?? [],
  };
}

parentPort?.on('message', async (chunk: { id: number; jobs: NodeJob[] }) => {
  const outcomes: NodeOutcome[] = [];
  for (const job of chunk.jobs) {
    try {
      outcomes.push({ ok: true, node: await issueNode(job) });
    } catch (e) {
      const { code, message } = describeError(e);
      outcomes.push({ ok: false, line: job.line, name: job.name, error: { code, message } });
    }
  }
  parentPort?.postMessage({ id: chunk.id, outcomes });
});
