/**
 * SubjectPublicKeyInfo and PKCS#8 of WebCrypto keys. For EC and Ed25519 keys both are built from
 * the JWK export and a fixed DER layout: in Node a JWK export costs a few microseconds where an
 * `spki` or `pkcs8` export costs 50–100, and issuing identities makes one of each per node.
 * The bytes are the same as WebCrypto's own exports (test/keys/key-export.test.ts proves it);
 * other keys (RSA) use WebCrypto's exports.
 */
import { guard } from '../errors.js';
import { fromBase64 } from './bytes.js';
import { bits, int, octets, oid, seq, tlv } from './der.js';
import { OID } from './oids.js';

const CURVES: Record<string, { oid: string; size: number }> = {
  'P-256': { oid: OID.p256, size: 32 },
  'P-384': { oid: OID.p384, size: 48 },
};

function b64url(text: string | undefined, size: number): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const padded =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bytes = fromBase64(padded);
  return bytes && bytes.length === size ? bytes : undefined;
}

function ecPoint(jwk: JsonWebKey, size: number): Uint8Array | undefined {
  const x = b64url(jwk.x, size);
  const y = b64url(jwk.y, size);
  if (!x || !y) return undefined;
  const point = new Uint8Array(1 + 2 * size);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 1 + size);
  return point;
}

/** The SubjectPublicKeyInfo of an EC public point (RFC 5480 §2), unchecked. @internal */
export function ecSpki(curveOid: string, point: Uint8Array): Uint8Array {
  return seq(seq(oid(OID.ecPublicKey), oid(curveOid)), bits(point));
}

/**
 * The PKCS#8 PrivateKeyInfo (RFC 5208 §5) of an EC key, unchecked: an ECPrivateKey (RFC 5915 §3)
 * with the public key and without the parameters, which the algorithm identifier carries (RFC
 * 5915 §3: they "MAY be omitted"), as WebCrypto exports it. @internal
 */
export function ecPkcs8(curveOid: string, d: Uint8Array, point: Uint8Array): Uint8Array {
  const ecPrivateKey = seq(int(1), octets(d), tlv(0xa1, bits(point)));
  return seq(int(0), seq(oid(OID.ecPublicKey), oid(curveOid)), octets(ecPrivateKey));
}

/** SPKI from a JWK, or undefined when the fast layout does not apply. */
function spkiFromJwk(key: CryptoKey, jwk: JsonWebKey): Uint8Array | undefined {
  const alg = key.algorithm as EcKeyAlgorithm;
  if (alg.name === 'ECDSA' && CURVES[alg.namedCurve]) {
    const curve = CURVES[alg.namedCurve]!;
    const point = ecPoint(jwk, curve.size);
    return point && ecSpki(curve.oid, point);
  }
  if (alg.name === 'Ed25519') {
    const x = b64url(jwk.x, 32);
    return x && seq(seq(oid(OID.ed25519)), bits(x));
  }
  return undefined;
}

function fastLayout(key: CryptoKey): boolean {
  const alg = key.algorithm as EcKeyAlgorithm;
  return (alg.name === 'ECDSA' && CURVES[alg.namedCurve] !== undefined) || alg.name === 'Ed25519';
}

/** The SubjectPublicKeyInfo DER of a public key. */
export async function exportSpki(subtle: SubtleCrypto, publicKey: CryptoKey): Promise<Uint8Array> {
  return guard('ERR_KEY_INVALID', 'the public key cannot be exported', async () => {
    if (fastLayout(publicKey)) {
      const spki = spkiFromJwk(publicKey, await subtle.exportKey('jwk', publicKey));
      if (spki) return spki;
    }
    return new Uint8Array(await subtle.exportKey('spki', publicKey));
  });
}

/** The PKCS#8 DER of an extractable private key. */
export async function exportPkcs8(
  subtle: SubtleCrypto,
  privateKey: CryptoKey,
): Promise<Uint8Array> {
  return guard('ERR_KEY_INVALID', 'the private key cannot be exported', async () => {
    if (fastLayout(privateKey)) {
      const jwk = await subtle.exportKey('jwk', privateKey);
      const alg = privateKey.algorithm as EcKeyAlgorithm;
      if (alg.name === 'Ed25519') {
        const d = b64url(jwk.d, 32);
        if (d) return seq(int(0), seq(oid(OID.ed25519)), octets(octets(d)));
      } else {
        const curve = CURVES[alg.namedCurve]!;
        const d = b64url(jwk.d, curve.size);
        const point = ecPoint(jwk, curve.size);
        if (d && point) return ecPkcs8(curve.oid, d, point);
      }
    }
    return new Uint8Array(await subtle.exportKey('pkcs8', privateKey));
  });
}
