/**
 * `/v1/renew` as an attacker tries it: renewing with the server's own (serverAuth-only) TLS
 * certificate, one certificate renewed again and again or many times at once, and renewal
 * floods. Through `app.request()`, the client certificate passed as mutual TLS would give it.
 */
import { createHash } from 'node:crypto';
import { createCa, createCsr, type Identity, parseCertificate } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { enrollThroughApp } from './helpers/app-enroll.js';

const ADMIN = 'renew-tests-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const json = { 'content-type': 'application/json' };

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;

function makeApp(limits: Parameters<typeof createApp>[0]['limits'] = {}) {
  return createApp({
    ca,
    clusterName: 'renew.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    peerCertificate: (c) => (c.env as { peerDer?: Uint8Array } | undefined)?.peerDer,
    limits: { signPerMinute: 1000, signBurst: 1000, ...limits },
  });
}

/** Enrolls `name` with `profile` and answers the certificate's DER and the CSR's key pair. */
async function enrolled(name: string, profile = 'node') {
  const { certificate, body } = await enrollThroughApp(app, ADMIN, name, { profile });
  return { der: certificate.der, serial: body.serialNumber };
}

async function renew(peerDer: Uint8Array, name: string, localApp = app, address = '192.0.2.10') {
  const csr = await createCsr({ name });
  return localApp.request(
    '/v1/renew',
    { method: 'POST', headers: json, body: JSON.stringify({ csr: csr.pem }) },
    { peerDer, incoming: { socket: { remoteAddress: address } } },
  );
}

async function inventory(): Promise<
  { serialNumber: string; status: string; supersededBy?: string }[]
> {
  return (await app.request('/v1/certificates', { headers: admin })).json();
}

beforeAll(async () => {
  ca = await createCa({ clusterName: 'renew.cluster' });
});
beforeEach(async () => {
  store = await openMemoryStore();
  app = makeApp();
});

describe('/v1/renew', () => {
  it("the server's own serverAuth-only certificate cannot renew: 403 ERR_EXTENDED_KEY_USAGE, nothing issued", async () => {
    const server = await enrolled('head.example.net', 'server');
    const before = await inventory();
    const res = await renew(server.der, 'head.example.net');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'ERR_EXTENDED_KEY_USAGE' });
    expect(await inventory()).toEqual(before);
  });

  it('one certificate renews once: the old one is superseded, and renewing it again is 409 ERR_CERTIFICATE_SUPERSEDED', async () => {
    const node = await enrolled('node1.example.net');
    const first = await renew(node.der, 'node1.example.net');
    expect(first.status).toBe(200);
    const renewed = await first.json();
    const again = await renew(node.der, 'node1.example.net');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      code: 'ERR_CERTIFICATE_SUPERSEDED',
      message: expect.stringContaining(renewed.serialNumber),
    });
    const records = await inventory();
    expect(records).toHaveLength(2);
    expect(records.find((r) => r.serialNumber === node.serial)).toMatchObject({
      status: 'superseded',
      supersededBy: renewed.serialNumber,
    });
    expect(records.find((r) => r.serialNumber === renewed.serialNumber)?.status).toBe('valid');
    // the renewed certificate renews in its turn
    const next = await renew(parseCertificate(renewed.certificate).der, 'node1.example.net');
    expect(next.status).toBe(200);
  });

  it('three renewals of one certificate at once: exactly one certificate is handed out', async () => {
    const node = await enrolled('node2.example.net');
    const answers = await Promise.all([1, 2, 3].map(() => renew(node.der, 'node2.example.net')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409]);
    const handedOut = (await answers.find((a) => a.status === 200)!.json()).serialNumber;
    const records = await inventory();
    expect(records.find((r) => r.serialNumber === node.serial)).toMatchObject({
      status: 'superseded',
      supersededBy: handedOut,
    });
    // any certificate signed for a losing renewal was never handed out, and is not valid
    const valid = records.filter((r) => r.status === 'valid').map((r) => r.serialNumber);
    expect(valid).toEqual([handedOut]);
  });

  it('a revoked certificate cannot renew: 401 ERR_REVOKED', async () => {
    const node = await enrolled('node3.example.net');
    await app.request(`/v1/certificates/${node.serial}/revoke`, { method: 'POST', headers: admin });
    const res = await renew(node.der, 'node3.example.net');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'ERR_REVOKED' });
  });

  it('renewal floods are rate limited per certificate and per address (429 with Retry-After)', async () => {
    const node = await enrolled('node4.example.net');
    // per certificate: 3 at once, then one in 10 minutes, whatever the address
    const perCert = [];
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'])
      perCert.push(await renew(node.der, 'node4.example.net', app, address));
    expect(perCert.map((r) => r.status)).toEqual([200, 409, 409, 429]);
    expect(perCert[3]!.headers.get('retry-after')).toBe('600');
    // per address: a low limit, many certificates from one address
    const limited = makeApp({ renewPerMinute: 1, renewBurst: 2 });
    const certs = [
      await enrolled('a.example.net'),
      await enrolled('b.example.net'),
      await enrolled('c.example.net'),
    ];
    const statuses = [];
    for (const [i, cert] of certs.entries())
      statuses.push(
        (await renew(cert.der, `${'abc'[i]}.example.net`, limited, '198.51.100.9')).status,
      );
    expect(statuses).toEqual([200, 200, 429]);
    // another address is not affected
    expect((await renew(certs[2]!.der, 'c.example.net', limited, '198.51.100.10')).status).toBe(
      200,
    );
  });
});
