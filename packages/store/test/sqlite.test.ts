/**
 * The SQLite store: the conformance suite on a file, then what only a file has: migrations,
 * reopening, file modes, and files that are not (or no longer) a nodeid store.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../src/errors.js';
import { SQLITE_MIGRATIONS } from '../src/sqlite/migrations.js';
import { openSqliteStore } from '../src/sqlite/open-sqlite-store.js';
import { hashToken } from '../src/token/hash-token.js';
import {
  certificate,
  describeStoreConformance,
  expectStoreError,
  LEGACY_NAMES,
  NOW,
  token,
} from './conformance.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'nodeid-store-'));

/**
 * Makes `path` read-only for this process: mode 0400, or, for root (whom modes do not stop),
 * the immutable attribute. Answers how to undo it, or `undefined` when neither works here.
 */
function makeReadOnly(path: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o400);
    return () => chmodSync(path, 0o600);
  }
  const r = spawnSync('chattr', ['+i', path]);
  if (r.status !== 0) return undefined;
  return () => {
    spawnSync('chattr', ['-i', path]);
  };
}

describeStoreConformance(
  'SQLite',
  async () => {
    const dir = tempDir();
    const file = join(dir, 'inventory.db');
    return {
      store: await openSqliteStore(file),
      connect: () => openSqliteStore(file),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { connections: true },
);

/** The built store: the commit thread runs `dist/commit-worker.js` (`test` builds first). */
const built = new URL('../dist/index.js', import.meta.url);

describeStoreConformance(
  'SQLite with a commit thread',
  async () => {
    if (!existsSync(fileURLToPath(built)))
      throw new Error('packages/store/dist is missing: run pnpm build first');
    const { openSqliteStore: openBuilt } = (await import(built.href)) as {
      openSqliteStore: typeof openSqliteStore;
    };
    const dir = tempDir();
    const file = join(dir, 'inventory.db');
    return {
      store: await openBuilt(file, { commitThread: true }),
      connect: () => openBuilt(file, { commitThread: true }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { connections: true },
);

describe('SQLite commit thread', () => {
  it('keeps the database file itself up to date: a copy without the WAL holds what was committed a checkpoint ago', async () => {
    if (!existsSync(fileURLToPath(built)))
      throw new Error('packages/store/dist is missing: run pnpm build first');
    const { openSqliteStore: openBuilt } = (await import(built.href)) as {
      openSqliteStore: typeof openSqliteStore;
    };
    const dir = tempDir();
    try {
      const file = join(dir, 'inventory.db');
      const store = await openBuilt(file, { commitThread: true });
      for (let i = 0; i < 300; i++) await store.createToken(token(`w${i}`, `wal-${i}`));
      const redeemed = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          store.redeemToken({
            tokenHash: hashToken(`wal-${i}`),
            now: NOW,
            certificate: certificate((0x1000 + i).toString(16), 30),
            audit: { at: NOW, action: 'certificate.issue' },
          }),
        ),
      );
      expect(redeemed.filter(Boolean)).toHaveLength(300);
      // the checkpoint thread copies the WAL into the database file twice a second
      await new Promise((r) => setTimeout(r, 1500));
      const copy = join(dir, 'copy.db');
      copyFileSync(file, copy); // the database file alone, no -wal beside it
      const plain = new Database(copy, { readonly: true });
      try {
        const n = plain.prepare('SELECT count(*) AS n FROM certificates').get() as { n: number };
        expect(n.n).toBe(300);
      } finally {
        plain.close();
      }
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite store files', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = join(dir, 'inventory.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const snapshot = () =>
    readdirSync(dir)
      .sort()
      .map((name) => [
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      ]);

  it('migrates an empty database to the latest schema, in WAL mode with full sync', async () => {
    const store = await openSqliteStore(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    const versions = db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .pluck()
      .all();
    expect(versions).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining(['certificates', 'enrollment_tokens', 'audit_events', 'counters']),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('types the bare names of a database written before typed names, and finds them', async () => {
    // a store at schema version 2, as older nodeids left it
    const old = new Database(file);
    old.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
    );
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 2)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 0);
    }
    const insert = old.prepare(
      `INSERT INTO certificates (serial_number, subject, names, not_before, not_after, pem, recorded_at)
       VALUES (?, 'CN=c', ?, 0, ?, 'pem', 0)`,
    );
    for (const [i, { before }] of LEGACY_NAMES.entries()) {
      insert.run(`0${i + 1}`, JSON.stringify(before), NOW.getTime() + (i + 1) * 1000);
    }
    old.close();

    const store = await openSqliteStore(file);
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
  });

  it('deleting inventory.db* under an open store fails checkHealth and every write, and writes nothing to the lost file', async () => {
    const store = await openSqliteStore(file);
    await store.recordCertificate(certificate('01', 10));
    await store.checkHealth();
    for (const name of readdirSync(dir)) rmSync(join(dir, name));
    const error = await expectStoreError(store.checkHealth(), 'ERR_STORE_IO');
    expect(error.message).toMatch(/gone/);
    await expectStoreError(store.recordCertificate(certificate('02', 10)), 'ERR_STORE_IO');
    await expectStoreError(store.revokeCertificate('01'), 'ERR_STORE_IO');
    await expectStoreError(store.nextCrlNumber(), 'ERR_STORE_IO');
    await expectStoreError(store.appendAudit({ at: NOW, action: 'x' }), 'ERR_STORE_IO');
    await expectStoreError(store.createToken(token('t1', 'secret')), 'ERR_STORE_IO');
    await expectStoreError(
      store.redeemToken({
        tokenHash: hashToken('secret'),
        now: NOW,
        certificate: certificate('03', 10),
        audit: { at: NOW, action: 'issue' },
      }),
      'ERR_STORE_IO',
    );
    await store.close();
    expect(existsSync(file)).toBe(false);
  });

  it('a database file replaced under an open store fails checkHealth and writes', async () => {
    const store = await openSqliteStore(file);
    await store.recordCertificate(certificate('01', 10));
    await store.close();
    const opened = await openSqliteStore(file);
    copyFileSync(file, `${file}.copy`);
    rmSync(file);
    copyFileSync(`${file}.copy`, file); // the same content, another file
    const error = await expectStoreError(opened.checkHealth(), 'ERR_STORE_IO');
    expect(error.message).toMatch(/replaced/);
    await expectStoreError(opened.recordCertificate(certificate('02', 10)), 'ERR_STORE_IO');
    await opened.close();
  });

  it('a read-only database file fails checkHealth and writes, or is refused at open', async () => {
    const store = await openSqliteStore(file);
    await store.recordCertificate(certificate('01', 10));
    await store.close();
    const undo = makeReadOnly(file);
    if (!undo) return; // neither chmod (as root) nor chattr can make it read-only here
    try {
      const opened = await openSqliteStore(file).catch((e: unknown) => e);
      if (StoreError.isInstance(opened)) {
        expect(opened.code).toBe('ERR_STORE_IO'); // refused at open: never "healthy"
        return;
      }
      const readOnly = opened as Awaited<ReturnType<typeof openSqliteStore>>;
      try {
        expect((await readOnly.getCertificate('01'))?.serialNumber).toBe('01');
        const error = await expectStoreError(readOnly.checkHealth(), 'ERR_STORE_IO');
        expect(error.message).toMatch(/cannot be written/);
        await expectStoreError(readOnly.nextCrlNumber(), 'ERR_STORE_IO');
      } finally {
        await readOnly.close();
      }
    } finally {
      undo();
    }
  });

  it('creates the database and its WAL files with mode 0600', async () => {
    const store = await openSqliteStore(file);
    await store.recordCertificate(certificate('01', 10));
    for (const name of readdirSync(dir)) {
      expect([name, statSync(join(dir, name)).mode & 0o777]).toEqual([name, 0o600]);
    }
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['inventory.db', 'inventory.db-wal']));
    await store.close();
  });

  it('keeps everything when reopened, and goes on counting CRL numbers', async () => {
    const first = await openSqliteStore(file);
    await first.recordCertificate(certificate('01', 10, ['DNS:node1']));
    await first.revokeCertificate('01', { revokedAt: NOW, reason: 'superseded' });
    await first.createToken(token('t1', 'used'));
    await first.createToken(token('t2', 'pending'));
    await first.consumeToken(hashToken('used'), NOW);
    await first.appendAudit({ at: NOW, action: 'revoke', serialNumber: '01' });
    expect(await first.nextCrlNumber()).toBe(1n);
    await first.close();

    const second = await openSqliteStore(file);
    expect(await second.getCertificate('01', { now: NOW })).toMatchObject({
      status: 'revoked',
      names: ['DNS:node1'],
    });
    expect(await second.listRevocations()).toEqual([
      { serialNumber: '01', revokedAt: NOW, reason: 'superseded' },
    ]);
    expect(await second.consumeToken(hashToken('used'), NOW)).toBeUndefined();
    expect(await second.consumeToken(hashToken('pending'), NOW)).toMatchObject({ id: 't2' });
    expect((await second.listAudit()).map((a) => a.action)).toEqual(['revoke']);
    expect(await second.nextCrlNumber()).toBe(2n);
    await second.close();
  });

  it('refuses a garbage file with ERR_STORE_CORRUPT and leaves it byte for byte', async () => {
    writeFileSync(file, 'this is not a database\n'.repeat(200), { mode: 0o644 });
    const before = snapshot();
    await expectStoreError(openSqliteStore(file), 'ERR_STORE_CORRUPT');
    expect(snapshot()).toEqual(before);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('refuses a short garbage file too (SQLite would take it for an empty database)', async () => {
    writeFileSync(file, 'oops');
    const before = snapshot();
    await expectStoreError(openSqliteStore(file), 'ERR_STORE_CORRUPT');
    expect(snapshot()).toEqual(before);
  });

  it('refuses a damaged database whose header is intact', async () => {
    const store = await openSqliteStore(file);
    await store.close();
    const bytes = readFileSync(file);
    bytes.fill(0xa5, 100); // keep the 100-byte header, destroy every page
    writeFileSync(file, bytes);
    const before = snapshot();
    await expectStoreError(openSqliteStore(file), 'ERR_STORE_CORRUPT');
    expect(snapshot()).toEqual(before);
  });

  it('refuses an SQLite database that belongs to something else', async () => {
    const db = new Database(file);
    db.exec('CREATE TABLE users (name TEXT)');
    db.close();
    const before = snapshot();
    await expectStoreError(openSqliteStore(file), 'ERR_STORE_CORRUPT');
    expect(snapshot()).toEqual(before);
  });

  it('refuses a database written by a newer nodeid (ERR_STORE_VERSION) and leaves it as it is', async () => {
    const store = await openSqliteStore(file);
    await store.recordCertificate(certificate('01', 10));
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'future',
      0,
    );
    db.close();
    const error = await expectStoreError(openSqliteStore(file), 'ERR_STORE_VERSION');
    expect(error.message).toMatch(/999/);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(999);
    expect(check.prepare('SELECT count(*) FROM certificates').pluck().get()).toBe(1);
    check.close();
  });

  it('reports a missing folder or a folder as the path as ERR_STORE_IO', async () => {
    await expectStoreError(openSqliteStore(join(dir, 'missing', 'inventory.db')), 'ERR_STORE_IO');
    await expectStoreError(openSqliteStore(dir), 'ERR_STORE_IO');
    await expectStoreError(openSqliteStore(''), 'ERR_STORE_INVALID');
  });

  it('opens a private in-memory database for :memory:', async () => {
    const store = await openSqliteStore(':memory:');
    expect(store.kind).toBe('sqlite');
    await store.recordCertificate(certificate('01', 10));
    expect(await store.listCertificates()).toHaveLength(1);
    await store.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  it.skipIf(!existsSync(dist))(
    `gives one token to exactly one of several processes (uses the build: ${existsSync(dist) ? 'present' : 'missing, run pnpm build'})`,
    async () => {
      const store = await openSqliteStore(file);
      await store.createToken(token('t1', 'race'));
      await store.close();
      const script = `
        const { openSqliteStore } = await import(${JSON.stringify(dist)});
        const store = await openSqliteStore(process.argv[1]);
        const now = new Date(${NOW.getTime()});
        const results = await Promise.all(Array.from({ length: 10 }, () => store.consumeToken(process.argv[2], now)));
        await store.close();
        console.log(results.filter(Boolean).length);`;
      const run = promisify(execFile);
      const outputs = await Promise.all(
        Array.from({ length: 4 }, () =>
          run(process.execPath, ['--input-type=module', '-e', script, file, hashToken('race')]),
        ),
      );
      const wins = outputs.map((o) => Number(o.stdout.trim()));
      expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
    },
  );
});
