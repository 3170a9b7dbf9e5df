/**
 * ACME account keys as JWKs: which ones an account may have, how they are imported for
 * WebCrypto, and their RFC 7638 thumbprint (the account's identity in key authorizations).
 */
import { NodeIdError } from '../errors.js';
import { fromBase64Url, toBase64Url, utf8 } from '../lib/base64url.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { acmeError } from './acme-problem.js';

/** A public account key: the members RFC 7518 §6 and RFC 8037 §2 define, nothing else needed. */
export interface AccountJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}

/** The JWS algorithms an account key may sign with (RFC 8555 §6.2: ES256 and EdDSA SHOULD, RS256 MUST). */
export type AccountAlgorithm = 'ES256' | 'ES384' | 'RS256' | 'EdDSA';

const ALGORITHMS = new Set<string>(['ES256', 'ES384', 'RS256', 'EdDSA']);

/** True for an algorithm an account key may use; `none` and the MACs (HS*) never are (RFC 8555 §6.2). */
export function isAccountAlgorithm(alg: unknown): alg is AccountAlgorithm {
  return typeof alg === 'string' && ALGORITHMS.has(alg);
}

const str = (jwk: AccountJwk, member: string): string => {
  const v = jwk[member];
  if (typeof v !== 'string' || v.length === 0 || !fromBase64Url(v))
    throw acmeError('badPublicKey', `the account key's "${member}" is missing or not base64url`);
  return v;
};

/**
 * The RFC 7638 §3 thumbprint of a public JWK: SHA-256 over the JSON of its required members
 * only, in lexicographic order, no whitespace (EC: crv, kty, x, y; RSA: e, kty, n; OKP: crv,
 * kty, x, RFC 8037 §2), base64url.
 *
 * @example
 * ```ts
 * await jwkThumbprint({ kty: 'EC', crv: 'P-256', x: '…', y: '…' }); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export async function jwkThumbprint(jwk: AccountJwk, options: CryptoOptions = {}): Promise<string> {
  let canonical: string;
  if (jwk?.kty === 'EC')
    canonical = JSON.stringify({
      crv: jwk.crv,
      kty: 'EC',
      x: str(jwk, 'x'),
      y: str(jwk, 'y'),
    });
  else if (jwk?.kty === 'RSA')
    canonical = JSON.stringify({ e: str(jwk, 'e'), kty: 'RSA', n: str(jwk, 'n') });
  else if (jwk?.kty === 'OKP')
    canonical = JSON.stringify({ crv: jwk.crv, kty: 'OKP', x: str(jwk, 'x') });
  else throw acmeError('badPublicKey', `unsupported account key type "${String(jwk?.kty)}"`);
  const digest = await getCrypto(options).subtle.digest('SHA-256', utf8(canonical) as BufferSource);
  return toBase64Url(new Uint8Array(digest));
}

/** The WebCrypto import and verify parameters for a JWS `alg` and a key. */
function parameters(alg: AccountAlgorithm, jwk: AccountJwk) {
  switch (alg) {
    case 'ES256':
    case 'ES384': {
      const crv = alg === 'ES256' ? 'P-256' : 'P-384';
      if (jwk.kty !== 'EC' || jwk.crv !== crv)
        throw acmeError('badPublicKey', `${alg} needs an EC ${crv} key (RFC 7518 §3.4)`);
      return {
        import: { name: 'ECDSA', namedCurve: crv },
        verify: { name: 'ECDSA', hash: alg === 'ES256' ? 'SHA-256' : 'SHA-384' },
        signatureBytes: alg === 'ES256' ? 64 : 96,
      };
    }
    case 'RS256': {
      if (jwk.kty !== 'RSA') throw acmeError('badPublicKey', 'RS256 needs an RSA key');
      // RSA below 2048 bits is refused for accounts as for certificates (RFC 7518 §3.3, BR §6.1.5)
      const bits =
        (fromBase64Url(str(jwk, 'n'))?.filter((_, i, a) => i > 0 || a[0] !== 0).length ?? 0) * 8;
      if (bits < 2048)
        throw acmeError(
          'badPublicKey',
          `the RSA account key has ${bits} bits; at least 2048 are needed`,
        );
      return {
        import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        verify: { name: 'RSASSA-PKCS1-v1_5' },
        signatureBytes: undefined,
      };
    }
    case 'EdDSA':
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519')
        throw acmeError('badPublicKey', 'EdDSA account keys must be Ed25519 (RFC 8037)');
      return { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' }, signatureBytes: 64 };
  }
}

/**
 * Checks `signature` over `data` with the account key `jwk` under `alg`. A key that does not
 * fit the algorithm (or is weak, or malformed): `badPublicKey`; the signature: `false`.
 */
export async function verifyAccountSignature(
  alg: AccountAlgorithm,
  jwk: AccountJwk,
  data: Uint8Array,
  signature: Uint8Array,
  options: CryptoOptions = {},
): Promise<boolean> {
  const p = parameters(alg, jwk);
  const subtle = getCrypto(options).subtle;
  // only the public members: a JWK carrying "d" (a private key) is not an account key
  if ('d' in jwk) throw acmeError('badPublicKey', 'the account key is a private key');
  const publicJwk: JsonWebKey =
    jwk.kty === 'EC'
      ? { kty: 'EC', crv: jwk.crv as string, x: str(jwk, 'x'), y: str(jwk, 'y') }
      : jwk.kty === 'RSA'
        ? { kty: 'RSA', n: str(jwk, 'n'), e: str(jwk, 'e') }
        : { kty: 'OKP', crv: 'Ed25519', x: str(jwk, 'x') };
  let key: CryptoKey;
  try {
    key = await subtle.importKey('jwk', publicJwk, p.import, false, ['verify']);
  } catch (cause) {
    throw acmeError(
      'badPublicKey',
      `the account key cannot be used: ${(cause as Error).message}`,
      cause,
    );
  }
  if (p.signatureBytes !== undefined && signature.length !== p.signatureBytes) return false;
  try {
    return await subtle.verify(p.verify, key, signature as BufferSource, data as BufferSource);
  } catch (cause) {
    if (NodeIdError.isInstance(cause)) throw cause;
    return false;
  }
}

/**
 * True when the account key `jwk` is the public key of `spki` (a certificate's
 * SubjectPublicKeyInfo DER): revokeCert signed with the certificate's own key (RFC 8555 §7.6).
 * Compared as DER after a WebCrypto round trip, so encodings of one key compare equal.
 */
export async function jwkMatchesPublicKey(
  jwk: AccountJwk,
  spki: Uint8Array,
  options: CryptoOptions = {},
): Promise<boolean> {
  const subtle = getCrypto(options).subtle;
  const algorithm =
    jwk.kty === 'EC'
      ? { name: 'ECDSA', namedCurve: String(jwk.crv) }
      : jwk.kty === 'RSA'
        ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
        : { name: 'Ed25519' };
  try {
    const key = await subtle.importKey(
      'jwk',
      { ...jwk, key_ops: ['verify'], ext: true } as JsonWebKey,
      algorithm,
      true,
      ['verify'],
    );
    const der = new Uint8Array(await subtle.exportKey('spki', key));
    return der.length === spki.length && der.every((b, i) => b === spki[i]);
  } catch {
    return false;
  }
}
