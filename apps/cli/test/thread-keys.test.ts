/**
 * Key pairs of bulk issuance's threads (`lib/thread-keys.ts`): one key generator serves a thread's
 * run, so each call must still give a new pair, and each pair's SubjectPublicKeyInfo must be the
 * public half of its PKCS#8 private key (checked with a signature Node's own crypto verifies).
 * Pairs made ahead are each handed out once, and only for their own algorithm.
 */
import { createPrivateKey, createPublicKey, sign, verify, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  dropKeysAhead,
  isAheadAlgorithm,
  keysAhead,
  makeKeysAhead,
  threadKeyPair,
} from '../src/lib/thread-keys.js';

const crypto = webcrypto as unknown as Crypto;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const curveOf = (pkcs8: Uint8Array) =>
  createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).asymmetricKeyDetails
    ?.namedCurve;

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

  it('hands out each pair made ahead once, then makes new ones', async () => {
    dropKeysAhead();
    makeKeysAhead('P-256', 5);
    expect(keysAhead()).toBe(5);
    const pairs = [];
    for (let i = 0; i < 8; i++) pairs.push(await threadKeyPair('P-256', crypto));
    expect(keysAhead()).toBe(0);
    expect(new Set(pairs.map((p) => hex(p.pkcs8))).size).toBe(8);
    for (const p of pairs) expect(curveOf(p.pkcs8)).toBe('prime256v1');
  });

  it('never hands a pair made ahead to a run of another algorithm', async () => {
    dropKeysAhead();
    makeKeysAhead('P-256', 3);
    const p384 = await threadKeyPair('P-384', crypto);
    expect(curveOf(p384.pkcs8)).toBe('secp384r1');
    const ed = await threadKeyPair('Ed25519', crypto);
    expect(ed.algorithm).toBe('Ed25519');
    expect(keysAhead()).toBe(3);
    dropKeysAhead();
    expect(keysAhead()).toBe(0);
  });

  it('makes ahead only the curves it generates itself', () => {
    expect(isAheadAlgorithm('P-256')).toBe(true);
    expect(isAheadAlgorithm('P-384')).toBe(true);
    for (const other of ['Ed25519', 'RSA-2048', 'toString', '__proto__', undefined, 256])
      expect(isAheadAlgorithm(other)).toBe(false);
  });
});
