/**
 * The issuing threads started before the CLI loads (`bin/issue-threads.mjs`): which command
 * lines start them, that the pool takes the prestarted threads (and ends those it does not
 * need), and that a bulk command that fails before its pool exists still exits at once.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { isBulkIssue, issueThreads, keyAlgorithmOf, prestart } from '../bin/issue-threads.mjs';
import { checkBundle, nodeList } from './helpers/bulk.js';
import { runCli } from './helpers/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'nodeid-threads-'));
/** A worker module that answers its thread id to any message. */
const echo = join(work, 'echo.mjs');
writeFileSync(
  echo,
  "import { parentPort, threadId } from 'node:worker_threads';\n" +
    'parentPort.on("message", () => parentPort.postMessage(threadId));\n',
);
const started: Worker[] = [];
afterAll(async () => {
  await Promise.all(started.map((w) => w.terminate()));
});

const argv = (...args: string[]) => ['node', 'nodeid.cjs', ...args];
const answer = (worker: Worker) =>
  new Promise<number>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage('who');
  });
/** The threads `prestart` left for `issueThreads`, not yet taken. */
const waiting = () =>
  (globalThis as Record<symbol, { threads: { worker: Worker }[] } | undefined>)[
    Symbol.for('nodeid.prestarted-issue-threads')
  ]!.threads.map((t) => t.worker);
const exited = (worker: Worker) =>
  new Promise<void>((resolve) => worker.once('exit', () => resolve()));

describe('isBulkIssue', () => {
  it('is cert issue with --from-file, wherever the options are', () => {
    expect(isBulkIssue(argv('cert', 'issue', '--from-file', 'nodes.txt'))).toBe(true);
    expect(isBulkIssue(argv('--format', 'json', 'cert', 'issue', '--from-file=nodes.txt'))).toBe(
      true,
    );
    expect(isBulkIssue(argv('cert', 'issue', '--out', 'certs', '--from-file', 'n.txt'))).toBe(true);
  });

  it('is not a single issue, another command, or a run that names its thread count', () => {
    expect(isBulkIssue(argv('cert', 'issue', 'node1.example.net'))).toBe(false);
    expect(isBulkIssue(argv('cert', 'inspect', '--from-file', 'nodes.txt'))).toBe(false);
    expect(isBulkIssue(argv('issue', '--from-file', 'nodes.txt'))).toBe(false);
    expect(
      isBulkIssue(argv('cert', 'issue', '--from-file', 'nodes.txt', '--concurrency', '4')),
    ).toBe(false);
    expect(isBulkIssue(argv('cert', 'issue', '--from-file', 'n.txt', '--concurrency=1'))).toBe(
      false,
    );
  });
});

describe('keyAlgorithmOf', () => {
  it('is the value of --algorithm, in either form, else the default P-256', () => {
    expect(keyAlgorithmOf(argv('cert', 'issue', '--from-file', 'n.txt'))).toBe('P-256');
    expect(keyAlgorithmOf(argv('cert', 'issue', '--algorithm', 'P-384', '--from-file', 'n'))).toBe(
      'P-384',
    );
    expect(keyAlgorithmOf(argv('cert', 'issue', '--from-file', 'n', '--algorithm=Ed25519'))).toBe(
      'Ed25519',
    );
  });
});

describe('issueThreads', () => {
  it('takes the prestarted threads, ends those beyond the count, and starts none of its own', async () => {
    const url = pathToFileURL(echo);
    prestart(url, 3);
    const prestarted = waiting();
    // alive and answering before they are taken
    const ids = await Promise.all(prestarted.map(answer));
    const ending = prestarted.slice(2).map(exited);
    const taken = issueThreads(url, 2);
    started.push(...taken);
    expect(taken).toEqual(prestarted.slice(0, 2));
    expect(await Promise.all(taken.map(answer))).toEqual(ids.slice(0, 2));
    await Promise.all(ending);
    // taken once: a second pool starts its own
    const fresh = issueThreads(url, 1);
    started.push(...fresh);
    expect(prestarted).not.toContain(fresh[0]);
    expect(ids).not.toContain(await answer(fresh[0]!));
  });

  it('ends prestarted threads of another module and starts the right ones', async () => {
    const other = join(work, 'other.mjs');
    writeFileSync(other, readFileSync(echo, 'utf8'));
    prestart(pathToFileURL(other), 1);
    const [wrong] = waiting();
    const ended = exited(wrong!);
    const taken = issueThreads(pathToFileURL(echo), 1);
    started.push(...taken);
    await ended;
    expect(taken[0]).not.toBe(wrong);
    expect(typeof (await answer(taken[0]!))).toBe('number');
  });
});

describe('a bulk command that fails before its pool starts', () => {
  it('exits at once with its error: the prestarted threads do not hold the process', () => {
    const list = join(work, 'nodes.txt');
    writeFileSync(list, 'node1.example.net\n');
    const r = runCli(
      ['cert', 'issue', '--from-file', list, '--dir', join(work, 'no-ca-here'), '--quiet'],
      { env: { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined }, timeout: 30_000 },
    );
    expect(r.status, r.stderr).not.toBe(0);
    // a run held open by a thread would be killed by the timeout (status null)
    expect(r.status).not.toBeNull();
    expect(r.stderr).toMatch(/ERR_/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('prestarted threads with their keys made ahead', () => {
  for (const algorithm of ['P-256', 'P-384', 'Ed25519']) {
    it(`issue ${algorithm} bundles whose keys match their certificates`, async () => {
      const ca = join(work, `ca-${algorithm}`);
      const init = runCli(['ca', 'init', 'ahead.cluster', '--no-passphrase', '--dir', ca], {
        env: { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined },
      });
      expect(init.status, init.stderr).toBe(0);
      const list = join(work, `nodes-${algorithm}.txt`);
      writeFileSync(list, nodeList(300, 'pre'));
      const out = join(work, `certs-${algorithm}`);
      const args = ['cert', 'issue', '--from-file', list, '--out', out, '--dir', ca, '--quiet'];
      const r = runCli(algorithm === 'P-256' ? args : [...args, '--algorithm', algorithm], {
        env: { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined },
        timeout: 120_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const caPem = readFileSync(join(ca, 'ca.crt'), 'utf8');
      const names = readdirSync(out);
      expect(names).toHaveLength(300);
      const keys = new Set<string>();
      for (const name of names) {
        await checkBundle(join(out, name), name, caPem, 'ahead.cluster');
        const key = createPrivateKey(readFileSync(join(out, name, `${name}.key`)));
        expect(key.asymmetricKeyType).toBe(algorithm === 'Ed25519' ? 'ed25519' : 'ec');
        if (algorithm !== 'Ed25519')
          expect(key.asymmetricKeyDetails?.namedCurve).toBe(
            algorithm === 'P-256' ? 'prime256v1' : 'secp384r1',
          );
        keys.add(key.export({ format: 'der', type: 'pkcs8' }).toString('hex'));
      }
      expect(keys.size).toBe(300);
    }, 180_000);
  }
});
