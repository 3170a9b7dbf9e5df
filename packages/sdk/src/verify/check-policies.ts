/**
 * Certificate policies (RFC 5280 §6.1.3 (d)-(f), §6.1.4 (a)-(b), (h)-(j), §6.1.5), for a
 * relying party whose initial policy set is anyPolicy and that does not itself require an
 * explicit policy. The valid policy tree is tracked as the set of its leaf policies, which
 * is exact for that input: a path fails only when a CA's policyConstraints requires an
 * explicit policy and no policy survives down to the leaf.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { children, decode, expectTag, readOid, readSmallInt, Tag } from '../lib/der.js';
import { OID } from '../lib/oids.js';
import { isSelfIssued } from './check-profile.js';
import { describeCertificate, type Failure, failure } from './failure.js';

const ANY_POLICY = '2.5.29.32.0';

interface PolicyExtensions {
  policies?: string[];
  mappings?: [string, string][];
  requireExplicitPolicy?: number;
  inhibitPolicyMapping?: number;
  inhibitAnyPolicy?: number;
}

function extensionValue(cert: Certificate, oid: string) {
  const ext = cert.extensions.find((e) => e.oid === oid);
  return ext ? decode(ext.value) : undefined;
}

/** Reads the policy extensions of a certificate; throws on malformed ones. */
function readPolicyExtensions(cert: Certificate): PolicyExtensions {
  const out: PolicyExtensions = {};
  const cp = extensionValue(cert, OID.certificatePolicies);
  if (cp) {
    const items = children(expectTag(cp, Tag.SEQUENCE, 'certificatePolicies'));
    if (items.length === 0) throw new Error('empty certificatePolicies');
    out.policies = items.map((i) => readOid(children(expectTag(i, Tag.SEQUENCE, 'policy'))[0]!));
    if (new Set(out.policies).size !== out.policies.length)
      throw new Error('a policy appears twice');
  }
  const pm = extensionValue(cert, OID.policyMappings);
  if (pm) {
    out.mappings = children(expectTag(pm, Tag.SEQUENCE, 'policyMappings')).map((m) => {
      const [a, b, extra] = children(expectTag(m, Tag.SEQUENCE, 'policy mapping'));
      if (!a || !b || extra) throw new Error('bad policy mapping');
      return [readOid(a), readOid(b)] as [string, string];
    });
    if (out.mappings.length === 0) throw new Error('empty policyMappings');
  }
  const pc = extensionValue(cert, OID.policyConstraints);
  if (pc) {
    const items = children(expectTag(pc, Tag.SEQUENCE, 'policyConstraints'));
    if (items.length === 0) throw new Error('empty policyConstraints');
    for (const item of items) {
      const n = readSmallInt({ tag: Tag.INTEGER, raw: item.raw, value: item.value });
      if (n < 0) throw new Error('negative skip count');
      if (item.tag === 0x80) out.requireExplicitPolicy = n;
      else if (item.tag === 0x81) out.inhibitPolicyMapping = n;
      else throw new Error('bad policyConstraints');
    }
  }
  const iap = extensionValue(cert, OID.inhibitAnyPolicy);
  if (iap) {
    out.inhibitAnyPolicy = readSmallInt(expectTag(iap, Tag.INTEGER, 'inhibitAnyPolicy'));
    if (out.inhibitAnyPolicy < 0) throw new Error('negative skip count');
  }
  return out;
}

/**
 * Runs policy processing over `path` (leaf first, trust anchor last; the anchor itself is not
 * processed, as in RFC 5280 §6.1).
 */
export function checkPolicies(path: readonly Certificate[]): Failure | undefined {
  const certs = path.slice(0, -1).reverse(); // from the one below the anchor down to the leaf
  const n = certs.length;
  if (n === 0) return undefined;
  let explicitPolicy = n + 1;
  let policyMapping = n + 1;
  let inhibitAny = n + 1;
  let valid: Set<string> | undefined = new Set([ANY_POLICY]);
  for (let i = 0; i < n; i++) {
    const cert = certs[i]!;
    const depth = n - 1 - i;
    const last = i === n - 1;
    let ext: PolicyExtensions;
    try {
      ext = readPolicyExtensions(cert);
    } catch (e) {
      return failure(
        'ERR_CERTIFICATE_INVALID',
        `${describeCertificate(cert.subject.text, depth)} has malformed policy extensions: ${e instanceof Error ? e.message : e}`,
        depth,
      );
    }
    const selfIssued = isSelfIssued(cert);
    // (d), (e): intersect with the certificate's policies
    if (ext.policies && valid) {
      const allowAny =
        ext.policies.includes(ANY_POLICY) && (inhibitAny > 0 || (!last && selfIssued));
      const next = new Set<string>();
      for (const p of ext.policies)
        if (p !== ANY_POLICY && (valid.has(p) || valid.has(ANY_POLICY))) next.add(p);
      if (allowAny) for (const v of valid) next.add(v);
      valid = next.size > 0 ? next : undefined;
    } else valid = undefined;
    // (f)
    if (explicitPolicy === 0 && !valid) {
      return failure(
        'ERR_POLICY_VIOLATION',
        `no certificate policy is valid at ${describeCertificate(cert.subject.text, depth)}, and an issuer requires an explicit policy`,
        depth,
      );
    }
    if (last) {
      // §6.1.5 (a), (b)
      if (explicitPolicy > 0) explicitPolicy--;
      if (ext.requireExplicitPolicy === 0) explicitPolicy = 0;
      break;
    }
    // §6.1.4 (a), (b): mappings
    const groups = new Map<string, string[]>();
    for (const [from, to] of ext.mappings ?? []) {
      if (from === ANY_POLICY || to === ANY_POLICY) {
        return failure(
          'ERR_CERTIFICATE_INVALID',
          `${describeCertificate(cert.subject.text, depth)} maps a policy to or from anyPolicy`,
          depth,
        );
      }
      groups.set(from, [...(groups.get(from) ?? []), to]);
    }
    for (const [from, tos] of groups) {
      if (!valid) break;
      if (policyMapping > 0) {
        if (valid.has(from) || valid.has(ANY_POLICY)) {
          valid.delete(from);
          for (const to of tos) valid.add(to);
        }
      } else valid.delete(from);
    }
    if (valid && valid.size === 0) valid = undefined;
    // (h), (i), (j)
    if (!selfIssued) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAny > 0) inhibitAny--;
    }
    if (ext.requireExplicitPolicy !== undefined)
      explicitPolicy = Math.min(explicitPolicy, ext.requireExplicitPolicy);
    if (ext.inhibitPolicyMapping !== undefined)
      policyMapping = Math.min(policyMapping, ext.inhibitPolicyMapping);
    if (ext.inhibitAnyPolicy !== undefined) inhibitAny = Math.min(inhibitAny, ext.inhibitAnyPolicy);
  }
  if (explicitPolicy === 0 && !valid) {
    return failure(
      'ERR_POLICY_VIOLATION',
      'no certificate policy is valid for the whole path, and an issuer requires an explicit policy',
      0,
    );
  }
  return undefined;
}
