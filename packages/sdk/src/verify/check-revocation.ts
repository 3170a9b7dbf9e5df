/**
 * Revocation by CRL, RFC 5280 §6.3.3 step by step, for every certificate of a path but the
 * trust anchor. For each distribution point of the certificate (and last the implicit one of
 * its issuer), each complete CRL in scope (b) that covers reasons not yet covered (d), (e),
 * whose issuer is validated (f) and whose signature verifies (g), is searched for the
 * certificate, after the delta CRL that applies to it (c), (h), (i), (j), (k), until all
 * reasons are covered (l). The status is then REVOKED, UNREVOKED or UNDETERMINED.
 *
 * `soft` (the default) checks what it is given: a certificate that no CRL covers passes, but a
 * CRL in scope that cannot be used (bad signature, signer not valid, stale, unknown critical
 * extension) fails the path. `require` fails the path unless every certificate's status is
 * determined by complete, current, usable CRLs covering all reasons.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { Crl, CrlEntry } from '../crl/parse-crl.js';
import type { DistributionPoint } from '../lib/distribution-point.js';
import { OID } from '../lib/oids.js';
import type { VerifyPolicy } from './check-profile.js';
import { type CrlSignerSearch, crlSignedBy, findCrlSigner } from './crl-issuer.js';
import {
  ALL_REASONS,
  brDistributionPointConforms,
  brPartitionDefect,
  crlInScope,
  entryIssuerMatches,
  ISSUER_DISTRIBUTION_POINT,
  interimReasons,
  reasonNames,
  repeatedEntry,
} from './crl-scope.js';
import { deltaFor, isDeltaCrl } from './delta-crl.js';
import { describeCertificate, type Failure, failure, formatTime } from './failure.js';

/** How revocation is checked: `soft` checks the CRLs given, `require` needs them. */
export type RevocationMode = 'soft' | 'require';

/** Everything revocation checking needs. */
export interface RevocationContext extends CrlSignerSearch {
  crls: readonly Crl[];
  /** Why each CRL given but left out could not be read, for the UNDETERMINED message. */
  unreadable?: readonly string[];
  at: Date;
  /** Seconds of clock skew tolerated on thisUpdate and nextUpdate. */
  tolerance: number;
  mode: RevocationMode;
  /** `webpki` adds the CRL rules of the Baseline Requirements (BR 7.1.2.11.2, 7.2.2.1). */
  policy: VerifyPolicy;
}

/** Why one CRL could not be used. */
interface Defect {
  code: 'ERR_CRL_INVALID' | 'ERR_CRL_UNAVAILABLE';
  why: string;
}

function crlName(crl: Crl): string {
  const kind = isDeltaCrl(crl) ? 'delta CRL' : 'CRL';
  const n = crl.crlNumber === undefined ? '' : ` number ${crl.crlNumber}`;
  return `the ${kind}${n} issued by "${crl.issuer.text}"`;
}

/** The RFC 5280 defects of each CRL, found once (a CRL may hold 10,000 entries). */
const rfcDefects = new WeakMap<Crl, Defect | null>();

/**
 * The rules a CRL must follow to be usable at all: RFC 5280 §5 always, and under `webpki`
 * BR 7.2.2.1 too. Undefined when it follows them.
 */
function conformanceDefect(crl: Crl, policy: VerifyPolicy): Defect | undefined {
  let defect = rfcDefects.get(crl);
  if (defect === undefined) {
    defect = rfcDefect(crl) ?? null;
    rfcDefects.set(crl, defect);
  }
  if (defect) return defect;
  const br = policy === 'webpki' ? brPartitionDefect(crl) : undefined;
  return br ? { code: 'ERR_CRL_INVALID', why: br } : undefined;
}

/** Every RFC 5280 §5 rule `crl` breaks, in one defect (an admin fixing one sees them all). */
function rfcDefect(crl: Crl): Defect | undefined {
  const why: string[] = [];
  // §5.2, §5.3: a CRL with a critical CRL or entry extension we cannot process is unusable.
  if (crl.unhandledCriticalExtensions.length > 0)
    why.push(
      `has a critical extension that cannot be processed (${crl.unhandledCriticalExtensions.join(', ')})`,
    );
  // §5.2.3: "conforming CRL issuers MUST include this extension in all CRLs and MUST mark this
  // extension as non-critical".
  const number = crl.extensions.find((e) => e.oid === OID.crlNumber);
  if (crl.crlNumber === undefined) why.push('has no cRLNumber (RFC 5280 §5.2.3)');
  if (number?.critical) why.push('marks cRLNumber critical (RFC 5280 §5.2.3)');
  // §5.1.1.2: the signature algorithm inside and outside the TBSCertList must be the same.
  if (crl.signatureAlgorithmMismatch)
    why.push('names different signature algorithms inside and outside its signed part');
  // §5.3.3: certificateIssuer belongs in indirect CRLs only; elsewhere its entries are ambiguous.
  if (!crl.issuingDistributionPoint?.indirectCrl && crl.entries.some((e) => e.certificateIssuer))
    why.push('has entries for another certificate issuer but is not an indirect CRL');
  // §5.1.2.5: "Conforming CRL issuers MUST include the nextUpdate time in all CRLs". Without
  // it the CRL never stops being current (§6.3.3 (a) has nothing to compare), so a relying
  // party cannot tell a fresh list from one a CA stopped publishing years ago.
  if (!crl.nextUpdate) why.push('has no nextUpdate (RFC 5280 §5.1.2.5)');
  // §5.1.2.4-§5.1.2.6: dates through 2049 MUST be UTCTime.
  if (crl.timeEncodingErrors.length > 0)
    why.push(
      `encodes ${crl.timeEncodingErrors.join(', ')} as GeneralizedTime before 2050 (RFC 5280 §5.1.2.4-§5.1.2.6 require UTCTime)`,
    );
  // A CRL that lists one certificate twice (same serial, same certificate issuer) is
  // ambiguous: its two entries may differ in revocation date, reason or invalidity date, and
  // §6.3.3 (i) gives no way to choose. RFC 5280 has no sentence on it (§5.1.2.6 speaks of
  // "the" entry of a certificate); the CA/Browser Forum reads BR 7.2.2 as one entry per
  // certificate (cabforum/servercert#589). The safe reading is to refuse the whole list, in
  // every profile: a CA that cannot keep its list consistent does not establish any status,
  // so under 'require' the certificates it would cover are undetermined and fail, and no
  // choice of entry can turn a revoked certificate into a good one.
  const repeated = repeatedEntry(crl);
  if (repeated)
    why.push(`lists serial ${repeated.serialNumber} twice for the same certificate issuer`);
  return why.length > 0 ? { code: 'ERR_CRL_INVALID', why: why.join('; ') } : undefined;
}

/** §6.3.3 (a): the CRL must be current at the validation time. */
function currencyDefect(crl: Crl, ctx: RevocationContext): Defect | undefined {
  const now = Math.floor(ctx.at.getTime() / 1000) * 1000;
  const tol = ctx.tolerance * 1000;
  const at = formatTime(new Date(now));
  if (crl.thisUpdate.getTime() > now + tol)
    return {
      code: 'ERR_CRL_UNAVAILABLE',
      why: `is not valid before ${formatTime(crl.thisUpdate)} (now ${at})`,
    };
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now - tol)
    return {
      code: 'ERR_CRL_UNAVAILABLE',
      why: `expired at ${formatTime(crl.nextUpdate)} (now ${at}); fetch a fresh CRL`,
    };
  return undefined;
}

/** The entry of `crl` for `cert`: same certificate issuer (§5.3.3), same serial by value. */
function entryFor(crl: Crl, cert: Certificate): CrlEntry | undefined {
  return crl.entries.find(
    (e) => e.serialNumberValue === cert.serialNumberValue && entryIssuerMatches(crl, e, cert),
  );
}

type Usable = { ok: true; signer: Certificate } | { ok: false; defect?: Defect };

/** Whether a complete CRL in scope can be used: conformance, currency, (f) and (g). */
async function usableCrl(
  crl: Crl,
  path: readonly Certificate[],
  depth: number,
  dp: DistributionPoint,
  ctx: RevocationContext,
): Promise<Usable> {
  const defect = conformanceDefect(crl, ctx.policy) ?? currencyDefect(crl, ctx);
  if (defect) return { ok: false, defect };
  const signer = await findCrlSigner(crl, path, depth, dp, ctx);
  if (signer.ok) return signer;
  if (signer.unrelated && ctx.mode === 'soft') return { ok: false }; // another CA of that name
  return { ok: false, defect: { code: 'ERR_CRL_INVALID', why: signer.why } };
}

/** Whether the delta CRL for a complete CRL can be used: conformance, currency and (h). */
async function deltaDefect(
  delta: Crl,
  signer: Certificate,
  ctx: RevocationContext,
): Promise<Defect | undefined> {
  const defect = conformanceDefect(delta, ctx.policy) ?? currencyDefect(delta, ctx);
  if (defect) return defect;
  // (h): "validate the signature on the delta CRL using the public key validated in step (f)".
  if (!(await crlSignedBy(delta, signer, ctx)))
    return { code: 'ERR_CRL_INVALID', why: 'is not signed with the key of its complete CRL' };
  return undefined;
}

/** §6.3.3 for one certificate of the path; undefined when it may be used. */
async function checkCertificate(
  path: readonly Certificate[],
  depth: number,
  ctx: RevocationContext,
): Promise<Failure | undefined> {
  const cert = path[depth]!;
  const who = describeCertificate(cert.subject.text, depth);
  const complete = ctx.crls.filter((c) => !isDeltaCrl(c)); // a delta is never a complete CRL
  const defects: Defect[] = [];
  let reasonsMask = 0;
  // For each distribution point of the certificate, then "any available CRLs not specified in
  // a distribution point but issued by the certificate issuer".
  const points = [...(cert.crlDistributionPoints ?? []), ISSUER_DISTRIBUTION_POINT];
  for (const dp of points) {
    // BR 7.1.2.11.2: under `webpki` a distribution point that is not a fullName of URIs alone
    // (or that has reasons or a cRLIssuer) matches no CRL; the implicit one still applies.
    if (
      ctx.policy === 'webpki' &&
      dp !== ISSUER_DISTRIBUTION_POINT &&
      !brDistributionPointConforms(dp)
    )
      continue;
    for (const crl of complete) {
      if (reasonsMask === ALL_REASONS) break;
      if (!crlInScope(crl, cert, dp)) continue; // (b)
      const interim = interimReasons(crl, dp); // (d)
      if ((interim & ~reasonsMask) === 0) continue; // (e)
      const usable = await usableCrl(crl, path, depth, dp, ctx); // (a), (f), (g)
      if (!usable.ok) {
        if (usable.defect)
          defects.push({ ...usable.defect, why: `${crlName(crl)} ${usable.defect.why}` });
        continue;
      }
      // (c): the delta CRL, if one was given for this complete CRL, must be usable too.
      const delta = deltaFor(crl, ctx.crls);
      let entry: CrlEntry | undefined;
      let source = crl;
      if (delta) {
        const d = await deltaDefect(delta, usable.signer, ctx);
        if (d) {
          defects.push({ ...d, why: `${crlName(delta)} ${d.why}` });
          continue;
        }
        entry = entryFor(delta, cert); // (i)
        if (entry) source = delta;
      }
      entry ??= entryFor(crl, cert); // (j)
      // (k): removeFromCRL (in a delta CRL) un-holds: the certificate is not revoked.
      if (entry && entry.reason !== 'removeFromCRL') {
        const reason = entry.reason ? `, reason ${entry.reason}` : '';
        return failure(
          'ERR_REVOKED',
          `${who} (serial ${cert.serialNumber}) was revoked at ${formatTime(entry.revokedAt)}${reason} by ${crlName(source)}`,
          depth,
        );
      }
      reasonsMask |= interim; // (l)
    }
  }
  if (reasonsMask === ALL_REASONS) return undefined;
  // UNDETERMINED.
  const first = defects[0];
  if (ctx.mode === 'soft' && !first) return undefined;
  if (first) return failure(first.code, `cannot check revocation of ${who}: ${first.why}`, depth);
  const missing = reasonNames(ALL_REASONS & ~reasonsMask);
  const why =
    reasonsMask === 0
      ? `no usable, current CRL from "${cert.issuer.text}" covers it`
      : `the usable CRLs given do not cover the reasons ${missing.join(', ')}`;
  const unread = ctx.unreadable?.length ? ` (not read: ${ctx.unreadable.join('; ')})` : '';
  return failure(
    'ERR_CRL_UNAVAILABLE',
    `cannot check revocation of ${who}: ${why}${unread}`,
    depth,
  );
}

/** Checks every certificate of `path` (leaf first) but the trust anchor. */
export async function checkRevocation(
  path: readonly Certificate[],
  ctx: RevocationContext,
): Promise<Failure | undefined> {
  if (ctx.crls.length === 0 && ctx.mode === 'soft') return undefined;
  for (let depth = 0; depth < path.length - 1; depth++) {
    const f = await checkCertificate(path, depth, ctx);
    if (f) return f;
  }
  return undefined;
}
