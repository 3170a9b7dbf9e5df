/**
 * The password-based encryption schemes of RFC 7292 Appendix C, decryption only: what
 * `openssl pkcs12 -export -legacy`, OpenSSL 1.x, Windows certificate export, older Java keytool and
 * most appliances write (3DES for the key, 40-bit RC2 for the certificates). Key and IV come from
 * the PKCS#12 KDF of Appendix B.2 with SHA-1 (ID 1 = key, ID 2 = IV) over the BMPString password
 * of Appendix B.1; the ciphers are des.ts and rc2.ts in CBC mode (cbc.ts) and the rc4.ts stream.
 * Also the two SHA-1 schemes of PKCS#5 v1.5 (PBES1, RFC 8018 §6.1): PBKDF1 over the password's
 * UTF-8 bytes, then DES-CBC or RC2-CBC with 64 effective key bits. The MD2/MD5 ones are not read.
 * nodeid never writes any of these: createPkcs12 writes PBES2.
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { children, type Der, expectTag, readBigInt, Tag } from '../lib/der.js';
import { type BlockDecryptor, cbcDecrypt } from './cbc.js';
import { desBlock, desSchedule, tripleDesDecryptor } from './des.js';
import { sha1Rounds } from './iterated-hash.js';
import { bmpPassword, MAX_MAC_ITERATIONS, pkcs12Kdf } from './pkcs12-mac.js';
import { rc2Decryptor } from './rc2.js';
import { rc4 } from './rc4.js';

const CODE: NodeIdErrorCode = 'ERR_PKCS12_INVALID';

interface LegacyCipher {
  /** The scheme's name in RFC 7292 Appendix C or RFC 8018 Appendix A.3. */
  name: string;
  /** How key and IV are derived: RFC 7292 Appendix B.2, or PBKDF1 with SHA-1 (RFC 8018 §5.1). */
  kdf: 'pkcs12' | 'pbkdf1';
  /** Key bytes (derived with ID 1 by the PKCS#12 KDF). */
  keyLength: number;
  /** IV bytes derived with ID 2: 8 for the CBC ciphers, none for RC4. */
  ivLength: number;
  decrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/** A CBC cipher with PKCS#5 padding, whose block decryptor `decryptor(key)` makes. */
function cbc(
  name: string,
  keyLength: number,
  decryptor: (key: Uint8Array) => BlockDecryptor,
): LegacyCipher {
  return {
    name,
    kdf: 'pkcs12',
    keyLength,
    ivLength: 8,
    decrypt: (k, iv, ct) => cbcDecrypt(decryptor(k), iv, ct),
  };
}

/** PBES1 (RFC 8018 §6.1.2): an 8-byte key and IV from PBKDF1, CBC with PKCS#5 padding. */
function pbes1(name: string, decryptor: (key: Uint8Array) => BlockDecryptor): LegacyCipher {
  return { ...cbc(name, 8, decryptor), kdf: 'pbkdf1' };
}

/** RC4: no IV and no padding; a wrong key shows only in what the plaintext fails to be. */
function stream(name: string, keyLength: number): LegacyCipher {
  return { name, kdf: 'pkcs12', keyLength, ivLength: 0, decrypt: (k, _iv, ct) => rc4(k, ct) };
}

/** The legacy schemes nodeid reads, by object identifier (pkcs-12PbeIds and two of PKCS#5). */
export const LEGACY_PBE_CIPHERS: Record<string, LegacyCipher> = {
  '1.2.840.113549.1.12.1.1': stream('pbeWithSHAAnd128BitRC4', 16),
  '1.2.840.113549.1.12.1.2': stream('pbeWithSHAAnd40BitRC4', 5),
  '1.2.840.113549.1.12.1.3': cbc('pbeWithSHAAnd3-KeyTripleDES-CBC', 24, tripleDesDecryptor),
  '1.2.840.113549.1.12.1.4': cbc('pbeWithSHAAnd2-KeyTripleDES-CBC', 16, tripleDesDecryptor),
  // RC2's effective key bits equal the key length here, as OpenSSL and Java derive and use them.
  '1.2.840.113549.1.12.1.5': cbc('pbeWithSHAAnd128BitRC2-CBC', 16, (k) => rc2Decryptor(k, 128)),
  '1.2.840.113549.1.12.1.6': cbc('pbeWithSHAAnd40BitRC2-CBC', 5, (k) => rc2Decryptor(k, 40)),
  '1.2.840.113549.1.5.10': pbes1('pbeWithSHA1AndDES-CBC', (k) => {
    const schedule = desSchedule(k);
    return (block) => desBlock(schedule, block, true);
  }),
  // RFC 8018 §6.1.1 step 4: RC2 with 64 effective key bits.
  '1.2.840.113549.1.5.11': pbes1('pbeWithSHA1AndRC2-CBC', (k) => rc2Decryptor(k, 64)),
};

/** The salt and iteration count of a legacy scheme. */
export interface LegacyPbeParams {
  salt: Uint8Array;
  iterations: number;
}

/**
 * Reads `pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }` (Appendix C)
 * from the parameters of the AlgorithmIdentifier. The iterations are bounded as the MAC's are.
 */
export function readLegacyPbeParams(parameters: Der | undefined): LegacyPbeParams {
  const [saltNode, iterNode, extra] = children(
    expectTag(parameters, Tag.SEQUENCE, 'PBE parameters', CODE),
    CODE,
  );
  if (extra) invalid('the PBE parameters have extra fields');
  const salt = expectTag(saltNode, Tag.OCTET_STRING, 'PBE salt', CODE).value;
  const n = readBigInt(expectTag(iterNode, Tag.INTEGER, 'PBE iterations', CODE), CODE);
  if (n < 1n) invalid('PBE iterations below 1');
  if (n > BigInt(MAX_MAC_ITERATIONS))
    invalid(`refusing a PBE with ${n} iterations (the limit is ${MAX_MAC_ITERATIONS})`);
  return { salt, iterations: Number(n) };
}

/**
 * Decrypts `ciphertext` under a legacy scheme: key (ID 1) and IV (ID 2, 8 bytes) from the
 * Appendix B.2 KDF with SHA-1 (or, for PBES1, the first and second 8 bytes of PBKDF1's
 * `T_c = SHA-1^c(P || S)`), then CBC with the PKCS#5 padding checked (a bad padding is
 * `ERR_PASSPHRASE_WRONG`, see cbcDecrypt), or the RC4 keystream.
 */
export async function decryptLegacyPbe(
  subtle: SubtleCrypto,
  cipher: LegacyCipher,
  params: LegacyPbeParams,
  passphrase: string,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const { salt, iterations } = params;
  if (cipher.kdf === 'pbkdf1') {
    // RFC 8018 §5.1; the password is an octet string, UTF-8 as OpenSSL and Java pass it.
    const p = new TextEncoder().encode(passphrase);
    const input = new Uint8Array(p.length + salt.length);
    input.set(p);
    input.set(salt, p.length);
    const dk = sha1Rounds(input, iterations);
    return cipher.decrypt(dk.subarray(0, 8), dk.subarray(8, 16), ciphertext);
  }
  const password = bmpPassword(passphrase);
  const key = await pkcs12Kdf(subtle, 'SHA-1', password, salt, iterations, 1, cipher.keyLength);
  const iv = cipher.ivLength
    ? await pkcs12Kdf(subtle, 'SHA-1', password, salt, iterations, 2, cipher.ivLength)
    : new Uint8Array(0);
  return cipher.decrypt(key, iv, ciphertext);
}

function invalid(message: string): never {
  throw new NodeIdError(CODE, `not a valid PKCS#12 file: ${message}`);
}
