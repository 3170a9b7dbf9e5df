/**
 * The scope of a CRL (RFC 5280 §6.3.3 (b) and (d)): whether a complete CRL was issued for a
 * certificate through one of its distribution points, and which revocation reasons it covers
 * for it. Distribution points are those of the certificate's cRLDistributionPoints, plus the
 * implicit one §6.3.3 ends with ("CRLs not specified in a distribution point but issued by
 * the certificate issuer").
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { Crl } from '../crl/parse-crl.js';
import { bytesEqual } from '../lib/bytes.js';
import {
  type DistributionPoint,
  fullNamesOf,
  REASON_FLAGS,
  type ReasonFlag,
} from '../lib/distribution-point.js';
import type { GeneralName } from '../lib/general-name.js';
import type { DistinguishedName } from '../lib/name.js';
import { namesEqual } from './compare-names.js';

/** A set of revocation reasons as a bit mask, bit n for REASON_FLAGS[n] (bit 0 `unused`). */
export type ReasonMask = number;

/** All reasons: keyCompromise through aACompromise (§6.3.2: "all-reasons"). */
export const ALL_REASONS: ReasonMask = 0x1fe;

/** The mask of a ReasonFlags list; absent means all reasons. */
export function reasonMaskOf(flags: readonly ReasonFlag[] | undefined): ReasonMask {
  if (!flags) return ALL_REASONS;
  let mask = 0;
  for (const f of flags) mask |= 1 << REASON_FLAGS.indexOf(f);
  return mask & ALL_REASONS;
}

/** The reason names of a mask, for messages. */
export function reasonNames(mask: ReasonMask): string[] {
  return REASON_FLAGS.filter((_, bit) => bit > 0 && mask & (1 << bit));
}

/** The implicit distribution point: CRLs of the certificate's issuer, for all reasons. */
export const ISSUER_DISTRIBUTION_POINT: DistributionPoint = {};

/** True when two GeneralNames name the same thing (directory names by the §7.1 rules). */
export function generalNamesEqual(a: GeneralName, b: GeneralName): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'dirName' && b.type === 'dirName') return namesEqual(a.name, b.name);
  if (a.type === 'ip' && b.type === 'ip') return bytesEqual(a.bytes, b.bytes);
  if ('raw' in a && 'raw' in b) return bytesEqual(a.raw, b.raw);
  return a.value === b.value;
}

function anyNameMatches(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  return a.some((x) => b.some((y) => generalNamesEqual(x, y)));
}

/** The directory names among `names`. */
function directoryNames(names: readonly GeneralName[]): DistinguishedName[] {
  return names.flatMap((n) => (n.type === 'dirName' ? [n.name] : []));
}

/**
 * §6.3.3 (b)(1): the CRL issuer is the DP's cRLIssuer, for an indirect CRL, or else the
 * certificate's issuer. Returns why not, or undefined when it matches.
 */
function issuerMismatch(crl: Crl, cert: Certificate, dp: DistributionPoint): string | undefined {
  if (dp.crlIssuer) {
    if (!directoryNames(dp.crlIssuer).some((n) => namesEqual(n, crl.issuer)))
      return 'is not from the cRLIssuer of the distribution point';
    if (!crl.issuingDistributionPoint?.indirectCrl)
      return 'comes from the cRLIssuer of the distribution point but is not an indirect CRL';
    return undefined;
  }
  return namesEqual(crl.issuer, cert.issuer) ? undefined : "is not from the certificate's issuer";
}

/**
 * True when the complete `crl` is in scope for `cert` through distribution point `dp`
 * (§6.3.3 (b)): its issuer, its distribution-point name, and the kinds of certificates it covers.
 */
export function crlInScope(crl: Crl, cert: Certificate, dp: DistributionPoint): boolean {
  if (issuerMismatch(crl, cert, dp)) return false;
  const idp = crl.issuingDistributionPoint;
  if (!idp) return true;
  // (b)(2)(i): the IDP's distribution-point name must match one of the DP's names, or, when the
  // DP has no name, one of its cRLIssuer names. Relative names are made full with the CRL issuer.
  if (idp.distributionPoint) {
    const idpNames = fullNamesOf(idp.distributionPoint, crl.issuer);
    let dpNames: GeneralName[];
    if (dp.distributionPoint) {
      const base = dp.crlIssuer ? directoryNames(dp.crlIssuer)[0] : cert.issuer;
      dpNames = base ? fullNamesOf(dp.distributionPoint, base) : [];
    } else dpNames = dp.crlIssuer ?? [];
    if (!anyNameMatches(idpNames, dpNames)) return false;
  }
  const isCa = cert.basicConstraints?.ca === true;
  // (b)(2)(ii): onlyContainsUserCerts: not for a certificate with cA asserted.
  if (idp.onlyContainsUserCerts && isCa) return false;
  // (b)(2)(iii): onlyContainsCACerts: only for a certificate with cA asserted.
  if (idp.onlyContainsCACerts && !isCa) return false;
  // (b)(2)(iv): onlyContainsAttributeCerts must not be asserted for public-key certificates.
  return !idp.onlyContainsAttributeCerts;
}

/**
 * §6.3.3 (d): the interim reasons mask, onlySomeReasons of the IDP (all reasons when absent)
 * intersected with the reasons of the DP (all reasons when absent).
 */
export function interimReasons(crl: Crl, dp: DistributionPoint): ReasonMask {
  return reasonMaskOf(crl.issuingDistributionPoint?.onlySomeReasons) & reasonMaskOf(dp.reasons);
}

/**
 * BR 7.2.2.1 ("CRL Issuing Distribution Point") for a CRL used under the Web PKI profile: a
 * partitioned CRL's distributionPoint is a fullName ("the fullName field of the
 * DistributionPointName value MUST be present"), holding uniformResourceIdentifiers only
 * ("Non-uniformResourceIdentifier GeneralName types MUST NOT be included"), and it does not
 * assert indirectCRL ("The indirectCRL and onlyContainsAttributeCerts fields MUST be set to
 * FALSE"; a CRL for attribute certificates is out of scope anyway, §6.3.3 (b)(2)(iv)).
 * Returns why the CRL breaks it, or undefined. RFC 5280 allows all three, so this applies
 * under `webpki` only.
 */
export function brPartitionDefect(crl: Crl): string | undefined {
  const idp = crl.issuingDistributionPoint;
  if (!idp) return undefined;
  const where = 'has an issuingDistributionPoint that';
  if (idp.indirectCrl) return `${where} asserts indirectCRL (BR 7.2.2.1)`;
  // A nameRelativeToCRLIssuer is a directory name, which no distribution point the profile
  // allows can match (brDistributionPointConforms): such a CRL is never in scope.
  const other = idp.distributionPoint?.fullName?.find((n) => n.type !== 'uri');
  if (other) return `${where} names a ${other.type}, not only URIs (BR 7.2.2.1)`;
  return undefined;
}

/**
 * BR 7.1.2.11.2 ("CRL Distribution Points"): in a certificate under the Web PKI profile, a
 * DistributionPoint has a distributionPoint that is a fullName of uniformResourceIdentifiers
 * only, and neither reasons nor cRLIssuer. A point that breaks it names no CRL the profile
 * lets a relying party use, so no IDP matches it.
 */
export function brDistributionPointConforms(dp: DistributionPoint): boolean {
  if (dp.reasons || dp.crlIssuer) return false;
  const full = dp.distributionPoint?.fullName;
  return full?.every((n) => n.type === 'uri') === true;
}

/** The names of the issuer of the certificates `entry` revokes (§5.3.3). */
function entryIssuerNames(crl: Crl, entry: Crl['entries'][number]): readonly GeneralName[] {
  return entry.certificateIssuer ?? [{ type: 'dirName', value: crl.issuer.text, name: crl.issuer }];
}

/**
 * The first entry of `crl` that repeats an earlier one: the same serial number (by value) for
 * the same certificate issuer (§5.3.3: in an indirect CRL, one serial may be listed once per
 * certificateIssuer, since serials are unique per issuer only, §4.1.2.2).
 */
export function repeatedEntry(crl: Crl): Crl['entries'][number] | undefined {
  const bySerial = new Map<bigint, Crl['entries']>();
  for (const entry of crl.entries) {
    const seen = bySerial.get(entry.serialNumberValue);
    if (!seen) {
      bySerial.set(entry.serialNumberValue, [entry]);
      continue;
    }
    const names = entryIssuerNames(crl, entry);
    if (seen.some((e) => anyNameMatches(entryIssuerNames(crl, e), names))) return entry;
    seen.push(entry);
  }
  return undefined;
}

/**
 * The issuer of the certificates an entry revokes (§5.3.3): its certificateIssuer in an
 * indirect CRL (carried over by the parser), else the CRL issuer.
 */
export function entryIssuerMatches(
  crl: Crl,
  entry: Crl['entries'][number],
  cert: Certificate,
): boolean {
  if (!entry.certificateIssuer) return namesEqual(crl.issuer, cert.issuer);
  return directoryNames(entry.certificateIssuer).some((n) => namesEqual(n, cert.issuer));
}
