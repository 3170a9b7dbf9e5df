/**
 * The PostgreSQL store against a real server started on loopback for this file: the
 * conformance suite (with a second instance on the same database), then migrations, versions
 * and connection failures. Skipped, with the reason in its name, only when PostgreSQL's server
 * binaries are not installed (Debian: `apt-get install -y postgresql`).
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findPostgresBin,
  freePort,
  type PostgresServer,
  startPostgres,
} from '@nodeid/testing/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaInventory } from '../src/ca-folder/open-ca-inventory.js';
import { openStore } from '../src/open-store.js';
import { POSTGRES_MIGRATIONS } from '../src/postgres/migrations.js';
import { openPostgresStore } from '../src/postgres/open-postgres-store.js';
import { hashToken } from '../src/token/hash-token.js';
import {
  certificate,
  describeStoreConformance,
  expectStoreError,
  LEGACY_NAMES,
  NOW,
  token,
} from './conformance.js';

const bin = findPostgresBin();
const title = bin
  ? 'PostgreSQL store'
  : 'PostgreSQL store (skipped: initdb and pg_ctl not found; install Debian package postgresql)';

describe.skipIf(!bin)(title, () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres(bin!);
  });

  afterAll(() => server?.stop());

  describeStoreConformance(
    'PostgreSQL',
    async () => {
      const url = await server.createDatabase();
      return {
        store: await openPostgresStore(url),
        connect: () => openPostgresStore(url),
        cleanup: () => server.dropDatabase(url),
      };
    },
    { connections: true },
  );

  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it('migrates once when several instances open an empty database together', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url)));
    const rows = await query(url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    // the instances share one inventory, one token table and one CRL counter
    await stores[0]!.recordCertificate(certificate('01', 10));
    expect(await stores[3]!.getCertificate('01')).toBeDefined();
    await stores[1]!.createToken(token('t1', 'shared'));
    const wins = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores[i % 4]!.consumeToken(hashToken('shared'), NOW)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const numbers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => stores[i % 4]!.nextCrlNumber()),
    );
    expect(new Set(numbers)).toEqual(new Set(Array.from({ length: 40 }, (_, i) => BigInt(i + 1))));
    for (const store of stores) await store.close();
    await server.dropDatabase(url);
  });

  it('keeps everything when reopened', async () => {
    const url = await server.createDatabase();
    const first = await openPostgresStore(url);
    await first.recordCertificate(certificate('01', 10));
    await first.revokeCertificate('01', { revokedAt: NOW, reason: 'superseded' });
    expect(await first.nextCrlNumber()).toBe(1n);
    await first.close();
    const second = await openStore(url);
    expect(second.kind).toBe('postgres');
    expect(await second.listRevocations()).toEqual([
      { serialNumber: '01', revokedAt: NOW, reason: 'superseded' },
    ]);
    expect(await second.nextCrlNumber()).toBe(2n);
    await second.close();
    await server.dropDatabase(url);
  });

  it('types the bare names of a database written before typed names, and finds them', async () => {
    const url = await server.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
      );
      for (const m of POSTGRES_MIGRATIONS.filter((m) => m.version <= 2)) {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, now())', [
          m.version,
          m.name,
        ]);
      }
      for (const [i, { before }] of LEGACY_NAMES.entries()) {
        await client.query(
          `INSERT INTO certificates (serial_number, subject, names, not_before, not_after, pem, recorded_at)
           VALUES ($1, 'CN=c', $2::jsonb, now(), $3, 'pem', now())`,
          [`0${i + 1}`, JSON.stringify(before), new Date(NOW.getTime() + (i + 1) * 1000)],
        );
      }
    } finally {
      await client.end();
    }
    const store = await openPostgresStore(url);
    for (const [i, { after }] of LEGACY_NAMES.entries()) {
      expect((await store.getCertificate(`0${i + 1}`))!.names).toEqual(after);
    }
    const found = async (name: string) =>
      (await store.listCertificates({ now: NOW, name })).map((c) => c.serialNumber);
    expect(await found('node1.example.net')).toEqual(['01']);
    expect(await found('DNS:node1')).toEqual(['01']);
    expect(await found('fd00::1')).toEqual(['01']);
    expect(await found('node2')).toEqual(['03']);
    await store.close();
    await server.dropDatabase(url);
  });

  it('pointing a CA that has issued at an empty PostgreSQL database is refused (ERR_STORE_MISSING)', async () => {
    const caDir = mkdtempSync(join(tmpdir(), 'nodeid-pg-ca-'));
    try {
      writeFileSync(join(caDir, 'nodeid.json'), '{"version":1}\n');
      const url = await server.createDatabase();
      const first = await openCaInventory(caDir, { location: url });
      await first.recordCertificate(certificate('01', 10));
      await first.close();
      await (await openCaInventory(caDir, { location: url })).close();
      const empty = await server.createDatabase();
      const error = await expectStoreError(
        openCaInventory(caDir, { location: empty }),
        'ERR_STORE_MISSING',
      );
      expect(error.message).toMatch(/holds no certificate/);
      await server.dropDatabase(url);
      await server.dropDatabase(empty);
    } finally {
      rmSync(caDir, { recursive: true, force: true });
    }
  });

  it('refuses a database written by a newer nodeid with ERR_STORE_VERSION, changing nothing', async () => {
    const url = await server.createDatabase();
    await (await openPostgresStore(url)).close();
    await query(
      url,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', now())",
    );
    const error = await expectStoreError(openPostgresStore(url), 'ERR_STORE_VERSION');
    expect(error.message).toMatch(/999/);
    const rows = await query(url, 'SELECT max(version) AS v FROM schema_migrations');
    expect(rows[0].v).toBe(999);
    await server.dropDatabase(url);
  });

  it('reports an unreachable server or a missing database as ERR_STORE_IO without the password', async () => {
    const port = new URL(server.url).port;
    const missing = `postgres://nodeid:s3cret-pw@127.0.0.1:${port}/no_such_database`;
    const error = await expectStoreError(openPostgresStore(missing), 'ERR_STORE_IO');
    expect(error.message).not.toContain('s3cret-pw');
    expect(error.message).toContain('no_such_database');
    const nobody = `postgres://nodeid:s3cret-pw@127.0.0.1:${await freePort()}/nodeid`;
    const refused = await expectStoreError(openPostgresStore(nobody), 'ERR_STORE_IO');
    expect(refused.message).not.toContain('s3cret-pw');
  });
});
