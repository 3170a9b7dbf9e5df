/**
 * Private key structures in DER: PKCS#8 `PrivateKeyInfo` (RFC 5208, RFC 5958), and the older
 * forms openssl still writes — SEC1 `ECPrivateKey` (RFC 5915) and PKCS#1 `RSAPrivateKey`
 * (RFC 8017) — which are rewrapped into PKCS#8, the one form WebCrypto imports. Also what kind
 * of key a PKCS#8 holds, read from its DER alone (no WebCrypto, so it works for keys we refuse).
 */
import { NodeIdError } from '../errors.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../keys/key-algorithm.js';
import {
  children,
  type Der,
  decode,
  expectTag,
  explicit,
  int,
  nul,
  octets,
  oid,
  readOid,
  readSmallInt,
  seq,
  Tag,
} from './der.js';
import { OID } from './oids.js';

const CODE = 'ERR_KEY_INVALID';

/** The container a private key comes in. */
export type PrivateKeyFormat = 'pkcs8' | 'encrypted-pkcs8' | 'sec1' | 'pkcs1';

/** What a private key is, without any of its secret parts. */
export interface PrivateKeyFacts {
  /** `EC`, `RSA`, `RSA-PSS`, `Ed25519`, `Ed448`, `X25519`, `X448`, or the algorithm OID. */
  type: string;
  /** For EC keys: `P-256`, `P-384`, `P-521`, `secp256k1`, or the curve OID. */
  curve?: string;
  /** Key size in bits (the modulus for RSA, the field size for EC); 0 when unknown. */
  bits: number;
}

const CURVES: Record<string, { name: string; bits: number }> = {
  [OID.p256]: { name: 'P-256', bits: 256 },
  [OID.p384]: { name: 'P-384', bits: 384 },
  [OID.p521]: { name: 'P-521', bits: 521 },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256 },
};

const OTHER_TYPES: Record<string, { type: string; bits: number }> = {
  [OID.ed25519]: { type: 'Ed25519', bits: 256 },
  [OID.ed448]: { type: 'Ed448', bits: 456 },
  '1.3.101.110': { type: 'X25519', bits: 256 },
  '1.3.101.111': { type: 'X448', bits: 448 },
};

function fail(message: string): never {
  throw new NodeIdError(CODE, message);
}

function unsupported(message: string): never {
  throw new NodeIdError('ERR_KEY_UNSUPPORTED', message);
}

/** The curve OID named by SEC1 `ECParameters`; explicit curve parameters are refused. */
function readCurve(node: Der): string {
  if (node.tag === Tag.OID) return readOid(node, CODE);
  if (node.tag === Tag.SEQUENCE)
    unsupported(
      'EC keys with explicit curve parameters are not supported; write the key with a named curve (`openssl ec -param_enc named_curve`)',
    );
  return fail('malformed EC key: bad curve parameters');
}

/** The curve OID of an `EC PARAMETERS` block, as `openssl ecparam -genkey` writes it. */
export function readEcParameters(der: Uint8Array): string {
  return readCurve(decode(der, CODE));
}

interface EcPrivateKey {
  /** The private scalar. */
  d: Uint8Array;
  /** Curve OID from the optional `[0]` parameters. */
  curveOid?: string;
  /** The optional public key BIT STRING, whole TLV. */
  publicKey?: Uint8Array;
}

/** Reads a SEC1 `ECPrivateKey`: `SEQUENCE { 1, OCTET STRING d, [0] params OPTIONAL, [1] pub OPTIONAL }`. */
function readEcPrivateKey(der: Uint8Array): EcPrivateKey {
  // RFC 5915 §3: at most 4 fields
  const parts = children(
    expectTag(decode(der, CODE), Tag.SEQUENCE, 'EC private key', CODE),
    CODE,
    5,
  );
  if (readSmallInt(expectTag(parts[0], Tag.INTEGER, 'EC key version', CODE), CODE) !== 1)
    fail('malformed EC key: unknown version');
  const d = expectTag(parts[1], Tag.OCTET_STRING, 'EC private scalar', CODE).value;
  if (d.length === 0) fail('malformed EC key: empty private scalar');
  const key: EcPrivateKey = { d };
  for (const part of parts.slice(2)) {
    if (part.tag === 0xa0 && key.curveOid === undefined && key.publicKey === undefined) {
      key.curveOid = readCurve(decode(part.value, CODE));
    } else if (part.tag === 0xa1 && key.publicKey === undefined) {
      key.publicKey = expectTag(
        decode(part.value, CODE),
        Tag.BIT_STRING,
        'EC public key',
        CODE,
      ).raw;
    } else fail('malformed EC key: unexpected field');
  }
  return key;
}

/** Modulus size in bits of a PKCS#1 `RSAPrivateKey`, after checking its shape. */
function readRsaPrivateKey(der: Uint8Array): { bits: number } {
  // RFC 8017 §A.1.2: version, 8 integers and otherPrimeInfos
  const parts = children(
    expectTag(decode(der, CODE), Tag.SEQUENCE, 'RSA private key', CODE),
    CODE,
    11,
  );
  if (parts.length < 9) fail('malformed RSA key: missing fields');
  for (const p of parts.slice(0, 9)) expectTag(p, Tag.INTEGER, 'RSA key field', CODE);
  const version = readSmallInt(parts[0]!, CODE);
  if (version !== 0 && version !== 1) fail('malformed RSA key: unknown version');
  let n = parts[1]!.value;
  if (n.length === 0 || n[0]! & 0x80) fail('malformed RSA key: bad modulus');
  while (n.length > 0 && n[0] === 0) n = n.subarray(1);
  return { bits: n.length === 0 ? 0 : (n.length - 1) * 8 + (32 - Math.clz32(n[0]!)) };
}

/**
 * What a PKCS#8 `PrivateKeyInfo` holds. Throws `ERR_KEY_INVALID` when the structure (including
 * the inner key of the types we know) is malformed; an unknown key type is described, not refused.
 */
export function describePkcs8(der: Uint8Array): PrivateKeyFacts {
  const { publicKeyBits: _, ...facts } = readPkcs8(der);
  return facts;
}

/**
 * {@link describePkcs8}, and for EC keys that carry it (RFC 5915 §3 `publicKey`) the public
 * point's BIT STRING, encoded as a certificate's SubjectPublicKeyInfo holds it. @internal
 */
export function readPkcs8(der: Uint8Array): PrivateKeyFacts & { publicKeyBits?: Uint8Array } {
  // RFC 5958 §2: at most 5 fields (version to publicKey)
  const parts = children(expectTag(decode(der, CODE), Tag.SEQUENCE, 'private key', CODE), CODE, 6);
  const version = readSmallInt(expectTag(parts[0], Tag.INTEGER, 'key version', CODE), CODE);
  if (version !== 0 && version !== 1) fail('malformed private key: unknown version');
  const alg = children(expectTag(parts[1], Tag.SEQUENCE, 'key algorithm', CODE), CODE);
  const id = readOid(expectTag(alg[0], Tag.OID, 'key algorithm', CODE), CODE);
  const inner = expectTag(parts[2], Tag.OCTET_STRING, 'private key', CODE).value;
  // [0] attributes and (version 1) [1] public key may follow, in that order.
  const rest = parts.slice(3).map((p) => p.tag);
  const allowed = version === 1 ? [[], [0xa0], [0x81], [0xa0, 0x81]] : [[], [0xa0]];
  if (!allowed.some((a) => a.join() === rest.join()))
    fail('malformed private key: unexpected fields');

  if (id === OID.ecPublicKey) {
    const curveOid = readCurve(alg[1] ?? fail('malformed EC key: no curve'));
    const key = readEcPrivateKey(inner);
    if (key.curveOid !== undefined && key.curveOid !== curveOid)
      fail('malformed EC key: two different curves');
    const curve = CURVES[curveOid];
    return {
      type: 'EC',
      curve: curve?.name ?? curveOid,
      bits: curve?.bits ?? 0,
      ...(key.publicKey && { publicKeyBits: key.publicKey }),
    };
  }
  if (id === OID.rsaEncryption || id === OID.rsassaPss) {
    const { bits } = readRsaPrivateKey(inner);
    return { type: id === OID.rsaEncryption ? 'RSA' : 'RSA-PSS', bits };
  }
  const other = OTHER_TYPES[id];
  if (other) {
    if (alg.length !== 1) fail(`malformed ${other.type} key: unexpected parameters`);
    expectTag(decode(inner, CODE), Tag.OCTET_STRING, `${other.type} private key`, CODE);
    return { ...other };
  }
  return { type: id, bits: 0 };
}

/**
 * Rewraps a SEC1 `EC PRIVATE KEY` as PKCS#8, the way `openssl pkcs8 -topk8` does: the curve moves
 * to the AlgorithmIdentifier. `curveOid` is the curve of a preceding `EC PARAMETERS` block, used
 * when the key itself names none.
 */
export function sec1ToPkcs8(der: Uint8Array, curveOid?: string): Uint8Array {
  const key = readEcPrivateKey(der);
  const curve = key.curveOid ?? curveOid;
  if (curve === undefined) fail('malformed EC key: it names no curve');
  const inner = seq(int(1), octets(key.d), ...(key.publicKey ? [explicit(1, key.publicKey)] : []));
  return seq(int(0), seq(oid(OID.ecPublicKey), oid(curve)), octets(inner));
}

/** Rewraps a PKCS#1 `RSA PRIVATE KEY` as PKCS#8. */
export function pkcs1ToPkcs8(der: Uint8Array): Uint8Array {
  readRsaPrivateKey(der);
  return seq(int(0), seq(oid(OID.rsaEncryption), nul()), octets(der));
}

/** Which private key container some DER is, from its shape (for DER input, which has no label). */
export function classifyPrivateKeyDer(der: Uint8Array): PrivateKeyFormat {
  // the longest of the shapes told apart here is PKCS#1's 10 fields
  const parts = children(expectTag(decode(der, CODE), Tag.SEQUENCE, 'private key', CODE), CODE, 11);
  const [a, b] = parts;
  if (parts.length === 2 && a?.tag === Tag.SEQUENCE && b?.tag === Tag.OCTET_STRING)
    return 'encrypted-pkcs8';
  if (a?.tag === Tag.INTEGER && b?.tag === Tag.SEQUENCE) return 'pkcs8';
  if (a?.tag === Tag.INTEGER && b?.tag === Tag.OCTET_STRING) return 'sec1';
  if (parts.length >= 9 && parts.slice(0, 9).every((p) => p.tag === Tag.INTEGER)) return 'pkcs1';
  return fail('not a private key: the DER is none of PKCS#8, SEC1 or PKCS#1');
}

/**
 * The SDK's {@link KeyAlgorithm} for a key, or the reason it is refused: `ERR_KEY_WEAK` for RSA
 * under 2048 bits, `ERR_KEY_UNSUPPORTED` for anything else outside the list.
 */
export function keyAlgorithmFor(facts: PrivateKeyFacts): KeyAlgorithm {
  if (facts.type === 'EC') {
    if (facts.curve === 'P-256' || facts.curve === 'P-384') return facts.curve;
    unsupported(`EC keys on curve ${facts.curve} are not supported; use P-256 or P-384`);
  }
  if (facts.type === 'Ed25519') return 'Ed25519';
  if (facts.type === 'RSA') {
    if (facts.bits < 2048)
      throw new NodeIdError(
        'ERR_KEY_WEAK',
        `RSA keys of ${facts.bits} bits are too weak; use at least 2048 bits`,
      );
    if (facts.bits === 2048 || facts.bits === 3072 || facts.bits === 4096)
      return `RSA-${facts.bits}` as KeyAlgorithm;
    unsupported(`RSA keys of ${facts.bits} bits are not supported; use 2048, 3072 or 4096`);
  }
  return unsupported(
    `${facts.type} keys are not supported; use one of ${KEY_ALGORITHMS.join(', ')}`,
  );
}
