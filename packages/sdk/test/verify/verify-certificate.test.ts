/**
 * verifyCertificate against PKIs made by the openssl CLI: a good chain, and each failure an
 * admin meets (expired, wrong host, IP without IP SANs, unknown CA, path length, name
 * constraints, revoked, cluster name, weak algorithms, garbage), with the message that says
 * what to fix. Where it applies, openssl verify's own verdict is checked to agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';
import { type Issued, OpensslPki } from './openssl-pki.js';

const pki = new OpensslPki();
let root: Issued;
let ica: Issued;
let node1: Issued;
let otherRoot: Issued;

const NODE_EXT = [
  'basicConstraints = critical, CA:false',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = serverAuth, clientAuth',
  'subjectAltName = DNS:node1, DNS:node1.example.net',
];

beforeAll(() => {
  root = pki.root('cluster-root');
  ica = pki.intermediate('cluster-ica', root, { pathlen: 0 });
  node1 = pki.issue('node1', ica, NODE_EXT, { subject: '/CN=cluster1' });
  otherRoot = pki.root('other-root');
});

afterAll(() => pki.cleanup());

const base = () => ({
  certificate: node1.cert,
  trustAnchors: [root.cert],
  intermediates: [ica.cert],
});

describe('verifyCertificate with openssl-made chains', () => {
  it('accepts a good chain and returns it leaf first', async () => {
    const result = await verifyCertificate({
      ...base(),
      host: 'node1.example.net',
      usage: 'server',
      clusterName: 'cluster1',
    });
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.chain.map((c) => c.subject.text)).toEqual([
        'CN=cluster1',
        'CN=cluster-ica',
        'CN=cluster-root',
      ]);
    expect(pki.opensslVerifies(node1, root, [ica])).toBe(true);
  });

  it('takes the intermediates from extra PEM blocks after the leaf', async () => {
    const result = await verifyCertificate({
      certificate: node1.cert + ica.cert,
      trustAnchors: [root.cert],
      host: 'NODE1',
    });
    expect(result.ok).toBe(true);
  });

  it('rejects an expired leaf and says when it expired', async () => {
    const leaf = parseCertificate(node1.cert);
    const at = new Date(leaf.notAfter.getTime() + 86_400_000);
    const result = await verifyCertificate({ ...base(), at });
    expect(result).toMatchObject({ ok: false, code: 'ERR_CERT_EXPIRED', depth: 0 });
    if (!result.ok)
      expect(result.message).toContain(
        `expired at ${leaf.notAfter.toISOString().replace('.000Z', 'Z')} (now ${at.toISOString().replace('.000Z', 'Z')})`,
      );
  });

  it('honours the validity bounds inclusively and the clock tolerance', async () => {
    const leaf = parseCertificate(node1.cert);
    expect((await verifyCertificate({ ...base(), at: leaf.notAfter })).ok).toBe(true);
    expect((await verifyCertificate({ ...base(), at: leaf.notBefore })).ok).toBe(true);
    const late = new Date(leaf.notAfter.getTime() + 30_000);
    expect(await verifyCertificate({ ...base(), at: late })).toMatchObject({
      code: 'ERR_CERT_EXPIRED',
    });
    expect((await verifyCertificate({ ...base(), at: late, clockTolerance: 60 })).ok).toBe(true);
    const early = new Date(leaf.notBefore.getTime() - 1000);
    expect(await verifyCertificate({ ...base(), at: early })).toMatchObject({
      code: 'ERR_CERT_NOT_YET_VALID',
      depth: 0,
    });
  });

  it('names the valid hosts when the host does not match', async () => {
    const result = await verifyCertificate({ ...base(), host: 'node2.example.net' });
    expect(result).toEqual({
      ok: false,
      code: 'ERR_HOSTNAME_MISMATCH',
      message: 'certificate is valid for node1, node1.example.net, not node2.example.net',
      depth: 0,
    });
  });

  it('does not match an IP address against DNS names or the CN', async () => {
    const result = await verifyCertificate({ ...base(), ip: '192.168.1.10' });
    expect(result).toMatchObject({
      ok: false,
      code: 'ERR_IP_MISMATCH',
      message:
        "cannot validate certificate for 192.168.1.10 because it doesn't contain any IP SANs",
    });
    const viaHost = await verifyCertificate({ ...base(), host: '192.168.1.10' });
    expect(viaHost).toMatchObject({ code: 'ERR_IP_MISMATCH' });
  });

  it('matches IP SANs and refuses other addresses', async () => {
    const leaf = pki.issue('ip-node', ica, [
      ...NODE_EXT.slice(0, 3),
      'subjectAltName = DNS:ip-node, IP:10.0.0.1, IP:::1',
    ]);
    const opts = { certificate: leaf.cert, trustAnchors: [root.cert], intermediates: [ica.cert] };
    expect((await verifyCertificate({ ...opts, ip: '10.0.0.1' })).ok).toBe(true);
    expect((await verifyCertificate({ ...opts, ip: '0:0::1' })).ok).toBe(true);
    expect(await verifyCertificate({ ...opts, ip: '10.0.0.2' })).toMatchObject({
      code: 'ERR_IP_MISMATCH',
      message: 'certificate is valid for 10.0.0.1, ::1, not 10.0.0.2',
    });
  });

  it('does not fall back to the subject CN for host names', async () => {
    const leaf = pki.issue('cn-only', ica, NODE_EXT.slice(0, 3), {
      subject: '/CN=cn-only.example.net',
    });
    const result = await verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
      host: 'cn-only.example.net',
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_HOSTNAME_MISMATCH' });
    if (!result.ok) expect(result.message).toMatch(/not valid for any names/);
  });

  it('reports an unknown authority', async () => {
    const result = await verifyCertificate({ ...base(), trustAnchors: [otherRoot.cert] });
    expect(result).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_AUTHORITY' });
    if (!result.ok) expect(result.message).toMatch(/^certificate signed by unknown authority/);
    expect(pki.opensslVerifies(node1, otherRoot, [ica])).toBe(false);
  });

  it('reports a missing intermediate as an unknown authority', async () => {
    const result = await verifyCertificate({ certificate: node1.cert, trustAnchors: [root.cert] });
    expect(result).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_AUTHORITY' });
  });

  it('enforces path length constraints', async () => {
    const ica2 = pki.intermediate('ica-below-pathlen0', ica);
    const leaf = pki.issue('deep-node', ica2, NODE_EXT);
    const result = await verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert, ica2.cert],
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_PATH_LENGTH_EXCEEDED', depth: 2 });
    expect(pki.opensslVerifies(leaf, root, [ica, ica2])).toBe(false);
  });

  it('enforces maxDepth', async () => {
    const result = await verifyCertificate({ ...base(), maxDepth: 0 });
    expect(result).toMatchObject({ ok: false, code: 'ERR_CHAIN_TOO_LONG' });
  });

  it('enforces name constraints on SANs', async () => {
    const ncRoot = pki.root('nc-root', {
      ext: [
        'nameConstraints = critical, permitted;DNS:example.net, excluded;IP:10.0.0.0/255.0.0.0',
      ],
    });
    const good = pki.issue('nc-good', ncRoot, [
      ...NODE_EXT.slice(0, 3),
      'subjectAltName = DNS:a.example.net',
    ]);
    const bad = pki.issue('nc-bad', ncRoot, [
      ...NODE_EXT.slice(0, 3),
      'subjectAltName = DNS:a.example.net, DNS:evil.com',
    ]);
    const badIp = pki.issue('nc-bad-ip', ncRoot, [
      ...NODE_EXT.slice(0, 3),
      'subjectAltName = DNS:b.example.net, IP:10.1.2.3',
    ]);
    expect(
      (
        await verifyCertificate({
          certificate: good.cert,
          trustAnchors: [ncRoot.cert],
          host: 'a.example.net',
        })
      ).ok,
    ).toBe(true);
    const r1 = await verifyCertificate({ certificate: bad.cert, trustAnchors: [ncRoot.cert] });
    expect(r1).toMatchObject({ ok: false, code: 'ERR_NAME_CONSTRAINTS', depth: 0 });
    if (!r1.ok) expect(r1.message).toContain('"evil.com" is not permitted');
    expect(
      await verifyCertificate({ certificate: badIp.cert, trustAnchors: [ncRoot.cert] }),
    ).toMatchObject({ code: 'ERR_NAME_CONSTRAINTS' });
    expect(pki.opensslVerifies(bad, ncRoot)).toBe(false);
    expect(pki.opensslVerifies(good, ncRoot)).toBe(true);
  });

  it('rejects a certificate revoked on a CRL made by openssl ca -gencrl', async () => {
    const revoked = pki.issue('revoked-node', ica, NODE_EXT);
    const crl = pki.crl(ica, [revoked]);
    const result = await verifyCertificate({
      certificate: revoked.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
      crls: [crl],
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_REVOKED', depth: 0 });
    if (!result.ok) expect(result.message).toMatch(/revoked at .*keyCompromise/);
    // the same CRL does not affect another certificate of that CA, nor one from another CA
    expect((await verifyCertificate({ ...base(), crls: [crl] })).ok).toBe(true);
    const otherCrl = pki.crl(otherRoot, []);
    expect((await verifyCertificate({ ...base(), crls: [otherCrl] })).ok).toBe(true);
  });

  it('checks the cluster name against the subject CN', async () => {
    const result = await verifyCertificate({ ...base(), clusterName: 'cluster2' });
    expect(result).toMatchObject({ ok: false, code: 'ERR_CLUSTER_NAME_MISMATCH', depth: 0 });
    if (!result.ok) expect(result.message).toContain('"cluster1", not "cluster2"');
  });

  it('checks the extended key usage asked for', async () => {
    const serverOnly = pki.issue('server-only', ica, [
      ...NODE_EXT.slice(0, 2),
      'extendedKeyUsage = serverAuth',
      'subjectAltName = DNS:gw',
    ]);
    const opts = {
      certificate: serverOnly.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
    };
    expect((await verifyCertificate({ ...opts, usage: 'server' })).ok).toBe(true);
    expect(await verifyCertificate({ ...opts, usage: 'client' })).toMatchObject({
      code: 'ERR_EXTENDED_KEY_USAGE',
      depth: 0,
    });
  });

  it('rejects an intermediate that is not a CA', async () => {
    const notCa = pki.issue('not-a-ca', root, [
      'basicConstraints = critical, CA:false',
      'keyUsage = critical, digitalSignature',
    ]);
    const leaf = pki.issue('under-not-a-ca', notCa, NODE_EXT);
    const result = await verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [notCa.cert],
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_NOT_A_CA', depth: 1 });
  });

  it('rejects an unknown critical extension', async () => {
    const leaf = pki.issue('unknown-critical', ica, [
      ...NODE_EXT,
      '1.3.6.1.4.1.55738.666.1 = critical, ASN1:NULL',
    ]);
    const result = await verifyCertificate({
      certificate: leaf.cert,
      trustAnchors: [root.cert],
      intermediates: [ica.cert],
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_UNKNOWN_CRITICAL_EXTENSION', depth: 0 });
  });

  it('rejects SHA-1 signatures and RSA keys under 2048 bits', async () => {
    const sha1 = pki.issue('sha1-node', ica, NODE_EXT, { digest: 'sha1' });
    const weak = pki.issue('rsa1024-node', ica, NODE_EXT, { key: 'rsa:1024' });
    const opts = { trustAnchors: [root.cert], intermediates: [ica.cert] };
    expect(await verifyCertificate({ ...opts, certificate: sha1.cert })).toMatchObject({
      code: 'ERR_ALGORITHM_WEAK',
      depth: 0,
    });
    expect(await verifyCertificate({ ...opts, certificate: weak.cert })).toMatchObject({
      code: 'ERR_KEY_WEAK',
      depth: 0,
    });
  });

  it('backtracks over an issuer with the right name but the wrong key', async () => {
    // A second CA with the same name and even the same subjectKeyIdentifier as cluster-ica, but
    // another key: the AKI/SKI hint cannot tell them apart, so path building must try both.
    const ski = Array.from(parseCertificate(ica.cert).subjectKeyIdentifier!, (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(':');
    const impostor = pki.issue(
      'cluster-ica-impostor',
      root,
      [
        'basicConstraints = critical, CA:true',
        'keyUsage = critical, keyCertSign',
        `subjectKeyIdentifier = ${ski}`,
      ],
      { subject: '/CN=cluster-ica' },
    );
    expect(parseCertificate(impostor.cert).subjectKeyIdentifier).toEqual(
      parseCertificate(ica.cert).subjectKeyIdentifier,
    );
    const result = await verifyCertificate({ ...base(), intermediates: [impostor.cert, ica.cert] });
    expect(result.ok).toBe(true);
    const only = await verifyCertificate({ ...base(), intermediates: [impostor.cert] });
    expect(only).toMatchObject({ ok: false, code: 'ERR_SIGNATURE_INVALID', depth: 0 });
  });

  it('accepts RSA chains', async () => {
    const rsaRoot = pki.root('rsa-root', { key: 'rsa:2048' });
    const leaf = pki.issue('rsa-node', rsaRoot, NODE_EXT, { key: 'rsa:2048' });
    expect(
      (
        await verifyCertificate({
          certificate: leaf.cert,
          trustAnchors: [rsaRoot.cert],
          host: 'node1',
        })
      ).ok,
    ).toBe(true);
  });
});

describe('verifyCertificate on bad input', () => {
  it.each([
    ['garbage text', 'not a certificate'],
    ['garbage bytes', new Uint8Array([0x30, 0x03, 0x02, 0x01])],
    ['an empty PEM block', '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'],
  ])('returns ERR_CERTIFICATE_INVALID for %s', async (_, certificate) => {
    const result = await verifyCertificate({ certificate, trustAnchors: [root.cert] });
    expect(result).toMatchObject({ ok: false, code: 'ERR_CERTIFICATE_INVALID' });
  });

  it('never throws for nonsense options', async () => {
    const cases: unknown[] = [
      undefined,
      null,
      {},
      { certificate: node1.cert },
      { certificate: node1.cert, trustAnchors: 'x' },
      { certificate: node1.cert, trustAnchors: [42] },
      { certificate: node1.cert, trustAnchors: [root.cert], usage: 'sideways' },
      { certificate: node1.cert, trustAnchors: [root.cert], at: new Date('nope') },
      { certificate: node1.cert, trustAnchors: [root.cert], crls: ['garbage'] },
      { certificate: node1.cert, trustAnchors: [root.cert], host: 'bad host!' },
      { certificate: node1.cert, trustAnchors: [root.cert], maxDepth: -1 },
    ];
    for (const options of cases) {
      const result = await verifyCertificate(options as never);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.code).toMatch(/^ERR_/);
    }
  });
});
