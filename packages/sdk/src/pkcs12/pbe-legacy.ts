/**
 * The password-based encryption schemes of RFC 7292 Appendix C, decryption only: what
 * `openssl pkcs12 -export -legacy`, OpenSSL 1.x, Windows certificate export, older Java keytool and
 * most appliances write (3DES for the key, 40-bit RC2 for the certificates). Key and IV come from
 * the PKCS#12 KDF of Appendix B.2 with SHA-1 (ID 1 = key, ID 2 = IV) over the BMPString password
 * of Appendix B.1; the ciphers are des.ts and rc2.ts in CBC mode (cbc.ts). nodeid never writes
 * these: createPkcs12 writes PBES2. The RC4 schemes (.1.1, .1.2) are not read.
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { children, type Der, expectTag, readBigInt, Tag } from '../lib/der.js';
import { type BlockDecryptor, cbcDecrypt } from './cbc.js';
import { tripleDesDecryptor } from './des.js';
import { bmpPassword, MAX_MAC_ITERATIONS, pkcs12Kdf } from './pkcs12-mac.js';
import { rc2Decryptor } from './rc2.js';

const CODE: NodeIdErrorCode = 'ERR_PKCS12_INVALID';

interface LegacyCipher {
  /** The scheme's name in RFC 7292 Appendix C. */
  name: string;
  /** Key bytes derived with ID 1. */
  keyLength: number;
  decryptor(key: Uint8Array): BlockDecryptor;
}

/** The Appendix C schemes nodeid reads, by object identifier (pkcs-12PbeIds). */
export const LEGACY_PBE_CIPHERS: Record<string, LegacyCipher> = {
  '1.2.840.113549.1.12.1.3': {
    name: 'pbeWithSHAAnd3-KeyTripleDES-CBC',
    keyLength: 24,
    decryptor: tripleDesDecryptor,
  },
  '1.2.840.113549.1.12.1.4': {
    name: 'pbeWithSHAAnd2-KeyTripleDES-CBC',
    keyLength: 16,
    decryptor: tripleDesDecryptor,
  },
  // RC2's effective key bits equal the key length here, as OpenSSL and Java derive and use them.
  '1.2.840.113549.1.12.1.5': {
    name: 'pbeWithSHAAnd128BitRC2-CBC',
    keyLength: 16,
    decryptor: (key) => rc2Decryptor(key, 128),
  },
  '1.2.840.113549.1.12.1.6': {
    name: 'pbeWithSHAAnd40BitRC2-CBC',
    keyLength: 5,
    decryptor: (key) => rc2Decryptor(key, 40),
  },
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
 * Appendix B.2 KDF with SHA-1, then CBC with the PKCS#5 padding checked. A bad padding is
 * `ERR_PASSPHRASE_WRONG` (see cbcDecrypt).
 */
export async function decryptLegacyPbe(
  subtle: SubtleCrypto,
  cipher: LegacyCipher,
  params: LegacyPbeParams,
  passphrase: string,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const password = bmpPassword(passphrase);
  const { salt, iterations } = params;
  const key = await pkcs12Kdf(subtle, 'SHA-1', password, salt, iterations, 1, cipher.keyLength);
  const iv = await pkcs12Kdf(subtle, 'SHA-1', password, salt, iterations, 2, 8);
  return cbcDecrypt(cipher.decryptor(key), iv, ciphertext);
}

function invalid(message: string): never {
  throw new NodeIdError(CODE, `not a valid PKCS#12 file: ${message}`);
}
