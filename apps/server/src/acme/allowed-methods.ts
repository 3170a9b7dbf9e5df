/**
 * Which HTTP methods each ACME resource answers. RFC 8555 §6.3: the directory and newNonce take
 * GET (and HEAD, §7.2) as well as POST-as-GET; every other resource SHOULD NOT take GET, so it
 * answers anything but POST with 405 Method Not Allowed and an `Allow` header (RFC 9110
 * §15.5.6). renewalInfo (RFC 9773 §4) is an unauthenticated GET. A path that is no resource: 404.
 */

const RESOURCES: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/(directory|new-nonce)$/, ['GET', 'HEAD', 'POST']],
  [/^\/renewal-info\/[^/]+$/, ['GET', 'HEAD']],
  // RFC 8555 §7.3.3 "instance": a page for a human
  [/^\/terms-of-service$/, ['GET', 'HEAD']],
  [/^\/(new-account|new-order|revoke-cert|key-change)$/, ['POST']],
  [/^\/account\/[^/]+(\/orders)?$/, ['POST']],
  [/^\/order\/[^/]+(\/finalize)?$/, ['POST']],
  [/^\/(authz|certificate)\/[^/]+$/, ['POST']],
  [/^\/challenge\/[^/]+\/[^/]+$/, ['POST']],
];

/**
 * The methods the resource at `path` (relative to the ACME base, e.g. `/order/abc`) answers, or
 * `undefined` when no ACME resource has that path.
 */
export function allowedMethods(path: string): readonly string[] | undefined {
  return RESOURCES.find(([pattern]) => pattern.test(path))?.[1];
}
