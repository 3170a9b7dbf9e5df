/**
 * `nodeid cert issue --from-file`: issues thousands of node identities at the speed of the
 * cryptography, durably. The input is streamed in batches; each batch is issued by this thread
 * and the worker threads together, in chunks (`issue-chunk.ts`: keys, certificates, records, and
 * each chunk's bundles staged by the thread that made them), while the previous batch is
 * committed; memory stays flat in the node count.
 *
 * Each batch follows the steps of `writeBundleBatch` of `@nodeid/sdk/node`, whose order keeps
 * the invariant "every visible bundle is complete and recorded, every record is a bundle":
 * bundles staged durably under `<out>/.nodeid-staging` (`openBundleBatch`, `stageBundles`;
 * one syncfs(2) where `stagingSync` finds it reports errors, else an fsync each) → ONE
 * inventory transaction records the certificates and audit lines (the commit point,
 * `commitBundleBatches`: of one batch, or of the few issued while the previous commit ran) →
 * staged folders renamed into place.
 * A kill at any moment leaves hidden staged bundles at most; the next bulk run into the same
 * folder first publishes those the inventory recorded and removes the others
 * (`recoverBundleBatches`). One failing node is reported with its input line and does not stop
 * the others; a failing inventory stops the run (nothing after it is issued).
 */
import { createReadStream } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Worker } from 'node:worker_threads';
import { NodeIdError, shownName } from '@nodeid/sdk';
import {
  type BatchSync,
  commitBundleBatches,
  openBundleBatch,
  recoverBundleBatches,
  stagingSync,
} from '@nodeid/sdk/node';
import type { AuditInput } from '@nodeid/store';
import { issueThreads } from '../../bin/issue-threads.mjs';
import type { IssueThreadInit } from '../issue-worker.js';
import type { BulkSettings, IssuedNode, NodeJob, NodeOutcome } from './bulk-types.js';
import type { LoadedCa } from './ca-folder.js';
import { ChunkLanes, type ChunkResult, type SharedBatch } from './chunk-lanes.js';
import { CliError, describeError } from './cli-error.js';
import { chunkIssuer } from './issue-chunk.js';
import { createProgress, formatRate } from './progress.js';

/** The hidden folder of the output folder where batches are staged before their commit. */
export const STAGING_DIR = '.nodeid-staging';

/** Nodes per batch: one inventory transaction and one round of disk syncs each. */
export const BATCH_SIZE = 256;

/**
 * Batches handed to the threads beyond those being committed: the threads go on issuing while a
 * commit waits for its disk sync (measured on 3,000 nodes with group commits: 2 to 5 alike).
 */
const BATCHES_AHEAD = 3;

/**
 * Batches one commit takes at most: one disk sync and one inventory transaction for all of
 * them, when the commits fall behind the issuing (3,000 nodes: 7 commits instead of 12).
 */
const COMMIT_GROUP_MAX = 4;

/** Nodes per message to a thread. */
const CHUNK_SIZE = 32;

/**
 * Chunks each thread holds at once: while one waits for its disk syncs, the thread issues the
 * next (measured on 3,000 nodes: 3 beat 1, 2 and 4).
 */
const CHUNKS_PER_THREAD = 3;

/**
 * Chunks this (the main) thread holds at once: it also commits each batch and moves it into
 * place, and was the thread the others waited for (measured on 3,000 nodes with one syncfs per
 * batch, interleaved: 1 lane 1.69–1.79 s, 3 lanes 1.75–1.92 s, none 1.87–1.93 s).
 */
const MAIN_THREAD_CHUNKS = 1;

/** Options of {@link bulkIssue}. */
export interface BulkIssueOptions {
  /** The node list: one node a line, `FQDN [IP...]`. */
  file: string;
  /** Output folder: each node's bundle goes to `<out>/<name>` (default `./<name>`). */
  out?: string;
  ca: LoadedCa;
  settings: BulkSettings;
  force: boolean;
  /** Issuing threads; default the number of cores. */
  threads?: number;
  quiet: boolean;
  format: 'text' | 'json';
  /** Prints lines of the per-node report (text) or JSON pieces; resolves once written. */
  write: (text: string) => Promise<void>;
  /** Paints a word for text output. */
  paint: (color: 'red' | 'green', text: string) => string;
}

/** The summary of a bulk run. */
export interface BulkIssueSummary {
  issued: number;
  failed: number;
  seconds: number;
  /** Nodes issued per second, end to end. */
  rate: number;
  /** Bundles of an interrupted run that were recorded, now moved into place. */
  recovered: number;
}

/** One node of a bulk file line, or undefined for a blank or comment line. */
export function parseNodeLine(raw: string, line: number): NodeJob | undefined {
  const text = raw.replace(/#.*/, '').trim();
  if (!text) return undefined;
  const [name, ...ips] = text.split(/[\s,]+/);
  return { line, name: name!, dns: [], ips, uris: [] };
}

/** Counts the nodes of a file without keeping it (for the progress bar's total). */
async function countNodes(file: string): Promise<number> {
  let count = 0;
  let line = 0;
  for await (const raw of lines(file)) if (parseNodeLine(raw, ++line)) count++;
  return count;
}

function lines(file: string): AsyncIterable<string> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  return createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
}

/** The file's nodes in batches, read as they are needed. */
async function* batchesOf(file: string, size: number): AsyncGenerator<NodeJob[]> {
  let batch: NodeJob[] = [];
  let line = 0;
  for await (const raw of lines(file)) {
    const job = parseNodeLine(raw, ++line);
    if (!job) continue;
    batch.push(job);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * The issuing threads: this one and `threads - 1` worker threads. This thread issues too,
 * between its other work (a batch's commit, the report): one thread fewer to start and to warm
 * up than a worker per core. Every thread is given each batch whole and claims its chunks as it
 * is free (`chunk-lanes.ts`), with {@link CHUNKS_PER_THREAD} lanes each ({@link MAIN_THREAD_CHUNKS}
 * on this thread).
 */
class IssuePool {
  private readonly workers: Worker[] = [];
  private readonly open = new Map<
    number,
    { report: (chunk: number, result: ChunkResult) => void; reject: (e: Error) => void }
  >();
  private readonly local: ChunkLanes;
  private nextId = 1;

  constructor(ca: LoadedCa, settings: BulkSettings, threads: number) {
    const issuer = ca.issuer;
    const report = (id: number, chunk: number, result: ChunkResult) =>
      this.open.get(id)?.report(chunk, result);
    // let the workers' answers and the commits' next steps in between this thread's nodes: a
    // commit waiting for a chunk to end waited for 30 to 60 ms of issuing
    const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
    this.local = new ChunkLanes(MAIN_THREAD_CHUNKS, chunkIssuer(issuer, settings, pause), report);
    const init: IssueThreadInit = {
      ca: {
        certificate: issuer.certificate.der,
        chain: (issuer.chain ?? []).map((c) => c.der),
        privateKey: issuer.privateKey,
        crlDistributionPoints: issuer.crlDistributionPoints,
      },
      settings,
      lanes: CHUNKS_PER_THREAD,
    };
    const workerUrl = new URL('./issue-worker.js', import.meta.url);
    for (const worker of issueThreads(workerUrl, threads - 1)) {
      worker.postMessage(init);
      worker.on('message', (m: { id: number; chunk: number; result: ChunkResult }) =>
        report(m.id, m.chunk, m.result),
      );
      // a chunk the thread had claimed is lost with it: every open batch fails
      const fail = (why: string) => {
        for (const [id, batch] of this.open) {
          this.open.delete(id);
          batch.reject(new CliError('ERR_INTERNAL', why));
        }
      };
      worker.on('error', (e) => fail(`an issuing thread failed: ${e.message}`));
      worker.on('exit', (code) => fail(`an issuing thread exited (${code})`));
      this.workers.push(worker);
    }
  }

  /**
   * Issues every job and stages its bundle into `batch`, made durable as `sync` says; the
   * outcomes in the order of the jobs. Several batches may be open at once: the threads take the
   * next one's chunks as soon as the previous one has none left.
   */
  issue(jobs: NodeJob[], batch: string, sync: BatchSync): Promise<NodeOutcome[]> {
    if (jobs.length === 0) return Promise.resolve([]);
    const chunks: NodeJob[][] = [];
    for (let i = 0; i < jobs.length; i += CHUNK_SIZE) chunks.push(jobs.slice(i, i + CHUNK_SIZE));
    const id = this.nextId++;
    const shared: SharedBatch = { id, batch, sync, chunks, counter: new SharedArrayBuffer(4) };
    return new Promise((resolve, reject) => {
      const results: NodeOutcome[][] = [];
      let left = chunks.length;
      this.open.set(id, {
        report: (chunk, result) => {
          if ('error' in result) {
            this.open.delete(id);
            reject(new CliError(result.error.code, result.error.message));
            return;
          }
          results[chunk] = result.outcomes;
          if (--left === 0) {
            this.open.delete(id);
            resolve(results.flat());
          }
        },
        reject,
      });
      for (const worker of this.workers) worker.postMessage(shared);
      this.local.add(shared);
    });
  }

  /**
   * Claims no more chunks and waits for this thread's chunks being issued, then ends the
   * workers (a chunk a worker was staging stays staged, unrecorded: the next run removes it).
   */
  async close(): Promise<void> {
    this.local.close();
    await this.local.stopped;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A batch handed to the threads, not yet committed. */
interface OpenBatch {
  batch: NodeJob[];
  /** Lines refused before issuing, by line. */
  refused: Map<number, NodeOutcome>;
  staged: string;
  issuing: Promise<NodeOutcome[]>;
  /** Its outcomes, once issued. */
  issued?: NodeOutcome[];
}

/** One node's line(s) of the report, and whether it failed. */
interface Reported {
  ok: boolean;
  text: string;
}

/**
 * Issues every node of `options.file`, writing and recording them in batches, with progress on
 * stderr and the per-node report through `options.write`. Answers the summary.
 */
export async function bulkIssue(options: BulkIssueOptions): Promise<BulkIssueSummary> {
  const { ca, format } = options;
  // the worker threads first (those bin/nodeid.cjs prestarted, or new ones): a thread takes a
  // sixth of a second to boot and load its modules, while this one reads the input and checks
  // the output folder
  const pool = new IssuePool(
    ca,
    { ...options.settings, force: options.force },
    Math.max(1, Math.min(options.threads ?? availableParallelism(), 64)),
  );
  let total: number;
  let staging: string;
  let recovery: Awaited<ReturnType<typeof recoverBundleBatches>>;
  let sync: BatchSync;
  try {
    total = await countNodes(options.file).catch((e) => {
      throw new CliError(
        'ERR_FILE_NOT_FOUND',
        `cannot read ${options.file}${e?.code ? ` (${e.code})` : ''}`,
      );
    });
    if (total === 0) throw new CliError('ERR_USAGE', `${options.file} lists no node`, 2);

    staging = join(resolve(options.out ?? '.'), STAGING_DIR);
    recovery = await recoverBundleBatches(
      staging,
      async (serial) => (await ca.store.getCertificate(serial)) !== undefined,
    );
    // one syncfs(2) per batch where the file system reports its errors, else an fsync per file
    sync = await stagingSync(staging);
  } catch (e) {
    await pool.close();
    throw e;
  }
  if (!options.quiet && (recovery.published.length || recovery.discarded.length))
    process.stderr.write(
      `an interrupted run left ${recovery.published.length + recovery.discarded.length} staged bundles: ` +
        `${recovery.published.length} recorded ones moved into place, ${recovery.discarded.length} unrecorded ones removed\n`,
    );
  for (const dir of recovery.blocked)
    process.stderr.write(
      `warning: a recorded bundle of an interrupted run is still staged in ${staging}: ${dir} exists\n`,
    );

  const progress = createProgress({
    unit: 'nodes',
    verb: 'issued',
    total,
    quiet: options.quiet,
  });
  let first = true;
  const emit = async (reports: Reported[]) => {
    if (reports.length === 0) return;
    const text = reports.map((r) => r.text);
    if (format === 'json') {
      await options.write(`${first ? '' : ','}\n${text.join(',\n')}`);
    } else await options.write(`${text.join('\n')}\n`);
    first = false;
  };
  if (format === 'json') await options.write('{"results":[');

  let issued = 0;
  let failed = 0;
  /** Commits issued batches together (one commit point), moves them into place, reports. */
  const writeBatches = async (
    group: { outcomes: NodeOutcome[]; staged: string }[],
  ): Promise<void> => {
    const reports = group.map((g) => g.outcomes.map((): Reported | undefined => undefined));
    const entries = group.map((g, k) => {
      const issuedHere: { index: number; node: IssuedNode }[] = [];
      g.outcomes.forEach((o, index) => {
        if (o.ok) issuedHere.push({ index, node: o.node });
        else reports[k]![index] = failure(o.line, o.name, o.error, format, options.paint);
      });
      return issuedHere;
    });
    const results = await commitBundleBatches(
      group.map((g, k) => ({
        batch: g.staged,
        entries: entries[k]!.map((e) => ({
          id: e.node.serialNumber,
          dir: e.node.dir,
          files: e.node.files,
        })),
      })),
      {
        force: options.force,
        sync,
        commit: async (staged) => {
          const at = new Date();
          const nodes = staged.flatMap((indexes, k) => indexes.map((i) => entries[k]![i]!.node));
          const audit: AuditInput[] = nodes.map((n) => ({
            at,
            action: 'certificate.issue',
            serialNumber: n.serialNumber,
            detail: {
              subject: n.record.subject,
              names: n.record.names,
              profile: options.settings.profile,
            },
          }));
          await ca.store.recordCertificates(
            nodes.map((n) => ({ ...n.record, recordedAt: at })),
            audit,
          );
        },
      },
    );
    for (const [k, batchResults] of results.entries()) {
      for (const [i, r] of batchResults.entries()) {
        const { index, node } = entries[k]![i]!;
        reports[k]![index] = r.ok
          ? success(node, r.result, format, options.paint)
          : failure(node.line, node.name, r.error, format, options.paint);
      }
    }
    const done = reports.flat() as Reported[];
    const bad = done.filter((r) => !r.ok).length;
    issued += done.length - bad;
    failed += bad;
    progress.add(done.length, bad);
    await emit(done);
  };

  let fatal: unknown;
  // batches are committed and moved into place while the next ones are issued: each batch is
  // handed to the threads as soon as it is read, up to BATCHES_AHEAD batches ahead of those
  // being committed, so no thread waits for a commit (nor at the end of a batch). A commit
  // takes the oldest batch and every later one already issued, up to COMMIT_GROUP_MAX: the
  // more the commits fall behind, the fewer and larger they are (one file system sync and one
  // inventory transaction for all of them)
  let writing: Promise<void> = Promise.resolve();
  /** Batches handed to the threads and not yet to `writeBatches`, oldest first. */
  const queue: OpenBatch[] = [];
  /** Wakes the reader waiting for the queue to shrink below BATCHES_AHEAD (`commitFrom`). */
  let queueShrank: (() => void) | undefined;
  /** Batch folders being staged, not yet handed to `writeBatches`: removed if the run stops. */
  const unwritten = new Set<string>();
  const outcomesOf = (open: OpenBatch, issuedNow: NodeOutcome[]) => {
    let next = 0;
    return open.batch.map((job) => open.refused.get(job.line) ?? issuedNow[next++]!);
  };
  /** The commit of `open` (and the batches after it already issued), unless an earlier one took it. */
  const commitFrom = async (open: OpenBatch) => {
    if (queue[0] !== open) return;
    const first = await open.issuing;
    const group = [{ open, issuedNow: first }];
    queue.shift();
    while (queue.length > 0 && queue[0]!.issued && group.length < COMMIT_GROUP_MAX) {
      const next = queue.shift()!;
      group.push({ open: next, issuedNow: next.issued! });
    }
    for (const g of group) unwritten.delete(g.open.staged);
    queueShrank?.();
    await writeBatches(
      group.map((g) => ({ outcomes: outcomesOf(g.open, g.issuedNow), staged: g.open.staged })),
    );
  };
  try {
    const folders = new Map<string, number>();
    for await (const batch of batchesOf(options.file, BATCH_SIZE)) {
      const refused = acceptFolders(batch, folders, options.out);
      const staged = await openBundleBatch(staging);
      unwritten.add(staged);
      const issuing = pool.issue(
        batch.filter((job) => !refused.has(job.line)),
        staged,
        sync,
      );
      const open: OpenBatch = { batch, refused, staged, issuing };
      issuing.then(
        (outcomes) => {
          open.issued = outcomes;
        },
        () => {},
      );
      queue.push(open);
      // in order, each after the previous one; one that fails skips those after it
      writing = writing.then(() => commitFrom(open));
      // handled here too: it may fail while the next batch is being read, before it is awaited
      writing.catch(() => {});
      // the batches being committed do not count: a commit that takes several at once leaves
      // the threads as many batches ahead as before (a failed commit stops the reading)
      while (queue.length > BATCHES_AHEAD)
        await Promise.race([new Promise<void>((wake) => (queueShrank = wake)), writing]);
    }
    await writing;
  } catch (e) {
    fatal = e;
  } finally {
    // a batch still being written finishes (or fails) before the summary
    await writing.catch((e) => {
      fatal ??= e;
    });
    await pool.close();
    // nothing of a batch not handed to writeBatch was committed: its staged bundles go
    for (const staged of unwritten)
      await rm(staged, { recursive: true, force: true }).catch(() => {});
    // the staging folder goes once empty; a batch left by a failure stays for the next run
    await rmdir(staging).catch(() => {});
  }
  const totals = progress.finish();
  const summary: BulkIssueSummary = {
    issued,
    failed,
    seconds: totals.seconds,
    rate: issued / Math.max(totals.seconds, 1e-9),
    recovered: recovery.published.length,
  };
  const stopped = fatal ? describeError(fatal) : undefined;
  if (format === 'json') {
    await options.write(
      `\n],"issued":${issued},"failed":${failed},"skipped":${total - issued - failed},` +
        `"seconds":${summary.seconds.toFixed(3)},"rate":${Number(summary.rate.toFixed(1))},"recovered":${summary.recovered}` +
        `${stopped ? `,"error":${JSON.stringify({ code: stopped.code, message: stopped.message })}` : ''}}\n`,
    );
  } else {
    const rest = total - issued - failed;
    await options.write(
      `${issued} issued, ${failed} failed${rest ? `, ${rest} not attempted` : ''} in ` +
        `${summary.seconds.toFixed(1)} s (${formatRate(summary.rate)} nodes/s)\n`,
    );
  }
  if (fatal) throw fatal;
  return summary;
}

/**
 * One bundle folder per node: sets each job's folder (`<out>/<name>`, absolute), and answers the
 * refusals of `batch`, by line: a name that cannot name a folder, or a folder an earlier line (in
 * `folders`, folder → line) already named, which would be issued and recorded twice while only
 * one could be written.
 */
function acceptFolders(
  batch: NodeJob[],
  folders: Map<string, number>,
  out: string | undefined,
): Map<number, NodeOutcome> {
  const refused = new Map<number, NodeOutcome>();
  const refuse = (job: NodeJob, code: string, message: string) =>
    refused.set(job.line, { ok: false, line: job.line, name: job.name, error: { code, message } });
  for (const job of batch) {
    let folder: string;
    try {
      folder = resolve(bundleDir(out, job.name));
    } catch (e) {
      const { code, message } = describeError(e);
      refuse(job, code, message);
      continue;
    }
    const first = folders.get(folder);
    if (first === undefined) {
      folders.set(folder, job.line);
      job.dir = folder;
    } else
      refuse(
        job,
        'ERR_INVALID_ARGUMENT',
        `${folder} is the folder of line ${first} already: one line per node`,
      );
  }
  return refused;
}

/** `<out>/<name>`, or `./<name>`; the name must be a plain folder name. */
function bundleDir(out: string | undefined, name: string): string {
  if (name === '.' || name === '..' || /[/\\\0]/.test(name) || name.startsWith('.'))
    throw new NodeIdError('ERR_NAME_INVALID', `${shownName(name)} cannot name a folder`);
  return out ? join(out, name) : name;
}

/**
 * A refused line's name as the text report shows it: as written when it is plain (printable,
 * at most 100 characters), else escaped and cut (`shownName`): a NUL or an ESC sequence of the
 * input must not reach the reader's terminal, nor a 2 MB line be printed back whole.
 */
function lineName(name: string): string {
  return /^[\x21-\x7e]{1,100}$/.test(name) ? name : shownName(name);
}

function failure(
  line: number,
  name: string,
  error: { code: string; message: string },
  format: 'text' | 'json',
  paint: BulkIssueOptions['paint'],
): Reported {
  const { code, message } = error;
  return {
    ok: false,
    text:
      format === 'json'
        ? JSON.stringify({ line, name, ok: false, error: { code, message } })
        : `${paint('red', 'failed')}  line ${line}: ${lineName(name)}: ${message} (${code})`,
  };
}

function success(
  node: IssuedNode,
  written: { dir: string; files: { path: string; mode: number }[]; warnings: string[] },
  format: 'text' | 'json',
  paint: BulkIssueOptions['paint'],
): Reported {
  const files = written.files.map((f, i) => {
    const mode = node.files[i]?.mode ?? f.mode;
    return `${f.path} (0${mode.toString(8)})`;
  });
  const warnings = [...node.warnings, ...written.warnings];
  if (format === 'json')
    return {
      ok: true,
      text: JSON.stringify({
        line: node.line,
        name: node.name,
        ok: true,
        serialNumber: node.serialNumber,
        names: node.record.names,
        notAfter: node.notAfter,
        dir: written.dir,
        files,
        warnings,
        denied: node.denied,
      }),
    };
  const lines = [
    `${paint('green', 'issued')}  ${node.name}  serial ${node.serialNumber}  until ${node.notAfter}`,
    `        names ${node.record.names.join(', ') || '(none)'}`,
    ...node.denied.map((d) => `        ${paint('red', 'denied')} ${d.name}: ${d.reason}`),
    `        ${written.dir}: ${files.join(', ')}`,
    ...warnings.map((w) => `        warning: ${w}`),
  ];
  return { ok: true, text: lines.join('\n') };
}
