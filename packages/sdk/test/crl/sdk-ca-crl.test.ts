/**
 * End to end with the SDK's own CA: createCa → issueIdentity → createCrl, then openssl decides.
 * A revoked node fails `openssl verify -crl_check`, a kept one passes, for a root and for an
 * intermediate CA.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import { createCrl } from '../../src/crl/create-crl.js';
import { verifyCrlSignature } from '../../src/crl/verify-crl-signature.js';
import { issueIdentity } from '../../src/issue/issue-identity.js';
import { opensslStatus, tempDir } from './openssl-ca.js';

describe('CRLs from an SDK CA, judged by openssl verify -crl_check', () => {
  it('a root CA revokes one node of two', async () => {
    const dir = tempDir();
    const ca = await createCa({ clusterName: 'crl.cluster', algorithm: 'P-256' });
    const node1 = await issueIdentity({ ca, name: 'node1.example.net' });
    const node2 = await issueIdentity({ ca, name: 'node2.example.net' });
    const { pem } = await createCrl({
      issuer: ca,
      entries: [
        {
          serialNumber: node1.certificate.serialNumber,
          revokedAt: new Date(Date.now() - 60_000),
          reason: 'keyCompromise',
        },
      ],
      crlNumber: 1,
    });
    expect(await verifyCrlSignature(pem, ca.certificate)).toBe(true);
    fs.writeFileSync(path.join(dir, 'ca.pem'), ca.certificate.pem);
    fs.writeFileSync(path.join(dir, 'crl.pem'), pem);
    fs.writeFileSync(path.join(dir, 'node1.pem'), node1.certificate.pem);
    fs.writeFileSync(path.join(dir, 'node2.pem'), node2.certificate.pem);
    const crlVerify = opensslStatus(dir, [
      'crl',
      '-in',
      'crl.pem',
      '-CAfile',
      'ca.pem',
      '-verify',
      '-noout',
    ]);
    expect(crlVerify.stderr).toMatch(/verify OK/);
    const revoked = opensslStatus(dir, [
      'verify',
      '-crl_check',
      '-CAfile',
      'ca.pem',
      '-CRLfile',
      'crl.pem',
      'node1.pem',
    ]);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stderr + revoked.stdout).toMatch(/certificate revoked/);
    const kept = opensslStatus(dir, [
      'verify',
      '-crl_check',
      '-CAfile',
      'ca.pem',
      '-CRLfile',
      'crl.pem',
      'node2.pem',
    ]);
    expect(kept.stdout).toMatch(/node2\.pem: OK/);
  });

  it('an intermediate CA issues the CRL for its own leaves', async () => {
    const dir = tempDir();
    const root = await createCa({ commonName: 'crl root', algorithm: 'P-384' });
    const intermediate = await createCa({
      commonName: 'crl intermediate',
      issuer: root,
      clusterName: 'crl.cluster',
    });
    const node = await issueIdentity({ ca: intermediate, name: 'node3.example.net' });
    const { pem } = await createCrl({
      issuer: intermediate,
      entries: [
        {
          serialNumber: node.certificate.serialNumber,
          revokedAt: new Date(Date.now() - 1000),
          reason: 'superseded',
        },
      ],
      crlNumber: 2n,
    });
    expect(await verifyCrlSignature(pem, root.certificate)).toBe(false);
    expect(await verifyCrlSignature(pem, intermediate.certificate)).toBe(true);
    fs.writeFileSync(path.join(dir, 'root.pem'), root.certificate.pem);
    fs.writeFileSync(path.join(dir, 'intermediate.pem'), intermediate.certificate.pem);
    fs.writeFileSync(path.join(dir, 'crl.pem'), pem);
    fs.writeFileSync(path.join(dir, 'node.pem'), node.certificate.pem);
    const withoutCrl = opensslStatus(dir, [
      'verify',
      '-CAfile',
      'root.pem',
      '-untrusted',
      'intermediate.pem',
      'node.pem',
    ]);
    expect(withoutCrl.stdout).toMatch(/node\.pem: OK/);
    const revoked = opensslStatus(dir, [
      'verify',
      '-crl_check',
      '-CAfile',
      'root.pem',
      '-untrusted',
      'intermediate.pem',
      '-CRLfile',
      'crl.pem',
      'node.pem',
    ]);
    expect(revoked.status).not.toBe(0);
    expect(revoked.stderr + revoked.stdout).toMatch(/certificate revoked/);
  });
});
