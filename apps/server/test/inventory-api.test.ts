/**
 * The inventory over the API through `app.request()` (issue 10): name search finds what was
 * issued (defect 9), superseded certificates are listed, counted and kept out of the CRL (the
 * store side of defect 6), and whatever the store refuses is a 4xx with its code, a store that
 * fails a 503 with its code, never a 500 (defects 4 and 10). Memory and SQLite stores.
 */
import { createHash } from 'node:crypto';
import { createCa, createCsr, type Identity, issueIdentity, parseCrl } from '@nodeid/sdk';
import { certificateRecordOf, type Store } from '@nodeid/store';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { openTestStore, type TestStore } from './helpers/stores.js';

const ADMIN = 'admin-token-for-inventory-tests-0123456789';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
let opened: TestStore;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
});

async function setup(kind: 'memory' | 'sqlite') {
  opened = await openTestStore(kind, 'nodeid-inventory-api-');
  store = opened.store;
  app = createApp({
    ca,
    clusterName: 'scale.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    limits: { signPerMinute: 1000, signBurst: 1000 },
  });
}

const get = async (path: string) => {
  const res = await app.request(path, { headers: auth });
  return { status: res.status, body: await res.json() };
};

/** Issues a node through the API, as an enrollee would: token, CSR, /v1/sign. */
async function enrollNode(name: string, ips: string[]): Promise<string> {
  const enrolled = await app.request('/v1/enrollments', {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name, ips }),
  });
  expect(enrolled.status).toBe(201);
  const { token } = (await enrolled.json()) as { token: string };
  const signed = await app.request('/v1/sign', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ csr: (await createCsr({ name, ips })).pem, token }),
  });
  expect(signed.status).toBe(200);
  return ((await signed.json()) as { serialNumber: string }).serialNumber;
}

const serials = (body: { serialNumber: string }[]) => body.map((r) => r.serialNumber);

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`inventory API on the ${kind} store`, () => {
    beforeEach(() => setup(kind));
    afterEach(() => opened.close());

    it('GET /v1/certificates?name= finds an enrolled node by its FQDN, short name, IP or typed name (defect 9)', async () => {
      const node1 = await enrollNode('node1.example.net', ['10.0.0.1']);
      const node2 = await enrollNode('node2.example.net', ['10.0.0.2']);
      for (const name of [
        'node1.example.net',
        'NODE1.example.net',
        'node1',
        '10.0.0.1',
        'DNS:node1',
      ]) {
        const { status, body } = await get(`/v1/certificates?name=${encodeURIComponent(name)}`);
        expect(status).toBe(200);
        expect(serials(body)).toEqual([node1]);
      }
      expect(serials((await get('/v1/certificates?name=IP%3A10.0.0.2')).body)).toEqual([node2]);
      expect((await get('/v1/certificates?name=DNS%3A10.0.0.1')).body).toEqual([]);
      expect((await get('/v1/certificates?name=example.net')).body).toEqual([]);
      const record = (await get(`/v1/certificates/${node1}`)).body;
      expect(record.names).toEqual(['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1']);
    });

    it('lists a superseded certificate apart, counts it in /metrics and leaves it out of the CRL', async () => {
      const old = await issueIdentity({ ca, name: 'node3.example.net' });
      const renewed = await issueIdentity({ ca, name: 'node3.example.net' });
      const revoked = await issueIdentity({ ca, name: 'node4.example.net' });
      for (const identity of [old, renewed, revoked])
        await store.recordCertificate(
          certificateRecordOf(identity.certificate, { profile: 'node' }),
        );
      const oldSerial = old.certificate.serialNumber;
      await store.markSuperseded(oldSerial, renewed.certificate.serialNumber);
      await store.revokeCertificate(revoked.certificate.serialNumber, { reason: 'keyCompromise' });

      const superseded = await get('/v1/certificates?status=superseded');
      expect(superseded.status).toBe(200);
      expect(serials(superseded.body)).toEqual([oldSerial]);
      expect(superseded.body[0]).toMatchObject({
        status: 'superseded',
        supersededBy: renewed.certificate.serialNumber,
      });
      expect(serials((await get('/v1/certificates?status=valid')).body)).toEqual([
        renewed.certificate.serialNumber,
      ]);

      const metrics = await (await app.request('/metrics')).text();
      expect(metrics).toContain('nodeid_certificates{status="superseded"} 1');
      expect(metrics).toContain('nodeid_certificates{status="valid"} 1');
      expect(metrics).toContain('nodeid_certificates{status="revoked"} 1');
      // only valid certificates get an expiry series
      expect(metrics).not.toContain(`serial="${oldSerial}"`);

      const crl = parseCrl(new Uint8Array(await (await app.request('/v1/crl')).arrayBuffer()));
      expect(crl.entries.map((e) => e.serialNumber)).toEqual([revoked.certificate.serialNumber]);
    });

    it('what the store refuses is a 400 with its code, and changes nothing (defect 10)', async () => {
      const node = await issueIdentity({ ca, name: 'node5.example.net' });
      await store.recordCertificate(certificateRecordOf(node.certificate));
      const serial = node.certificate.serialNumber;

      const removeFromCrl = await app.request(`/v1/certificates/${serial}/revoke`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ reason: 'removeFromCRL' }),
      });
      expect(removeFromCrl.status).toBe(400);
      expect(await removeFromCrl.json()).toMatchObject({ code: 'ERR_STORE_INVALID' });
      expect((await store.getCertificate(serial))!.status).toBe('valid');

      const long = await get(`/v1/certificates?name=${'a'.repeat(1025)}`);
      expect(long.status).toBe(400);
      expect(long.body.code).toBe('ERR_STORE_INVALID');
      expect((await get(`/v1/certificates?name=${'a'.repeat(1024)}`)).status).toBe(200);

      const status = await get('/v1/certificates?status=lost');
      expect(status.status).toBe(400);
      expect(status.body.message).toContain('superseded');

      const unknown = await app.request('/v1/certificates/0badc0de/revoke', {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).code).toBe('ERR_STORE_NOT_FOUND');
    });

    it('a CRL that cannot be made is a 503 ERR_CRL_UNAVAILABLE, and a store that fails a 503 with its code (defect 4)', async () => {
      await store.close();
      const crl = await app.request('/v1/crl');
      expect(crl.status).toBe(503);
      expect(await crl.json()).toMatchObject({ code: 'ERR_CRL_UNAVAILABLE' });
      const list = await get('/v1/certificates');
      expect(list.status).toBe(503);
      expect(list.body.code).toBe('ERR_STORE_IO');
      const health = await app.request('/healthz');
      expect(health.status).toBe(503);
      expect((await health.json()).code).toBe('ERR_STORE_IO');
    });
  });
}
