import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCsr } from '../csr/create-csr.js';
import { signCsr } from '../csr/sign-csr.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { createNodeCrypto } from './node-crypto.js';

const base = globalThis.crypto;
const fast = createNodeCrypto();

interface Case {
  label: string;
  generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
  sign: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
}

const CASES: Case[] = [
  {
    label: 'ECDSA P-256 SHA-256',
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    sign: { name: 'ECDSA', hash: 'SHA-256' },
  },
  {
    label: 'ECDSA P-384 SHA-384',
    generate: { name: 'ECDSA', namedCurve: 'P-384' },
    sign: { name: 'ECDSA', hash: { name: 'SHA-384' } } as EcdsaParams,
  },
  {
    label: 'ECDSA P-521 SHA-512',
    generate: { name: 'ECDSA', namedCurve: 'P-521' },
    sign: { name: 'ECDSA', hash: 'SHA-512' },
  },
  { label: 'Ed25519', generate: { name: 'Ed25519' }, sign: 'Ed25519' },
  {
    label: 'RSASSA-PKCS1-v1_5 2048 SHA-256',
    generate: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    sign: 'RSASSA-PKCS1-v1_5',
  },
  {
    label: 'RSA-PSS 2048 SHA-256, salt 32',
    generate: {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    sign: { name: 'RSA-PSS', saltLength: 32 },
  },
];

const message = new TextEncoder().encode('tbsCertificate stand-in');

async function keyPair(c: Case): Promise<CryptoKeyPair> {
  return (await base.subtle.generateKey(c.generate, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** How a call ended: its value, or the name of the error it threw. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    const v = await p;
    return v instanceof ArrayBuffer ? 'ArrayBuffer' : v;
  } catch (e) {
    return `threw ${(e as Error).name}`;
  }
}

describe('createNodeCrypto', () => {
  it.each(CASES)(
    '$label: its signatures verify with WebCrypto and the other way round',
    async (c) => {
      const { privateKey, publicKey } = await keyPair(c);
      const bySync = await fast.subtle.sign(c.sign, privateKey, message);
      const byBase = await base.subtle.sign(c.sign, privateKey, message);
      expect(bySync).toBeInstanceOf(ArrayBuffer);
      expect(bySync.byteLength).toBe(byBase.byteLength);
      // Ed25519 and PKCS#1 v1.5 signatures are deterministic: byte for byte the same
      if (c.label === 'Ed25519' || c.label.startsWith('RSASSA'))
        expect(new Uint8Array(bySync)).toEqual(new Uint8Array(byBase));
      expect(await base.subtle.verify(c.sign, publicKey, bySync, message)).toBe(true);
      expect(await fast.subtle.verify(c.sign, publicKey, byBase, message)).toBe(true);
      // a view with an offset is read at its offset, as WebCrypto reads it
      const padded = new Uint8Array(message.length + 7);
      padded.set(message, 7);
      expect(await fast.subtle.verify(c.sign, publicKey, byBase, padded.subarray(7))).toBe(true);
      // one changed bit in the data or the signature: false, not an error
      const other = message.slice();
      other[0]! ^= 1;
      expect(await fast.subtle.verify(c.sign, publicKey, byBase, other)).toBe(false);
      const bent = new Uint8Array(byBase.slice(0));
      bent[bent.length - 1]! ^= 1;
      expect(await fast.subtle.verify(c.sign, publicKey, bent, message)).toBe(false);
    },
  );

  it('answers like WebCrypto where WebCrypto refuses or says false', async () => {
    const ec = await keyPair(CASES[0]!);
    const ed = await keyPair(CASES[3]!);
    const verifyOnly = await base.subtle.importKey(
      'jwk',
      await base.subtle.exportKey('jwk', ec.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const good = await base.subtle.sign(CASES[0]!.sign, ec.privateKey, message);
    const calls: [string, (c: Crypto) => Promise<unknown>][] = [
      ['sign with a public key', (c) => c.subtle.sign(CASES[0]!.sign, ec.publicKey, message)],
      [
        'verify with a private key',
        (c) => c.subtle.verify(CASES[0]!.sign, ec.privateKey, good, message),
      ],
      ['ECDSA on an Ed25519 key', (c) => c.subtle.sign(CASES[0]!.sign, ed.privateKey, message)],
      [
        'an unknown hash',
        (c) => c.subtle.sign({ name: 'ECDSA', hash: 'SHA-3' }, ec.privateKey, message),
      ],
      [
        'a short ECDSA signature',
        (c) => c.subtle.verify(CASES[0]!.sign, verifyOnly, good.slice(1), message),
      ],
      [
        'an empty signature',
        (c) => c.subtle.verify(CASES[0]!.sign, verifyOnly, new Uint8Array(0), message),
      ],
      [
        'a good one on an imported key',
        (c) => c.subtle.verify(CASES[0]!.sign, verifyOnly, good, message),
      ],
    ];
    for (const [label, call] of calls)
      expect(await outcome(call(fast)), label).toEqual(await outcome(call(base)));
  });

  it('digests SHA-1/256/384/512 as WebCrypto does, views included', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => i * 7);
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) {
      const view = bytes.subarray(13, 900);
      expect(new Uint8Array(await fast.subtle.digest(hash, view))).toEqual(
        new Uint8Array(await base.subtle.digest(hash, view)),
      );
      expect(new Uint8Array(await fast.subtle.digest({ name: hash }, bytes.buffer))).toEqual(
        new Uint8Array(await base.subtle.digest(hash, bytes.buffer)),
      );
    }
  });

  it('runs the SDK: CA, identity and CSR signing verify with node:crypto and with the SDK', async () => {
    for (const algorithm of ['P-256', 'Ed25519', 'RSA-2048'] as const) {
      const ca = await createCa({ clusterName: 'fast.cluster', algorithm, crypto: fast });
      const node = await issueIdentity({ ca, name: 'node1.fast.cluster', crypto: fast });
      const csr = await createCsr({ name: 'node2.fast.cluster', crypto: fast });
      const signed = await signCsr({
        csr: csr.pem,
        ca,
        policy: { dns: ['node2.fast.cluster'], ips: [], uris: [], commonNames: [], maxDays: 30 },
        crypto: fast,
      });
      const caCert = new X509Certificate(ca.certificate.pem);
      for (const cert of [node.certificate, signed.certificate]) {
        expect(new X509Certificate(cert.pem).verify(caCert.publicKey), algorithm).toBe(true);
        const result = await verifyCertificate({
          certificate: cert,
          trustAnchors: [ca.certificate],
        });
        expect(result.ok, `${algorithm}: ${result.ok ? '' : result.message}`).toBe(true);
      }
    }
  });
});

describe('createNodeCrypto getRandomValues (pooled)', () => {
  it('never hands out the same bytes twice, across refills of the pool', () => {
    const crypto = createNodeCrypto();
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(20)); // 100 KB: a dozen refills
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(5000);
  });

  it('fills exactly the view it is given, for every integer typed array, and returns it', () => {
    const crypto = createNodeCrypto();
    const backing = new Uint8Array(64);
    const view = new Uint32Array(backing.buffer, 16, 8); // bytes 16..47
    expect(crypto.getRandomValues(view)).toBe(view);
    expect(backing.subarray(0, 16).every((b) => b === 0)).toBe(true);
    expect(backing.subarray(48).every((b) => b === 0)).toBe(true);
    expect(backing.subarray(16, 48).some((b) => b !== 0)).toBe(true);
    for (const Type of [Int8Array, Uint16Array, Int16Array, Int32Array, Uint8ClampedArray]) {
      const a = new Type(32);
      expect(crypto.getRandomValues(a)).toBe(a);
      expect(a.some((v) => v !== 0)).toBe(true);
    }
    const big = new BigUint64Array(4);
    crypto.getRandomValues(big);
    expect(big.some((v) => v !== 0n)).toBe(true);
  });

  it('refuses what WebCrypto refuses: float arrays and more than 65,536 bytes', () => {
    const crypto = createNodeCrypto();
    expect(() => crypto.getRandomValues(new Float32Array(4) as never)).toThrow();
    expect(() => crypto.getRandomValues(new Uint8Array(65537))).toThrow();
    expect(crypto.getRandomValues(new Uint8Array(65536)).some((b) => b !== 0)).toBe(true);
  });
});
