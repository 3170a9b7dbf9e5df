/**
 * `GET /v1/ca/bundle` and renewal across a CA rotation, through `app.request()`: the root alone
 * without a rotation (also for an intermediate, whose root is what nodes trust), the bundle
 * during one, and an old-key leaf renewing onto the new key only while the bundle holds the old
 * root (a server without it refuses the old leaf, so the test can fail).
 */
import { createHash } from 'node:crypto';
import {
  createCa,
  createCsr,
  type Identity,
  isIssuedBy,
  issueIdentity,
  parseCertificate,
  parseCertificates,
  rotateCa,
} from '@nodeid/sdk';
import { certificateRecordOf, openMemoryStore } from '@nodeid/store';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import type { AppDeps } from '../src/deps.js';

const ADMIN = 'bundle-tests-admin-token-0123456789abcdef';

async function appFor(ca: AppDeps['ca'], trustBundle?: AppDeps['trustBundle']) {
  const store = await openMemoryStore();
  const app = createApp({
    ca,
    clusterName: 'bundle.cluster',
    ...(trustBundle && { trustBundle }),
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    peerCertificate: (c) => (c.env as { peerDer?: Uint8Array } | undefined)?.peerDer,
    limits: { signPerMinute: 1000, signBurst: 1000 },
  });
  return { app, store };
}

async function renew(app: Awaited<ReturnType<typeof appFor>>['app'], leaf: Identity) {
  const csr = await createCsr({ name: 'node1.example.net' });
  return app.request(
    '/v1/renew',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csr: csr.pem }),
    },
    { peerDer: leaf.certificate.der, incoming: { socket: { remoteAddress: '192.0.2.7' } } },
  );
}

describe('GET /v1/ca/bundle', () => {
  it('is the root alone without a rotation, for a root and for an intermediate', async () => {
    const root = await createCa({ clusterName: 'bundle.cluster' });
    const res = await (await appFor(root)).app.request('/v1/ca/bundle');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-pem-file');
    expect(await res.text()).toBe(root.certificate.pem);
    const sub = await createCa({ commonName: 'sub CA', issuer: root });
    const viaSub = await (await appFor(sub)).app.request('/v1/ca/bundle');
    expect(await viaSub.text()).toBe(root.certificate.pem);
  });

  it('serves the bundle during a rotation, and old-key leaves renew onto the new key', async () => {
    const old = await createCa({ clusterName: 'bundle.cluster' });
    const leaf = await issueIdentity({ ca: old, name: 'node1.example.net' });
    const rotated = await rotateCa({ ca: old });
    const { app, store } = await appFor(rotated.ca, rotated.bundle);
    await store.recordCertificate(certificateRecordOf(leaf.certificate, { profile: 'node' }));
    const res = await app.request('/v1/ca/bundle');
    expect(parseCertificates(await res.text()).map((c) => c.serialNumber)).toEqual(
      rotated.bundle.map((c) => c.serialNumber),
    );
    const renewed = await renew(app, leaf);
    expect(renewed.status).toBe(200);
    const cert = parseCertificate((await renewed.json()).certificate);
    expect(await isIssuedBy(cert, rotated.ca.certificate)).toBe(true);
    expect((await store.getCertificate(leaf.certificate.serialNumber))?.status).toBe('superseded');

    // without the bundle (the old root unknown to the server) the old leaf cannot renew
    const bare = await appFor(rotated.ca);
    await bare.store.recordCertificate(certificateRecordOf(leaf.certificate, { profile: 'node' }));
    const refused = await renew(bare.app, leaf);
    expect(refused.status).toBe(401);
    // same name, other key: the old leaf's signature does not verify under the new root
    expect(await refused.json()).toMatchObject({ code: 'ERR_SIGNATURE_INVALID' });
  });
});
