import { describe, expect, it } from 'vitest';
import { createCsr } from '../csr/create-csr.js';
import { parseCsr } from '../csr/parse-csr.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { createCa } from './create-ca.js';
import { createCaCsr } from './create-ca-csr.js';
import { checkCrlUrl } from './crl-url.js';
import { remainingPathLength, signCaCsr } from './sign-ca-csr.js';

const now = new Date('2026-06-01T00:00:00Z');

describe('createCaCsr', () => {
  it('asks for CA:TRUE with keyCertSign and proves possession of its key', async () => {
    const { pem } = await createCaCsr({ clusterName: 'scale.cluster', commonName: 'rack-1 CA' });
    const csr = await parseCsr(pem);
    expect(csr.signatureValid).toBe(true);
    expect(csr.requestsCa).toBe(true);
    expect(csr.requestedKeyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(csr.subject.text).toContain('CN=rack-1 CA');
    expect(csr.subject.text).toContain('OU=scale.cluster');
  });
});

describe('signCaCsr', () => {
  it('signs an intermediate that chains to the root and issues leaves carrying both CRL URLs', async () => {
    const root = await createCa({ clusterName: 'scale.cluster', pathLength: 1, now, days: 3650 });
    const rootIssuer = { ...root, crlDistributionPoints: ['http://root.example.net/root.crl'] };
    const { pem, keyPair } = await createCaCsr({
      clusterName: 'scale.cluster',
      commonName: 'sub CA',
    });
    const signed = await signCaCsr({
      csr: pem,
      ca: rootIssuer,
      now,
      nameConstraints: { permittedDns: ['example.net'] },
    });
    const sub = signed.certificate;
    expect(sub.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
    expect(sub.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(sub.nameConstraints?.permitted?.map((g) => g.base)).toEqual([
      { type: 'dns', value: 'example.net' },
    ]);
    expect(sub.crlDistributionPoints?.[0]?.distributionPoint?.fullName).toEqual([
      { type: 'uri', value: 'http://root.example.net/root.crl' },
    ]);
    // default 5 years, inside the root's 10
    expect(sub.notAfter.getTime() - now.getTime()).toBeGreaterThan(1824 * 86_400_000);
    expect(signed.chain).toEqual([root.certificate]);

    const leaf = await issueIdentity({
      ca: {
        certificate: sub,
        privateKey: keyPair.privateKey,
        chain: signed.chain,
        crlDistributionPoints: ['http://sub.example.net:8443/v1/crl'],
      },
      name: 'node1.example.net',
      now,
    });
    expect(leaf.certificate.crlDistributionPoints?.[0]?.distributionPoint?.fullName).toEqual([
      { type: 'uri', value: 'http://sub.example.net:8443/v1/crl' },
    ]);
    const result = await verifyCertificate({
      certificate: leaf.certificate,
      trustAnchors: [root.certificate],
      intermediates: [sub],
      now,
    });
    expect(result.ok ? 'ok' : result.message).toBe('ok');
    // the option overrides the CA's setting; [] drops it
    const bare = await issueIdentity({
      ca: {
        certificate: sub,
        privateKey: keyPair.privateKey,
        crlDistributionPoints: ['http://x/'],
      },
      name: 'node2.example.net',
      crlDistributionPoints: [],
      now,
    });
    expect(bare.certificate.crlDistributionPoints).toBeUndefined();
  });

  it('refuses a leaf CSR, a forged proof of possession and its own name', async () => {
    const root = await createCa({ clusterName: 'c', now });
    const leafCsr = await createCsr({ name: 'node1.example.net' });
    await expect(signCaCsr({ csr: leafCsr.pem, ca: root, now })).rejects.toMatchObject({
      code: 'ERR_POLICY_DENIED',
    });
    const { der } = await createCaCsr({ clusterName: 'c', commonName: 'sub' });
    const forged = der.slice();
    forged[forged.length - 3]! ^= 0x01;
    await expect(signCaCsr({ csr: forged, ca: root, now })).rejects.toMatchObject({
      code: 'ERR_CSR_SIGNATURE',
    });
    const same = await createCaCsr({ clusterName: 'c' });
    await expect(signCaCsr({ csr: same.pem, ca: root, now })).rejects.toMatchObject({
      code: 'ERR_NAME_INVALID',
    });
  });

  it('keeps within the path length constraints above (RFC 5280 §4.2.1.9)', async () => {
    const root0 = await createCa({ clusterName: 'c', pathLength: 0, now });
    const { pem } = await createCaCsr({ clusterName: 'c', commonName: 'sub' });
    expect(remainingPathLength(root0)).toBe(-1);
    await expect(signCaCsr({ csr: pem, ca: root0, now })).rejects.toMatchObject({
      code: 'ERR_PATH_LENGTH_EXCEEDED',
    });
    const root1 = await createCa({ clusterName: 'c', pathLength: 1, now });
    expect(remainingPathLength(root1)).toBe(0);
    await expect(signCaCsr({ csr: pem, ca: root1, pathLength: 1, now })).rejects.toMatchObject({
      code: 'ERR_PATH_LENGTH_EXCEEDED',
    });
    // two levels: root pathlen 1 -> sub pathlen 1 would allow a third CA the root forbids
    const rootAny = await createCa({ clusterName: 'c', now });
    const sub = await createCa({ commonName: 'sub', issuer: root1, pathLength: 0, now });
    expect(remainingPathLength({ ...sub, chain: [root1.certificate] })).toBe(-1);
    expect(remainingPathLength(rootAny)).toBe(Number.POSITIVE_INFINITY);
    const signed = await signCaCsr({ csr: pem, ca: rootAny, pathLength: 2, now });
    expect(signed.certificate.basicConstraints?.pathLength).toBe(2);
  });

  it('clamps the lifetime inside the root and refuses an expired root', async () => {
    const root = await createCa({ clusterName: 'c', days: 30, now });
    const { pem } = await createCaCsr({ clusterName: 'c', commonName: 'sub' });
    const signed = await signCaCsr({ csr: pem, ca: root, now, days: 365 });
    expect(signed.certificate.notAfter).toEqual(root.certificate.notAfter);
    expect(signed.warnings[0]).toMatch(/shortened/);
    await expect(
      signCaCsr({ csr: pem, ca: root, now: new Date(now.getTime() + 40 * 86_400_000) }),
    ).rejects.toMatchObject({ code: 'ERR_CA_EXPIRED' });
  });
});

describe('checkCrlUrl', () => {
  it('accepts http(s) URLs and refuses the rest', () => {
    expect(checkCrlUrl('http://ca.example.net:8443/v1/crl')).toBe(
      'http://ca.example.net:8443/v1/crl',
    );
    for (const bad of ['ldap://x/y', 'not a url', 'http://u:p@x/', 'http://x/#f', 'file:///etc/x'])
      expect(() => checkCrlUrl(bad)).toThrow(/CRL address|not a URL/);
  });
});
