/**
 * External Account Binding (RFC 8555 §7.3.4): the inner JWS of a newAccount request, a MAC by a
 * key the CA handed out (here: with an enrollment token) over the account key, proving the
 * account is made by whoever holds that key.
 */
import { fromBase64Url, toBase64Url, utf8 } from '../lib/base64url.js';
import { timingSafeEqual } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { type AccountJwk, jwkThumbprint } from './account-key.js';
import { acmeError } from './acme-problem.js';

const HASHES: Record<string, string> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

/** An `externalAccountBinding` read but not yet verified: its key id says which key to check it with. */
export interface ParsedExternalAccountBinding {
  /** The key identifier the CA gave with the MAC key (RFC 8555 §7.3.4 "kid"). */
  kid: string;
  alg: 'HS256' | 'HS384' | 'HS512';
  /** The inner "url": must equal the outer JWS's url. */
  url: string;
  protectedPart: string;
  payloadPart: string;
  signature: Uint8Array;
}

const malformed = (message: string) => acmeError('malformed', message);

/**
 * Reads the `externalAccountBinding` member of a newAccount payload: a flattened JWS whose
 * protected header has a MAC `alg` (HS256, HS384, HS512), `kid` and `url`, and no `nonce`
 * (RFC 8555 §7.3.4), and no unprotected `header` (§6.2); anything else is `malformed`.
 */
export function parseExternalAccountBinding(eab: unknown): ParsedExternalAccountBinding {
  if (typeof eab !== 'object' || eab === null || Array.isArray(eab))
    throw malformed('externalAccountBinding is not a JWS object');
  const e = eab as Record<string, unknown>;
  const { protected: protectedPart, payload: payloadPart, signature } = e;
  if (
    typeof protectedPart !== 'string' ||
    typeof payloadPart !== 'string' ||
    typeof signature !== 'string'
  )
    throw malformed('externalAccountBinding needs "protected", "payload" and "signature"');
  // RFC 8555 §6.2 for every JWS of a request, the binding included: nothing outside the MAC
  if ('header' in e)
    throw malformed(
      'the externalAccountBinding must not have an unprotected header (RFC 8555 §6.2, §7.3.4)',
    );
  const bytes = fromBase64Url(protectedPart);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes ?? new Uint8Array([0])),
    );
  } catch {
    throw malformed('the externalAccountBinding protected header is not base64url JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw malformed('the externalAccountBinding protected header is not a JSON object');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !(alg in HASHES))
    throw acmeError(
      'badSignatureAlgorithm',
      `the externalAccountBinding must be a MAC (HS256, HS384 or HS512), not "${String(alg)}"`,
    );
  if ('nonce' in header)
    throw malformed('the externalAccountBinding must not have a nonce (RFC 8555 §7.3.4)');
  if (typeof header['kid'] !== 'string' || header['kid'].length === 0)
    throw malformed('the externalAccountBinding has no "kid"');
  if (typeof header['url'] !== 'string') throw malformed('the externalAccountBinding has no "url"');
  const sig = fromBase64Url(signature);
  if (!sig || sig.length === 0)
    throw malformed('the externalAccountBinding signature is not base64url');
  return {
    kid: header['kid'],
    alg: alg as ParsedExternalAccountBinding['alg'],
    url: header['url'],
    protectedPart,
    payloadPart,
    signature: sig,
  };
}

/** What {@link verifyExternalAccountBinding} checks the binding against. */
export interface VerifyExternalAccountBindingOptions extends CryptoOptions {
  binding: ParsedExternalAccountBinding;
  /** The account key of the outer JWS: the binding's payload must be this key. */
  accountJwk: AccountJwk;
  /** The outer JWS's url (the newAccount URL). */
  url: string;
  /** The MAC key the CA issued for `binding.kid`. */
  hmacKey: Uint8Array;
}

/**
 * Verifies an External Account Binding (RFC 8555 §7.3.4): the inner `url` is the outer one, the
 * payload is the same public key as the outer JWS's `jwk` (compared by RFC 7638 thumbprint), and
 * the MAC verifies with `hmacKey` (WebCrypto's HMAC verify, a constant-time compare). A wrong
 * MAC or another key: `unauthorized`; a wrong url: `malformed`.
 *
 * @example
 * ```ts
 * const binding = parseExternalAccountBinding(payload.externalAccountBinding);
 * const hmacKey = await lookUpKey(binding.kid);
 * await verifyExternalAccountBinding({ binding, accountJwk: jws.header.jwk, url, hmacKey });
 * ```
 */
export async function verifyExternalAccountBinding(
  options: VerifyExternalAccountBindingOptions,
): Promise<void> {
  const { binding, accountJwk, url, hmacKey } = options;
  if (binding.url !== url)
    throw malformed('the externalAccountBinding url is not the newAccount URL (RFC 8555 §7.3.4)');
  const subtle = getCrypto(options).subtle;
  const key = await subtle.importKey(
    'raw',
    hmacKey as BufferSource,
    { name: 'HMAC', hash: HASHES[binding.alg]! },
    false,
    ['verify'],
  );
  const ok = await subtle.verify(
    'HMAC',
    key,
    binding.signature as BufferSource,
    utf8(`${binding.protectedPart}.${binding.payloadPart}`) as BufferSource,
  );
  if (!ok) throw acmeError('unauthorized', 'the externalAccountBinding MAC does not verify');
  const inner = fromBase64Url(binding.payloadPart);
  let innerJwk: AccountJwk;
  try {
    innerJwk = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(inner ?? new Uint8Array([0])),
    );
  } catch {
    throw malformed('the externalAccountBinding payload is not a JWK');
  }
  const [a, b] = await Promise.all([
    jwkThumbprint(innerJwk, options),
    jwkThumbprint(accountJwk, options),
  ]);
  if (!timingSafeEqual(utf8(a), utf8(b)))
    throw acmeError(
      'unauthorized',
      'the externalAccountBinding binds another key than the account key',
    );
}

/**
 * Makes an External Account Binding for `accountJwk`: what an ACME client sends; for tests and
 * for clients written on the SDK.
 */
export async function createExternalAccountBinding(
  options: {
    kid: string;
    hmacKey: Uint8Array;
    url: string;
    accountJwk: AccountJwk;
  } & CryptoOptions,
): Promise<{ protected: string; payload: string; signature: string }> {
  const protectedPart = toBase64Url(
    utf8(JSON.stringify({ alg: 'HS256', kid: options.kid, url: options.url })),
  );
  const payloadPart = toBase64Url(utf8(JSON.stringify(options.accountJwk)));
  const subtle = getCrypto(options).subtle;
  const key = await subtle.importKey(
    'raw',
    options.hmacKey as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await subtle.sign(
    'HMAC',
    key,
    utf8(`${protectedPart}.${payloadPart}`) as BufferSource,
  );
  return {
    protected: protectedPart,
    payload: payloadPart,
    signature: toBase64Url(new Uint8Array(mac)),
  };
}
