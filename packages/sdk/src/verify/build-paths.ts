/**
 * Certification path building (RFC 4158, simplified): a depth-first search from the leaf
 * towards the trust anchors that tries every certificate whose subject matches the issuer
 * name (AKI/SKI only order the candidates), backtracks when a candidate or a whole path fails,
 * never repeats a certificate or a (subject, key) pair in one path, and stops after a bounded
 * amount of work.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { type CertificateRole, isSelfIssued } from './check-profile.js';
import { namesEqual } from './compare-names.js';
import { type Failure, failure } from './failure.js';

/** Bounds on the search; each verification gets a fresh one. */
export interface WorkBudget {
  /** Signature verifications left. */
  signatures: number;
  /** Candidate issuers left to consider. */
  candidates: number;
  /** Complete paths left to validate. */
  paths: number;
}

/** The default bounds: ample for real chains, small enough for hostile ones. */
export function defaultBudget(): WorkBudget {
  return { signatures: 100, candidates: 1000, paths: 100 };
}

/** What the search needs from the verifier. */
export interface PathSearch {
  anchors: readonly Certificate[];
  intermediates: readonly Certificate[];
  /**
   * Most intermediates a path may have, counted as RFC 5280 counts path length (§4.2.1.9,
   * §6.1.4 (l)): self-issued intermediates are not counted.
   */
  maxDepth: number;
  budget: WorkBudget;
  /** Checks `issuer`, in `role` at `depth`, as the issuer of `child` (signature included). */
  checkIssuer(
    child: Certificate,
    issuer: Certificate,
    role: CertificateRole,
    depth: number,
  ): Promise<Failure | undefined>;
  /** Whether the leaf itself may be a trust anchor when it is not a CA certificate (a pin). */
  trustLeaf?: boolean;
  /** Checks a complete path (leaf first, anchor last). */
  checkPath(path: Certificate[]): Promise<Failure | undefined>;
}

/** The result of a search. */
export type PathResult = { ok: true; path: Certificate[] } | { ok: false; failure: Failure };

/** Most intermediates any path may have, self-issued ones included. */
export const MAX_INTERMEDIATES = 64;

class LimitReached extends Error {}

/** Intermediates of `path` (leaf first, no anchor) plus `next` that count towards maxDepth. */
function countedIntermediates(path: readonly Certificate[], next: Certificate): number {
  let n = isSelfIssued(next) ? 0 : 1;
  for (let p = 1; p < path.length; p++) if (!isSelfIssued(path[p]!)) n++;
  return n;
}

interface Candidate {
  cert: Certificate;
  anchor: boolean;
}

/** Candidates for the issuer of `child`, most likely first: anchors, then AKI/SKI matches. */
function candidatesFor(child: Certificate, search: PathSearch): Candidate[] {
  const keyId = child.authorityKeyIdentifier?.keyIdentifier;
  const rank = (c: Certificate) => {
    if (!keyId || !c.subjectKeyIdentifier) return 1;
    return bytesEqual(keyId, c.subjectKeyIdentifier) ? 0 : 2;
  };
  const pick = (list: readonly Certificate[], anchor: boolean) =>
    list
      .filter((c) => namesEqual(c.subject, child.issuer))
      .map((cert) => ({ cert, anchor }))
      .sort((a, b) => rank(a.cert) - rank(b.cert));
  return [...pick(search.anchors, true), ...pick(search.intermediates, false)];
}

/** True when `cand` would repeat a certificate, or a subject and key, already in `path`. */
function formsLoop(cand: Certificate, path: readonly Certificate[]): boolean {
  return path.some(
    (c) =>
      bytesEqual(c.der, cand.der) ||
      (namesEqual(c.subject, cand.subject) && bytesEqual(c.publicKey.spki, cand.publicKey.spki)),
  );
}

/**
 * Finds a path from `leaf` to a trust anchor that passes every check, or the most useful
 * failure: one from a complete path, else a candidate issuer's, else "unknown authority".
 */
export async function buildPath(leaf: Certificate, search: PathSearch): Promise<PathResult> {
  let pathFailure: Failure | undefined;
  let issuerFailure: Failure | undefined;

  const extend = async (path: Certificate[]): Promise<Certificate[] | undefined> => {
    const child = path[path.length - 1]!;
    const depth = path.length;
    for (const cand of candidatesFor(child, search)) {
      if (--search.budget.candidates < 0) throw new LimitReached();
      if (formsLoop(cand.cert, path)) continue;
      if (
        !cand.anchor &&
        (countedIntermediates(path, cand.cert) > search.maxDepth || depth > MAX_INTERMEDIATES)
      ) {
        issuerFailure ??= failure(
          'ERR_CHAIN_TOO_LONG',
          `the chain needs more than ${search.maxDepth} intermediate certificate${search.maxDepth === 1 ? '' : 's'} that are not self-issued (maxDepth)`,
          depth,
        );
        continue;
      }
      const f = await search.checkIssuer(
        child,
        cand.cert,
        cand.anchor ? 'anchor' : 'intermediate',
        depth,
      );
      if (f) {
        if (f.code === 'ERR_PATH_BUILDING_LIMIT') throw new LimitReached();
        issuerFailure ??= f;
        continue;
      }
      const next = [...path, cand.cert];
      if (cand.anchor) {
        if (--search.budget.paths < 0) throw new LimitReached();
        const pf = await search.checkPath(next);
        if (!pf) return next;
        pathFailure ??= pf;
        continue;
      }
      const found = await extend(next);
      if (found) return found;
    }
    return undefined;
  };

  try {
    if (search.anchors.some((a) => bytesEqual(a.der, leaf.der))) {
      // RFC 5280 §6.1.1 (d): a trust anchor is a CA's name and key. A leaf given as its own
      // anchor is a pin, taken only when asked for (as `openssl verify -partial_chain`)
      if (search.trustLeaf || leaf.basicConstraints?.ca) {
        const pf = await search.checkPath([leaf]);
        if (!pf) return { ok: true, path: [leaf] };
        pathFailure = pf;
      } else {
        pathFailure = failure(
          'ERR_NOT_A_CA',
          `"${leaf.subject.text}" is given as a trust anchor but is not a CA certificate; trust the CA that issued it, or pin this certificate explicitly (trustLeaf, --trust-leaf)`,
          0,
        );
      }
    }
    const found = await extend([leaf]);
    if (found) return { ok: true, path: found };
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    return {
      ok: false,
      failure:
        pathFailure ??
        failure(
          'ERR_PATH_BUILDING_LIMIT',
          'gave up building a certificate chain: too many candidate issuers (remove unrelated intermediates or fix the chain)',
        ),
    };
  }
  return {
    ok: false,
    failure:
      pathFailure ??
      issuerFailure ??
      failure(
        'ERR_UNKNOWN_AUTHORITY',
        `certificate signed by unknown authority (no trusted or intermediate CA named "${chainTop(leaf, search)}")`,
        0,
      ),
  };
}

function chainTop(leaf: Certificate, search: PathSearch): string {
  // The issuer name at the top of the longest chain through the given intermediates.
  let cert = leaf;
  const seen = new Set<Certificate>([leaf]);
  for (;;) {
    const next = search.intermediates.find(
      (c) => !seen.has(c) && namesEqual(c.subject, cert.issuer),
    );
    if (!next) return cert.issuer.text;
    seen.add(next);
    cert = next;
  }
}
