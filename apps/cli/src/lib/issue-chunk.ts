/**
 * Issuance of one chunk of `nodeid cert issue --from-file` (see `bulk-issue.ts`), the same on
 * the main thread and on an issuing thread (`issue-worker.ts`): each node's key and certificate
 * with the CA, its bundle's files and inventory record from the certificate just made (nothing
 * is parsed again), then the chunk's bundles staged, durably and hidden, into the batch folder
 * (`stageBundles`), by the thread that made them: their contents, the private keys among them,
 * never cross to another thread. Key generation (`threadKeyPair`: the key as bytes, never a
 * `CryptoKey`) and signatures (`createNodeCrypto`) run on the calling thread, not on the libuv
 * pool, which the disk syncs keep busy.
 */
import { randomUUID } from 'node:crypto';
import { type BundleFile, type Issuer, issueCertificate } from '@nodeid/sdk';
import { type BatchSync, createNodeCrypto, stageBundles } from '@nodeid/sdk/node';
import { certificateRecordOf } from '@nodeid/store/record';
import type { BulkSettings, IssuedNode, NodeJob, NodeOutcome } from './bulk-types.js';
import { describeError } from './cli-error.js';
import { bundleOf } from './issue-one.js';
import { threadKeyPair } from './thread-keys.js';

/**
 * Issues a chunk of nodes and stages their bundles into `batch`, made durable as `sync` says;
 * the outcomes in job order.
 */
export type IssueChunk = (
  batch: string,
  jobs: NodeJob[],
  sync: BatchSync,
) => Promise<NodeOutcome[]>;

/**
 * The chunk issuer of a thread, for `issuer` and the run's `settings`; `pause`, when given, runs
 * after each node (the main thread lets its other work in there).
 */
export function chunkIssuer(
  issuer: Issuer,
  settings: BulkSettings,
  pause?: () => Promise<void>,
): IssueChunk {
  const crypto = createNodeCrypto();

  const issueNode = async (job: NodeJob): Promise<{ node: IssuedNode; files: BundleFile[] }> => {
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
    const node: IssuedNode = {
      line: job.line,
      name: job.name,
      dir: job.dir!,
      serialNumber: identity.certificate.serialNumber,
      notAfter: identity.certificate.notAfter.toISOString(),
      files: files.map((f) => ({ path: f.path, mode: f.mode })),
      record: certificateRecordOf(identity.certificate, {
        profile: settings.profile,
        issuedBy: 'cli',
      }),
      warnings: identity.warnings,
      denied: identity.denied ?? [],
    };
    return { node, files };
  };

  return async (batch, jobs, sync) => {
    const outcomes: NodeOutcome[] = [];
    const issued: { index: number; node: IssuedNode; files: BundleFile[] }[] = [];
    for (const job of jobs) {
      try {
        const made = await issueNode(job);
        issued.push({ index: outcomes.length, ...made });
        outcomes.push({ ok: true, node: made.node });
      } catch (e) {
        outcomes.push(failed(job, e));
      }
      if (pause) await pause();
    }
    try {
      const errors = await stageBundles(
        batch,
        issued.map((s) => ({ id: s.node.serialNumber, dir: s.node.dir, files: s.files })),
        { force: settings.force, sync },
      );
      errors.forEach((e, k) => {
        if (e) outcomes[issued[k]!.index] = failed(issued[k]!.node, e);
      });
    } catch (e) {
      for (const s of issued) outcomes[s.index] = failed(s.node, e);
    }
    return outcomes;
  };
}

function failed(job: { line: number; name: string }, e: unknown): NodeOutcome {
  const { code, message } = describeError(e);
  return { ok: false, line: job.line, name: job.name, error: { code, message } };
}
