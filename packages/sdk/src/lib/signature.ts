/**
 * Signature algorithms: which AlgorithmIdentifier a key signs with, how to sign with WebCrypto
 * and put the result in X.509 form, and how to verify a signature found in a certificate, CSR or CRL.
 */
import { guard, NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { toArrayBuffer } from './bytes.js';
import {
  children,
  type Der,
  decode,
  expectTag,
  int,
  nul,
  oid,
  readBitString,
  readOid,
  readSmallInt,
  seq,
  Tag,
  tlv,
  uintBytes,
} from './der.js';
import { OID } from './oids.js';

/**
 * How a key signs: the AlgorithmIdentifier written into the certificate, CSR or CRL it signs,
 * and the WebCrypto parameters that make exactly that signature. The one table of the SDK that
 * maps a key to its signature algorithm; certificates, CRLs and CSRs (the x509 door) all read it.
 */
export interface SignatureScheme {
  /** DER AlgorithmIdentifier placed in the signed structure (and in the TBS `signature` field). */
  algorithmIdentifier: Uint8Array;
  /** WebCrypto `sign` parameters, hash included, for the key. */
  params: AlgorithmIdentifier | EcdsaParams | RsaPssParams | (Algorithm & { hash: string });
  /** ECDSA signatures come from WebCrypto as r||s and go into X.509 as a DER SEQUENCE. */
  ecdsaSize: number;
}

type SignHash = 'SHA-256' | 'SHA-384' | 'SHA-512';

const HASH_OID: Record<SignHash, string> = {
  'SHA-256': OID.sha256,
  'SHA-384': OID.sha384,
  'SHA-512': OID.sha512,
};
const HASH_BYTES: Record<SignHash, number> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/**
 * RSASSA-PSS-params (RFC 4055 §3.1) for `hash`: the hash, MGF1 with the same hash, a salt as long
 * as the hash (RFC 8017 §9.1 recommends it), the default trailer field left out.
 */
function pssAlgorithmIdentifier(hash: SignHash): Uint8Array {
  const hashId = seq(oid(HASH_OID[hash]), nul());
  return seq(
    oid(OID.rsassaPss),
    seq(tlv(0xa0, hashId), tlv(0xa1, seq(oid(OID.mgf1), hashId)), tlv(0xa2, int(HASH_BYTES[hash]))),
  );
}

/**
 * Key → signature scheme. ECDSA uses the hash that matches the curve size (RFC 5758 §3.2; FIPS
 * 186-5); RSA keys sign with the hash they were imported for (RFC 4055 §5, RFC 8017): an RSA key
 * imported for SHA-384 makes sha384WithRSAEncryption signatures, never signatures labelled
 * SHA-256. SHA-1 keys are refused (weak).
 */
const SCHEMES: Record<string, SignatureScheme> = {
  'ECDSA/P-256': {
    algorithmIdentifier: seq(oid(OID.ecdsaWithSha256)),
    params: { name: 'ECDSA', hash: 'SHA-256' },
    ecdsaSize: 32,
  },
  'ECDSA/P-384': {
    algorithmIdentifier: seq(oid(OID.ecdsaWithSha384)),
    params: { name: 'ECDSA', hash: 'SHA-384' },
    ecdsaSize: 48,
  },
  'ECDSA/P-521': {
    algorithmIdentifier: seq(oid(OID.ecdsaWithSha512)),
    params: { name: 'ECDSA', hash: 'SHA-512' },
    ecdsaSize: 66,
  },
  Ed25519: {
    algorithmIdentifier: seq(oid(OID.ed25519)),
    params: { name: 'Ed25519' },
    ecdsaSize: 0,
  },
  'RSASSA-PKCS1-v1_5/SHA-256': {
    algorithmIdentifier: seq(oid(OID.sha256WithRsa), nul()),
    params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    ecdsaSize: 0,
  },
  'RSASSA-PKCS1-v1_5/SHA-384': {
    algorithmIdentifier: seq(oid(OID.sha384WithRsa), nul()),
    params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
    ecdsaSize: 0,
  },
  'RSASSA-PKCS1-v1_5/SHA-512': {
    algorithmIdentifier: seq(oid(OID.sha512WithRsa), nul()),
    params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
    ecdsaSize: 0,
  },
  'RSA-PSS/SHA-256': {
    algorithmIdentifier: pssAlgorithmIdentifier('SHA-256'),
    params: { name: 'RSA-PSS', saltLength: 32, hash: 'SHA-256' } as RsaPssParams,
    ecdsaSize: 0,
  },
  'RSA-PSS/SHA-384': {
    algorithmIdentifier: pssAlgorithmIdentifier('SHA-384'),
    params: { name: 'RSA-PSS', saltLength: 48, hash: 'SHA-384' } as RsaPssParams,
    ecdsaSize: 0,
  },
  'RSA-PSS/SHA-512': {
    algorithmIdentifier: pssAlgorithmIdentifier('SHA-512'),
    params: { name: 'RSA-PSS', saltLength: 64, hash: 'SHA-512' } as RsaPssParams,
    ecdsaSize: 0,
  },
};

/** The table key of a WebCrypto key: `ECDSA/P-256`, `RSASSA-PKCS1-v1_5/SHA-384`, `Ed25519`, … */
function schemeKey(key: CryptoKey): string {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  if (alg.name === 'ECDSA') return `ECDSA/${alg.namedCurve}`;
  if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS')
    return `${alg.name}/${alg.hash?.name?.toUpperCase()}`;
  return alg.name;
}

/**
 * The signature scheme `key` signs with (see the table above). Throws `ERR_ALGORITHM_WEAK` for
 * an RSA key bound to SHA-1 and `ERR_KEY_UNSUPPORTED` for any key the table does not list.
 */
export function signatureSchemeFor(key: CryptoKey): SignatureScheme {
  const id = schemeKey(key);
  const scheme = SCHEMES[id];
  if (scheme) return scheme;
  if (/\/SHA-1$/.test(id))
    throw new NodeIdError(
      'ERR_ALGORITHM_WEAK',
      `the signing key is bound to SHA-1 (${id}); import it for SHA-256, SHA-384 or SHA-512`,
    );
  throw new NodeIdError('ERR_KEY_UNSUPPORTED', `keys of type ${id} cannot sign here`);
}

/** The DER AlgorithmIdentifier that `key` signs with. */
export function signatureAlgorithmFor(key: CryptoKey): Uint8Array {
  return signatureSchemeFor(key).algorithmIdentifier;
}

/** Signs `data` with `key` and returns the signature as it goes into a BIT STRING. */
export async function sign(
  subtle: SubtleCrypto,
  key: CryptoKey,
  data: Uint8Array,
): Promise<Uint8Array> {
  const scheme = signatureSchemeFor(key);
  const raw = new Uint8Array(
    await guard('ERR_KEY_INVALID', 'the signing key cannot sign', () =>
      subtle.sign(scheme.params, key, toArrayBuffer(data)),
    ),
  );
  return scheme.ecdsaSize ? ecdsaRawToDer(raw, scheme.ecdsaSize) : raw;
}

/** Converts an ECDSA r||s signature to its DER `SEQUENCE { r, s }`. */
export function ecdsaRawToDer(raw: Uint8Array, size: number): Uint8Array {
  return seq(uintBytes(raw.subarray(0, size)), uintBytes(raw.subarray(size, 2 * size)));
}

/** Converts a DER ECDSA signature to r||s; `undefined` when it is malformed. */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | undefined {
  try {
    // strict DER: exactly SEQUENCE { r, s } with minimal integers, so a signature has one encoding
    const root = decode(der);
    if (root.tag !== Tag.SEQUENCE) return undefined;
    const parts = children(root);
    if (parts.length !== 2) return undefined;
    const [r, s] = parts;
    const out = new Uint8Array(size * 2);
    for (const [i, node] of [r, s].entries()) {
      const v = expectTag(node, Tag.INTEGER, 'ECDSA signature part').value;
      if (v.length === 0 || v[0]! & 0x80) return undefined;
      if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) return undefined;
      const trimmed = v[0] === 0 && v.length > 1 ? v.subarray(1) : v;
      if (trimmed.length > size) return undefined;
      out.set(trimmed, i * size + size - trimmed.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** What a signature AlgorithmIdentifier means. */
export interface SignatureAlgorithmInfo {
  oid: string;
  /** Readable name, e.g. `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `ED25519`. */
  name: string;
  /** Hash used, or undefined for Ed25519. */
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'MD5';
  family: 'ECDSA' | 'RSA' | 'RSA-PSS' | 'Ed25519' | 'Ed448' | 'unknown';
}

const SIG_INFO: Record<string, SignatureAlgorithmInfo> = {
  [OID.ecdsaWithSha1]: {
    oid: OID.ecdsaWithSha1,
    name: 'ecdsa-with-SHA1',
    hash: 'SHA-1',
    family: 'ECDSA',
  },
  [OID.ecdsaWithSha256]: {
    oid: OID.ecdsaWithSha256,
    name: 'ecdsa-with-SHA256',
    hash: 'SHA-256',
    family: 'ECDSA',
  },
  [OID.ecdsaWithSha384]: {
    oid: OID.ecdsaWithSha384,
    name: 'ecdsa-with-SHA384',
    hash: 'SHA-384',
    family: 'ECDSA',
  },
  [OID.ecdsaWithSha512]: {
    oid: OID.ecdsaWithSha512,
    name: 'ecdsa-with-SHA512',
    hash: 'SHA-512',
    family: 'ECDSA',
  },
  [OID.md5WithRsa]: {
    oid: OID.md5WithRsa,
    name: 'md5WithRSAEncryption',
    hash: 'MD5',
    family: 'RSA',
  },
  [OID.sha1WithRsa]: {
    oid: OID.sha1WithRsa,
    name: 'sha1WithRSAEncryption',
    hash: 'SHA-1',
    family: 'RSA',
  },
  [OID.sha256WithRsa]: {
    oid: OID.sha256WithRsa,
    name: 'sha256WithRSAEncryption',
    hash: 'SHA-256',
    family: 'RSA',
  },
  [OID.sha384WithRsa]: {
    oid: OID.sha384WithRsa,
    name: 'sha384WithRSAEncryption',
    hash: 'SHA-384',
    family: 'RSA',
  },
  [OID.sha512WithRsa]: {
    oid: OID.sha512WithRsa,
    name: 'sha512WithRSAEncryption',
    hash: 'SHA-512',
    family: 'RSA',
  },
  [OID.rsassaPss]: { oid: OID.rsassaPss, name: 'rsassaPss', family: 'RSA-PSS' },
  [OID.ed25519]: { oid: OID.ed25519, name: 'ED25519', family: 'Ed25519' },
  [OID.ed448]: { oid: OID.ed448, name: 'ED448', family: 'Ed448' },
};

/** Describes a signature AlgorithmIdentifier node. */
export function describeSignatureAlgorithm(node: Der): SignatureAlgorithmInfo {
  const [o] = children(node);
  const id = readOid(expectTag(o, Tag.OID, 'signature algorithm'));
  return SIG_INFO[id] ?? { oid: id, name: id, family: 'unknown' };
}

/** Public key facts read from a SubjectPublicKeyInfo. */
export interface PublicKeyInfo {
  /** `EC`, `RSA`, `Ed25519`, `Ed448` or the OID when unknown. */
  type: string;
  /** Curve name for EC keys (`P-256`, `P-384`, `P-521`). */
  curve?: string;
  /** Key size in bits (the modulus for RSA, the field size for EC). */
  bits: number;
  /** The public exponent e of an RSA key. */
  publicExponent?: bigint;
  /** The whole SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
}

/** Reads type and size from a SubjectPublicKeyInfo node; never throws for unknown algorithms. */
export function describePublicKey(spki: Der): PublicKeyInfo {
  const [algId, keyBits] = children(spki);
  const [algOid, param] = children(expectTag(algId, Tag.SEQUENCE, 'public key algorithm'));
  const id = readOid(algOid!);
  if (id === OID.ecPublicKey) {
    const curveOid = param && param.tag === Tag.OID ? readOid(param) : '';
    const curve =
      curveOid === OID.p256
        ? 'P-256'
        : curveOid === OID.p384
          ? 'P-384'
          : curveOid === OID.p521
            ? 'P-521'
            : curveOid || 'unknown';
    const bits = curve === 'P-256' ? 256 : curve === 'P-384' ? 384 : curve === 'P-521' ? 521 : 0;
    return { type: 'EC', curve, bits, spki: spki.raw };
  }
  if (id === OID.rsaEncryption || id === OID.rsassaPss) {
    const bitString = expectTag(keyBits, Tag.BIT_STRING, 'public key');
    const [modulus, exponent] = children(decode(bitString.value.subarray(1)));
    let m = expectTag(modulus, Tag.INTEGER, 'RSA modulus').value;
    while (m.length > 0 && m[0] === 0) m = m.subarray(1);
    const bits = m.length === 0 ? 0 : (m.length - 1) * 8 + (32 - Math.clz32(m[0]!));
    // e is read leniently (checkPublicKey refuses a missing one); a negative INTEGER (top bit
    // set) is read as the negative number it encodes
    let publicExponent: bigint | undefined;
    if (exponent?.tag === Tag.INTEGER) {
      const e = exponent.value;
      publicExponent = 0n;
      for (const byte of e) publicExponent = (publicExponent << 8n) | BigInt(byte);
      if (e.length > 0 && e[0]! & 0x80) publicExponent -= 1n << BigInt(e.length * 8);
    }
    return {
      type: id === OID.rsassaPss ? 'RSA-PSS' : 'RSA',
      bits,
      ...(publicExponent !== undefined && { publicExponent }),
      spki: spki.raw,
    };
  }
  if (id === OID.ed25519) return { type: 'Ed25519', bits: 256, spki: spki.raw };
  if (id === OID.ed448) return { type: 'Ed448', bits: 456, spki: spki.raw };
  return { type: id, bits: 0, spki: spki.raw };
}

/**
 * Imported verification keys, per WebCrypto implementation and per SPKI byte array. The SPKI
 * arrays are views into parsed certificates, so a trust anchor or CA certificate checked again
 * and again is imported once; the cache holds nothing once the certificate is gone.
 */
const verifyKeys = new WeakMap<
  SubtleCrypto,
  WeakMap<Uint8Array, Map<string, Promise<CryptoKey>>>
>();

/**
 * Imports a verification key. EC and Ed25519 keys go in as their raw public key (the SPKI's
 * BIT STRING, whose curve the caller has already read from the SPKI): in Node that import costs
 * about a third of an `spki` import, and every CSR the server signs brings a new key.
 */
function importPublicKey(
  subtle: SubtleCrypto,
  spki: Uint8Array,
  params: { name: string; namedCurve?: string; hash?: string },
): Promise<CryptoKey> {
  if (params.name === 'ECDSA' || params.name === 'Ed25519') {
    const bitString = children(decode(spki))[1];
    if (bitString?.tag === Tag.BIT_STRING && bitString.value[0] === 0) {
      return subtle.importKey('raw', toArrayBuffer(bitString.value.subarray(1)), params, false, [
        'verify',
      ]);
    }
  }
  return subtle.importKey('spki', toArrayBuffer(spki), params, false, ['verify']);
}

function importVerifyKey(
  subtle: SubtleCrypto,
  spki: Uint8Array,
  params: { name: string; namedCurve?: string; hash?: string },
): Promise<CryptoKey> {
  let bySpki = verifyKeys.get(subtle);
  if (!bySpki) {
    bySpki = new WeakMap();
    verifyKeys.set(subtle, bySpki);
  }
  let byParams = bySpki.get(spki);
  if (!byParams) {
    byParams = new Map();
    bySpki.set(spki, byParams);
  }
  const id = `${params.name}/${params.namedCurve ?? ''}/${params.hash ?? ''}`;
  let key = byParams.get(id);
  if (!key) {
    key = Promise.resolve(importPublicKey(subtle, spki, params));
    key.catch(() => byParams.delete(id));
    byParams.set(id, key);
  }
  return key;
}

const PSS_HASHES: Record<string, 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
};

/** The hash of a hash AlgorithmIdentifier (parameters absent or NULL), if PSS may use it. */
function pssHash(node: Der | undefined): 'SHA-256' | 'SHA-384' | 'SHA-512' | undefined {
  if (node?.tag !== Tag.SEQUENCE) return undefined;
  const [id, params, extra] = children(node);
  if (extra || (params && (params.tag !== Tag.NULL || params.value.length !== 0))) return undefined;
  return PSS_HASHES[readOid(expectTag(id, Tag.OID, 'hash algorithm'))];
}

/**
 * RSASSA-PSS-params (RFC 4055) as WebCrypto can verify them: SHA-256/384/512, MGF1 with the
 * same hash, the usual trailer field. Anything else (SHA-1 by default, a different MGF hash) is
 * `undefined`: such signatures are not accepted.
 */
export function readPssParams(
  node: Der | undefined,
): { hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; saltLength: number } | undefined {
  if (node?.tag !== Tag.SEQUENCE) return undefined; // absent parameters mean SHA-1
  let hash: 'SHA-256' | 'SHA-384' | 'SHA-512' | undefined;
  let mgfHash: typeof hash;
  let saltLength = 20;
  let last = -1;
  for (const field of children(node)) {
    const n = field.tag - 0xa0;
    if (n <= last || n > 3) return undefined; // explicit tags [0]..[3], in order, once each
    last = n;
    const [inner, more] = children(field);
    if (!inner || more) return undefined;
    if (n === 0) hash = pssHash(inner);
    else if (n === 1) {
      const [mgfId, mgfParams, extra] = children(expectTag(inner, Tag.SEQUENCE, 'MGF'));
      if (extra || readOid(expectTag(mgfId, Tag.OID, 'MGF')) !== OID.mgf1) return undefined;
      mgfHash = pssHash(mgfParams);
      if (!mgfHash) return undefined;
    } else if (n === 2) saltLength = readSmallInt(expectTag(inner, Tag.INTEGER, 'salt length'));
    else if (readSmallInt(expectTag(inner, Tag.INTEGER, 'trailer field')) !== 1) return undefined;
  }
  if (!hash || (mgfHash ?? 'SHA-1') !== hash || saltLength < 0) return undefined;
  return { hash, saltLength };
}

/** The same RSA key under the rsaEncryption algorithm identifier (for an id-RSASSA-PSS SPKI). */
function asRsaEncryptionSpki(spki: Uint8Array): Uint8Array {
  const [, keyBits] = children(decode(spki));
  return seq(seq(oid(OID.rsaEncryption), nul()), keyBits!.raw);
}

/**
 * Verifies `signature` over `data` made by the key in `spki`, with the signature algorithm `algorithm`
 * (an AlgorithmIdentifier node). Returns false for a bad signature, an unsupported algorithm, or
 * a key/algorithm mismatch; never throws for hostile input.
 */
export async function verifySignature(
  subtle: SubtleCrypto,
  spki: Uint8Array,
  algorithm: Der,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  try {
    const info = describeSignatureAlgorithm(algorithm);
    const key = describePublicKey(decode(spki));
    if (
      info.family === 'ECDSA' &&
      key.type === 'EC' &&
      (key.curve === 'P-256' || key.curve === 'P-384' || key.curve === 'P-521')
    ) {
      if (!info.hash || info.hash === 'MD5') return false;
      const [, params] = children(algorithm);
      if (params) return false; // ECDSA AlgorithmIdentifiers have absent parameters
      const k = await importVerifyKey(subtle, spki, { name: 'ECDSA', namedCurve: key.curve });
      const size = key.curve === 'P-256' ? 32 : key.curve === 'P-384' ? 48 : 66;
      const raw = ecdsaDerToRaw(signature, size);
      if (!raw) return false;
      return await subtle.verify(
        { name: 'ECDSA', hash: info.hash },
        k,
        toArrayBuffer(raw),
        toArrayBuffer(data),
      );
    }
    if (info.family === 'RSA' && key.type === 'RSA') {
      if (!info.hash || info.hash === 'MD5') return false;
      const k = await importVerifyKey(subtle, spki, { name: 'RSASSA-PKCS1-v1_5', hash: info.hash });
      return await subtle.verify(
        'RSASSA-PKCS1-v1_5',
        k,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    if (info.family === 'RSA-PSS' && (key.type === 'RSA' || key.type === 'RSA-PSS')) {
      const pss = readPssParams(children(algorithm)[1]);
      if (!pss) return false;
      // a key restricted to RSA-PSS by its SPKI is imported as the plain RSA key it also is:
      // WebCrypto implementations only take rsaEncryption SPKIs
      const plain = key.type === 'RSA-PSS' ? asRsaEncryptionSpki(spki) : spki;
      const k = await importVerifyKey(subtle, plain, { name: 'RSA-PSS', hash: pss.hash });
      return await subtle.verify(
        { name: 'RSA-PSS', saltLength: pss.saltLength },
        k,
        toArrayBuffer(signature),
        toArrayBuffer(data),
      );
    }
    if (info.family === 'Ed25519' && key.type === 'Ed25519') {
      if (children(algorithm).length !== 1) return false;
      const k = await importVerifyKey(subtle, spki, { name: 'Ed25519' });
      return await subtle.verify('Ed25519', k, toArrayBuffer(signature), toArrayBuffer(data));
    }
    return false;
  } catch {
    return false;
  }
}

/** Wraps a signed structure: `SEQUENCE { tbs, algorithm, BIT STRING signature }`. */
export function signedEnvelope(
  tbs: Uint8Array,
  algorithmIdentifier: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return seq(tbs, algorithmIdentifier, tlv(Tag.BIT_STRING, Uint8Array.of(0), signature));
}

/**
 * The bytes of a signature BIT STRING. A signature is whole octets, so a bit string with unused
 * bits is malformed (it would give one signature several encodings).
 */
export function readSignatureValue(node: Der | undefined, code: NodeIdErrorCode): Uint8Array {
  const { bytes, unusedBits } = readBitString(
    expectTag(node, Tag.BIT_STRING, 'signature', code),
    code,
  );
  if (unusedBits !== 0)
    throw new NodeIdError(code, 'malformed signature: the bit string has unused bits');
  return bytes;
}
