/**
 * The floors under bulk issuance, each run alone in a fresh Node process so it pays the same
 * start-up as the CLI, for the bulk rows of `run.mjs`:
 *
 * - `files COUNT DIR`: the durable file protocol of `stageBundles` + `commitBundleBatch` with
 *   nothing else: per node a 0700 folder and three files (1,100, 241 and 700 bytes of constant
 *   text, modes 0644/0600/0644) made on this thread, 256 nodes at a time (nodeid's batch), each
 *   batch made durable the way nodeid does it on the same folder (`stagingSync`): one syncfs(2)
 *   of the file system through the SDK's `syncFilesystem` where that reports errors, else every
 *   file and folder fsynced on the libuv pool (32 threads, as `bin/nodeid.cjs` sets); then each
 *   folder renamed into place and the parent synced once. No cryptography, no encoding, no
 *   inventory. `FLOOR_SYNC=file` forces the fsync of every file.
 * - `crypto COUNT`: the cryptography alone, on one thread: a P-256 key pair from OpenSSL (as
 *   `thread-keys.ts` makes them) and one ECDSA signature over 600 bytes (a TBSCertificate's
 *   size) per node. No ASN.1, no files.
 * - `pipeline COUNT DIR`: both at once, the best an issuer could do with no encoding at all: one
 *   thread per core (the main thread and workers), each taking its share of the nodes 256 at a
 *   time: it creates their files, starts their sync (as `files`), and makes the next 256 nodes'
 *   keys and signatures while the sync runs. Then the renames and the parent sync, as `files`. No ASN.1,
 *   no PEM, no inventory, no name policy: what is left of nodeid's run is all of those.
 *
 * The caller times the whole process and reads its CPU time from its own rusage; this prints
 * `{ seconds }` from the first node to the last, for a reader who runs it by hand.
 */
import { createECDH, generateKeyPairSync, sign } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import { stagingSync, syncFilesystem } from '@nodeid/sdk/node';

const fsyncAsync = promisify(fsync);
const BATCH = 256;
const CONTENTS = [
  ['node.crt', 'C'.repeat(1100), 0o644],
  ['node.key', 'K'.repeat(241), 0o600],
  ['ca.crt', 'A'.repeat(700), 0o644],
];

/** Creates the folders and files of nodes `from` to `to` (excluded) under `stage`, left open. */
function createNodes(stage, from, to) {
  const fds = [];
  for (let i = from; i < to; i++) {
    const folder = join(stage, `n${i}`);
    mkdirSync(folder, { mode: 0o700 });
    for (const [name, text, mode] of CONTENTS) {
      const fd = openSync(join(folder, name), 'wx', mode);
      writeFileSync(fd, text);
      fds.push(fd);
    }
    fds.push(openSync(folder, 'r'));
  }
  return fds;
}

/** Syncs every descriptor at once on the pool, then closes them. */
async function syncAll(fds) {
  await Promise.all(fds.map((fd) => fsyncAsync(fd)));
  for (const fd of fds) closeSync(fd);
}

/** Makes a batch's files durable with `mode` (`file` or `filesystem`), then closes them. */
async function syncBatch(fds, stage, mode) {
  if (mode === 'file') return syncAll(fds);
  for (const fd of fds) closeSync(fd);
  await syncFilesystem(stage);
}

/** The sync mode of a run staged in `stage`: nodeid's choice there, or `FLOOR_SYNC`. */
async function syncMode(stage) {
  return process.env.FLOOR_SYNC === 'file' ? 'file' : stagingSync(stage);
}

/** Makes the folders `stage` and `out` of a files run under `dir`. */
function folders(dir) {
  const stage = join(dir, 'staging');
  const out = join(dir, 'certs');
  mkdirSync(stage, { mode: 0o700 });
  mkdirSync(out, { mode: 0o700 });
  return { stage, out };
}

/** Renames every staged node folder into `out`, then syncs `out` once. */
async function publishAll(count, stage, out) {
  for (let i = 0; i < count; i++) renameSync(join(stage, `n${i}`), join(out, `n${i}`));
  await syncAll([openSync(out, 'r')]);
}

async function files(count, dir) {
  const { stage, out } = folders(dir);
  const mode = await syncMode(stage);
  const started = performance.now();
  for (let first = 0; first < count; first += BATCH)
    await syncBatch(createNodes(stage, first, Math.min(count, first + BATCH)), stage, mode);
  await publishAll(count, stage, out);
  return (performance.now() - started) / 1000;
}

const signingKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const TBS = new Uint8Array(600).fill(7);

/** `count` nodes' cryptography: a P-256 key pair each and one signature by the CA's key. */
function keysAndSignatures(count) {
  for (let i = 0; i < count; i++) {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.getPrivateKey();
    sign('sha256', TBS, { key: signingKey, dsaEncoding: 'ieee-p1363' });
  }
}

function crypto(count) {
  const started = performance.now();
  keysAndSignatures(count);
  return (performance.now() - started) / 1000;
}

/** One thread's share of `pipeline`: nodes `from` to `to`, the next batch's crypto over syncs. */
async function pipelineShare(stage, from, to, mode) {
  keysAndSignatures(Math.min(BATCH, to - from));
  for (let first = from; first < to; first += BATCH) {
    const syncs = syncBatch(createNodes(stage, first, Math.min(to, first + BATCH)), stage, mode);
    keysAndSignatures(Math.max(0, Math.min(BATCH, to - first - BATCH)));
    await syncs;
  }
}

async function pipeline(count, dir) {
  const { stage, out } = folders(dir);
  const mode = await syncMode(stage);
  const threads = Math.min(2, availableParallelism());
  const share = Math.ceil(count / threads);
  const started = performance.now();
  const workers = [];
  for (let t = 1; t < threads; t++) {
    const range = { stage, mode, from: t * share, to: Math.min(count, (t + 1) * share) };
    workers.push(
      new Promise((done, fail) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: range });
        worker.on('error', fail);
        worker.on('exit', (code) => (code === 0 ? done() : fail(new Error(`exit ${code}`))));
      }),
    );
  }
  await Promise.all([pipelineShare(stage, 0, Math.min(count, share), mode), ...workers]);
  await publishAll(count, stage, out);
  return (performance.now() - started) / 1000;
}

if (isMainThread) {
  const [what, count, dir] = process.argv.slice(2);
  const run = { files, crypto, pipeline }[what];
  if (!run) throw new Error(`usage: bulk-floor.mjs files|crypto|pipeline COUNT [DIR]`);
  const seconds = await run(Number(count), dir);
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
} else {
  await pipelineShare(workerData.stage, workerData.from, workerData.to, workerData.mode);
}
