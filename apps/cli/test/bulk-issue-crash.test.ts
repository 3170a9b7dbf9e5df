/**
 * Crash safety of bulk issuance (issue 14): `cert issue --from-file` on 12,000 nodes is killed
 * with SIGKILL as soon as its first bundles are visible. Then every visible bundle folder is
 * complete, verifies and is in the inventory, and every inventory record is a visible bundle
 * or a staged one of a committed batch; the next run into the same folder moves those into
 * place, after which the folders on disk and the inventory are exactly the same set.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBundle, inventorySerials, nodeList, runCliAsync } from './helpers/bulk.js';
import { CLI, runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const STAGING = '.nodeid-staging';
let work: string;
let ca: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-crash-'));
  ca = join(work, 'ca');
  const init = runCli(['ca', 'init', 'crash.cluster', '--no-passphrase', '--dir', ca], {
    env: ENV,
  });
  expect(init.stderr).toBe('');
});

// thousands of folders: removed without blocking the test runner's own messages
afterAll(() => rm(work, { recursive: true, force: true }), 300_000);

const visible = (out: string) =>
  existsSync(out) ? readdirSync(out).filter((n) => n !== STAGING) : [];

/** Ids (serials) of the staged bundles of batches that have a manifest. */
function stagedIds(out: string): string[] {
  const staging = join(out, STAGING);
  if (!existsSync(staging)) return [];
  const ids: string[] = [];
  for (const batch of readdirSync(staging)) {
    const manifest = join(staging, batch, 'batch.json');
    if (!existsSync(manifest)) continue;
    for (const e of JSON.parse(readFileSync(manifest, 'utf8')).entries as { id: string }[])
      if (existsSync(join(staging, batch, e.id))) ids.push(e.id);
  }
  return ids;
}

async function checkAll(out: string, caPem: string): Promise<string[]> {
  const serials: string[] = [];
  for (const name of visible(out))
    serials.push(await checkBundle(join(out, name), name, caPem, 'crash.cluster'));
  return serials.sort();
}

describe('cert issue --from-file killed with SIGKILL (issue 14)', () => {
  it('leaves complete, recorded bundles only, and the next run makes disk and inventory equal', async () => {
    const list = join(work, 'nodes.txt');
    writeFileSync(list, nodeList(12_000));
    const out = join(work, 'certs');
    const child = spawn(
      process.execPath,
      [CLI, 'cert', 'issue', '--from-file', list, '--out', out, '--dir', ca, '--quiet'],
      { env: { ...process.env, ...ENV }, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    try {
      // kill it as soon as the first batch is in place, far from the end of 12,000 nodes
      while (visible(out).length === 0 && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGKILL');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');

    const caPem = readFileSync(join(ca, 'ca.crt'), 'utf8');
    const onDisk = await checkAll(out, caPem);
    expect(onDisk.length).toBeGreaterThan(0);
    expect(onDisk.length).toBeLessThan(12_000);
    const recorded = await inventorySerials(ca);
    // every visible bundle is recorded ...
    expect(onDisk.filter((s) => !recorded.includes(s))).toEqual([]);
    // ... and every record is a visible bundle or a committed one still staged
    const pending = new Set(stagedIds(out));
    expect(recorded.filter((s) => !onDisk.includes(s) && !pending.has(s))).toEqual([]);

    // the next run finishes the interrupted one first
    const one = join(work, 'one.txt');
    writeFileSync(one, 'late.bulk.internal 10.9.9.9\n');
    const next = await runCliAsync(
      ['cert', 'issue', '--from-file', one, '--out', out, '--dir', ca],
      ENV,
      300_000,
    );
    expect(next.status, next.stderr).toBe(0);
    expect(existsSync(join(out, STAGING))).toBe(false);
    const after = await checkAll(out, caPem);
    expect(after).toEqual(await inventorySerials(ca));
    expect(after.length).toBe(recorded.length + 1);
  }, 900_000);
});
