/**
 * `verifyCertificate`: RFC 5280 path validation with our own path builder. It takes explicit
 * trust anchors, checks every certificate of the path (dates, signatures, CA flags, path
 * lengths, key usages, name constraints, policies, unknown critical extensions, weak
 * algorithms and keys, revocation by CRL) and then the peer's identity (host name, IP
 * address, email, cluster name). It reports the first problem an admin has to fix, and never
 * throws for bad input.
 */
import {
  type Certificate,
  type CertificateInput,
  isCertificate,
  KEY_USAGE_NAMES,
  type KeyUsage,
  parseCertificates,
} from '../certificate/parse-certificate.js';
import { type Crl, parseCrl } from '../crl/parse-crl.js';
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { parseIp } from '../lib/general-name.js';
import { OID } from '../lib/oids.js';
import { verifySignature } from '../lib/signature.js';
import { buildPath, defaultBudget, type WorkBudget } from './build-paths.js';
import { checkPath } from './check-path.js';
import { type PolicyInputs, processPolicies } from './check-policies.js';
import {
  type CertificateRole,
  checkProfile,
  checkValidity,
  type ProfileContext,
  type VerifyPolicy,
} from './check-profile.js';
import {
  checkRevocation,
  type RevocationContext,
  type RevocationMode,
} from './check-revocation.js';
import {
  checkLeafExtendedKeyUsage,
  checkLeafKeyUsage,
  checkLeafKeyUsageForPurpose,
  ekuOid,
} from './check-usage.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import { checkClusterName, checkEmail, checkHost, checkIp } from './match-host.js';
import { MAX_CONSTRAINT_COMPARISONS } from './name-constraints.js';
import { ANY_POLICY } from './policy-tree.js';
import { loadPublicSuffixList } from './public-suffix.js';

/** What the peer certificate will be used for. */
export type VerifyUsage = 'server' | 'client' | 'any';

/** Options of {@link verifyCertificate}. */
export interface VerifyCertificateOptions extends CryptoOptions {
  /** The peer's certificate (PEM, DER or parsed). Extra PEM blocks after it are used as intermediates. */
  certificate: CertificateInput;
  /** The CA certificates to trust. They are trusted as given: their own signatures are not checked. */
  trustAnchors: CertificateInput[];
  /** Untrusted CA certificates that may help build the chain. */
  intermediates?: CertificateInput[];
  /** DNS name the certificate must be valid for (an IP address here is treated as `ip`). */
  host?: string;
  /** IP address the certificate must be valid for (IP SANs only). */
  ip?: string;
  /** Email address the certificate must be valid for (rfc822Name SANs). */
  email?: string;
  /** `server` requires serverAuth, `client` clientAuth (when the leaf has extKeyUsage). Default `any`. */
  usage?: VerifyUsage;
  /** The subject CN must equal this cluster name. */
  clusterName?: string;
  /** CRLs (PEM or DER) to check every certificate of the chain against. */
  crls?: (string | Uint8Array | Crl)[];
  /**
   * How revocation is checked (RFC 5280 §6.3). `soft` (default) checks the `crls` given: a
   * certificate no CRL covers passes, but a CRL in scope that cannot be used fails the path.
   * `require` fails the path (`ERR_CRL_UNAVAILABLE`, naming the certificate and why) unless
   * every certificate but the trust anchor is covered, for all reasons, by complete, current,
   * usable CRLs of its issuer.
   */
  revocation?: RevocationMode;
  /** The time to verify at. Default: now. */
  at?: Date;
  /** Alias of `at`. */
  now?: Date;
  /** Seconds of clock skew tolerated on validity dates. Default 0. */
  clockTolerance?: number;
  /**
   * Accept the certificate itself among `trustAnchors` even though it is not a CA certificate
   * (a pinned leaf, as `openssl verify -partial_chain` does). Default false: a trust anchor must
   * be a CA certificate, and a leaf given as its own anchor fails with `ERR_NOT_A_CA`.
   */
  trustLeaf?: boolean;
  /**
   * The most intermediate CA certificates a chain may have, counted as RFC 5280 counts path
   * length (§4.2.1.9, §6.1.4 (l)): every certificate between the leaf and the trust anchor
   * except self-issued ones (same issuer and subject name, e.g. a CA's key rollover), so
   * `0` allows only a leaf issued by an anchor. Neither the leaf nor the anchor is counted.
   * Default 8; at most 64 intermediates are ever followed, self-issued ones included.
   */
  maxDepth?: number;
  /**
   * `rfc5280` (default): RFC 5280 §6 path validation. `webpki`: also the CA/Browser Forum
   * Baseline Requirements for TLS certificates (key types, subscriber and CA profiles, CN a
   * copy of a SAN, no wildcard on a public suffix, ...), which implies `strict` except
   * where the BRs make an exception to RFC 5280 (non-critical nameConstraints).
   */
  policy?: VerifyPolicy;
  /**
   * Also refuse certificates that break RFC 5280 §4 rules addressed to the issuing CA that §6
   * path validation does not check: serial numbers that are not positive or longer than 20
   * octets, a missing authorityKeyIdentifier (except on self-signed certificates) or CA
   * subjectKeyIdentifier, non-critical basicConstraints or nameConstraints in a CA, extensions
   * that must be non-critical marked critical, malformed SANs, AIA or SIA, an empty issuer or
   * CA subject, nameConstraints in a leaf or empty, a dNSName constraint with a leading
   * period, keyCertSign or pathLenConstraint without cA. Also hold the extended key usages
   * asked for to every issuer's extKeyUsage, when it has one (§4.2.1.12; always under
   * `webpki`). Default false: a path §6 accepts is not refused for those.
   */
  strict?: boolean;
  /** Key usages the leaf must allow. */
  keyUsage?: KeyUsage[];
  /** Extended key usages (OIDs or names like `serverAuth`) the leaf must allow. */
  extendedKeyUsage?: string[];
  /**
   * The certificate policies (dotted OIDs) acceptable to you, RFC 5280's
   * user-initial-policy-set. Default `['2.5.29.32.0']` (anyPolicy: any policy will do).
   * A path whose policies are all outside this set fails only when an explicit policy is
   * required (here or by a CA's policyConstraints).
   */
  initialPolicies?: string[];
  /** initial-explicit-policy: the path must be valid for at least one of `initialPolicies`. Default false. */
  requireExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit: CAs' policyMappings are not followed. Default false. */
  inhibitPolicyMapping?: boolean;
  /** initial-any-policy-inhibit: anyPolicy in a CA certificate does not stand for every policy. Default false. */
  inhibitAnyPolicy?: boolean;
}

/** The result of {@link verifyCertificate}. */
export type VerifyResult =
  | {
      ok: true;
      chain: Certificate[];
      /**
       * The certificate policies the path is valid for, among `initialPolicies` (RFC 5280
       * §6.1.5 (g), the user-constrained policy set), as dotted OIDs in the trust anchor's
       * domain (before any policy mapping). `['2.5.29.32.0']` (anyPolicy) when the path is
       * valid for any policy; `[]` when it is valid for none, which is allowed unless an
       * explicit policy is required (by `requireExplicitPolicy` or a CA's policyConstraints).
       */
      policies: string[];
    }
  | { ok: false; code: NodeIdErrorCode; message: string; depth?: number };

/** Default most intermediates in a chain. */
export const DEFAULT_MAX_DEPTH = 8;

/** How many CRL signers deep revocation checking goes (a signer's CRL's signer's ...). */
const MAX_CRL_SIGNER_DEPTH = 4;

interface Settings {
  subtle: SubtleCrypto;
  at: Date;
  tolerance: number;
  maxDepth: number;
  policy: VerifyPolicy;
  profile: ProfileContext;
  wantedEku: string[];
  wantedKu: KeyUsage[];
  crls: Crl[];
  /** Why each CRL left out under `require` could not be read. */
  unreadableCrls: string[];
  revocation: RevocationMode;
  policyInputs: PolicyInputs;
}

class InputError extends Error {
  constructor(readonly result: Failure) {
    super(result.message);
  }
}

function invalid(code: NodeIdErrorCode, message: string): never {
  throw new InputError(failure(code, message));
}

function readSettings(o: VerifyCertificateOptions): Settings {
  const usage = o.usage ?? 'any';
  if (!['server', 'client', 'any'].includes(usage))
    invalid(
      'ERR_INVALID_ARGUMENT',
      `usage must be "server", "client" or "any", got ${JSON.stringify(usage)}`,
    );
  const policy = o.policy ?? 'rfc5280';
  if (policy !== 'rfc5280' && policy !== 'webpki')
    invalid(
      'ERR_INVALID_ARGUMENT',
      `policy must be "rfc5280" or "webpki", got ${JSON.stringify(policy)}`,
    );
  const strict = o.strict ?? false;
  if (typeof strict !== 'boolean') invalid('ERR_INVALID_ARGUMENT', 'strict must be true or false');
  const at = o.at ?? o.now ?? new Date();
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    invalid('ERR_INVALID_ARGUMENT', '`at` must be a valid Date');
  const tolerance = o.clockTolerance ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
    invalid('ERR_INVALID_ARGUMENT', 'clockTolerance must be a non-negative number of seconds');
  const maxDepth = o.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0)
    invalid('ERR_INVALID_ARGUMENT', 'maxDepth must be a non-negative integer');
  const wantedEku: string[] =
    usage === 'server' ? [OID.serverAuth] : usage === 'client' ? [OID.clientAuth] : [];
  for (const e of o.extendedKeyUsage ?? []) {
    const id = ekuOid(String(e));
    if (!id) invalid('ERR_INVALID_ARGUMENT', `unknown extended key usage "${e}"`);
    if (!wantedEku.includes(id)) wantedEku.push(id);
  }
  const wantedKu = [...(o.keyUsage ?? [])];
  for (const k of wantedKu)
    if (!KEY_USAGE_NAMES.includes(k)) invalid('ERR_INVALID_ARGUMENT', `unknown key usage "${k}"`);
  const policyInputs = readPolicyInputs(o);
  const revocation = o.revocation ?? 'soft';
  if (revocation !== 'soft' && revocation !== 'require')
    invalid(
      'ERR_INVALID_ARGUMENT',
      `revocation must be "soft" or "require", got ${JSON.stringify(revocation)}`,
    );
  // A CRL that cannot be read fails a soft check (it may be the one that revokes); under
  // `require` it is left out, since a certificate no readable CRL covers fails anyway (the
  // failure then says which CRLs could not be read).
  const unreadableCrls: string[] = [];
  const crls = (o.crls ?? []).flatMap((c, i) => {
    try {
      return [parseCrl(c)];
    } catch (e) {
      const why = `CRL #${i + 1}: ${e instanceof Error ? e.message : String(e)}`;
      if (revocation !== 'require') return invalid('ERR_CRL_INVALID', why);
      unreadableCrls.push(why);
      return [];
    }
  });
  return {
    subtle: getCrypto(o).subtle,
    at,
    tolerance,
    maxDepth: Math.min(maxDepth, 64),
    policy,
    profile: { policy, strict },
    wantedEku,
    wantedKu,
    crls,
    unreadableCrls,
    revocation,
    policyInputs,
  };
}

const DOTTED_OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

/** The relying party's policy inputs, RFC 5280 §6.1.1 (c), (e)-(g). */
function readPolicyInputs(o: VerifyCertificateOptions): PolicyInputs {
  const initialPolicies = o.initialPolicies ?? [ANY_POLICY];
  if (!Array.isArray(initialPolicies) || initialPolicies.length === 0)
    invalid(
      'ERR_INVALID_ARGUMENT',
      `initialPolicies must be a non-empty array of policy OIDs (['${ANY_POLICY}'] for any policy)`,
    );
  for (const p of initialPolicies)
    if (typeof p !== 'string' || !DOTTED_OID.test(p))
      invalid('ERR_INVALID_ARGUMENT', `initialPolicies: ${JSON.stringify(p)} is not a dotted OID`);
  const flag = (name: 'requireExplicitPolicy' | 'inhibitPolicyMapping' | 'inhibitAnyPolicy') => {
    const v = o[name] ?? false;
    if (typeof v !== 'boolean') invalid('ERR_INVALID_ARGUMENT', `${name} must be true or false`);
    return v;
  };
  return {
    initialPolicies: [...new Set(initialPolicies)],
    requireExplicitPolicy: flag('requireExplicitPolicy'),
    inhibitPolicyMapping: flag('inhibitPolicyMapping'),
    inhibitAnyPolicy: flag('inhibitAnyPolicy'),
  };
}

function readCertificates(input: CertificateInput): Certificate[] {
  if (isCertificate(input)) return [input];
  if (typeof input !== 'string' && !(input instanceof Uint8Array))
    throw new NodeIdError(
      'ERR_CERTIFICATE_INVALID',
      'expected PEM text, DER bytes or a parsed certificate',
    );
  return parseCertificates(input);
}

function readInputs(o: VerifyCertificateOptions) {
  let leafAndChain: Certificate[];
  try {
    leafAndChain = readCertificates(o.certificate);
  } catch (e) {
    return invalid(
      'ERR_CERTIFICATE_INVALID',
      `the certificate to verify is not valid: ${e instanceof Error ? e.message : e}`,
    );
  }
  if (!Array.isArray(o.trustAnchors) || o.trustAnchors.length === 0)
    invalid(
      'ERR_INVALID_ARGUMENT',
      'no trust anchors given: pass the CA certificate(s) to trust in trustAnchors',
    );
  const anchors = o.trustAnchors.flatMap((a, i) => {
    try {
      return readCertificates(a);
    } catch (e) {
      return invalid(
        'ERR_CERTIFICATE_INVALID',
        `trust anchor #${i + 1} is not a valid certificate: ${e instanceof Error ? e.message : e}`,
      );
    }
  });
  const given = [
    ...leafAndChain.slice(1),
    ...(o.intermediates ?? []).flatMap((c) => {
      try {
        return readCertificates(c);
      } catch {
        return []; // an unparseable untrusted certificate can only fail to help
      }
    }),
  ];
  const anchorDer = new Set(anchors.map((a) => a.pem));
  const intermediates = given.filter(
    (c, i) => !anchorDer.has(c.pem) && given.findIndex((d) => d.pem === c.pem) === i,
  );
  return { leaf: leafAndChain[0]!, anchors, intermediates };
}

/** Checks the peer's identity and the usages asked for against the leaf. */
function checkLeafIdentity(
  leaf: Certificate,
  o: VerifyCertificateOptions,
  s: Settings,
): Failure | undefined {
  const host = o.host !== undefined && parseIp(o.host) ? undefined : o.host;
  const ip = o.ip ?? (o.host !== undefined && parseIp(o.host) ? o.host : undefined);
  return (
    (host !== undefined ? checkHost(leaf, host) : undefined) ??
    (ip !== undefined ? checkIp(leaf, ip) : undefined) ??
    (o.email !== undefined ? checkEmail(leaf, o.email) : undefined) ??
    (o.clusterName !== undefined ? checkClusterName(leaf, o.clusterName) : undefined) ??
    checkLeafKeyUsage(leaf, s.wantedKu) ??
    checkLeafKeyUsageForPurpose(leaf, s.wantedEku) ??
    checkLeafExtendedKeyUsage(leaf, s.wantedEku, s.policy !== 'webpki')
  );
}

async function verify(o: VerifyCertificateOptions): Promise<VerifyResult> {
  if (typeof o !== 'object' || o === null)
    invalid('ERR_INVALID_ARGUMENT', 'verifyCertificate needs an options object');
  const s = readSettings(o);
  const { leaf, anchors, intermediates } = readInputs(o);
  if (s.policy === 'webpki') s.profile.publicSuffixes = await loadPublicSuffixList();
  const budget: WorkBudget = defaultBudget();
  const constraintBudget = { remaining: MAX_CONSTRAINT_COMPARISONS };

  const profileCache = new Map<string, Failure | null>();
  const profile = (
    cert: Certificate,
    role: CertificateRole,
    depth: number,
  ): Failure | undefined => {
    const key = `${role}:${depth}:${cert.pem}`;
    let f = profileCache.get(key);
    if (f === undefined) {
      f =
        checkProfile(cert, role, depth, s.profile) ??
        checkValidity(cert, depth, s.at, s.tolerance) ??
        null;
      profileCache.set(key, f);
    }
    return f ?? undefined;
  };
  const signatureCache = new Map<string, boolean>();
  const signedBy = async (
    child: Certificate,
    issuer: Certificate,
  ): Promise<boolean | undefined> => {
    const key = `${child.pem}\n${issuer.pem}`;
    const cached = signatureCache.get(key);
    if (cached !== undefined) return cached;
    if (--budget.signatures < 0) return undefined;
    const ok = await verifySignature(
      s.subtle,
      issuer.publicKey.spki,
      child.signatureAlgorithmNode,
      child.tbs,
      child.signature,
    );
    signatureCache.set(key, ok);
    return ok;
  };

  let policies: string[] = [];
  const leafFailure = profile(leaf, 'leaf', 0);
  if (leafFailure) return toResult(leafFailure);

  const checkIssuer = async (
    child: Certificate,
    issuer: Certificate,
    role: CertificateRole,
    depth: number,
  ): Promise<Failure | undefined> => {
    const f = profile(issuer, role, depth);
    if (f) return f;
    // a key WebCrypto cannot verify with (secp256k1, brainpool, ...) is not a bad signature
    const key = issuer.publicKey;
    if (key.type === 'EC' && !['P-256', 'P-384', 'P-521'].includes(key.curve ?? ''))
      return failure(
        'ERR_KEY_UNSUPPORTED',
        `${describeCertificate(issuer.subject.text, depth)} has an EC key on curve ${key.curve}, which cannot verify the signatures it made (P-256, P-384 and P-521 are supported)`,
        depth,
      );
    const ok = await signedBy(child, issuer);
    if (ok === undefined) return failure('ERR_PATH_BUILDING_LIMIT', 'too many signature checks');
    if (!ok) {
      return failure(
        'ERR_SIGNATURE_INVALID',
        `${describeCertificate(child.subject.text, depth - 1)} has a signature that does not verify with the key of its issuer "${issuer.subject.text}" (${child.signatureAlgorithm.name})`,
        depth - 1,
      );
    }
    return undefined;
  };
  // RFC 5280 §6.3.3 (f): a CRL signer outside the path gets a path of its own, to the same
  // anchor, with its own revocation checked; `stack` bounds that recursion and stops loops.
  const revocationContext = (stack: readonly Certificate[]): RevocationContext => ({
    subtle: s.subtle,
    crls: s.crls,
    unreadable: s.unreadableCrls,
    at: s.at,
    tolerance: s.tolerance,
    mode: s.revocation,
    policy: s.policy,
    certificates: [...intermediates, ...anchors],
    signatures: crlSignatures,
    validateSigner: async (signer, anchor) => {
      // A signer already being validated further up the stack would vouch for itself through
      // the other CRL signers of the loop: its status is not established (§6.3.3 (f)). (A
      // signer named as its own cRLIssuer, PKITS 4.14.30, is settled in findCrlSigner.)
      if (stack.some((c) => c.pem === signer.pem))
        return failure(
          'ERR_CRL_UNAVAILABLE',
          `the status of "${signer.subject.text}" rests on CRLs that its own key vouches for`,
        );
      if (stack.length >= MAX_CRL_SIGNER_DEPTH)
        return failure('ERR_CRL_UNAVAILABLE', 'its CRL signers are nested too deep');
      // A CRL signer is no TLS subscriber: the Baseline Requirements' subscriber profile
      // (SANs, serverAuth, …) is not its; under `webpki` it is held to RFC 5280's §4 rules.
      const f =
        checkProfile(signer, 'leaf', 0, {
          ...s.profile,
          policy: 'rfc5280',
          strict: s.profile.strict || s.policy === 'webpki',
        }) ?? checkValidity(signer, 0, s.at, s.tolerance);
      if (f) return f;
      const r = await buildPath(signer, {
        anchors: [anchor],
        intermediates,
        maxDepth: s.maxDepth,
        budget,
        checkIssuer,
        checkPath: async (path) =>
          checkPath(path, {
            policy: s.policy,
            wantedEku: [],
            budget: constraintBudget,
            profile: s.profile,
          }) ?? (await checkRevocation(path, revocationContext([...stack, signer]))),
      });
      return r.ok ? undefined : r.failure;
    },
  });
  const crlSignatures = new WeakMap<Crl, Map<string, boolean>>();

  const result = await buildPath(leaf, {
    anchors,
    intermediates,
    maxDepth: s.maxDepth,
    trustLeaf: o.trustLeaf === true,
    budget,
    checkIssuer,
    checkPath: async (path) => {
      const f = checkPath(path, {
        policy: s.policy,
        wantedEku: s.wantedEku,
        budget: constraintBudget,
        profile: s.profile,
      });
      if (f) return f;
      const outcome = processPolicies(path, s.policyInputs);
      if (!outcome.ok) return outcome.failure;
      const revoked = await checkRevocation(path, revocationContext([]));
      if (!revoked) policies = outcome.policies;
      return revoked;
    },
  });
  if (!result.ok) return toResult(result.failure);
  const identity = checkLeafIdentity(leaf, o, s);
  if (identity) return toResult(identity);
  return { ok: true, chain: result.path, policies };
}

function toResult(f: Failure): VerifyResult {
  return f.depth === undefined
    ? { ok: false, code: f.code, message: f.message }
    : { ok: false, code: f.code, message: f.message, depth: f.depth };
}

/**
 * Verifies a certificate: builds a chain to one of `trustAnchors` (through `intermediates`)
 * and validates it as RFC 5280 §6 describes, then checks the peer's identity. Never throws:
 * every problem, including garbage input, comes back as `{ ok: false, code, message, depth }`.
 *
 * @example
 * ```ts
 * const result = await verifyCertificate({
 *   certificate: nodePem,
 *   trustAnchors: [caPem],
 *   host: 'node1.example.net',
 *   usage: 'server',
 *   clusterName: 'cluster1',
 * });
 * if (!result.ok) console.error(`${result.code}: ${result.message}`);
 * ```
 */
export async function verifyCertificate(options: VerifyCertificateOptions): Promise<VerifyResult> {
  try {
    return await verify(options);
  } catch (e) {
    if (e instanceof InputError) return toResult(e.result);
    if (NodeIdError.isInstance(e))
      return toResult({ code: e.code, message: e.message, depth: e.depth });
    return {
      ok: false,
      code: 'ERR_INTERNAL',
      message: `verification failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
