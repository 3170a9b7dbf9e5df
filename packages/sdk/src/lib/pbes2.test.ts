import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { children, decode, int, nul, octets, oid, readBigInt, seq } from './der.js';
import { OID } from './oids.js';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  MAX_PBKDF2_ITERATIONS,
  readEncryptedPrivateKey,
} from './pbes2.js';

const text = (s: string) => new TextEncoder().encode(s);
const plain = seq(int(0), seq(oid(OID.ed25519)), octets(octets(new Uint8Array(32).fill(7))));

/** An EncryptedPrivateKeyInfo with chosen parameters (the ciphertext is not real). */
function info(o: {
  scheme?: string;
  kdf?: string;
  iterations?: bigint | number;
  keyLength?: number;
  prf?: Uint8Array | null;
  cipher?: string;
  ivLength?: number;
  dataLength?: number;
}): Uint8Array {
  const kdfParams = [octets(new Uint8Array(8)), int(o.iterations ?? 2048)];
  if (o.keyLength !== undefined) kdfParams.push(int(o.keyLength));
  if (o.prf !== null) kdfParams.push(o.prf ?? seq(oid(OID.hmacWithSha256), nul()));
  return seq(
    seq(
      oid(o.scheme ?? OID.pbes2),
      seq(
        seq(oid(o.kdf ?? OID.pbkdf2), seq(...kdfParams)),
        seq(oid(o.cipher ?? OID.aes256Cbc), octets(new Uint8Array(o.ivLength ?? 16))),
      ),
    ),
    octets(new Uint8Array(o.dataLength ?? 32)),
  );
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return NodeIdError.isInstance(e) ? e.code : `not a NodeIdError: ${String(e)}`;
  }
  return undefined;
}

describe('readEncryptedPrivateKey', () => {
  it('reads the parameters openssl writes', () => {
    const { params, ciphertext } = readEncryptedPrivateKey(info({ iterations: 2048 }));
    expect(params).toMatchObject({ prf: 'SHA-256', iterations: 2048, cipher: 'AES-256-CBC' });
    expect(params.salt.length).toBe(8);
    expect(ciphertext.length).toBe(32);
  });

  it('defaults the PRF to HMAC-SHA1 when absent, as RFC 8018 says', () => {
    expect(readEncryptedPrivateKey(info({ prf: null })).params.prf).toBe('SHA-1');
  });

  it('accepts the other PRFs and AES key sizes, and a matching key length', () => {
    const p = readEncryptedPrivateKey(
      info({ prf: seq(oid(OID.hmacWithSha512)), cipher: OID.aes128Cbc, keyLength: 16 }),
    ).params;
    expect(p).toMatchObject({ prf: 'SHA-512', cipher: 'AES-128-CBC' });
  });

  it('refuses a key length that does not match the cipher', () => {
    expect(code(() => readEncryptedPrivateKey(info({ keyLength: 16 })))).toBe('ERR_KEY_INVALID');
  });

  it('bounds the iteration count', () => {
    expect(() =>
      readEncryptedPrivateKey(info({ iterations: MAX_PBKDF2_ITERATIONS })),
    ).not.toThrow();
    expect(
      code(() => readEncryptedPrivateKey(info({ iterations: MAX_PBKDF2_ITERATIONS + 1 }))),
    ).toBe('ERR_KEY_INVALID');
    expect(code(() => readEncryptedPrivateKey(info({ iterations: 2n ** 70n })))).toBe(
      'ERR_KEY_INVALID',
    );
    expect(code(() => readEncryptedPrivateKey(info({ iterations: 0 })))).toBe('ERR_KEY_INVALID');
  });

  it('says which schemes it cannot read and how to convert them', () => {
    const pkcs12TripleDes = '1.2.840.113549.1.12.1.3';
    const scrypt = '1.3.6.1.4.1.11591.4.11';
    const desEde3Cbc = '1.2.840.113549.3.7';
    for (const bad of [
      info({ scheme: pkcs12TripleDes }),
      info({ kdf: scrypt }),
      info({ cipher: desEde3Cbc }),
      info({ prf: seq(oid(OID.sha256)) }),
    ]) {
      try {
        readEncryptedPrivateKey(bad);
        expect.unreachable();
      } catch (e) {
        expect((e as NodeIdError).code).toBe('ERR_KEY_UNSUPPORTED');
        expect((e as NodeIdError).message).toContain('openssl pkcs8 -topk8');
      }
    }
  });

  it('refuses a bad IV or ciphertext length', () => {
    expect(code(() => readEncryptedPrivateKey(info({ ivLength: 8 })))).toBe('ERR_KEY_INVALID');
    expect(code(() => readEncryptedPrivateKey(info({ dataLength: 31 })))).toBe('ERR_KEY_INVALID');
    expect(code(() => readEncryptedPrivateKey(info({ dataLength: 0 })))).toBe('ERR_KEY_INVALID');
  });
});

describe('encryptPrivateKey / decryptPrivateKey', () => {
  it('writes the openssl layout and reads it back', async () => {
    const der = await encryptPrivateKey(crypto, plain, text('secret'), 1000);
    const [alg] = children(decode(der));
    const [, pbes2] = children(alg!);
    const [kdf] = children(pbes2!);
    const [, kdfParams] = children(kdf!);
    const [salt, count, prf] = children(kdfParams!);
    expect(salt!.value.length).toBe(16);
    expect(readBigInt(count!)).toBe(1000n);
    expect(prf!.raw).toEqual(seq(oid(OID.hmacWithSha256), nul()));

    const parsed = readEncryptedPrivateKey(der);
    expect(parsed.params).toMatchObject({
      prf: 'SHA-256',
      cipher: 'AES-256-CBC',
      iterations: 1000,
    });
    expect(await decryptPrivateKey(crypto.subtle, parsed, text('secret'))).toEqual(plain);
  });

  it('uses a fresh salt and IV each time', async () => {
    const a = readEncryptedPrivateKey(await encryptPrivateKey(crypto, plain, text('s'), 1000));
    const b = readEncryptedPrivateKey(await encryptPrivateKey(crypto, plain, text('s'), 1000));
    expect(a.params.salt).not.toEqual(b.params.salt);
    expect(a.params.iv).not.toEqual(b.params.iv);
  });

  it('reports a wrong passphrase as ERR_PASSPHRASE_WRONG', async () => {
    const parsed = readEncryptedPrivateKey(
      await encryptPrivateKey(crypto, plain, text('right'), 1000),
    );
    // Bad padding is the usual outcome; a few wrong keys decrypt to valid padding, which the
    // caller catches by parsing. Try several to hit the padding path with near certainty.
    let wrong = 0;
    for (const guess of ['wrong', 'Right', 'right ', 'rightt']) {
      try {
        await decryptPrivateKey(crypto.subtle, parsed, text(guess));
      } catch (e) {
        expect((e as NodeIdError).code).toBe('ERR_PASSPHRASE_WRONG');
        wrong++;
      }
    }
    expect(wrong).toBeGreaterThan(0);
  });
});
