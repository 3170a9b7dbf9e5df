/**
 * Issue 12: the CRLs at the addresses written into certificates (RFC 5280 §4.2.1.13), through
 * `app.request()`: the issuing CA's CRL at the path of its folder's `crlUrl`, and for an
 * intermediate the offline root's CRL file at the path in the intermediate's certificate.
 */
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createCaCsr, createCrl, type Issuer, parseCrl, signCaCsr } from '@nodeid/sdk';
import { openMemoryStore } from '@nodeid/store';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { crlPathsOf, issuingCrlPaths, rootCrlSource } from '../src/lib/crl-addresses.js';
import { tempFolder } from './helpers/temp.js';

const work = tempFolder('nodeid-crl-addresses-');

async function intermediate() {
  const root = await createCa({ clusterName: 'c' });
  const rootIssuer: Issuer = {
    ...root,
    crlDistributionPoints: ['http://ca.test:8443/crl/root.crl'],
  };
  const csr = await createCaCsr({ clusterName: 'c', commonName: 'sub CA' });
  const signed = await signCaCsr({ csr: csr.pem, ca: rootIssuer });
  const sub: Issuer = {
    certificate: signed.certificate,
    privateKey: csr.keyPair.privateKey,
    chain: signed.chain,
    crlDistributionPoints: ['http://ca.test:8443/crl/sub.crl'],
  };
  return { root, sub };
}

const appFor = async (deps: Partial<Parameters<typeof createApp>[0]> & { ca: Issuer }) =>
  createApp({
    clusterName: 'c',
    store: await openMemoryStore(),
    adminTokenHashes: [createHash('sha256').update('admin-token-for-tests-0123456789').digest()],
    ...deps,
  });

describe('CRLs at their addresses', () => {
  it("serves the issuing CA's CRL at /v1/crl and at its address, the root's at the intermediate's", async () => {
    const { root, sub } = await intermediate();
    expect(crlPathsOf(sub.certificate)).toEqual(['/crl/root.crl']);
    const rootCrl = await createCrl({ issuer: root, entries: [], crlNumber: 1 });
    const file = join(work, 'root.crl');
    writeFileSync(file, rootCrl.pem);
    const app = await appFor({
      ca: sub,
      crlPaths: issuingCrlPaths('http://ca.test:8443/crl/sub.crl'),
      rootCrl: rootCrlSource(file, sub),
    });
    for (const path of ['/v1/crl', '/crl/sub.crl']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pkix-crl');
      expect(parseCrl(new Uint8Array(await res.arrayBuffer())).issuer.text).toBe('CN=sub CA,OU=c');
    }
    for (const path of ['/v1/crl/root', '/crl/root.crl']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(rootCrl.der);
    }
    expect(await (await app.request('/crl/root.crl?format=pem')).text()).toBe(rootCrl.pem);
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/crl', '/v1/crl/root']));
  });

  it('a root CRL file signed by another CA, or gone, is a 503 ERR_CRL_UNAVAILABLE, never published', async () => {
    const { sub } = await intermediate();
    const stranger = await createCa({ clusterName: 'other' });
    const file = join(work, 'wrong.crl');
    writeFileSync(file, (await createCrl({ issuer: stranger, entries: [], crlNumber: 1 })).pem);
    const app = await appFor({ ca: sub, rootCrl: rootCrlSource(file, sub) });
    const res = await app.request('/crl/root.crl');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'ERR_CRL_UNAVAILABLE' });
    rmSync(file);
    expect((await app.request('/v1/crl/root')).status).toBe(503);
  });

  it('--root-crl is refused for a root CA', async () => {
    const root = await createCa({ clusterName: 'c' });
    expect(() => rootCrlSource(join(work, 'x.crl'), root)).toThrow(/for an intermediate/);
  });
});
