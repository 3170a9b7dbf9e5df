/**
 * Bulk issuance (issue 14), the CLI run as a process: 10,000 nodes give 10,000 bundles that
 * verify, with their modes, and an inventory of exactly those; progress lines on a non-TTY
 * stderr; one bad line fails alone, by its line number. Every bundle is verified in-process with
 * the SDK (path validation, host, key matching the certificate); a few with openssl too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBundle, inventorySerials, nodeList, runCliAsync } from './helpers/bulk.js';
import { CLI, runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
let ca: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-bulk-'));
  ca = join(work, 'ca');
  const init = runCli(['ca', 'init', 'bulk.cluster', '--no-passphrase', '--dir', ca], { env: ENV });
  expect(init.stderr).toBe('');
});

// thousands of folders: removed without blocking the test runner's own messages
afterAll(() => rm(work, { recursive: true, force: true }), 300_000);

describe('cert issue --from-file (issue 14)', () => {
  it('issues 10,000 verifying bundles with their modes, an inventory of 10,000 and progress lines', async () => {
    const list = join(work, 'nodes.txt');
    writeFileSync(list, nodeList(10_000));
    const out = join(work, 'certs');
    const r = await runCliAsync(
      ['cert', 'issue', '--from-file', list, '--out', out, '--dir', ca, '--format', 'json'],
      { ...ENV, NODEID_PROGRESS_INTERVAL_MS: '100' },
      600_000,
    );
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ issued: 10_000, failed: 0, recovered: 0 });
    expect(summary.results).toHaveLength(10_000);
    // stderr is a pipe here: plain progress lines, counting up, then the last one at 10,000
    const progress = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const m = /^issued (\d+)\/10000 nodes, [\d,.]+ nodes\/s(, ETA [0-9hms ]+)?$/.exec(line);
        expect(m, line).not.toBeNull();
        return Number(m![1]);
      });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(10_000);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    expect(readdirSync(out).sort()).toEqual(
      Array.from({ length: 10_000 }, (_, i) => `node${i}.bulk.internal`).sort(),
    );
    const caPem = readFileSync(join(ca, 'ca.crt'), 'utf8');
    const serials: string[] = [];
    for (const name of readdirSync(out))
      serials.push(await checkBundle(join(out, name), name, caPem, 'bulk.cluster'));
    expect(await inventorySerials(ca)).toEqual(serials.sort());
    expect(new Set(serials).size).toBe(10_000);
    for (const i of [0, 4_321, 9_999]) {
      const dir = join(out, `node${i}.bulk.internal`);
      const v = spawnSync(
        'openssl',
        ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, `node${i}.bulk.internal.crt`)],
        { encoding: 'utf8' },
      );
      expect(v.stdout).toContain(': OK');
    }
  }, 900_000);

  it('fails a bad line alone, by its line number, says so in the exit code, and is quiet with --quiet', () => {
    const list = join(work, 'mixed.txt');
    writeFileSync(
      list,
      'good1.bulk.internal 10.1.0.1\n# a comment\n\nbad..name\ngood2.bulk.internal 10.1.0.999\ngood3.bulk.internal\n',
    );
    const out = join(work, 'mixed');
    const r = runCli(['cert', 'issue', '--from-file', list, '--out', out, '--dir', ca, '--quiet'], {
      env: { ...ENV, NODEID_PROGRESS_INTERVAL_MS: '10' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('failed  line 4: bad..name:');
    expect(r.stdout).toContain(
      'failed  line 5: good2.bulk.internal: "10.1.0.999" is not a valid IP address (ERR_NAME_INVALID)',
    );
    expect(r.stdout).toMatch(/^2 issued, 2 failed in /m);
    expect(readdirSync(out).sort()).toEqual(['good1.bulk.internal', 'good3.bulk.internal']);
  });

  it('refuses a line that names a folder already named, before issuing it, across batches, and reports in input order', async () => {
    // 700 lines: three batches of 256, written at the same time; line 5 repeats line 1 (same
    // batch), line 600 repeats line 300 (another batch)
    const names = nodeList(700, 'dup').trim().split('\n');
    names[4] = names[0]!;
    names[599] = names[299]!;
    const list = join(work, 'dups.txt');
    writeFileSync(list, `${names.join('\n')}\n`);
    const dupCa = join(work, 'dup-ca');
    runCli(['ca', 'init', 'dup.cluster', '--no-passphrase', '--dir', dupCa], { env: ENV });
    const out = join(work, 'dups');
    const r = await runCliAsync(
      [
        'cert',
        'issue',
        '--from-file',
        list,
        '--out',
        out,
        '--dir',
        dupCa,
        '--format',
        'json',
        '--quiet',
      ],
      ENV,
      240_000,
    );
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      results: { line: number; ok: boolean; error?: { code: string; message: string } }[];
      issued: number;
      failed: number;
    };
    expect(report.results.map((x) => x.line)).toEqual(names.map((_, i) => i + 1));
    const failed = report.results.filter((x) => !x.ok);
    expect(failed.map((x) => x.line)).toEqual([5, 600]);
    expect(failed[0]!.error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(failed[0]!.error!.message).toContain('line 1');
    expect(failed[1]!.error!.message).toContain('line 300');
    // nothing was issued for the refused lines: the inventory holds exactly the bundles on disk
    expect(report.issued).toBe(698);
    expect((await inventorySerials(dupCa)).length).toBe(698);
    expect(readdirSync(out).filter((n) => !n.startsWith('.')).length).toBe(698);
  });

  it('stops quietly (status 141, no stack trace) when the reader of its output goes away', async () => {
    const list = join(work, 'pipe.txt');
    writeFileSync(list, nodeList(400, 'pipe'));
    const pipeCa = join(work, 'pipe-ca');
    runCli(['ca', 'init', 'pipe.cluster', '--no-passphrase', '--dir', pipeCa], { env: ENV });
    const child = spawn(
      process.execPath,
      [
        CLI,
        'cert',
        'issue',
        '--from-file',
        list,
        '--out',
        join(work, 'pipe'),
        '--dir',
        pipeCa,
        '--format',
        'json',
        '--quiet',
      ],
      {
        env: Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.startsWith('NODEID_CA')),
        ),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // like `| head -c 1`: read once, then close our end
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(status).toBe(141);
  });
});
