/**
 * Defect 2 (issue 10): issuance ignored the issuing CA's own nameConstraints, so a CA limited to
 * example.net signed google.com, and Go/OpenSSL/GnuTLS/pyca then refused the node while Java
 * took it. Every issuance path now denies names outside the permitted subtrees or inside the
 * excluded ones (RFC 5280 §4.2.1.10), lists them with the reason, and refuses when nothing is
 * left. openssl verify is the judge of what is issued.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import { createCsr } from '../../src/csr/create-csr.js';
import { signCsr } from '../../src/csr/sign-csr.js';
import type { Identity } from '../../src/issue/identity.js';
import { issueIdentity } from '../../src/issue/issue-identity.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';
import { openssl, scratch, writeFiles } from '../helpers/openssl.js';

let ca: Identity;
let intermediate: Identity;

beforeAll(async () => {
  ca = await createCa({
    clusterName: 'nc.cluster',
    nameConstraints: {
      permittedDns: ['example.net'],
      excludedDns: ['secret.example.net'],
      permittedIps: ['10.0.0.0/8'],
    },
  });
  // unconstrained itself, but below a constrained root: the root's constraints bind it too
  intermediate = await createCa({ commonName: 'rack CA', issuer: ca, pathLength: 0 });
});

function opensslVerifies(leafPem: string, chain: string[]): boolean {
  const dir = scratch();
  const f = writeFiles(dir, {
    'leaf.pem': leafPem,
    'root.pem': chain.at(-1)!,
    'untrusted.pem': chain.slice(0, -1).join('') || chain.at(-1)!,
  });
  return (
    openssl([
      'verify',
      '-CAfile',
      f['root.pem']!,
      '-untrusted',
      f['untrusted.pem']!,
      f['leaf.pem']!,
    ]).status === 0
  );
}

describe("the issuing CA's name constraints apply at issuance (defect 2)", () => {
  it('a CA constrained to example.net cannot sign google.com, even when the policy allows any name', async () => {
    const csr = await createCsr({ name: 'google.com', profile: 'server' });
    await expect(
      signCsr({ csr: csr.pem, ca, policy: { dns: 'any' }, profile: 'server' }),
    ).rejects.toMatchObject({
      code: 'ERR_POLICY_DENIED',
      message: expect.stringMatching(/google\.com.*not permitted/),
    });
  });

  it('signCsr lists the names outside the constraints as denied, with the reason, and signs the rest', async () => {
    const csr = await createCsr({
      name: 'node1.example.net',
      dns: ['google.com', 'db.secret.example.net'],
      ips: ['10.1.2.3', '192.168.1.1'],
    });
    const signed = await signCsr({
      csr: csr.pem,
      ca,
      policy: { dns: 'any', ips: 'any' },
    });
    expect(signed.granted).toEqual(['DNS:node1.example.net', 'IP:10.1.2.3']);
    const denied = Object.fromEntries(signed.denied.map((d) => [d.name, d.reason]));
    expect(Object.keys(denied).sort()).toEqual([
      'DNS:db.secret.example.net',
      'DNS:google.com',
      'DNS:node1',
      'IP:192.168.1.1',
    ]);
    expect(denied['DNS:db.secret.example.net']).toMatch(/excluded.*secret\.example\.net/);
    expect(denied['DNS:google.com']).toMatch(/not permitted.*example\.net/);
    expect(denied['IP:192.168.1.1']).toMatch(/not permitted.*10\.0\.0\.0\/8/);
    expect(opensslVerifies(signed.certificate.pem, [ca.certificate.pem])).toBe(true);
    const verified = await verifyCertificate({
      certificate: signed.certificate,
      trustAnchors: [ca.certificate],
    });
    expect(verified.ok).toBe(true);
  });

  it('issueIdentity leaves out the short name the constraints exclude and says so', async () => {
    const node = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
    expect(node.certificate.subjectAltNames!.map((n) => n.value)).toEqual([
      'node1.example.net',
      '10.0.0.1',
    ]);
    expect(node.denied?.map((d) => d.name)).toEqual(['DNS:node1']);
    expect(node.denied?.[0]?.reason).toMatch(/not permitted by the name constraints.*example\.net/);
    expect(opensslVerifies(node.certificate.pem, [ca.certificate.pem])).toBe(true);
  });

  it('issueIdentity refuses when nothing is left, and a server name outside the constraints', async () => {
    await expect(issueIdentity({ ca, name: 'node1.other.org' })).rejects.toMatchObject({
      code: 'ERR_POLICY_DENIED',
    });
    await expect(
      issueIdentity({ ca, name: 'www.google.com', profile: 'server' }),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED', message: /www\.google\.com/ });
  });

  it("an intermediate's issuance is bound by its root's constraints too", async () => {
    await expect(
      issueIdentity({ ca: intermediate, name: 'google.com', profile: 'server' }),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED' });
    const ok = await issueIdentity({
      ca: intermediate,
      name: 'node2.example.net',
      clusterName: 'nc.cluster',
    });
    expect(ok.denied?.map((d) => d.name)).toEqual(['DNS:node2']);
    expect(
      opensslVerifies(ok.certificate.pem, [intermediate.certificate.pem, ca.certificate.pem]),
    ).toBe(true);
  });

  it('a CA without constraints issues every name, as before', async () => {
    const free = await createCa({ clusterName: 'free.cluster' });
    const node = await issueIdentity({ ca: free, name: 'node1.example.net' });
    expect(node.denied).toEqual([]);
    expect(node.certificate.subjectAltNames!.map((n) => n.value)).toEqual([
      'node1',
      'node1.example.net',
    ]);
  });
});
