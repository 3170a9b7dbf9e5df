/**
 * Whether a CRL fetched from a distribution point may replace the one a node holds: signed by a
 * CA of the node's chain with the right to sign CRLs, current, processable, and not older than
 * the CRL it replaces.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import type { CryptoOptions } from '../lib/crypto.js';
import { namesEqual } from '../verify/compare-names.js';
import { type Crl, type CrlInput, parseCrl } from './parse-crl.js';
import { verifyCrlSignature } from './verify-crl-signature.js';

/** Options of {@link acceptCrl}. */
export interface AcceptCrlOptions extends CryptoOptions {
  /** The CA certificates that may have issued the CRL: the node's trust anchors and intermediates. */
  issuers: readonly CertificateInput[];
  /** The CRLs the node holds now: a fetched CRL of the same issuer must not be older. */
  previous?: readonly CrlInput[];
  /** The time to judge at; default the system clock. */
  now?: Date;
}

/** Why a CRL was refused. */
export type CrlRefusal =
  /** No CA given has the CRL's issuer name and a key its signature verifies under. */
  | 'unknown-issuer'
  /** The issuing CA's keyUsage does not allow cRLSign (RFC 5280 §4.2.1.3). */
  | 'not-a-crl-signer'
  /** thisUpdate is in the future, or nextUpdate has passed. */
  | 'not-current'
  /** A critical extension the SDK cannot process (RFC 5280 §5.2), or a structural problem. */
  | 'unprocessable'
  /** Its cRLNumber is lower than the held CRL's of the same issuer (RFC 5280 §5.2.3). */
  | 'older';

/** The answer of {@link acceptCrl}. */
export type AcceptCrlResult =
  | { accepted: true; crl: Crl; issuer: Certificate }
  | { accepted: false; reason: CrlRefusal; message: string };

/**
 * Checks a fetched CRL before a node writes it for its TLS server (e.g. nginx's `ssl_crl`): the
 * CRL's signature verifies under the key of one of `issuers` whose subject is the CRL's issuer
 * name (RFC 5280 §6.3.3 (f)), that CA may sign CRLs (keyUsage cRLSign when keyUsage is present,
 * §4.2.1.3), thisUpdate ≤ now < nextUpdate (§5.1.2.4, §5.1.2.5), no critical extension is left
 * unprocessed (§5.2), and its cRLNumber is not lower than that of a `previous` CRL of the same
 * issuer (§5.2.3: numbers increase; an older CRL could un-revoke a certificate). Throws
 * `ERR_CRL_INVALID` for input that is not a CRL.
 *
 * @example
 * ```ts
 * const r = await acceptCrl(fetchedDer, { issuers: [rootPem, intermediatePem], previous: [heldPem] });
 * if (!r.accepted) console.error(`CRL refused (${r.reason}): ${r.message}`);
 * ```
 */
export async function acceptCrl(
  input: CrlInput,
  options: AcceptCrlOptions,
): Promise<AcceptCrlResult> {
  const crl = parseCrl(input);
  const now = (options.now ?? new Date()).getTime();
  const named = options.issuers
    .map((c) => parseCertificate(c))
    .filter((c) => namesEqual(c.subject, crl.issuer));
  let issuer: Certificate | undefined;
  for (const candidate of named)
    if (await verifyCrlSignature(crl, candidate, options)) {
      issuer = candidate;
      break;
    }
  if (!issuer)
    return refuse(
      'unknown-issuer',
      `the CRL of "${crl.issuer.text}" is not signed by any CA this node trusts`,
    );
  if (issuer.keyUsage && !issuer.keyUsage.includes('cRLSign'))
    return refuse('not-a-crl-signer', `"${issuer.subject.text}" may not sign CRLs (no cRLSign)`);
  if (crl.unhandledCriticalExtensions.length > 0 || crl.problems.length > 0)
    return refuse(
      'unprocessable',
      `the CRL of "${crl.issuer.text}" cannot be relied on: ${[...crl.unhandledCriticalExtensions.map((o) => `unknown critical extension ${o}`), ...crl.problems].join('; ')}`,
    );
  if (crl.thisUpdate.getTime() > now || (crl.nextUpdate && crl.nextUpdate.getTime() <= now))
    return refuse(
      'not-current',
      `the CRL of "${crl.issuer.text}" is valid from ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate?.toISOString() ?? '(no nextUpdate)'}, not now`,
    );
  for (const held of (options.previous ?? []).map((p) => parseCrl(p)))
    if (
      namesEqual(held.issuer, crl.issuer) &&
      held.crlNumber !== undefined &&
      crl.crlNumber !== undefined &&
      crl.crlNumber < held.crlNumber
    )
      return refuse(
        'older',
        `the CRL of "${crl.issuer.text}" has number ${crl.crlNumber}, older than the held CRL's ${held.crlNumber}`,
      );
  return { accepted: true, crl, issuer };
}

function refuse(reason: CrlRefusal, message: string): AcceptCrlResult {
  return { accepted: false, reason, message };
}
