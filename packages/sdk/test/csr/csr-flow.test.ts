/**
 * The ClusterWare flow by hand: the key and CSR are made on the node (by us or by the seeds'
 * openssl recipe), the CA host signs under a policy, openssl checks the results.
 */
import { describe, expect, it } from 'vitest';
import { createCa, createCsr, NodeIdError, parseCsr, signCsr } from '../../src/index.js';
import { openssl, scratch, writeFiles } from '../helpers/openssl.js';

async function errorOf(p: Promise<unknown>): Promise<NodeIdError> {
  try {
    await p;
  } catch (e) {
    if (NodeIdError.isInstance(e)) return e;
    throw new Error(`expected a NodeIdError, got ${String(e)}`);
  }
  throw new Error('expected an error');
}

describe('CSR flow', () => {
  it('our CSR passes openssl req -verify and carries the SANs', async () => {
    for (const algorithm of ['P-256', 'P-384', 'Ed25519'] as const) {
      const { pem } = await createCsr({
        name: 'node1.example.net',
        ips: ['10.0.0.1'],
        uris: ['spiffe://c/node1'],
        algorithm,
      });
      const dir = scratch();
      const p = writeFiles(dir, { 'n.csr': pem });
      const r = openssl(['req', '-in', p['n.csr']!, '-verify', '-noout', '-text']);
      expect(r.output).toMatch(/verify OK|Certificate request self-signature verify OK/);
      expect(r.output).toContain(
        'DNS:node1, DNS:node1.example.net, IP Address:10.0.0.1, URI:spiffe://c/node1',
      );
      const parsed = await parseCsr(pem);
      expect(parsed.signatureValid).toBe(true);
      expect(parsed.subject.text).toBe('CN=node1.example.net');
      expect(parsed.requestedNames).toEqual({
        dns: ['node1', 'node1.example.net'],
        ips: ['10.0.0.1'],
        uris: ['spiffe://c/node1'],
        emails: [],
        other: [],
      });
    }
  });

  it('signs a CSR made by the openssl recipe and openssl verifies the result', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
    const dir = scratch();
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${dir}/node1.key`]);
    const req = openssl([
      'req',
      '-new',
      '-sha256',
      '-key',
      `${dir}/node1.key`,
      '-out',
      `${dir}/node1.csr`,
      '-subj',
      '/O=Example/CN=scale.cluster',
      '-addext',
      'subjectAltName=DNS:node1,DNS:node1.example.net,DNS:evil.org,IP:10.0.0.1,IP:192.0.2.1',
    ]);
    expect(req.status).toBe(0);
    const { readFileSync } = await import('node:fs');
    const result = await signCsr({
      csr: readFileSync(`${dir}/node1.csr`, 'utf8'),
      ca,
      policy: { dns: ['node1', '.example.net'], ips: ['10.0.0.0/8'], maxDays: 30 },
      days: 90,
    });
    expect(result.granted).toEqual(['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1']);
    expect(result.denied.map((d) => d.name)).toEqual(['DNS:evil.org', 'IP:192.0.2.1']);
    expect(result.warnings.join()).toContain('shortened from 90 to 30 days');
    const lifetimeDays =
      (result.certificate.notAfter.getTime() - result.certificate.notBefore.getTime()) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(29.9);
    expect(lifetimeDays).toBeLessThan(30.01);
    const p = writeFiles(dir, {
      'ca.crt': ca.certificate.pem,
      'node1.crt': result.certificate.pem,
    });
    expect(
      openssl(['verify', '-CAfile', p['ca.crt']!, '-purpose', 'sslserver', p['node1.crt']!]).status,
    ).toBe(0);
    expect(
      openssl(['verify', '-CAfile', p['ca.crt']!, '-purpose', 'sslclient', p['node1.crt']!]).status,
    ).toBe(0);
    // the certificate is for the node's own key
    expect(openssl(['x509', '-in', p['node1.crt']!, '-noout', '-pubkey']).output).toBe(
      openssl(['pkey', '-in', `${dir}/node1.key`, '-pubout']).output,
    );
    expect(result.certificate.subject.text).toBe('CN=scale.cluster,O=Example');
  });

  it('refuses a tampered CSR, a CA:TRUE request, weak keys, SHA-1 and a CSR with only denied names', async () => {
    const ca = await createCa({ clusterName: 'c' });
    const policy = { dns: 'any' as const, ips: 'any' as const };
    const { der } = await createCsr({ name: 'node1.example.net' });
    const tampered = der.slice();
    tampered[tampered.length - 5]! ^= 0x01; // inside the signature
    expect((await errorOf(signCsr({ csr: tampered, ca, policy }))).code).toBe('ERR_CSR_SIGNATURE');
    const namesTampered = der.slice();
    const at = Buffer.from(namesTampered).indexOf(Buffer.from('node1.example.net'));
    namesTampered[at]! = 'm'.charCodeAt(0); // node1 -> mode1: the signature no longer matches
    expect((await parseCsr(namesTampered)).signatureValid).toBe(false);
    expect((await errorOf(signCsr({ csr: namesTampered, ca, policy }))).code).toBe(
      'ERR_CSR_SIGNATURE',
    );

    const dir = scratch();
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${dir}/k.pem`]);
    openssl([
      'req',
      '-new',
      '-key',
      `${dir}/k.pem`,
      '-subj',
      '/CN=x',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'subjectAltName=DNS:x.example.net',
      '-out',
      `${dir}/ca.csr`,
    ]);
    const { readFileSync } = await import('node:fs');
    expect(
      (await errorOf(signCsr({ csr: readFileSync(`${dir}/ca.csr`, 'utf8'), ca, policy }))).code,
    ).toBe('ERR_POLICY_DENIED');

    openssl(['genrsa', '-out', `${dir}/weak.pem`, '1024']);
    openssl([
      'req',
      '-new',
      '-key',
      `${dir}/weak.pem`,
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x.example.net',
      '-out',
      `${dir}/weak.csr`,
    ]);
    expect(
      (await errorOf(signCsr({ csr: readFileSync(`${dir}/weak.csr`, 'utf8'), ca, policy }))).code,
    ).toBe('ERR_KEY_WEAK');

    openssl(['genrsa', '-out', `${dir}/rsa.pem`, '2048']);
    openssl([
      'req',
      '-new',
      '-sha1',
      '-key',
      `${dir}/rsa.pem`,
      '-subj',
      '/CN=x',
      '-addext',
      'subjectAltName=DNS:x.example.net',
      '-out',
      `${dir}/sha1.csr`,
    ]);
    expect(
      (await errorOf(signCsr({ csr: readFileSync(`${dir}/sha1.csr`, 'utf8'), ca, policy }))).code,
    ).toBe('ERR_ALGORITHM_WEAK');

    const onlyDenied = await createCsr({ name: 'node9.other.org' });
    const e = await errorOf(
      signCsr({ csr: onlyDenied.pem, ca, policy: { dns: ['.example.net'] } }),
    );
    expect(e.code).toBe('ERR_POLICY_DENIED');
    expect(e.message).toContain('DNS:node9.other.org');
    // no policy at all grants nothing
    expect((await errorOf(signCsr({ csr: onlyDenied.pem, ca, policy: {} }))).code).toBe(
      'ERR_POLICY_DENIED',
    );
  });

  it('garbage input is ERR_CSR_INVALID', async () => {
    for (const bad of [
      'garbage',
      '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      new Uint8Array([0x30, 0x03, 0x02, 0x01]),
    ]) {
      expect((await errorOf(parseCsr(bad))).code).toMatch(
        /ERR_CSR_INVALID|ERR_PEM_INVALID|ERR_DER_INVALID/,
      );
    }
  });

  it('client CSRs keep the user name only when the policy allows it', async () => {
    const ca = await createCa({ clusterName: 'c' });
    const { pem } = await createCsr({ name: 'alice', profile: 'client' });
    expect((await errorOf(signCsr({ csr: pem, ca, profile: 'client', policy: {} }))).code).toBe(
      'ERR_POLICY_DENIED',
    );
    const ok = await signCsr({
      csr: pem,
      ca,
      profile: 'client',
      policy: { commonNames: ['alice'] },
    });
    expect(ok.certificate.subject.text).toBe('CN=alice');
    expect(ok.certificate.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });
});
