/**
 * Password-based encryption of PKCS#8 keys: PBES2 with PBKDF2 and AES-CBC (RFC 8018), the
 * `ENCRYPTED PRIVATE KEY` that `openssl pkcs8 -topk8` writes and `openssl pkey -passin` reads.
 * Reading accepts what openssl writes (HMAC-SHA1/256/384/512, AES-128/192/256-CBC) and bounds the
 * PBKDF2 iteration count, so a hostile file cannot make us spin for minutes.
 */
import { guard, NodeIdError } from '../errors.js';
import { toArrayBuffer } from './bytes.js';
import {
  children,
  type Der,
  decode,
  expectTag,
  int,
  nul,
  octets,
  oid,
  readBigInt,
  readOid,
  seq,
  Tag,
} from './der.js';
import { OID } from './oids.js';

const CODE = 'ERR_KEY_INVALID';

/** Most PBKDF2 iterations accepted when reading a key (about 3 s of work on a laptop). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** PBKDF2 pseudo-random function. */
export type PbkdfHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
/** Content cipher. */
export type Pbes2Cipher = 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC';

/** The PBES2 parameters of an encrypted key: public, nothing secret. */
export interface Pbes2Params {
  prf: PbkdfHash;
  iterations: number;
  salt: Uint8Array;
  cipher: Pbes2Cipher;
  iv: Uint8Array;
}

/** A parsed `EncryptedPrivateKeyInfo`. */
export interface EncryptedPrivateKey {
  params: Pbes2Params;
  ciphertext: Uint8Array;
}

const PRFS: Record<string, PbkdfHash> = {
  [OID.hmacWithSha1]: 'SHA-1',
  [OID.hmacWithSha256]: 'SHA-256',
  [OID.hmacWithSha384]: 'SHA-384',
  [OID.hmacWithSha512]: 'SHA-512',
};

const CIPHERS: Record<string, { name: Pbes2Cipher; keyLength: number }> = {
  [OID.aes128Cbc]: { name: 'AES-128-CBC', keyLength: 16 },
  [OID.aes192Cbc]: { name: 'AES-192-CBC', keyLength: 24 },
  [OID.aes256Cbc]: { name: 'AES-256-CBC', keyLength: 32 },
};

const KEY_LENGTHS: Record<Pbes2Cipher, number> = {
  'AES-128-CBC': 16,
  'AES-192-CBC': 24,
  'AES-256-CBC': 32,
};

const CONVERT = 're-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`';

function fail(message: string): never {
  throw new NodeIdError(CODE, message);
}

function unsupported(message: string): never {
  throw new NodeIdError('ERR_KEY_UNSUPPORTED', `${message}; ${CONVERT}`);
}

function algorithm(node: Der | undefined, what: string): [string, Der | undefined] {
  const parts = children(expectTag(node, Tag.SEQUENCE, what, CODE), CODE);
  if (parts.length > 2) fail(`malformed encrypted key: ${what} has extra fields`);
  return [readOid(expectTag(parts[0], Tag.OID, what, CODE), CODE), parts[1]];
}

/** Parses an `EncryptedPrivateKeyInfo`, checking the scheme is one we can decrypt. */
export function readEncryptedPrivateKey(der: Uint8Array): EncryptedPrivateKey {
  const top = children(expectTag(decode(der, CODE), Tag.SEQUENCE, 'encrypted key', CODE), CODE, 3);
  if (top.length !== 2) fail('malformed encrypted key: expected two fields');
  const [scheme, schemeParams] = algorithm(top[0], 'encryption algorithm');
  if (scheme !== OID.pbes2) unsupported(`keys encrypted with scheme ${scheme} are not supported`);
  const pbes2 = children(expectTag(schemeParams, Tag.SEQUENCE, 'PBES2 parameters', CODE), CODE);
  if (pbes2.length !== 2) fail('malformed encrypted key: bad PBES2 parameters');
  const [kdf, kdfParams] = algorithm(pbes2[0], 'key derivation function');
  if (kdf !== OID.pbkdf2) unsupported(`key derivation function ${kdf} is not supported`);
  const [encOid, ivNode] = algorithm(pbes2[1], 'encryption scheme');
  const cipher = CIPHERS[encOid];
  if (!cipher) unsupported(`cipher ${encOid} is not supported`);
  const iv = expectTag(ivNode, Tag.OCTET_STRING, 'IV', CODE).value;
  if (iv.length !== 16) fail('malformed encrypted key: the IV must be 16 bytes');

  const p = children(expectTag(kdfParams, Tag.SEQUENCE, 'PBKDF2 parameters', CODE), CODE);
  const salt = expectTag(p[0], Tag.OCTET_STRING, 'PBKDF2 salt', CODE).value;
  const count = readBigInt(expectTag(p[1], Tag.INTEGER, 'PBKDF2 iteration count', CODE), CODE);
  if (count < 1n) fail('malformed encrypted key: PBKDF2 iteration count below 1');
  if (count > BigInt(MAX_PBKDF2_ITERATIONS))
    fail(
      `refusing an encrypted key with ${count} PBKDF2 iterations (the limit is ${MAX_PBKDF2_ITERATIONS})`,
    );
  let i = 2;
  if (p[i]?.tag === Tag.INTEGER) {
    if (readBigInt(p[i]!, CODE) !== BigInt(cipher.keyLength))
      fail('malformed encrypted key: PBKDF2 key length does not match the cipher');
    i++;
  }
  let prf: PbkdfHash = 'SHA-1';
  if (p[i]) {
    const [prfOid, prfParams] = algorithm(p[i], 'PBKDF2 PRF');
    const known = PRFS[prfOid];
    if (!known) unsupported(`PBKDF2 PRF ${prfOid} is not supported`);
    if (prfParams && prfParams.tag !== Tag.NULL)
      fail('malformed encrypted key: bad PRF parameters');
    prf = known;
    i++;
  }
  if (i !== p.length) fail('malformed encrypted key: PBKDF2 parameters have extra fields');

  const ciphertext = expectTag(top[1], Tag.OCTET_STRING, 'encrypted data', CODE).value;
  if (ciphertext.length === 0 || ciphertext.length % 16)
    fail('malformed encrypted key: encrypted data is not a whole number of AES blocks');
  return {
    params: { prf, iterations: Number(count), salt, cipher: cipher.name, iv },
    ciphertext,
  };
}

async function deriveKey(
  subtle: SubtleCrypto,
  passphrase: Uint8Array,
  params: Pbes2Params,
  usage: KeyUsage,
): Promise<CryptoKey> {
  return guard('ERR_KEY_UNSUPPORTED', 'this runtime cannot derive a key with PBKDF2', async () => {
    const base = await subtle.importKey('raw', toArrayBuffer(passphrase), 'PBKDF2', false, [
      'deriveKey',
    ]);
    return subtle.deriveKey(
      {
        name: 'PBKDF2',
        salt: toArrayBuffer(params.salt),
        iterations: params.iterations,
        hash: params.prf,
      },
      base,
      { name: 'AES-CBC', length: KEY_LENGTHS[params.cipher] * 8 },
      false,
      [usage],
    );
  });
}

/**
 * Decrypts an encrypted key. A wrong passphrase almost always shows as bad padding
 * (`ERR_PASSPHRASE_WRONG`); the caller must also check the result parses.
 */
export async function decryptPrivateKey(
  subtle: SubtleCrypto,
  key: EncryptedPrivateKey,
  passphrase: Uint8Array,
): Promise<Uint8Array> {
  const aes = await deriveKey(subtle, passphrase, key.params, 'decrypt');
  try {
    const plain = await subtle.decrypt(
      { name: 'AES-CBC', iv: toArrayBuffer(key.params.iv) },
      aes,
      toArrayBuffer(key.ciphertext),
    );
    return new Uint8Array(plain);
  } catch (cause) {
    throw new NodeIdError(
      'ERR_PASSPHRASE_WRONG',
      'wrong passphrase: the private key could not be decrypted',
      { cause },
    );
  }
}

/**
 * Encrypts a PKCS#8 key as openssl's `-v2 aes-256-cbc -v2prf hmacWithSHA256` does, with a
 * 16-byte random salt and IV. Returns the `EncryptedPrivateKeyInfo` DER.
 */
export async function encryptPrivateKey(
  crypto: Crypto,
  pkcs8: Uint8Array,
  passphrase: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const params: Pbes2Params = {
    prf: 'SHA-256',
    iterations,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    cipher: 'AES-256-CBC',
    iv: crypto.getRandomValues(new Uint8Array(16)),
  };
  const aes = await deriveKey(crypto.subtle, passphrase, params, 'encrypt');
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-CBC', iv: toArrayBuffer(params.iv) },
      aes,
      toArrayBuffer(pkcs8),
    ),
  );
  return seq(
    seq(
      oid(OID.pbes2),
      seq(
        seq(
          oid(OID.pbkdf2),
          seq(octets(params.salt), int(iterations), seq(oid(OID.hmacWithSha256), nul())),
        ),
        seq(oid(OID.aes256Cbc), octets(params.iv)),
      ),
    ),
    octets(ciphertext),
  );
}
