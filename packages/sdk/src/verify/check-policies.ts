/**
 * Certificate policy processing, RFC 5280 §6.1: the state variables explicit_policy,
 * policy_mapping and inhibit_anyPolicy (§6.1.2 (d)-(f)) from the relying party's initial
 * inputs (§6.1.1 (c), (e)-(g)), the valid_policy_tree (`policy-tree.ts`) grown certificate by
 * certificate (§6.1.3 (d)-(f)), policy mappings and the counters between certificates
 * (§6.1.4 (a), (b), (h)-(j)), and the wrap-up (§6.1.5 (a), (b), (g)).
 *
 * Policy qualifiers are carried in the tree but never interpreted, so an unknown qualifier
 * cannot fail a path. policyConstraints and inhibitAnyPolicy are processed whether or not
 * they are marked critical: §6 does not look at the flag.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { children, decode, expectTag, readBigInt, readOid, Tag } from '../lib/der.js';
import { OID } from '../lib/oids.js';
import { isSelfIssued } from './check-profile.js';
import { describeCertificate, type Failure, failure } from './failure.js';
import {
  ANY_POLICY,
  addCertificatePolicies,
  applyPolicyMappings,
  type CertificatePolicy,
  createPolicyTree,
  intersectPolicyTree,
  type PolicyTree,
  treePolicies,
} from './policy-tree.js';

/** The relying party's policy inputs (RFC 5280 §6.1.1 (c), (e), (f), (g)). */
export interface PolicyInputs {
  /** user-initial-policy-set; a set holding anyPolicy is any-policy. */
  readonly initialPolicies: readonly string[];
  /** initial-explicit-policy */
  readonly requireExplicitPolicy: boolean;
  /** initial-policy-mapping-inhibit */
  readonly inhibitPolicyMapping: boolean;
  /** initial-any-policy-inhibit */
  readonly inhibitAnyPolicy: boolean;
}

/** The defaults of RFC 5280 §6.1.1 as most applications use them: any policy, nothing inhibited. */
export const DEFAULT_POLICY_INPUTS: PolicyInputs = {
  initialPolicies: [ANY_POLICY],
  requireExplicitPolicy: false,
  inhibitPolicyMapping: false,
  inhibitAnyPolicy: false,
};

/** The outcome of policy processing: the user-constrained policy set, or why the path fails. */
export type PolicyOutcome = { ok: true; policies: string[] } | { ok: false; failure: Failure };

interface PolicyExtensions {
  policies?: CertificatePolicy[];
  mappings?: Map<string, string[]>;
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
  inhibitAnyPolicy?: number;
}

function extensionValue(cert: Certificate, oid: string) {
  const ext = cert.extensions.find((e) => e.oid === oid);
  return ext ? decode(ext.value) : undefined;
}

/** SkipCerts ::= INTEGER (0..MAX); any count beyond the path's length means the same. */
function readSkipCerts(node: { raw: Uint8Array; value: Uint8Array }): number {
  const n = readBigInt({ tag: Tag.INTEGER, raw: node.raw, value: node.value });
  if (n < 0n) throw new Error('negative skip count');
  return n > 1_000_000n ? 1_000_000 : Number(n);
}

/** Reads the policy extensions of a certificate; throws on malformed ones. */
function readPolicyExtensions(cert: Certificate): PolicyExtensions {
  const out: PolicyExtensions = {};
  const cp = extensionValue(cert, OID.certificatePolicies);
  if (cp) {
    const items = children(expectTag(cp, Tag.SEQUENCE, 'certificatePolicies'));
    if (items.length === 0) throw new Error('empty certificatePolicies');
    out.policies = items.map((i) => {
      // PolicyInformation ::= SEQUENCE { policyIdentifier, policyQualifiers OPTIONAL }
      const [id, qualifiers, extra] = children(expectTag(i, Tag.SEQUENCE, 'policy'));
      if (extra || (qualifiers && qualifiers.tag !== Tag.SEQUENCE))
        throw new Error('bad PolicyInformation');
      const oid = readOid(expectTag(id, Tag.OID, 'policyIdentifier'));
      return qualifiers ? { oid, qualifiers: qualifiers.raw } : { oid };
    });
    if (new Set(out.policies.map((p) => p.oid)).size !== out.policies.length)
      throw new Error('a policy appears twice');
  }
  const pm = extensionValue(cert, OID.policyMappings);
  if (pm) {
    const items = children(expectTag(pm, Tag.SEQUENCE, 'policyMappings'));
    if (items.length === 0) throw new Error('empty policyMappings');
    out.mappings = new Map();
    for (const m of items) {
      const [a, b, extra] = children(expectTag(m, Tag.SEQUENCE, 'policy mapping'));
      if (!a || !b || extra) throw new Error('bad policy mapping');
      const from = readOid(a);
      const to = readOid(b);
      const tos = out.mappings.get(from);
      if (!tos) out.mappings.set(from, [to]);
      else if (!tos.includes(to)) tos.push(to);
    }
  }
  const pc = extensionValue(cert, OID.policyConstraints);
  if (pc) {
    const items = children(expectTag(pc, Tag.SEQUENCE, 'policyConstraints'));
    if (items.length === 0) throw new Error('empty policyConstraints');
    let last = -1;
    for (const item of items) {
      const tag = item.tag === 0x80 ? 0 : item.tag === 0x81 ? 1 : -1;
      if (tag <= last) throw new Error('bad policyConstraints');
      last = tag;
      if (tag === 0) out.requireExplicitPolicy = readSkipCerts(item);
      else out.inhibitPolicyMapping = readSkipCerts(item);
    }
  }
  const iap = extensionValue(cert, OID.inhibitAnyPolicy);
  if (iap) out.inhibitAnyPolicy = readSkipCerts(expectTag(iap, Tag.INTEGER, 'inhibitAnyPolicy'));
  return out;
}

const NO_EXTENSIONS: PolicyExtensions = {};

function hasPolicyExtension(cert: Certificate): boolean {
  for (const e of cert.extensions)
    if (
      e.oid === OID.certificatePolicies ||
      e.oid === OID.policyMappings ||
      e.oid === OID.policyConstraints ||
      e.oid === OID.inhibitAnyPolicy
    )
      return true;
  return false;
}

/**
 * Runs RFC 5280 §6.1 policy processing over `path` (leaf first, trust anchor last; the anchor
 * itself is not processed, §6.1). On success, `policies` is the user-constrained policy set
 * (§6.1.5 (g)) in the trust anchor's domain: `[anyPolicy]` when the path is good for any
 * policy, `[]` when no policy is valid for the whole path (which fails only when an explicit
 * policy is required).
 */
export function processPolicies(
  path: readonly Certificate[],
  inputs: PolicyInputs = DEFAULT_POLICY_INPUTS,
): PolicyOutcome {
  const certs = path.slice(0, -1).reverse(); // from the one below the anchor down to the leaf
  const n = certs.length;
  if (n === 0) return { ok: true, policies: [...inputs.initialPolicies] };
  // §6.1.2 (d), (e), (f)
  let explicitPolicy = inputs.requireExplicitPolicy ? 0 : n + 1;
  let inhibitAnyPolicy = inputs.inhibitAnyPolicy ? 0 : n + 1;
  let policyMapping = inputs.inhibitPolicyMapping ? 0 : n + 1;
  // §6.1.2 (a); when the first certificate has no certificatePolicies, §6.1.3 (e) makes the
  // tree NULL at once, so the common policy-free chain never allocates one.
  let tree: PolicyTree | undefined = certs[0]!.extensions.some(
    (e) => e.oid === OID.certificatePolicies,
  )
    ? createPolicyTree()
    : undefined;
  const why = () =>
    inputs.requireExplicitPolicy
      ? 'an explicit policy is required (requireExplicitPolicy)'
      : "an issuer's policyConstraints requires an explicit policy";
  let ext: PolicyExtensions = NO_EXTENSIONS;
  for (let i = 1; i <= n; i++) {
    const cert = certs[i - 1]!;
    const depth = n - i; // position in `path`, 0 = the leaf
    const last = i === n;
    try {
      ext = hasPolicyExtension(cert) ? readPolicyExtensions(cert) : NO_EXTENSIONS;
    } catch (e) {
      return fail(
        'ERR_CERTIFICATE_INVALID',
        `${describeCertificate(cert.subject.text, depth)} has malformed policy extensions: ${e instanceof Error ? e.message : e}`,
        depth,
      );
    }
    const selfIssued = !last && isSelfIssued(cert);
    try {
      // §6.1.3 (d), (e)
      tree = addCertificatePolicies(tree, ext.policies, inhibitAnyPolicy > 0 || selfIssued);
    } catch (e) {
      return limit(e, depth);
    }
    // §6.1.3 (f)
    if (explicitPolicy === 0 && !tree) {
      return fail(
        'ERR_POLICY_VIOLATION',
        `no certificate policy is valid down to ${describeCertificate(cert.subject.text, depth)}, and ${why()}`,
        depth,
      );
    }
    if (last) break;
    // §6.1.4 (a): anyPolicy is never mapped, from or to.
    if (ext.mappings) {
      for (const [from, tos] of ext.mappings) {
        if (from === ANY_POLICY || tos.includes(ANY_POLICY)) {
          return fail(
            'ERR_POLICY_VIOLATION',
            `${describeCertificate(cert.subject.text, depth)} maps a policy ${from === ANY_POLICY ? 'from' : 'to'} anyPolicy, which RFC 5280 forbids`,
            depth,
          );
        }
      }
      try {
        // §6.1.4 (b)
        tree = applyPolicyMappings(tree, ext.mappings, policyMapping > 0);
      } catch (e) {
        return limit(e, depth);
      }
    }
    // §6.1.4 (h): counters count down on certificates that are not self-issued.
    if (!selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    // §6.1.4 (i): policyConstraints
    if (ext.requireExplicitPolicy !== undefined)
      explicitPolicy = Math.min(explicitPolicy, ext.requireExplicitPolicy);
    if (ext.inhibitPolicyMapping !== undefined)
      policyMapping = Math.min(policyMapping, ext.inhibitPolicyMapping);
    // §6.1.4 (j): inhibitAnyPolicy
    if (ext.inhibitAnyPolicy !== undefined)
      inhibitAnyPolicy = Math.min(inhibitAnyPolicy, ext.inhibitAnyPolicy);
  }
  // §6.1.5 (a), (b): `ext` now holds the leaf's own policy extensions.
  if (explicitPolicy > 0) explicitPolicy--;
  if (ext.requireExplicitPolicy === 0) explicitPolicy = 0;
  // §6.1.5 (g)
  const valid = tree ? treePolicies(tree) : [];
  let result: PolicyTree | undefined;
  try {
    result = intersectPolicyTree(tree, inputs.initialPolicies);
  } catch (e) {
    return limit(e, 0);
  }
  if (explicitPolicy === 0 && !result) {
    return fail(
      'ERR_POLICY_VIOLATION',
      valid.length > 0
        ? `none of the policies valid for this path (${valid.join(', ')}) is among the accepted ones (${inputs.initialPolicies.join(', ')}), and ${why()}`
        : `no certificate policy is valid for the whole path, and ${why()}`,
      0,
    );
  }
  return { ok: true, policies: treePolicies(result) };
}

function fail(code: Failure['code'], message: string, depth: number): PolicyOutcome {
  return { ok: false, failure: failure(code, message, depth) };
}

function limit(e: unknown, depth: number): PolicyOutcome {
  if (NodeIdError.isInstance(e)) return fail(e.code, e.message, depth);
  throw e;
}
