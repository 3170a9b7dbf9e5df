/** Describing a key file without revealing its secret parts, for `inspect`. */
import { NodeIdError } from '../errors.js';
import { toArrayBuffer, toHex } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { decode } from '../lib/der.js';
import {
  legacyEncryptionError,
  readPrivateKeyFile,
  readPublicKeyFile,
  unlockPrivateKey,
} from '../lib/key-file.js';
import { anyImportParams, derivePublicKey, exportSpki, importPkcs8 } from '../lib/key-import.js';
import { type Pbes2Cipher, type Pbes2Params, readEncryptedPrivateKey } from '../lib/pbes2.js';
import { describePkcs8, keyAlgorithmFor, type PrivateKeyFacts } from '../lib/pkcs8.js';
import { describePublicKey } from '../lib/signature.js';
import { cryptoKeyExponent, rsaExponentProblem } from './check-public-key.js';
import type { KeyAlgorithm } from './key-algorithm.js';

/** Options for {@link inspectKey}. */
export interface InspectKeyOptions extends CryptoOptions {
  /** Passphrase of an encrypted key; without it only the encryption is described. */
  passphrase?: string | Uint8Array;
}

/** What {@link inspectKey} reports: plain data, nothing secret. */
export interface KeyInfo {
  /** A private key file (its public facts only) or a public key file. */
  kind: 'private' | 'public';
  /** The container the key came in. */
  format: 'pkcs8' | 'encrypted-pkcs8' | 'sec1' | 'pkcs1' | 'spki';
  /** True for an `ENCRYPTED PRIVATE KEY`. */
  encrypted: boolean;
  /** How an encrypted key is protected (readable without the passphrase). */
  encryption?: {
    scheme: 'PBES2';
    kdf: 'PBKDF2';
    prf: 'hmacWithSHA1' | 'hmacWithSHA256' | 'hmacWithSHA384' | 'hmacWithSHA512';
    iterations: number;
    saltLength: number;
    cipher: Pbes2Cipher;
  };
  /**
   * `EC`, `RSA`, `RSA-PSS`, `Ed25519`, `Ed448`, `X25519`, `X448` or an OID. Absent for an
   * encrypted key inspected without its passphrase, like the fields below.
   */
  type?: string;
  /** Curve of an EC key: `P-256`, `P-384`, `P-521`, ... */
  curve?: string;
  /** Key size in bits (RSA modulus, EC field size). */
  bits?: number;
  /** The SDK's name for the key, when the SDK accepts it. */
  algorithm?: KeyAlgorithm;
  /** Why the SDK refuses this key (weak, unsupported, or encrypted in a way it cannot read). */
  problem?: string;
  /** SHA-256 of the public key's SubjectPublicKeyInfo DER, lower-case hex, when it can be computed. */
  spkiSha256?: string;
}

async function sha256Hex(crypto: Crypto, der: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(der))));
}

function judge(
  facts: PrivateKeyFacts & { publicExponent?: bigint },
): Pick<KeyInfo, 'algorithm' | 'problem'> {
  try {
    const algorithm = keyAlgorithmFor(facts);
    // the public exponent, as every key entering the SDK is checked (checkPublicKey)
    const problem = facts.type === 'RSA' ? rsaExponentProblem(facts.publicExponent) : undefined;
    return problem ? { problem } : { algorithm };
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw e;
    return { problem: e.message };
  }
}

function facts(info: PrivateKeyFacts): Pick<KeyInfo, 'type' | 'curve' | 'bits'> {
  return info.curve === undefined
    ? { type: info.type, bits: info.bits }
    : { type: info.type, curve: info.curve, bits: info.bits };
}

/**
 * Describes a private or public key file — type, curve, size, whether and how it is encrypted,
 * and the SHA-256 of its public key — without any secret part. It does not refuse weak or
 * unsupported keys: it says why the SDK would (`problem`). An encrypted key without its
 * passphrase is described as far as its encryption; with a wrong one, `ERR_PASSPHRASE_WRONG`.
 *
 * @example
 * ```ts
 * const info = await inspectKey(await readFile('node.key', 'utf8'));
 * // { kind: 'private', format: 'pkcs8', encrypted: false, type: 'EC', curve: 'P-256',
 * //   bits: 256, algorithm: 'P-256', spkiSha256: '3f1c…' }
 * ```
 */
export async function inspectKey(
  input: string | Uint8Array,
  options: InspectKeyOptions = {},
): Promise<KeyInfo> {
  const crypto = getCrypto(options);
  let source: ReturnType<typeof readPrivateKeyFile>;
  try {
    source = readPrivateKeyFile(input);
  } catch (privateError) {
    let spki: Uint8Array;
    try {
      spki = readPublicKeyFile(input);
    } catch {
      throw privateError;
    }
    return inspectPublicKey(crypto, spki);
  }

  const encrypted = source.format === 'encrypted-pkcs8' || source.legacyEncrypted !== undefined;
  const info: KeyInfo = { kind: 'private', format: source.format, encrypted };
  if (source.legacyEncrypted) {
    info.problem = legacyEncryptionError(source.legacyEncrypted).message;
    return info;
  }
  if (source.format === 'encrypted-pkcs8') {
    let p: Pbes2Params;
    try {
      p = readEncryptedPrivateKey(source.der).params;
    } catch (e) {
      if (!NodeIdError.isInstance(e) || e.code !== 'ERR_KEY_UNSUPPORTED') throw e;
      info.problem = e.message;
      return info;
    }
    info.encryption = {
      scheme: 'PBES2',
      kdf: 'PBKDF2',
      prf: `hmacWith${p.prf.replace('-', '')}` as NonNullable<KeyInfo['encryption']>['prf'],
      iterations: p.iterations,
      saltLength: p.salt.length,
      cipher: p.cipher,
    };
    if (options.passphrase === undefined) return info;
  }
  const pkcs8 = await unlockPrivateKey(crypto.subtle, source, options.passphrase);
  const described = describePkcs8(pkcs8);
  Object.assign(info, facts(described));
  const params = anyImportParams(described);
  let publicExponent: bigint | undefined;
  if (params) {
    const key = await importPkcs8(crypto.subtle, pkcs8, params, true);
    publicExponent = cryptoKeyExponent(key);
    const spki = await exportSpki(crypto.subtle, await derivePublicKey(crypto.subtle, key));
    info.spkiSha256 = await sha256Hex(crypto, spki);
  }
  Object.assign(info, judge({ ...described, publicExponent }));
  return info;
}

async function inspectPublicKey(crypto: Crypto, spki: Uint8Array): Promise<KeyInfo> {
  let described: PrivateKeyFacts & { publicExponent?: bigint };
  try {
    described = describePublicKey(decode(spki, 'ERR_KEY_INVALID'));
  } catch (cause) {
    throw new NodeIdError('ERR_KEY_INVALID', 'malformed public key', { cause });
  }
  return {
    kind: 'public',
    format: 'spki',
    encrypted: false,
    ...facts(described),
    ...judge(described),
    spkiSha256: await sha256Hex(crypto, spki),
  };
}
