/**
 * Renewal after downtime (`--renew-expired-within`): an expired client certificate renews over
 * mutual TLS inside the window, once, only as the newest, unrevoked, not superseded certificate
 * for its names, audited as `certificate.renew-expired`; refused past the window and when off.
 * Through `app.request()` with the server's clock injected (`now`).
 */
import { createHash } from 'node:crypto';
import { createCa, createCsr, type Identity, parseCertificate } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { enrollThroughApp } from './helpers/app-enroll.js';

const ADMIN = 'renew-expired-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const json = { 'content-type': 'application/json' };
const DAY = 86_400_000;

let ca: Identity;
let store: Store;
let clock: Date;
let audit: Record<string, unknown>[];

function makeApp(renewExpiredWithinMs?: number) {
  return createApp({
    ca,
    clusterName: 'expired.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    now: () => clock,
    peerCertificate: (c) => (c.env as { peerDer?: Uint8Array } | undefined)?.peerDer,
    audit: (e) => audit.push(e),
    ...(renewExpiredWithinMs !== undefined && { renewExpiredWithinMs }),
  });
}

async function enrolled(app: ReturnType<typeof createApp>, name: string) {
  const { certificate: cert } = await enrollThroughApp(app, ADMIN, name);
  return { der: cert.der, serial: cert.serialNumber, notAfter: cert.notAfter };
}

async function renew(app: ReturnType<typeof createApp>, peerDer: Uint8Array, name: string) {
  const csr = await createCsr({ name });
  return app.request(
    '/v1/renew',
    { method: 'POST', headers: json, body: JSON.stringify({ csr: csr.pem }) },
    { peerDer, incoming: { socket: { remoteAddress: '192.0.2.20' } } },
  );
}

const at = (d: Date, ms: number) => new Date(d.getTime() + ms);

beforeAll(async () => {
  ca = await createCa({ clusterName: 'expired.cluster', days: 3650 });
});
beforeEach(async () => {
  store = await openMemoryStore();
  clock = at(new Date(), 60_000);
  audit = [];
});

describe('/v1/renew with --renew-expired-within 30d', () => {
  it('renews an expired certificate inside the window, once, audited as certificate.renew-expired', async () => {
    const app = makeApp(30 * DAY);
    const node = await enrolled(app, 'node1.example.net');
    clock = at(node.notAfter, 29 * DAY);
    const res = await renew(app, node.der, 'node1.example.net');
    expect(res.status, await res.clone().text()).toBe(200);
    const renewed = parseCertificate((await res.json()).certificate);
    expect(renewed.notBefore.getTime()).toBeLessThanOrEqual(clock.getTime());
    expect(renewed.notAfter.getTime()).toBeGreaterThan(clock.getTime());
    const event = audit.find((e) => e.action === 'certificate.renew-expired');
    expect(event).toMatchObject({
      serialNumber: renewed.serialNumber,
      replaces: node.serial,
      expiredAt: node.notAfter.toISOString(),
      expiredForSeconds: 29 * 86_400,
    });
    expect(audit.some((e) => e.action === 'certificate.renew')).toBe(false);
    // once: the expired certificate is superseded now
    const again = await renew(app, node.der, 'node1.example.net');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'ERR_CERTIFICATE_SUPERSEDED' });
  });

  it('refuses past the window: 401 ERR_CERT_EXPIRED, nothing issued', async () => {
    const app = makeApp(30 * DAY);
    const node = await enrolled(app, 'node2.example.net');
    clock = at(node.notAfter, 30 * DAY + 1000);
    const res = await renew(app, node.der, 'node2.example.net');
    expect(res.status).toBe(401);
    const body = await res.json();
    expect(body.code).toBe('ERR_CERT_EXPIRED');
    expect(body.message).toMatch(/longer ago than the 30 days/);
    expect(await store.listCertificates()).toHaveLength(1);
  });

  it('refuses a revoked certificate and a superseded one inside the window', async () => {
    const app = makeApp(30 * DAY);
    const revoked = await enrolled(app, 'node3.example.net');
    const r = await app.request(`/v1/certificates/${revoked.serial}/revoke`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    expect(r.status).toBe(200);
    const superseded = await enrolled(app, 'node4.example.net');
    expect((await renew(app, superseded.der, 'node4.example.net')).status).toBe(200);
    clock = at(revoked.notAfter, DAY);
    const a = await renew(app, revoked.der, 'node3.example.net');
    expect(a.status).toBe(401);
    expect(await a.json()).toMatchObject({ code: 'ERR_REVOKED' });
    const b = await renew(app, superseded.der, 'node4.example.net');
    expect(b.status).toBe(409);
    expect(await b.json()).toMatchObject({ code: 'ERR_CERTIFICATE_SUPERSEDED' });
    expect(audit.some((e) => e.action === 'certificate.renew-expired')).toBe(false);
  });

  it('refuses a certificate that is not the newest for its names (the node was enrolled again)', async () => {
    const app = makeApp(30 * DAY);
    const first = await enrolled(app, 'node5.example.net');
    clock = at(clock, 3_600_000);
    const second = await enrolled(app, 'node5.example.net');
    clock = at(first.notAfter, DAY);
    const res = await renew(app, first.der, 'node5.example.net');
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.code).toBe('ERR_CERTIFICATE_SUPERSEDED');
    expect(body.message).toContain(second.serial);
  });
});

describe('/v1/renew without --renew-expired-within', () => {
  it('refuses an expired certificate however recent: 401 ERR_CERT_EXPIRED', async () => {
    const app = makeApp();
    const node = await enrolled(app, 'node6.example.net');
    clock = at(node.notAfter, 1000);
    const res = await renew(app, node.der, 'node6.example.net');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'ERR_CERT_EXPIRED' });
    expect(await store.listCertificates()).toHaveLength(1);
  });
});
