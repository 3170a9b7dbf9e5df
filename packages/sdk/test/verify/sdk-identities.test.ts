/**
 * verifyCertificate accepts what the SDK itself issues (root and intermediate from createCa,
 * node identities from issueIdentity) for every key algorithm, and refuses it for the wrong
 * host, cluster or CA, and once it is listed on a CRL from createCrl.
 */
import { describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import { createCrl } from '../../src/crl/create-crl.js';
import { issueIdentity } from '../../src/issue/issue-identity.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';

describe.each(['P-256', 'Ed25519', 'RSA-2048'] as const)(
  'SDK-issued %s identities',
  (algorithm) => {
    it('verify through an intermediate, and fail for the wrong host, cluster or CA', async () => {
      const root = await createCa({ clusterName: 'cluster1', algorithm });
      const ica = await createCa({ commonName: 'cluster1 issuing CA', issuer: root, algorithm });
      const node = await issueIdentity({
        ca: ica,
        name: 'node1.example.net',
        clusterName: 'cluster1',
        algorithm,
        ips: ['10.0.0.1'],
      });
      const opts = {
        certificate: node.certificate,
        trustAnchors: [root.certificate],
        intermediates: [ica.certificate],
      };

      const ok = await verifyCertificate({
        ...opts,
        host: 'node1.example.net',
        usage: 'server',
        clusterName: 'cluster1',
      });
      expect(ok.ok).toBe(true);
      if (ok.ok)
        expect(ok.chain.map((c) => c.der)).toEqual([
          node.certificate.der,
          ica.certificate.der,
          root.certificate.der,
        ]);
      expect((await verifyCertificate({ ...opts, host: 'node1', usage: 'client' })).ok).toBe(true);
      expect((await verifyCertificate({ ...opts, ip: '10.0.0.1' })).ok).toBe(true);

      expect(await verifyCertificate({ ...opts, host: 'node2.example.net' })).toMatchObject({
        code: 'ERR_HOSTNAME_MISMATCH',
      });
      expect(await verifyCertificate({ ...opts, clusterName: 'cluster2' })).toMatchObject({
        code: 'ERR_CLUSTER_NAME_MISMATCH',
      });
      const otherRoot = await createCa({ clusterName: 'cluster1', algorithm });
      expect(
        await verifyCertificate({ ...opts, trustAnchors: [otherRoot.certificate] }),
      ).toMatchObject({ ok: false });
    });
  },
);

describe('SDK-issued identities and CRLs', () => {
  it('a node revoked by a createCrl CRL is refused, another node is not', async () => {
    const root = await createCa({ clusterName: 'cluster1' });
    const node1 = await issueIdentity({
      ca: root,
      name: 'node1.example.net',
      clusterName: 'cluster1',
    });
    const node2 = await issueIdentity({
      ca: root,
      name: 'node2.example.net',
      clusterName: 'cluster1',
    });
    const crl = await createCrl({
      issuer: root,
      crlNumber: 1,
      entries: [
        {
          serialNumber: node1.certificate.serialNumber,
          revokedAt: new Date(),
          reason: 'keyCompromise',
        },
      ],
    });
    const crls = [crl.pem];
    expect(
      await verifyCertificate({
        certificate: node1.certificate,
        trustAnchors: [root.certificate],
        crls,
      }),
    ).toMatchObject({
      ok: false,
      code: 'ERR_REVOKED',
      depth: 0,
    });
    expect(
      (
        await verifyCertificate({
          certificate: node2.certificate,
          trustAnchors: [root.certificate],
          crls,
        })
      ).ok,
    ).toBe(true);
  });
});
