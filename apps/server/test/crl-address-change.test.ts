/**
 * A changed CRL address without a restart (issue 12's follow-up), through `app.request()`: the
 * switch of a reloaded CA folder (`switchServedCa`) puts the new address into the certificates
 * signed from then on and serves its path at once, while the old path keeps serving the CRL for
 * the certificates that carry it (RFC 5280 §4.2.1.13); the addresses in use are read back from
 * the audit trail at start (`crlPathsInUse`); an intermediate re-signed by its root with another
 * root CRL address serves the root's CRL at both. The folder and the process are in
 * e2e-crl-address.test.ts.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createCaCsr, createCrl, type Issuer, parseCrl, signCaCsr } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import type { AppDeps } from '../src/deps.js';
import { type ServedCa, switchServedCa } from '../src/lib/ca-reload.js';
import { crlPathsInUse, rootCrlSource } from '../src/lib/crl-addresses.js';
import { enrollThroughApp } from './helpers/app-enroll.js';
import { tempFolder } from './helpers/temp.js';

const work = tempFolder('nodeid-crl-address-change-');

const ADMIN = 'crl-address-admin-token-0123456789abcdef';
const A = 'http://ca.test:8443/crl/a.crl';
const B = 'http://ca2.test/pki/b.crl';

const servedCa = (issuer: Issuer, crlUrl: string | undefined): ServedCa => ({
  config: { crlUrl } as ServedCa['config'],
  issuer,
  trustBundle: [issuer.certificate],
  hasBundle: false,
  serverIssuer: issuer,
});

/** Enrolls `name` through the app and answers the cRLDistributionPoints URLs of its certificate. */
async function enrolledCrlUrls(app: ReturnType<typeof createApp>, name: string) {
  const { certificate: cert } = await enrollThroughApp(app, ADMIN, name);
  return (cert.crlDistributionPoints ?? []).flatMap((dp) =>
    (dp.distributionPoint?.fullName ?? []).map((n) => n.value),
  );
}

async function crlAt(app: ReturnType<typeof createApp>, path: string) {
  const res = await app.request(path);
  if (res.status !== 200) return res.status;
  expect(res.headers.get('content-type')).toBe('application/pkix-crl');
  return parseCrl(new Uint8Array(await res.arrayBuffer())).issuer.text;
}

async function appWith(store: Store, ca: Issuer, crlUrl: string | undefined) {
  const deps: AppDeps = {
    ca,
    clusterName: 'crl.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    crlPaths: await crlPathsInUse(store, crlUrl),
  };
  return { deps, app: createApp(deps) };
}

describe('a changed CRL address, switched with the CA folder', () => {
  it('is in the certificates signed after the switch and served at once; the old path still serves', async () => {
    const root = await createCa({ clusterName: 'crl.cluster' });
    const store = await openMemoryStore();
    const { deps, app } = await appWith(store, { ...root, crlDistributionPoints: [A] }, A);
    expect(await enrolledCrlUrls(app, 'node1.example.net')).toEqual([A]);
    expect(await crlAt(app, '/crl/a.crl')).toBe(root.certificate.subject.text);
    expect(await crlAt(app, '/pki/b.crl')).toBe(404);

    switchServedCa(deps, servedCa({ ...root, crlDistributionPoints: [B] }, B));
    expect(await enrolledCrlUrls(app, 'node2.example.net')).toEqual([B]);
    for (const path of ['/pki/b.crl', '/crl/a.crl', '/v1/crl'])
      expect(await crlAt(app, path)).toBe(root.certificate.subject.text);

    // no address any more (`ca set-crl-url --clear`): new certificates carry none, old paths stay
    switchServedCa(deps, servedCa(root, undefined));
    expect(await enrolledCrlUrls(app, 'node3.example.net')).toEqual([]);
    for (const path of ['/pki/b.crl', '/crl/a.crl'])
      expect(await crlAt(app, path)).toBe(root.certificate.subject.text);
  });

  it('reads the earlier addresses back from the audit trail: set-crl-url lines and reloads', async () => {
    const store = await openMemoryStore();
    expect(await crlPathsInUse(store, undefined)).toEqual([]);
    expect(await crlPathsInUse(store, A)).toEqual(['/crl/a.crl']);
    // as `nodeid ca set-crl-url` writes it, then a hand-edited nodeid.json picked up by a reload
    await store.appendAudit({
      at: new Date(),
      action: 'ca.set-crl-url',
      detail: { previous: 'http://old.test/v1/old.crl', crlUrl: A },
    });
    await store.appendAudit({
      at: new Date(),
      action: 'ca.reloaded',
      actor: 'server',
      detail: { trigger: 'watch', crlUrl: B, previousCrlUrl: A },
    });
    await store.appendAudit({
      at: new Date(),
      action: 'ca.set-crl-url',
      detail: { previous: B, crlUrl: null },
    });
    // other actions' fields are not addresses of this CA
    await store.appendAudit({
      at: new Date(),
      action: 'certificate.issue',
      detail: { crlUrl: 'http://x.test/not-ours.crl' },
    });
    expect((await crlPathsInUse(store, undefined)).sort()).toEqual([
      '/crl/a.crl',
      '/pki/b.crl',
      '/v1/old.crl',
    ]);
  });

  it("an address whose path is an API route never replaces that route's answer", async () => {
    const root = await createCa({ clusterName: 'crl.cluster' });
    const { app } = await appWith(await openMemoryStore(), root, 'http://ca.test/v1/ca');
    const res = await app.request('/v1/ca');
    expect(res.headers.get('content-type')).toBe('application/x-pem-file');
    expect(await res.text()).toBe(root.certificate.pem);
  });
});

describe("an intermediate's root CRL address, switched with the CA folder", () => {
  it('an intermediate re-signed with another root CRL address: both addresses serve the root CRL', async () => {
    const root = await createCa({ clusterName: 'c' });
    const csr = await createCaCsr({ clusterName: 'c', commonName: 'sub CA' });
    const signedBy = async (rootCrlUrl: string): Promise<Issuer> => {
      const signed = await signCaCsr({
        csr: csr.pem,
        ca: { ...root, crlDistributionPoints: [rootCrlUrl] },
      });
      return {
        certificate: signed.certificate,
        privateKey: csr.keyPair.privateKey,
        chain: signed.chain,
      };
    };
    const before = await signedBy('http://root.test/crl/root-1.crl');
    const after = await signedBy('http://root.test/crl/root-2.crl');
    const rootCrl = await createCrl({ issuer: root, entries: [], crlNumber: 1 });
    const file = join(work, 'root.crl');
    writeFileSync(file, rootCrl.pem);
    const store = await openMemoryStore();
    const deps: AppDeps = {
      ca: before,
      clusterName: 'c',
      store,
      adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
      rootCrl: rootCrlSource(file, before),
    };
    const app = createApp(deps);
    const rootCrlAt = async (path: string) => {
      const res = await app.request(path);
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : res.status;
    };
    expect(await rootCrlAt('/crl/root-1.crl')).toEqual(rootCrl.der);
    expect(await rootCrlAt('/crl/root-2.crl')).toBe(404);
    switchServedCa(deps, servedCa(after, undefined));
    for (const path of ['/crl/root-1.crl', '/crl/root-2.crl', '/v1/crl/root'])
      expect(await rootCrlAt(path)).toEqual(rootCrl.der);
    // the issuing CA's own CRL is still its own, not the root's
    const own = await app.request('/v1/crl');
    expect(parseCrl(new Uint8Array(await own.arrayBuffer())).issuer.text).toBe('CN=sub CA,OU=c');
  });
});
