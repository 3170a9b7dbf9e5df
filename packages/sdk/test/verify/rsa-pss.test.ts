/**
 * RSA-PSS signatures (RFC 4055) made by openssl: chains signed with PSS verify, on plain RSA
 * keys and on keys restricted to PSS (id-RSASSA-PSS SPKI); parameters WebCrypto cannot honour
 * (SHA-1, an MGF1 hash other than the signature's) and altered signatures are refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { encodePem } from '../../src/lib/pem.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';

const dir = mkdtempSync(join(tmpdir(), 'nodeid-pss-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** `-sigopt` arguments for PSS with `hash`, its MGF1 hash and salt length. */
const pss = (hash: string, mgf = hash, salt = '32') => [
  `-${hash}`,
  '-sigopt',
  'rsa_padding_mode:pss',
  '-sigopt',
  `rsa_mgf1_md:${mgf}`,
  '-sigopt',
  `rsa_pss_saltlen:${salt}`,
];

/** A self-signed CA with an RSA (or RSA-PSS) key, signed with PSS. */
function ca(name: string, keyAlgorithm: 'RSA' | 'RSA-PSS', sig: string[]): string {
  openssl([
    'genpkey',
    '-algorithm',
    keyAlgorithm,
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    `${name}.key`,
  ]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '30',
    ...sig,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.crt`,
  ]);
  return readFileSync(join(dir, `${name}.crt`), 'utf8');
}

/** A P-256 server leaf for `host`, signed by CA `issuer` with `sig`. */
function leaf(name: string, issuer: string, sig: string[]): string {
  openssl([
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    `${name}.key`,
  ]);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`]);
  writeFileSync(
    join(dir, `${name}.ext`),
    `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.crt`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    '10',
    ...sig,
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
  return readFileSync(join(dir, `${name}.crt`), 'utf8');
}

async function verify(leafPem: string, caPem: string, hostname: string) {
  return verifyCertificate({
    certificate: parseCertificate(leafPem),
    trustAnchors: [parseCertificate(caPem)],
    host: hostname,
  });
}

describe('RSA-PSS signatures', () => {
  it.each([
    ['SHA-256, salt 32, RSA key', 'RSA' as const, pss('sha256')],
    ['SHA-384, salt 48, RSA key', 'RSA' as const, pss('sha384', 'sha384', '48')],
    ['SHA-512, salt 0, RSA-PSS key', 'RSA-PSS' as const, pss('sha512', 'sha512', '0')],
  ])('%s: a chain signed with PSS verifies, as openssl verify says', async (_, keyType, sig) => {
    const tag = `${keyType}-${sig[0]!.slice(1)}-${sig.at(-1)!.split(':')[1]}`.toLowerCase();
    const caPem = ca(`ca-${tag}`, keyType, sig);
    const leafPem = leaf(`node-${tag}.example.net`, `ca-${tag}`, sig);
    expect(
      openssl(['verify', '-CAfile', `ca-${tag}.crt`, `node-${tag}.example.net.crt`]),
    ).toContain('OK');
    expect(parseCertificate(leafPem).signatureAlgorithm.family).toBe('RSA-PSS');
    const result = await verify(leafPem, caPem, `node-${tag}.example.net`);
    expect(result.ok, result.ok ? '' : result.message).toBe(true);
  });

  it('refuses an altered PSS signature', async () => {
    const caPem = ca('ca-bent', 'RSA', pss('sha256'));
    const leafPem = leaf('node-bent.example.net', 'ca-bent', pss('sha256'));
    const der = parseCertificate(leafPem).der.slice();
    der[der.length - 5]! ^= 1;
    const result = await verify(encodePem('CERTIFICATE', der), caPem, 'node-bent.example.net');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.code).toBe('ERR_SIGNATURE_INVALID');
  });

  it('refuses PSS parameters WebCrypto cannot honour: SHA-1, or an MGF1 hash unlike the signature hash', async () => {
    const caPem = ca('ca-odd', 'RSA', pss('sha256'));
    for (const [name, sig] of [
      ['node-sha1.example.net', pss('sha1')],
      ['node-mgf.example.net', pss('sha256', 'sha384')],
    ] as const) {
      const leafPem = leaf(name, 'ca-odd', sig);
      // openssl itself accepts these: the refusal is ours, and says why
      expect(openssl(['verify', '-CAfile', 'ca-odd.crt', `${name}.crt`])).toContain('OK');
      const result = await verify(leafPem, caPem, name);
      expect(result.ok, name).toBe(false);
      expect(result.ok ? '' : result.code, name).toBe('ERR_SIGNATURE_INVALID');
    }
  });
});
