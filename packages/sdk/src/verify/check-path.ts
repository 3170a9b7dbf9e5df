/**
 * Checks that depend on the whole path (leaf first, trust anchor last): path length
 * constraints, name constraints, and under `webpki` the extKeyUsage of issuers.
 * Per-certificate and per-signature checks happen while the path is built; certificate
 * policies (`check-policies.ts`) run after these, since they also yield the path's policies.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import {
  checkPathAuthorityKeyIds,
  isSelfIssued,
  type ProfileContext,
  type VerifyPolicy,
} from './check-profile.js';
import { checkIssuerExtendedKeyUsage } from './check-usage.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import {
  type ConstraintBudget,
  checkConstraintSyntax,
  checkNameConstraints,
} from './name-constraints.js';

/** basicConstraints pathLenConstraint: self-issued intermediates do not count (§4.2.1.9). */
export function checkPathLengths(path: readonly Certificate[]): Failure | undefined {
  let below = 0; // non-self-issued intermediates between the leaf and position p
  for (let p = 1; p < path.length; p++) {
    const ca = path[p]!;
    const limit = ca.basicConstraints?.pathLength;
    if (limit !== undefined && below > limit) {
      return failure(
        'ERR_PATH_LENGTH_EXCEEDED',
        `${describeCertificate(ca.subject.text, p)} allows at most ${limit} intermediate CA${limit === 1 ? '' : 's'} below it (pathlen:${limit}), but the chain has ${below}`,
        p,
      );
    }
    if (!isSelfIssued(ca)) below++;
  }
  return undefined;
}

/** Each CA's name constraints over every certificate below it (self-issued intermediates excepted). */
export function checkPathNameConstraints(
  path: readonly Certificate[],
  budget: ConstraintBudget,
): Failure | undefined {
  for (let p = 1; p < path.length; p++) {
    const ca = path[p]!;
    if (!ca.nameConstraints) continue;
    const syntax = checkConstraintSyntax(ca, p);
    if (syntax) return syntax;
    for (let q = p - 1; q >= 0; q--) {
      const cert = path[q]!;
      if (q > 0 && isSelfIssued(cert)) continue;
      const f = checkNameConstraints(ca, p, cert, q, budget);
      if (f) return f;
    }
  }
  return undefined;
}

/**
 * Under webpki (BR 7.1.2.10.6) and under `strict`, every issuer's extKeyUsage limits the
 * usages asked for. RFC 5280 §6.1 has no such step, but §4.2.1.12 has the certificate "used only
 * for one of the purposes indicated", and a CA that "does not wish to limit usages of the key"
 * adds anyExtendedKeyUsage: vouching for a TLS server certificate is a use of the CA's key, so
 * a CA limited to emailProtection cannot lend it serverAuth. OpenSSL, Go, NSS, pyca and
 * BetterTLS's path-building suite read it so; plain `rfc5280` keeps the §6 algorithm alone.
 */
export function checkPathExtendedKeyUsage(
  path: readonly Certificate[],
  wanted: readonly string[],
  policy: VerifyPolicy,
  strict = false,
): Failure | undefined {
  if ((policy !== 'webpki' && !strict) || wanted.length === 0) return undefined;
  for (let p = 1; p < path.length; p++) {
    const f = checkIssuerExtendedKeyUsage(path[p]!, p, wanted);
    if (f) return f;
  }
  return undefined;
}

/** Every path-level check, in order. */
export function checkPath(
  path: readonly Certificate[],
  options: {
    policy: VerifyPolicy;
    wantedEku: readonly string[];
    budget: ConstraintBudget;
    /** The profile rules in force; default `policy` without `strict`. */
    profile?: ProfileContext;
  },
): Failure | undefined {
  return (
    checkPathAuthorityKeyIds(path, options.profile ?? { policy: options.policy, strict: false }) ??
    checkPathLengths(path) ??
    checkPathNameConstraints(path, options.budget) ??
    checkPathExtendedKeyUsage(
      path,
      options.wantedEku,
      options.policy,
      options.profile?.strict ?? false,
    )
  );
}
