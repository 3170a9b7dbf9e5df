/**
 * The two floors under bulk issuance, each run alone in a fresh Node process so it pays the
 * same start-up as the CLI, for the bulk rows of `run.mjs`:
 *
 * - `files COUNT DIR`: the durable file protocol of `stageBundles` + `commitBundleBatch` with
 *   nothing else: per node a 0700 folder and three files (1,100, 241 and 700 bytes of constant
 *   text, modes 0644/0600/0644) made on this thread, every file and folder synced on the libuv
 *   pool (32 threads, as `bin/nodeid.cjs` sets), 128 nodes at a time, then each folder renamed
 *   into place and the parent synced once. No cryptography, no encoding, no inventory.
 * - `crypto COUNT`: the cryptography alone, on one thread: a P-256 key pair from OpenSSL (as
 *   `thread-keys.ts` makes them) and one ECDSA signature over 600 bytes (a TBSCertificate's
 *   size) per node. No ASN.1, no files.
 *
 * The caller times the whole process and reads its CPU time from its own rusage; this prints
 * `{ seconds }` from the first node to the last, for a reader who runs it by hand.
 */
import { createECDH, generateKeyPairSync, sign } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fsync);
const BATCH = 128;

async function files(count, dir) {
  const stage = join(dir, 'staging');
  const out = join(dir, 'certs');
  mkdirSync(stage, { mode: 0o700 });
  mkdirSync(out, { mode: 0o700 });
  const contents = [
    ['node.crt', 'C'.repeat(1100), 0o644],
    ['node.key', 'K'.repeat(241), 0o600],
    ['ca.crt', 'A'.repeat(700), 0o644],
  ];
  const started = performance.now();
  for (let first = 0; first < count; first += BATCH) {
    const fds = [];
    for (let i = first; i < Math.min(count, first + BATCH); i++) {
      const folder = join(stage, `n${i}`);
      mkdirSync(folder, { mode: 0o700 });
      for (const [name, text, mode] of contents) {
        const fd = openSync(join(folder, name), 'wx', mode);
        writeFileSync(fd, text);
        fds.push(fd);
      }
      fds.push(openSync(folder, 'r'));
    }
    await Promise.all(fds.map((fd) => fsyncAsync(fd)));
    for (const fd of fds) closeSync(fd);
  }
  for (let i = 0; i < count; i++) renameSync(join(stage, `n${i}`), join(out, `n${i}`));
  const fd = openSync(out, 'r');
  await fsyncAsync(fd);
  closeSync(fd);
  return (performance.now() - started) / 1000;
}

function crypto(count) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tbs = new Uint8Array(600).fill(7);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.getPrivateKey();
    sign('sha256', tbs, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  }
  return (performance.now() - started) / 1000;
}

const [what, count, dir] = process.argv.slice(2);
const seconds = what === 'files' ? await files(Number(count), dir) : crypto(Number(count));
process.stdout.write(`${JSON.stringify({ seconds })}\n`);
