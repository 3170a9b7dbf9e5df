/**
 * The admin API the web page reads (issue 15), through `app.request()`: the inventory paged,
 * searched, filtered and sorted with its total; the overview (counts with the warning window,
 * the next ten to expire, the CA's and the CRL's dates with the SDK's alert names, expiries per
 * week); the audit trail by event. Every route needs the admin token; bad parameters are 400s
 * with a code. Real certificates issued by the SDK, memory and SQLite stores.
 */
import { createHash } from 'node:crypto';
import { createCa, createCrl, type Identity, issueIdentity } from '@nodeid/sdk';
import { certificateRecordOf, type Store } from '@nodeid/store';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openTestStore, type TestStore } from './helpers/stores.js';

const ADMIN = 'admin-token-for-admin-api-tests-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
let opened: TestStore;
/** serial of each node by name. */
const serial: Record<string, string> = {};

beforeAll(async () => {
  ca = await createCa({
    clusterName: 'scale.cluster',
    organization: 'Example',
    // the CA itself expires in 350 days: inside a warning window of a year
    notBefore: new Date(NOW.getTime() - 380 * DAY),
    notAfter: new Date(NOW.getTime() + 350 * DAY),
  });
});

/** Issues `name` valid for `days` from NOW, under `profile`, and records it. */
async function issue(name: string, days: number, profile = 'node', ips: string[] = []) {
  const identity = await issueIdentity({
    ca,
    name,
    ips,
    now: NOW,
    notBefore: new Date(NOW.getTime() - DAY),
    notAfter: new Date(NOW.getTime() + days * DAY),
    ...(profile === 'server' && { profile: 'server' as const }),
  });
  await store.recordCertificate(certificateRecordOf(identity.certificate, { profile }));
  serial[name] = identity.certificate.serialNumber;
  return identity.certificate.serialNumber;
}

const get = async (path: string, headers: Record<string, string> = auth) => {
  const res = await app.request(path, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
};
const serials = (body: { serialNumber: string }[]) => body.map((r) => r.serialNumber);

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`admin API on the ${kind} store`, () => {
    beforeEach(async () => {
      opened = await openTestStore(kind, 'nodeid-admin-api-');
      store = opened.store;
      app = createApp({
        ca,
        clusterName: 'scale.cluster',
        store,
        adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
        now: () => NOW,
      });
      await issue('node1.example.net', 5, 'node', ['10.0.0.1']);
      await issue('node2.example.net', 40);
      await issue('node3.example.net', 100);
      await issue('web.example.net', 200, 'server');
      await issue('node4.example.net', 300);
      await store.revokeCertificate(serial['node4.example.net']!, { revokedAt: NOW });
    });
    afterEach(() => opened.close());

    it('pages, searches, filters and sorts the inventory, with the total in X-Total-Count', async () => {
      const page1 = await get('/v1/certificates?limit=2');
      expect(page1.status).toBe(200);
      expect(page1.headers.get('x-total-count')).toBe('5');
      expect(serials(page1.body)).toEqual([
        serial['node1.example.net'],
        serial['node2.example.net'],
      ]);
      const page3 = await get('/v1/certificates?limit=2&offset=4');
      expect(serials(page3.body)).toEqual([serial['node4.example.net']]);
      expect(page3.headers.get('x-total-count')).toBe('5');
      // no paging asked: the whole list, no count made
      const all = await get('/v1/certificates');
      expect(all.body).toHaveLength(5);
      expect(all.headers.get('x-total-count')).toBeNull();

      const found = await get('/v1/certificates?q=NODE2&limit=10');
      expect(serials(found.body)).toEqual([serial['node2.example.net']]);
      expect(found.headers.get('x-total-count')).toBe('1');
      // by a part of the serial, as openssl prints it (upper case, colons)
      const s3 = serial['node3.example.net']!;
      const printed = s3.toUpperCase().match(/../g)!.slice(0, 4).join(':');
      expect(
        serials((await get(`/v1/certificates?q=${encodeURIComponent(printed)}`)).body),
      ).toContain(s3);
      expect(serials((await get('/v1/certificates?q=10.0.0.1')).body)).toEqual([
        serial['node1.example.net'],
      ]);
      expect(serials((await get('/v1/certificates?profile=server')).body)).toEqual([
        serial['web.example.net'],
      ]);
      const expiring = await get('/v1/certificates?status=valid&expiring=60d&limit=50');
      expect(serials(expiring.body)).toEqual([
        serial['node1.example.net'],
        serial['node2.example.net'],
      ]);
      expect(expiring.headers.get('x-total-count')).toBe('2');
      const byName = await get('/v1/certificates?sort=name&order=desc');
      expect(byName.body.map((r: { names: string[] }) => r.names[0])).toEqual([
        // a server certificate has no short name
        'DNS:web.example.net',
        'DNS:node4',
        'DNS:node3',
        'DNS:node2',
        'DNS:node1',
      ]);
      const latest = await get('/v1/certificates?sort=notAfter&order=desc&limit=1');
      expect(serials(latest.body)).toEqual([serial['node4.example.net']]);

      for (const bad of [
        'sort=subject',
        'order=up',
        'offset=-1',
        'offset=x',
        'limit=0',
        'limit=1001',
        'status=lost',
      ]) {
        const res = await get(`/v1/certificates?${bad}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.code, bad).toBe('ERR_INVALID_ARGUMENT');
      }
    });

    it('overview: counts with the warning window, the next to expire, the CA and the CRL, expiries per week', async () => {
      const { status, body, headers } = await get('/v1/admin/overview');
      expect(status).toBe(200);
      expect(headers.get('cache-control')).toBe('no-store');
      expect(body.warnWithinDays).toBe(30);
      // node1 expires in 5 days (expiring), node2/3 and web are valid, node4 revoked
      expect(body.counts).toEqual({
        valid: 3,
        expiring: 1,
        expired: 0,
        revoked: 1,
        superseded: 0,
        total: 5,
      });
      expect(body.nextToExpire.map((r: { serialNumber: string }) => r.serialNumber)).toEqual([
        serial['node1.example.net'],
        serial['node2.example.net'],
        serial['node3.example.net'],
        serial['web.example.net'],
      ]);
      expect(body.nextToExpire[0]).toMatchObject({
        status: 'expiring',
        alert: 'tls-cert-will-soon-expire',
        daysLeft: 5,
        names: ['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1'],
      });
      expect(body.nextToExpire[1]).toMatchObject({ status: 'valid', daysLeft: 40 });
      expect(body.nextToExpire[1]).not.toHaveProperty('alert');
      expect(body.ca).toMatchObject({
        status: 'valid',
        daysLeft: 350,
        notAfter: ca.certificate.notAfter.toISOString(),
      });
      expect(body.ca).not.toHaveProperty('alert');
      // the SDK's crlExpiryStatus, as `nodeid expiry check` judges a CRL file: a fresh 7-day CRL
      expect(body.crl).toMatchObject({ status: 'valid', revoked: 1, daysLeft: 7 });
      expect(body.crl).not.toHaveProperty('alert');
      expect(body.crl.message).toMatch(/is valid until/);
      expect(body).not.toHaveProperty('rootCrl');
      expect(new Date(body.crl.nextUpdate).getTime()).toBe(NOW.getTime() + 7 * DAY);
      // 52 weeks from now; node1 in week 0, node2 in week 5, node3 in 14, web in 28
      expect(body.expiriesPerWeek).toHaveLength(52);
      const weeks = body.expiriesPerWeek as { start: string; count: number }[];
      expect(weeks[0]!.start).toBe(NOW.toISOString());
      expect(weeks.flatMap((w, i) => (w.count ? [[i, w.count]] : []))).toEqual([
        [0, 1],
        [5, 1],
        [14, 1],
        [28, 1],
      ]);

      // a narrower window: node1 (5 days left) is no longer expiring within 3 days
      const narrow = await get('/v1/admin/overview?warn=3d');
      expect(narrow.body.counts).toMatchObject({ valid: 4, expiring: 0 });
      expect(narrow.body.nextToExpire[0]).toMatchObject({ status: 'valid', daysLeft: 5 });
      // a year: every valid certificate, and the CA with its alert
      const wide = await get('/v1/admin/overview?warn=366d');
      expect(wide.body.counts).toMatchObject({ valid: 0, expiring: 4 });
      expect(wide.body.ca).toMatchObject({
        status: 'expiring',
        alert: 'tls-cert-will-soon-expire',
        daysLeft: 350,
      });
      expect((await get('/v1/admin/overview?warn=0d')).status).toBe(400);
      expect((await get('/v1/admin/overview?warn=soon')).body.code).toBe('ERR_INVALID_ARGUMENT');
    });

    it("the overview judges an intermediate's root CRL (--root-crl) with the CLI's CRL alert names", async () => {
      // RFC 5280 §5.1.2.5: a CRL signed offline lapses at nextUpdate unless someone re-signs it
      let rootCrl: { der: Uint8Array; pem: string } | undefined = await createCrl({
        issuer: ca,
        entries: [],
        crlNumber: 4,
        thisUpdate: new Date(NOW.getTime() - 6 * DAY),
        nextUpdate: '7d',
      });
      const withRoot = createApp({
        ca,
        clusterName: 'scale.cluster',
        store,
        adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
        now: () => NOW,
        rootCrl: {
          read: async () => {
            if (!rootCrl) throw Object.assign(new Error('root.crl: gone'), { code: 'ENOENT' });
            return rootCrl;
          },
          paths: [],
        },
      });
      const overview = async () =>
        (await (await withRoot.request('/v1/admin/overview', { headers: auth })).json()) as {
          crl: { status: string };
          rootCrl: Record<string, unknown>;
        };
      // one day of seven left: inside a quarter of its lifetime
      let body = await overview();
      expect(body.crl.status).toBe('valid');
      expect(body.rootCrl).toMatchObject({
        status: 'expiring',
        alert: 'crl-will-soon-expire',
        crlNumber: '4',
        daysLeft: 1,
        revoked: 0,
      });
      rootCrl = await createCrl({
        issuer: ca,
        entries: [],
        crlNumber: 5,
        thisUpdate: new Date(NOW.getTime() - 8 * DAY),
        nextUpdate: '7d',
      });
      body = await overview();
      expect(body.rootCrl).toMatchObject({ status: 'expired', alert: 'crl-expired' });
      expect(body.rootCrl['message']).toMatch(/nodeid crl create/);
      rootCrl = undefined;
      body = await overview();
      expect(body.rootCrl).toEqual({
        status: 'unavailable',
        code: 'ENOENT',
        message: 'root.crl: gone',
      });
    });

    it('audit lines by event, newest first', async () => {
      for (const name of ['a.example.net', 'b.example.net'])
        expect(
          (
            await app.request('/v1/enrollments', {
              method: 'POST',
              headers: auth,
              body: JSON.stringify({ name }),
            })
          ).status,
        ).toBe(201);
      await app.request(`/v1/certificates/${serial['node2.example.net']}/revoke`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ reason: 'keyCompromise' }),
      });
      const all = await get('/v1/admin/audit');
      expect(all.body.map((l: { action: string }) => l.action)).toEqual([
        'certificate.revoke',
        'enrollment.create',
        'enrollment.create',
      ]);
      const created = await get('/v1/admin/audit?event=enrollment.create&limit=1');
      expect(created.body).toHaveLength(1);
      expect(created.body[0]).toMatchObject({
        action: 'enrollment.create',
        detail: { name: 'b.example.net' },
      });
      expect(created.body[0].actor).toMatch(/^admin:[0-9a-f]{8}$/);
      const revoked = await get('/v1/admin/audit?event=certificate.revoke');
      expect(revoked.body[0]).toMatchObject({
        serialNumber: serial['node2.example.net'],
        detail: { reason: 'keyCompromise' },
      });
      expect((await get('/v1/admin/audit?event=nothing.here')).body).toEqual([]);
      for (const bad of ['event=%3Cscript%3E', 'limit=0', 'limit=abc'])
        expect((await get(`/v1/admin/audit?${bad}`)).status, bad).toBe(400);
    });

    it('needs the admin token for every admin route, and the OpenAPI document lists them', async () => {
      for (const path of ['/v1/admin/overview', '/v1/admin/audit', '/v1/certificates?limit=1']) {
        const none = await get(path, {});
        expect(none.status, path).toBe(401);
        expect(none.body.code).toBe('ERR_UNAUTHORIZED');
        const wrong = await get(path, { authorization: 'Bearer wrong-token' });
        expect(wrong.status, path).toBe(401);
      }
      const doc = await (await app.request('/openapi.json')).json();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/v1/admin/overview', '/v1/admin/audit', '/v1/certificates']),
      );
      const listing = doc.paths['/v1/certificates'].get.parameters.map(
        (p: { name: string }) => p.name,
      );
      expect(listing).toEqual(
        expect.arrayContaining(['q', 'profile', 'sort', 'order', 'offset', 'limit']),
      );
    });
  });
}
