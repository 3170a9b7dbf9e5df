import { join } from 'node:path';
import { createCsr, parseCrl } from '@nodeid/sdk';
import {
  findPostgresBin,
  type PostgresServer as Postgres,
  startPostgres,
} from '@nodeid/testing/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  api,
  assertBuilt,
  cli,
  createToken,
  enrollArgs,
  initCaFolder,
  killStarted,
  type ServerProcess,
  startServer,
  stopAll,
} from './helpers/processes.js';

const bin = findPostgresBin();
const title = bin
  ? 'two nodeid-server instances on one PostgreSQL'
  : 'two nodeid-server instances on one PostgreSQL (skipped: initdb and pg_ctl not found; install Debian package postgresql)';

describe.skipIf(!bin)(title, () => {
  let work: string;
  let caDir: string;
  let caPem: string;
  let admin: string;
  let pg: Postgres | undefined;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    assertBuilt();
    ({ work, caDir, caPem } = await initCaFolder('nodeid-e2e-pg-', 'ha.cluster'));
    pg = await startPostgres(bin!);
    // one after the other: the first makes the server certificate and the schema, the second reuses them
    a = await startServer({ caDir, db: pg.url });
    b = await startServer({ caDir, db: pg.url });
    admin = adminToken(caDir);
  }, 120_000);

  afterAll(() => {
    killStarted(); // the servers before their database
    pg?.stop();
    stopAll(work);
  });

  const serials = async (server: ServerProcess) => {
    const res = await api(server.url, '/v1/certificates', { ca: caPem, admin });
    expect(res.status).toBe(200);
    return (res.json() as { serialNumber: string; status: string }[])
      .map((r) => `${r.serialNumber}:${r.status}`)
      .sort();
  };
  const crlSerials = async (server: ServerProcess) => {
    const res = await api(server.url, '/v1/crl', { ca: caPem });
    expect(res.status).toBe(200);
    return parseCrl(new Uint8Array(res.body)).entries.map((e) => e.serialNumber);
  };

  let serial: string;

  it('a token made on A is consumed on B, then refused on A', async () => {
    const { token, caFingerprint } = await createToken({ url: a.url, caDir }, 'node1.example.net');
    const enroll = (server: ServerProcess, out: string) =>
      cli(
        enrollArgs({
          url: server.url,
          token,
          fingerprint: caFingerprint,
          name: 'node1.example.net',
          out: join(work, out),
          json: true,
        }),
      );
    const onB = await enroll(b, 'on-b');
    expect(onB.stderr).toBe('');
    expect(onB.status).toBe(0);
    serial = JSON.parse(onB.stdout).serialNumber;
    const againOnA = await enroll(a, 'again-on-a');
    expect(againOnA.status).toBe(1);
    expect(againOnA.stderr).toMatch(/ERR_TOKEN_INVALID/);
  });

  it('one token raced on both instances gives one certificate', async () => {
    const made = await api(a.url, '/v1/enrollments', {
      ca: caPem,
      admin,
      json: { name: 'race.example.net' },
    });
    const { token } = made.json() as { token: string };
    const csrs = await Promise.all(
      Array.from({ length: 20 }, () => createCsr({ name: 'race.example.net' })),
    );
    const answers = await Promise.all(
      csrs.map((csr, i) =>
        api((i % 2 ? a : b).url, '/v1/sign', {
          ca: caPem,
          json: { csr: csr.pem, token },
          localAddress: `127.0.4.${i + 1}`,
        }),
      ),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(19);
  });

  it('both list the same inventory, and the CRL of either lists a revocation made on the other', async () => {
    expect(await serials(a)).toEqual(await serials(b));
    // B has made (and cached) a CRL before the revocation on A
    expect(await crlSerials(b)).not.toContain(serial);
    const revoked = await api(a.url, `/v1/certificates/${serial}/revoke`, {
      ca: caPem,
      admin,
      json: { reason: 'keyCompromise' },
    });
    expect(revoked.status).toBe(200);
    expect(await crlSerials(b)).toContain(serial);
    expect(await crlSerials(a)).toContain(serial);
    const listed = await serials(b);
    expect(listed).toContain(`${serial}:revoked`);
    expect(listed).toEqual(await serials(a));
  });
});
