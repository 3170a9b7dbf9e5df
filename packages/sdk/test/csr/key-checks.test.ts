/**
 * Defect 3 (issue 10): CSRs whose keys are not RSA-worthy (e = 1, 2, 3), on curves nodeid does
 * not accept, or signed with MD5 / SHA-1 were signed or refused as "bad signature". Each is now
 * refused with its own code, before the proof of possession is looked at. The CSRs come from
 * the real openssl; e = 1 and e = 2 are made by re-encoding an openssl CSR's key (openssl will
 * not make such keys), so their signatures cannot verify: the key check must come first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import { parseCsr } from '../../src/csr/parse-csr.js';
import { signCsr } from '../../src/csr/sign-csr.js';
import type { Issuer } from '../../src/issue/identity.js';
import { checkPublicKey, rsaExponentProblem } from '../../src/keys/check-public-key.js';
import { importPrivateKeyPem } from '../../src/keys/import-private-key-pem.js';
import { importPublicKeyPem } from '../../src/keys/import-public-key-pem.js';
import { inspectKey } from '../../src/keys/inspect-key.js';
import { children, decode, int, seq, tlv } from '../../src/lib/der.js';
import { decodePem } from '../../src/lib/pem.js';
import { openssl, scratch } from '../helpers/openssl.js';

const dir = scratch('nodeid-keycheck-');
const SAN = 'subjectAltName=DNS:node1.example.net';

/** Runs openssl in the scratch folder and fails the test when it fails. */
function run(args: string[]): string {
  const r = openssl(args, { cwd: dir });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.output}`);
  return r.output;
}

function csrWith(keyArgs: string[], name: string, digest = '-sha256'): string {
  run([...keyArgs, '-out', `${name}.key`]);
  run([
    'req',
    '-new',
    '-key',
    `${name}.key`,
    digest,
    '-subj',
    '/CN=x',
    '-addext',
    SAN,
    '-out',
    `${name}.csr`,
  ]);
  return run(['req', '-in', `${name}.csr`]);
}

/** The CSR with its RSA public exponent replaced by `e` (the signature is left as it was). */
function withExponent(pem: string, e: bigint): Uint8Array {
  const der = decodePem(pem)[0]!.der;
  const [info, sigAlg, sig] = children(decode(der));
  const [version, subject, spki, attrs] = children(info!);
  const [algId, bits] = children(spki!);
  const [n] = children(decode(bits!.value.subarray(1)));
  const key = seq(n!.raw, int(e));
  const newSpki = seq(algId!.raw, tlv(0x03, Uint8Array.of(0), key));
  return seq(seq(version!.raw, subject!.raw, newSpki, attrs!.raw), sigAlg!.raw, sig!.raw);
}

let ca: Issuer;
let rsa65537: string;
beforeAll(async () => {
  ca = await createCa({ clusterName: 'keys.cluster' });
  rsa65537 = csrWith(['genrsa', '-f4'], 'f4');
});

const policy = { dns: ['node1.example.net'] };
const sign = async (csr: string | Uint8Array) => signCsr({ csr, ca, policy });

describe('RSA public exponents (FIPS 186-5 §A.1.1, BR §6.1.6)', () => {
  it('a CSR with e = 1 (its "private key" is the public key) is refused with ERR_KEY_WEAK', async () => {
    await expect(sign(withExponent(rsa65537, 1n))).rejects.toMatchObject({ code: 'ERR_KEY_WEAK' });
  });
  it('a CSR with e = 2 (even, not invertible) is refused with ERR_KEY_WEAK', async () => {
    await expect(sign(withExponent(rsa65537, 2n))).rejects.toMatchObject({
      code: 'ERR_KEY_WEAK',
      message: expect.stringMatching(/even/),
    });
  });
  it('an openssl genrsa -3 CSR (e = 3) is refused with ERR_KEY_WEAK', async () => {
    const csr = csrWith(['genrsa', '-3'], 'e3');
    expect((await parseCsr(csr)).signatureValid).toBe(true);
    await expect(sign(csr)).rejects.toMatchObject({
      code: 'ERR_KEY_WEAK',
      message: expect.stringMatching(/at least 65537/),
    });
  });
  it('a CSR with e = 2^256 + 1 (odd, too large) is refused with ERR_KEY_WEAK', async () => {
    await expect(sign(withExponent(rsa65537, (1n << 256n) + 1n))).rejects.toMatchObject({
      code: 'ERR_KEY_WEAK',
      message: expect.stringMatching(/2\^256/),
    });
  });
  it('the e = 65537 CSR the others are made from is signed', async () => {
    const signed = await sign(rsa65537);
    expect(signed.granted).toEqual(['DNS:node1.example.net']);
  });
  it('the bounds: 65537 and 2^256 - 1 pass, 65535 and 2^256 fail, and the sign of e counts', () => {
    expect(rsaExponentProblem(65_537n)).toBeUndefined();
    expect(rsaExponentProblem((1n << 256n) - 1n)).toBeUndefined();
    expect(rsaExponentProblem(65_535n)).toMatch(/at least 65537/);
    expect(rsaExponentProblem(1n << 256n)).toMatch(/even/);
    expect(rsaExponentProblem(-65_537n)).toMatch(/at least 65537/);
    expect(() => checkPublicKey({ type: 'RSA', bits: 2048 })).toThrow(/missing/);
  });
  it('imported keys get the same check: an e = 3 private key and its public key are refused', async () => {
    run(['pkey', '-in', 'e3.key', '-pubout', '-out', 'e3.pub']);
    const key = run(['pkey', '-in', 'e3.key']);
    const pub = run(['pkey', '-in', 'e3.key', '-pubout']);
    await expect(importPrivateKeyPem(key)).rejects.toMatchObject({ code: 'ERR_KEY_WEAK' });
    await expect(importPublicKeyPem(pub)).rejects.toMatchObject({ code: 'ERR_KEY_WEAK' });
    // inspect describes such a key and says why it is refused
    expect(await inspectKey(key)).toMatchObject({
      type: 'RSA',
      problem: expect.stringMatching(/65537/),
    });
    expect(await inspectKey(pub)).toMatchObject({
      type: 'RSA',
      problem: expect.stringMatching(/65537/),
    });
    expect((await inspectKey(run(['pkey', '-in', 'f4.key']))).problem).toBeUndefined();
  });
});

describe('key types and curves', () => {
  it.each([
    ['P-192', ['ecparam', '-name', 'prime192v1', '-genkey', '-noout'], 'p192'],
    ['secp256k1', ['ecparam', '-name', 'secp256k1', '-genkey', '-noout'], 'k1'],
    ['Ed448', ['genpkey', '-algorithm', 'ed448'], 'ed448'],
  ])(
    'a %s CSR is refused with ERR_KEY_UNSUPPORTED, not ERR_CSR_SIGNATURE',
    async (_l, args, name) => {
      const csr = csrWith(args, name, name === 'ed448' ? '-sha512' : '-sha256');
      await expect(sign(csr)).rejects.toMatchObject({ code: 'ERR_KEY_UNSUPPORTED' });
    },
  );
  it('a P-521 CSR is accepted', async () => {
    const csr = csrWith(['ecparam', '-name', 'secp521r1', '-genkey', '-noout'], 'p521', '-sha512');
    expect((await sign(csr)).granted).toEqual(['DNS:node1.example.net']);
  });
});

describe('CSR signature algorithms', () => {
  it.each([
    ['-md5', /MD5/],
    ['-sha1', /SHA-1/],
  ])('a CSR signed with %s is refused with ERR_ALGORITHM_WEAK', async (digest, message) => {
    run([
      'req',
      '-new',
      '-key',
      'f4.key',
      digest,
      '-subj',
      '/CN=x',
      '-addext',
      SAN,
      '-out',
      'weak.csr',
    ]);
    const csr = run(['req', '-in', 'weak.csr']);
    await expect(sign(csr)).rejects.toMatchObject({
      code: 'ERR_ALGORITHM_WEAK',
      message: expect.stringMatching(message),
    });
  });
});
