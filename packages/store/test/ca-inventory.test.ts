/**
 * openCaInventory (issue 10, defect 4): once a CA has issued, a lost inventory is refused
 * instead of being started afresh with an empty CRL. Each test is the careless step and the
 * refusal, on a CA folder's SQLite inventory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCaInventory } from '../src/ca-folder/open-ca-inventory.js';
import { openSqliteStore } from '../src/sqlite/open-sqlite-store.js';
import { hashToken } from '../src/token/hash-token.js';
import { certificate, expectStoreError, NOW, token } from './conformance.js';

let dir: string;
const db = () => join(dir, 'inventory.db');
const config = () => JSON.parse(readFileSync(join(dir, 'nodeid.json'), 'utf8'));
const removeInventory = () => {
  for (const name of readdirSync(dir)) if (name.startsWith('inventory.db')) rmSync(join(dir, name));
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodeid-ca-inventory-'));
  writeFileSync(
    join(dir, 'nodeid.json'),
    `${JSON.stringify({ version: 1, clusterName: 'c', certificateFile: 'ca.crt', keyFile: 'ca.key' })}\n`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openCaInventory', () => {
  it('a new CA opens a new inventory; the first certificate recorded marks nodeid.json', async () => {
    const store = await openCaInventory(dir);
    expect(config().inventory).toBeUndefined();
    await store.recordCertificate(certificate('01', 10, ['DNS:node1']));
    expect(Date.parse(config().inventory.firstIssuedAt)).not.toBeNaN();
    expect(config().clusterName).toBe('c'); // the rest of the description is kept
    await store.close();
  });

  it('a redeemed token marks it too; an unredeemed one does not', async () => {
    const store = await openCaInventory(dir);
    await store.createToken(token('t1', 'secret'));
    const redeem = (plain: string) =>
      store.redeemToken({
        tokenHash: hashToken(plain),
        now: NOW,
        certificate: certificate('02', 10),
        audit: { at: NOW, action: 'issue' },
      });
    expect(await redeem('wrong')).toBeUndefined();
    expect(config().inventory).toBeUndefined();
    expect(await redeem('secret')).toBeDefined();
    expect(config().inventory.firstIssuedAt).toEqual(expect.any(String));
    await store.close();
  });

  it('deleting inventory.db* after the CA has issued: refused with ERR_STORE_MISSING, and no file is made', async () => {
    const store = await openCaInventory(dir);
    await store.recordCertificate(certificate('01', 10));
    await store.revokeCertificate('01', { reason: 'keyCompromise' });
    await store.close();
    removeInventory();
    const error = await expectStoreError(openCaInventory(dir), 'ERR_STORE_MISSING');
    expect(error.message).toMatch(/revoked certificate valid again/);
    expect(error.message).toContain('--new-inventory');
    expect(existsSync(db())).toBe(false);
  });

  it('replacing it with an empty database: refused too', async () => {
    const store = await openCaInventory(dir);
    await store.recordCertificate(certificate('01', 10));
    await store.close();
    removeInventory();
    await (await openSqliteStore(db())).close();
    const error = await expectStoreError(openCaInventory(dir), 'ERR_STORE_MISSING');
    expect(error.message).toMatch(/holds no certificate/);
  });

  it('--new-inventory starts a new one on purpose, and the next start needs it again until it issues', async () => {
    const first = await openCaInventory(dir);
    await first.recordCertificate(certificate('01', 10));
    await first.close();
    removeInventory();
    const fresh = await openCaInventory(dir, { newInventory: true });
    expect(await fresh.listCertificates()).toEqual([]);
    expect(config().inventory).toBeUndefined();
    await fresh.close();
    // nothing issued yet: an empty inventory is what this CA has, so it opens
    await (await openCaInventory(dir)).close();
    const again = await openCaInventory(dir);
    await again.recordCertificate(certificate('02', 10));
    await again.close();
    expect(config().inventory.firstIssuedAt).toEqual(expect.any(String));
    const reopened = await openCaInventory(dir);
    expect((await reopened.listCertificates()).map((c) => c.serialNumber)).toEqual(['02']);
    await reopened.close();
  });

  it('a CA folder from before the marker gets it when its inventory holds certificates', async () => {
    const old = await openSqliteStore(db());
    await old.recordCertificate(certificate('01', 10));
    await old.close();
    await (await openCaInventory(dir)).close();
    expect(config().inventory.firstIssuedAt).toEqual(expect.any(String));
    removeInventory();
    await expectStoreError(openCaInventory(dir), 'ERR_STORE_MISSING');
  });
});
