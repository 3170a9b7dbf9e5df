/**
 * Describes a CRL as plain JSON-safe data. Inspection only: the signature is not checked (use
 * `verifyCrlSignature`); `problems` lists what the parser found wrong.
 */
import { type CrlInput, parseCrl } from '../crl/parse-crl.js';
import { toColonHex } from '../lib/bytes.js';
import type { CryptoOptions } from '../lib/crypto.js';
import { fullNamesOf } from '../lib/distribution-point.js';
import type { GeneralName } from '../lib/general-name.js';
import {
  describeExtension,
  describeName,
  type InspectedExtension,
  type InspectedName,
} from './describe.js';
import { fingerprints } from './fingerprints.js';

/** One revoked certificate, as plain data. */
export interface InspectedCrlEntry {
  /** Lower-case hex, the same form as a certificate's `serialNumber`. */
  serialNumber: string;
  /** ISO 8601 UTC. */
  revokedAt: string;
  reason?: string;
  /** ISO 8601 UTC. */
  invalidityDate?: string;
  /** In an indirect CRL, the issuer of the revoked certificate (RFC 5280 §5.3.3), as `type:value`. */
  certificateIssuer?: string[];
}

/**
 * The scope of a CRL, from its issuingDistributionPoint extension (RFC 5280 §5.2.5): which
 * certificates and reasons it covers. Absent on a CRL without that extension, which covers
 * every certificate of its issuer for every reason.
 */
export interface InspectedCrlScope {
  critical: boolean;
  /** The distribution point's full names as `type:value` (a relative name made full). */
  distributionPoint?: string[];
  onlyContainsUserCerts: boolean;
  onlyContainsCACerts: boolean;
  onlyContainsAttributeCerts: boolean;
  /** The reasons covered, when only some are (onlySomeReasons). */
  onlySomeReasons?: string[];
  /** An indirect CRL: its entries may revoke certificates of other issuers. */
  indirectCrl: boolean;
}

/** A CRL as {@link inspectCrl} describes it. */
export interface InspectedCrl {
  kind: 'crl';
  /** CRL version: 1 or 2. */
  version: number;
  issuer: InspectedName;
  /** ISO 8601 UTC. */
  thisUpdate: string;
  /** ISO 8601 UTC, when present. */
  nextUpdate?: string;
  /** The CRL number in decimal (it can exceed a JavaScript number), when present. */
  crlNumber?: string;
  /**
   * For a delta CRL (deltaCRLIndicator, RFC 5280 §5.2.4): the number of the complete CRL it
   * updates, in decimal. Absent on a complete CRL.
   */
  baseCrlNumber?: string;
  /** What the CRL covers (issuingDistributionPoint), when it says. */
  scope?: InspectedCrlScope;
  /** The AKI key identifier, colon-separated upper-case hex. */
  authorityKeyIdentifier?: string;
  signatureAlgorithm: string;
  entries: InspectedCrlEntry[];
  /** Colon-separated upper-case hex of the DER's digests. */
  fingerprints: { sha256: string; sha1: string };
  extensions: InspectedExtension[];
  problems: string[];
}

function nameText(name: GeneralName): string {
  return `${name.type}:${name.value}`;
}

/**
 * Describes a CRL from PEM text, DER bytes or a parsed CRL. Throws `ERR_CRL_INVALID` when the
 * input is not a CRL.
 *
 * @example
 * ```ts
 * const info = await inspectCrl(crlPem);
 * console.log(info.crlNumber, info.nextUpdate, info.entries.length);
 * ```
 */
export async function inspectCrl(
  input: CrlInput,
  options: CryptoOptions = {},
): Promise<InspectedCrl> {
  const crl = parseCrl(input);
  const problems = [...crl.problems];
  if (crl.signatureAlgorithmMismatch)
    problems.push('the inner and outer signature algorithms differ');
  const out: InspectedCrl = {
    kind: 'crl',
    version: crl.version,
    issuer: describeName(crl.issuer),
    thisUpdate: crl.thisUpdate.toISOString(),
    signatureAlgorithm: crl.signatureAlgorithm.name,
    entries: crl.entries.map((e) => {
      const entry: InspectedCrlEntry = {
        serialNumber: e.serialNumber,
        revokedAt: e.revokedAt.toISOString(),
      };
      if (e.reason) entry.reason = e.reason;
      if (e.invalidityDate) entry.invalidityDate = e.invalidityDate.toISOString();
      if (e.certificateIssuer) entry.certificateIssuer = e.certificateIssuer.map(nameText);
      return entry;
    }),
    fingerprints: await fingerprints(crl.der, options),
    extensions: crl.extensions.map(describeExtension),
    problems,
  };
  if (crl.nextUpdate) out.nextUpdate = crl.nextUpdate.toISOString();
  if (crl.crlNumber !== undefined) out.crlNumber = crl.crlNumber.toString();
  if (crl.deltaCrlIndicator !== undefined) out.baseCrlNumber = crl.deltaCrlIndicator.toString();
  const idp = crl.issuingDistributionPoint;
  if (idp) {
    const scope: InspectedCrlScope = {
      critical: idp.critical,
      onlyContainsUserCerts: idp.onlyContainsUserCerts,
      onlyContainsCACerts: idp.onlyContainsCACerts,
      onlyContainsAttributeCerts: idp.onlyContainsAttributeCerts,
      indirectCrl: idp.indirectCrl,
    };
    if (idp.distributionPoint)
      scope.distributionPoint = fullNamesOf(idp.distributionPoint, crl.issuer).map(nameText);
    if (idp.onlySomeReasons) scope.onlySomeReasons = [...idp.onlySomeReasons];
    out.scope = scope;
  }
  if (crl.authorityKeyIdentifier?.keyIdentifier)
    out.authorityKeyIdentifier = toColonHex(crl.authorityKeyIdentifier.keyIdentifier);
  return out;
}
