/**
 * Delta CRLs (RFC 5280 §5.2.4, §6.3.3 (c)): a delta CRL only ever updates a complete CRL of
 * the same issuer and scope, and never stands alone. This module finds, among the CRLs given,
 * the delta CRL that applies on top of one complete CRL.
 */
import type { Crl } from '../crl/parse-crl.js';
import { bytesEqual } from '../lib/bytes.js';
import { OID } from '../lib/oids.js';
import { namesEqual } from './compare-names.js';

/** True for a delta CRL (it carries deltaCRLIndicator). */
export function isDeltaCrl(crl: Crl): boolean {
  return crl.deltaCrlIndicator !== undefined;
}

function extensionValue(crl: Crl, oid: string): Uint8Array | undefined {
  return crl.extensions.find((e) => e.oid === oid)?.value;
}

function sameOptional(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : bytesEqual(a, b);
}

/**
 * True when `delta` may update `complete`:
 * - §6.3.3 (c)(1): same issuer; (c)(2): the same IDP, or both without one; (c)(3): the same
 *   authority key identifier;
 * - §5.2.4: the complete CRL is at least as recent as the delta's base (its cRLNumber is
 *   greater than or equal to the BaseCRLNumber), and the delta is newer than the complete CRL
 *   (cRLNumbers of one scope increase across complete and delta CRLs, §5.2.3), so that an old
 *   delta's removeFromCRL cannot undo a newer complete CRL's entry.
 */
export function deltaApplies(complete: Crl, delta: Crl): boolean {
  if (!isDeltaCrl(delta) || isDeltaCrl(complete)) return false;
  if (!namesEqual(delta.issuer, complete.issuer)) return false;
  const idp = OID.issuingDistributionPoint;
  if (!sameOptional(extensionValue(complete, idp), extensionValue(delta, idp))) return false;
  if (
    !sameOptional(
      complete.authorityKeyIdentifier?.keyIdentifier,
      delta.authorityKeyIdentifier?.keyIdentifier,
    )
  )
    return false;
  if (complete.crlNumber === undefined || delta.crlNumber === undefined) return false;
  return complete.crlNumber >= delta.deltaCrlIndicator! && delta.crlNumber > complete.crlNumber;
}

/**
 * The delta CRL to apply on top of `complete`: the newest (highest cRLNumber) of those that
 * may update it, or undefined when none was given. §6.3.3 (a)(2) asks for the current delta
 * CRL, so the caller must refuse it when it is stale rather than fall back on an older one.
 */
export function deltaFor(complete: Crl, crls: readonly Crl[]): Crl | undefined {
  let best: Crl | undefined;
  for (const c of crls)
    if (deltaApplies(complete, c) && (!best || c.crlNumber! > best.crlNumber!)) best = c;
  return best;
}
