/**
 * Defect 4 (issue 10): a lost inventory silently un-revoked. Deleting inventory.db* under a
 * running server went unnoticed (/healthz ok, writes "succeeded" into the deleted file), and a
 * restart made an empty database: empty inventory, empty CRL, revoked certificates valid
 * again. Each test is the careless step, against the real processes over HTTPS on loopback.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '@nodeid/sdk';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  adminToken,
  api,
  assertBuilt,
  cli,
  initCaFolder,
  killStarted,
  type ServerProcess,
  startRefused,
  startServer,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;
let server: ServerProcess | undefined;

const removeInventory = () => {
  for (const name of readdirSync(caDir))
    if (name.startsWith('inventory.db')) rmSync(join(caDir, name));
};

/**
 * Makes `path` read-only for this process: mode 0400, or, for root (whom modes do not stop),
 * the immutable attribute. Answers how to undo it, or `undefined` when neither works here.
 */
function makeReadOnly(path: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o400);
    return () => chmodSync(path, 0o600);
  }
  if (spawnSync('chattr', ['+i', path]).status !== 0) return undefined;
  return () => {
    spawnSync('chattr', ['-i', path]);
  };
}

beforeEach(async () => {
  assertBuilt();
  ({ work, caDir, caPem } = await initCaFolder('nodeid-e2e-inventory-', 'lost.cluster'));
  server = await startServer({ caDir });
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  rmSync(work, { recursive: true, force: true });
});

afterAll(() => killStarted());

/** Issues node1 with the CLI (sharing the inventory) and revokes it over the API. */
async function issueAndRevoke(): Promise<string> {
  const issued = await cli([
    'cert',
    'issue',
    'node1.example.net',
    '--dir',
    caDir,
    '--out',
    join(work, 'node1'),
    '--format',
    'json',
  ]);
  expect(issued.stderr).toBe('');
  const parsed = JSON.parse(issued.stdout) as { serialNumber: string } | { serialNumber: string }[];
  const serial = (Array.isArray(parsed) ? parsed[0]! : parsed).serialNumber;
  const revoked = await api(server!.url, `/v1/certificates/${serial}/revoke`, {
    ca: caPem,
    admin: adminToken(caDir),
    json: { reason: 'keyCompromise' },
  });
  expect(revoked.status).toBe(200);
  return serial;
}

describe('a lost inventory is never silently replaced (defect 4)', () => {
  it('deleting inventory.db under a running server fails /healthz and a restart refuses', async () => {
    const serial = await issueAndRevoke();
    expect((await api(server!.url, '/healthz', { ca: caPem })).status).toBe(200);

    removeInventory();
    const health = await api(server!.url, '/healthz', { ca: caPem });
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ code: 'ERR_STORE_IO' });
    expect((health.json() as { message: string }).message).toMatch(/gone/);
    // writes no longer "succeed" into the deleted file
    const enroll = await api(server!.url, '/v1/enrollments', {
      ca: caPem,
      admin: adminToken(caDir),
      json: { name: 'node2.example.net' },
    });
    expect(enroll.status).toBe(503);
    expect(enroll.json()).toMatchObject({ code: 'ERR_STORE_IO' });

    await server!.stop();
    server = undefined;
    const restart = await startRefused(caDir);
    expect(restart.code).toBe(2);
    expect(restart.stderr).toMatch(/\(ERR_STORE_MISSING\)\n$/);
    expect(restart.stderr).toContain('--new-inventory');
    expect(existsSync(join(caDir, 'inventory.db'))).toBe(false);

    // the CLI's commands that open the inventory refuse the same way, and make no file
    for (const args of [
      ['cert', 'list'],
      ['cert', 'revoke', serial],
      ['crl', 'create', '--out', join(work, 'ca.crl')],
      ['cert', 'issue', 'node3.example.net', '--out', join(work, 'node3')],
    ]) {
      const r = await cli([...args, '--dir', caDir]);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/\(ERR_STORE_MISSING\)\n$/);
    }
    expect(existsSync(join(caDir, 'inventory.db'))).toBe(false);
    expect(existsSync(join(work, 'ca.crl'))).toBe(false);

    // on purpose: a new, empty inventory
    server = await startServer({ caDir, args: ['--new-inventory'] });
    expect((await api(server.url, '/healthz', { ca: caPem })).status).toBe(200);
  });

  it('a read-only inventory.db fails /healthz, and /v1/crl is a 503 ERR_CRL_UNAVAILABLE, never a 500', async () => {
    await issueAndRevoke();
    await server!.stop();
    server = undefined;
    const undo = makeReadOnly(join(caDir, 'inventory.db'));
    if (!undo) return; // neither chmod (as root) nor chattr can make it read-only here
    try {
      server = await startServer({ caDir });
      const health = await api(server.url, '/healthz', { ca: caPem });
      expect(health.status).toBe(503);
      expect(health.json()).toMatchObject({ code: 'ERR_STORE_IO' });
      expect((health.json() as { message: string }).message).toMatch(/cannot be written/);
      const crl = await api(server.url, '/v1/crl', { ca: caPem });
      expect(crl.status).toBe(503);
      expect(crl.json()).toMatchObject({ code: 'ERR_CRL_UNAVAILABLE' });
      await server.stop();
      server = undefined;
    } finally {
      undo();
    }
  });

  it('restoring a copy of inventory.db over the one a running server has open fails /healthz until a restart', async () => {
    const serial = await issueAndRevoke();
    const file = join(caDir, 'inventory.db');
    copyFileSync(file, `${file}.restored`);
    renameSync(`${file}.restored`, file);
    const health = await api(server!.url, '/healthz', { ca: caPem });
    expect(health.status).toBe(503);
    expect((health.json() as { message: string }).message).toMatch(/replaced/);

    await server!.stop();
    server = await startServer({ caDir });
    expect((await api(server.url, '/healthz', { ca: caPem })).status).toBe(200);
    const crl = await api(server.url, '/v1/crl', { ca: caPem });
    expect(crl.status).toBe(200);
    expect(parseCrl(new Uint8Array(crl.body)).entries.map((e) => e.serialNumber)).toContain(serial);
  });
});
