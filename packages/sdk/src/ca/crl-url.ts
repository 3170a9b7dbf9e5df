/** Checks the CRL addresses a CA writes into the certificates it issues. */
import { NodeIdError } from '../errors.js';

/**
 * Checks one CRL address and returns it normalized (WHATWG URL serialization). RFC 5280
 * §4.2.1.13: a distribution point's fullName is a URI; for `http` it names a DER CRL that
 * relying parties fetch with a plain GET. Only `http:` and `https:` URLs with a host are
 * accepted (no credentials, no fragment): an `https` CRL address works with most verifiers but
 * makes fetching the CRL depend on another certificate, so `http` is what CAs usually publish.
 *
 * @example
 * ```ts
 * checkCrlUrl('http://ca.example.net:8443/v1/crl'); // 'http://ca.example.net:8443/v1/crl'
 * checkCrlUrl('ldap://x'); // throws ERR_INVALID_ARGUMENT
 * ```
 */
export function checkCrlUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `"${String(url)}" is not a URL; a CRL address looks like http://ca.example.net:8443/v1/crl`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `the CRL address "${url}" must be an http:// (or https://) URL`,
    );
  if (!parsed.hostname || parsed.username || parsed.password || parsed.hash)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `the CRL address "${url}" must name a host and hold no credentials or #fragment`,
    );
  return parsed.href;
}

/** {@link checkCrlUrl} on each address of a list. @internal */
export function checkCrlUrls(urls: readonly string[]): string[] {
  if (!Array.isArray(urls))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'crlDistributionPoints must be a list of URLs');
  return urls.map(checkCrlUrl);
}
