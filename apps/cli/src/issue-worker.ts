/**
 * An issuing thread of `nodeid cert issue --from-file` (see `lib/bulk-issue.ts`): receives
 * chunks of nodes, makes each one's key and certificate with the CA it was started with, builds
 * the bundle's files and the inventory record from the certificate it just made (nothing is
 * parsed again), and answers with the whole chunk in one message. Key generation
 * (`threadKeyPair`: the key as bytes, never a `CryptoKey`) and signatures (`createNodeCrypto`)
 * run on the calling thread, not through the libuv pool. The CA's private key arrives as a
 * `CryptoKey` in `workerData`, cloned inside this process; it never leaves it.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { type Issuer, issueCertificate, parseCertificateDer } from '@nodeid/sdk';
import { createNodeCrypto } from '@nodeid/sdk/node';
import { certificateRecordOf } from '@nodeid/store/record';
import type { BulkSettings, IssuedNode, NodeJob, NodeOutcome } from './lib/bulk-types.js';
import { describeError } from './lib/cli-error.js';
import { bundleOf } from './lib/issue-one.js';
import { threadKeyPair } from './lib/thread-keys.js';

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
const crypto = createNodeCrypto();

async function issueNode(job: NodeJob): Promise<IssuedNode> {
  const key = await threadKeyPair(settings.algorithm, crypto);
  const issued = await issueCertificate({
    ca: issuer,
    profile: settings.profile,
    name: job.name,
    clusterName: settings.clusterName,
    dns: job.dns,
    ips: job.ips,
    uris: job.uris,
    days: settings.days,
    publicKey: key.spki,
    crypto,
  });
  const identity = { ...issued, privateKey: key.pkcs8 };
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
