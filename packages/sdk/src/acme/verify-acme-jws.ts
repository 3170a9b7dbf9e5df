/**
 * The JWS of an ACME request (RFC 8555 §6.2, RFC 7515 §7.2.2 flattened JSON serialization):
 * parsed and checked for shape first (no I/O, nothing verified), then its signature verified
 * with the account key the caller looked up (`kid`) or was given (`jwk`).
 */
import { fromBase64Url, utf8 } from '../lib/base64url.js';
import type { CryptoOptions } from '../lib/crypto.js';
import {
  type AccountAlgorithm,
  type AccountJwk,
  isAccountAlgorithm,
  verifyAccountSignature,
} from './account-key.js';
import { acmeError } from './acme-problem.js';

/** The protected header of an ACME JWS, as RFC 8555 §6.2 requires it. */
export interface AcmeProtectedHeader {
  alg: AccountAlgorithm;
  /** The anti-replay nonce (RFC 8555 §6.5); checked by the server against those it issued. */
  nonce: string;
  /** The URL the request was sent to (RFC 8555 §6.4). */
  url: string;
  /** The account key: only for newAccount and revokeCert by certificate key. */
  jwk?: AccountJwk;
  /** The account URL: every other request. */
  kid?: string;
}

/** A parsed ACME JWS, not yet verified. */
export interface AcmeJws {
  header: AcmeProtectedHeader;
  /** The payload parsed as JSON; `undefined` for POST-as-GET (an empty payload, RFC 8555 §6.3). */
  payload: unknown;
  /** `protected.payload` as ASCII bytes: what the signature covers (RFC 7515 §5.2). */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

const malformed = (message: string) => acmeError('malformed', message);

/** Options of {@link parseAcmeJws}. */
export interface ParseAcmeJwsOptions {
  /**
   * Parse the inner JWS of a keyChange request (RFC 8555 §7.3.5): `jwk` required, no `nonce`
   * (`header.nonce` is then `''`).
   */
  keyChange?: boolean;
}

/** A JSON object decoded from base64url, or `malformed`. */
function jsonOf(part: string, what: string): unknown {
  const bytes = fromBase64Url(part);
  if (!bytes) throw malformed(`the JWS ${what} is not base64url`);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed(`the JWS ${what} is not JSON`);
  }
}

/**
 * Parses the body of an ACME POST as a flattened JWS and checks its protected header against
 * RFC 8555 §6.2 and RFC 7515: `protected`, `payload`, `signature` members only (no unprotected
 * `header`, no detached payload); `alg` one of ES256, ES384, RS256, EdDSA (`none` and MACs:
 * `badSignatureAlgorithm`); `nonce` present (else `badNonce`); `url` present; exactly one of
 * `jwk` and `kid`; `b64` false (RFC 7797) and any `crit` refused. The payload must be a JSON
 * object or empty (POST-as-GET).
 *
 * @example
 * ```ts
 * const jws = parseAcmeJws(await request.json());
 * if (jws.header.url !== requestUrl) throw acmeError('unauthorized', 'wrong url');
 * await verifyAcmeJws(jws, jws.header.jwk ?? storedAccountKey);
 * ```
 */
export function parseAcmeJws(body: unknown, options: ParseAcmeJwsOptions = {}): AcmeJws {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw malformed('the request body is not a JWS in flattened JSON serialization');
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => !['protected', 'payload', 'signature'].includes(k));
  if (extra.length > 0)
    throw malformed(
      `the JWS has ${extra.map((k) => `"${k}"`).join(', ')}: ACME allows no unprotected header (RFC 8555 §6.2)`,
    );
  if (typeof b['protected'] !== 'string' || typeof b['signature'] !== 'string')
    throw malformed('the JWS needs "protected" and "signature" as base64url strings');
  if (typeof b['payload'] !== 'string')
    throw malformed(
      'the JWS payload is missing; a detached payload is not allowed (RFC 8555 §6.2)',
    );
  const protectedPart = b['protected'];
  const payloadPart = b['payload'];
  const header = jsonOf(protectedPart, 'protected header');
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw malformed('the JWS protected header is not a JSON object');
  const h = header as Record<string, unknown>;
  if (h['b64'] === false)
    throw malformed(
      '"b64" is not allowed in an ACME JWS: the payload must be base64url (RFC 7797)',
    );
  if ('crit' in h)
    throw malformed('the JWS "crit" header names extensions this server does not know');
  if (!isAccountAlgorithm(h['alg']))
    throw acmeError(
      'badSignatureAlgorithm',
      `the JWS algorithm "${String(h['alg'])}" is not accepted; use ES256, ES384, RS256 or EdDSA`,
    );
  if (options.keyChange) {
    // the inner JWS of keyChange: the new key as jwk, no nonce (RFC 8555 §7.3.5)
    if ('nonce' in h)
      throw malformed('the inner JWS of keyChange must not have a nonce (RFC 8555 §7.3.5)');
    if (!('jwk' in h) || 'kid' in h)
      throw malformed('the inner JWS of keyChange must carry the new key as "jwk"');
  } else {
    if (typeof h['nonce'] !== 'string' || h['nonce'].length === 0)
      throw acmeError('badNonce', 'the JWS has no "nonce" header (RFC 8555 §6.5)');
    if (!fromBase64Url(h['nonce'])) throw acmeError('badNonce', 'the JWS nonce is not base64url');
  }
  if (typeof h['url'] !== 'string' || h['url'].length === 0)
    throw acmeError('unauthorized', 'the JWS has no "url" header (RFC 8555 §6.4)');
  const hasJwk = 'jwk' in h;
  const hasKid = 'kid' in h;
  if (hasJwk === hasKid)
    throw malformed('the JWS header must have exactly one of "jwk" and "kid" (RFC 8555 §6.2)');
  if (hasJwk && (typeof h['jwk'] !== 'object' || h['jwk'] === null || Array.isArray(h['jwk'])))
    throw malformed('the JWS "jwk" is not a JSON object');
  if (hasKid && (typeof h['kid'] !== 'string' || h['kid'].length === 0))
    throw malformed('the JWS "kid" is not an account URL');
  const signature = fromBase64Url(b['signature']);
  if (!signature || signature.length === 0) throw malformed('the JWS signature is not base64url');
  const payload = payloadPart === '' ? undefined : jsonOf(payloadPart, 'payload');
  if (
    payload !== undefined &&
    (typeof payload !== 'object' || payload === null || Array.isArray(payload))
  )
    throw malformed('the JWS payload is not a JSON object');
  return {
    header: {
      alg: h['alg'],
      nonce: (h['nonce'] as string | undefined) ?? '',
      url: h['url'],
      ...(hasJwk && { jwk: h['jwk'] as AccountJwk }),
      ...(hasKid && { kid: h['kid'] as string }),
    },
    payload,
    signingInput: utf8(`${protectedPart}.${payloadPart}`),
    signature,
  };
}

/**
 * Verifies the signature of a parsed ACME JWS with `jwk` (the header's own `jwk`, or the key of
 * the account its `kid` names). A bad signature: `malformed` (as Boulder and pebble answer it);
 * a key unfit for `alg`: `badPublicKey`.
 */
export async function verifyAcmeJws(
  jws: AcmeJws,
  jwk: AccountJwk,
  options: CryptoOptions = {},
): Promise<void> {
  const ok = await verifyAccountSignature(
    jws.header.alg,
    jwk,
    jws.signingInput,
    jws.signature,
    options,
  );
  if (!ok) throw malformed('the JWS signature does not verify with the account key');
}
