/**
 * What an ACME client proves control of an identifier with: the key authorization (RFC 8555
 * §8.1) and the value each challenge type publishes (http-01 §8.3, dns-01 §8.4, tls-alpn-01
 * RFC 8737 §3), computed once here for the server that checks them and the tests that answer.
 */
import { toBase64Url, utf8 } from '../lib/base64url.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { type AccountJwk, jwkThumbprint } from './account-key.js';

/** A challenge token (RFC 8555 §8.1: at least 128 bits of entropy, base64url): 32 random bytes. */
export function newChallengeToken(options: CryptoOptions = {}): string {
  return toBase64Url(getCrypto(options).getRandomValues(new Uint8Array(32)));
}

/**
 * The key authorization of a challenge: `token || '.' || base64url(JWK_Thumbprint(accountKey))`
 * (RFC 8555 §8.1).
 *
 * @example
 * ```ts
 * const keyAuth = await keyAuthorization(challenge.token, accountJwk);
 * ```
 */
export async function keyAuthorization(
  token: string,
  accountJwk: AccountJwk,
  options: CryptoOptions = {},
): Promise<string> {
  return `${token}.${await jwkThumbprint(accountJwk, options)}`;
}

/**
 * True when an http-01 response body is the key authorization (RFC 8555 §8.3: the server
 * "SHOULD ignore whitespace characters at the end of the body").
 */
export function http01ResponseMatches(body: string, keyAuth: string): boolean {
  return body.replace(/[\s]+$/, '') === keyAuth;
}

/** The dns-01 TXT record value: base64url(SHA-256(key authorization)) (RFC 8555 §8.4). */
export async function dns01TxtValue(keyAuth: string, options: CryptoOptions = {}): Promise<string> {
  const digest = await getCrypto(options).subtle.digest('SHA-256', utf8(keyAuth) as BufferSource);
  return toBase64Url(new Uint8Array(digest));
}

/**
 * The value of the tls-alpn-01 acmeIdentifier extension: SHA-256 of the key authorization
 * (RFC 8737 §3; the extnValue is this digest as a DER OCTET STRING).
 */
export async function tlsAlpn01Digest(
  keyAuth: string,
  options: CryptoOptions = {},
): Promise<Uint8Array> {
  return new Uint8Array(
    await getCrypto(options).subtle.digest('SHA-256', utf8(keyAuth) as BufferSource),
  );
}
