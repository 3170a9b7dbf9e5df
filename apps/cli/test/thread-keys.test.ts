/**
 * Key pairs of bulk issuance's threads (`lib/thread-keys.ts`): one key generator serves a thread's
 * run, so each call must still give a new pair, and each pair's SubjectPublicKeyInfo must be the
 * public half of its PKCS#8 private key (checked with a signature Node's own crypto verifies).
 */
import { createPrivateKey, createPublicKey, sign, verify, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { threadKeyPair } from '../src/lib/thread-keys.js';

const crypto = webcrypto as unknown as Crypto;

describe('threadKeyPair', () => {
  for (const algorithm of ['P-256', 'P-384'] as const) {
    it(`makes a new ${algorithm} pair on every call, each public key matching its private key`, async () => {
      const pairs = [];
      for (let i = 0; i < 20; i++) pairs.push(await threadKeyPair(algorithm, crypto));
      const privateKeys = new Set(pairs.map((p) => Buffer.from(p.pkcs8).toString('hex')));
      const publicKeys = new Set(pairs.map((p) => Buffer.from(p.spki).toString('hex')));
      expect(privateKeys.size).toBe(20);
      expect(publicKeys.size).toBe(20);
      const message = Buffer.from('nodeid thread key');
      for (const pair of pairs) {
        const privateKey = createPrivateKey({
          key: Buffer.from(pair.pkcs8),
          format: 'der',
          type: 'pkcs8',
        });
        const publicKey = createPublicKey({
          key: Buffer.from(pair.spki),
          format: 'der',
          type: 'spki',
        });
        expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe(
          algorithm === 'P-256' ? 'prime256v1' : 'secp384r1',
        );
        const signature = sign('sha256', message, privateKey);
        expect(verify('sha256', message, publicKey, signature)).toBe(true);
        // and not by another pair's public key
        const other = pairs.find((p) => p !== pair)!;
        const otherKey = createPublicKey({
          key: Buffer.from(other.spki),
          format: 'der',
          type: 'spki',
        });
        expect(verify('sha256', message, otherKey, signature)).toBe(false);
      }
    });
  }
});
