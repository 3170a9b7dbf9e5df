/**
 * Every profile and key algorithm, checked by the real openssl: `openssl verify` with the
 * matching purpose, the SANs and usages openssl prints, and the key matching the certificate.
 */
import { describe, expect, it } from 'vitest';
import { createCa, issueIdentity, type KeyAlgorithm, type Profile } from '../../src/index.js';
import { openssl, scratch, writeFiles } from '../helpers/openssl.js';
import { pkcs8Pem } from '../helpers/pem-key.js';

const purposes: Record<Profile, string[]> = {
  node: ['sslserver', 'sslclient'],
  server: ['sslserver'],
  control: ['sslserver'],
  client: ['sslclient'],
};

describe('issued identities pass openssl verify', () => {
  const algorithms: KeyAlgorithm[] = ['P-256', 'P-384', 'Ed25519', 'RSA-2048'];
  for (const algorithm of algorithms) {
    it(`${algorithm}: CA and every profile`, async () => {
      const ca = await createCa({
        clusterName: 'scale.cluster',
        organization: 'Example',
        algorithm,
      });
      const dir = scratch();
      const files = writeFiles(dir, { 'ca.crt': ca.certificate.pem });
      for (const profile of ['node', 'server', 'client', 'control'] as Profile[]) {
        const name = profile === 'client' ? 'admin' : 'node1.example.net';
        const id = await issueIdentity({
          ca,
          profile,
          name,
          ips: profile === 'client' ? [] : ['10.0.0.1'],
          algorithm,
        });
        const p = writeFiles(dir, {
          [`${profile}.crt`]: id.certificate.pem,
          [`${profile}.key`]: await pkcs8Pem(id.privateKey),
        });
        for (const purpose of purposes[profile]) {
          const r = openssl([
            'verify',
            '-CAfile',
            files['ca.crt']!,
            '-purpose',
            purpose,
            p[`${profile}.crt`]!,
          ]);
          expect(r.output, `${profile} ${purpose}`).toContain(': OK');
          expect(r.status).toBe(0);
        }
        const certPub = openssl(['x509', '-in', p[`${profile}.crt`]!, '-noout', '-pubkey']).output;
        const keyPub = openssl(['pkey', '-in', p[`${profile}.key`]!, '-pubout']).output;
        expect(certPub).toBe(keyPub);
      }
    });
  }

  it('node identity: CN is the cluster name, SANs carry short name, FQDN and IPs', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
    const node = await issueIdentity({
      ca,
      name: 'node1.example.net',
      ips: ['10.0.0.1', 'fd00::1'],
      uris: ['spiffe://scale.cluster/node1'],
    });
    const dir = scratch();
    const p = writeFiles(dir, { 'n.crt': node.certificate.pem });
    const text = openssl([
      'x509',
      '-in',
      p['n.crt']!,
      '-noout',
      '-text',
      '-nameopt',
      'RFC2253',
    ]).output;
    expect(text).toContain('Subject: CN=scale.cluster,O=Example');
    expect(text).toContain(
      'DNS:node1, DNS:node1.example.net, IP Address:10.0.0.1, IP Address:FD00:0:0:0:0:0:0:1, URI:spiffe://scale.cluster/node1',
    );
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toMatch(/CA:FALSE/);
    // openssl's own host/IP check agrees with the SANs
    const r = openssl([
      'verify',
      '-CAfile',
      writeFiles(dir, { 'ca.crt': ca.certificate.pem })['ca.crt']!,
      '-verify_hostname',
      'node1.example.net',
      '-verify_ip',
      '10.0.0.1',
      p['n.crt']!,
    ]);
    expect(r.status).toBe(0);
    const bad = openssl([
      'verify',
      '-CAfile',
      `${dir}/ca.crt`,
      '-verify_hostname',
      'node2.example.net',
      p['n.crt']!,
    ]);
    expect(bad.status).not.toBe(0);
  });

  it('intermediate CA with path length and name constraints verifies as a chain', async () => {
    const root = await createCa({ clusterName: 'c1', pathLength: 1 });
    const inter = await createCa({
      commonName: 'rack-1 CA',
      issuer: root,
      pathLength: 0,
      nameConstraints: { permittedDns: ['example.net'], permittedIps: ['10.0.0.0/8'] },
    });
    // a server identity: node identities also carry the short name, which a DNS constraint on example.net excludes
    const leaf = await issueIdentity({
      ca: inter,
      profile: 'server',
      name: 'node1.example.net',
      ips: ['10.1.2.3'],
    });
    expect(leaf.chain.map((c) => c.subject.text)).toEqual([
      inter.certificate.subject.text,
      root.certificate.subject.text,
    ]);
    expect(leaf.certificate.subject.text).toBe('CN=node1.example.net');
    const dir = scratch();
    const p = writeFiles(dir, {
      'root.crt': root.certificate.pem,
      'inter.crt': inter.certificate.pem,
      'leaf.crt': leaf.certificate.pem,
    });
    expect(
      openssl(['verify', '-CAfile', p['root.crt']!, '-untrusted', p['inter.crt']!, p['leaf.crt']!])
        .status,
    ).toBe(0);
    // a name outside the constraints, which openssl would refuse ("subtree violation"), is
    // not issued at all (issue 10, defect 2)
    await expect(
      issueIdentity({ ca: inter, profile: 'server', name: 'node1.other.org' }),
    ).rejects.toMatchObject({ code: 'ERR_POLICY_DENIED' });
  });
});
