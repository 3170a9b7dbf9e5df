/**
 * The issuing CA's own nameConstraints, applied when a certificate is made. A CA constrained to
 * `example.net` that signs `google.com` makes a certificate that Go, OpenSSL, GnuTLS and pyca
 * reject (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c)) while others accept it, so half a cluster would
 * refuse the node. Every issuance path (issueIdentity, signCsr, the CLI and the server) runs
 * the names through the very matching path validation uses (`verify/name-constraints.ts`),
 * leaves out the names the constraints of the issuer or of any CA above it refuse, lists them
 * as denied with the reason, and refuses to issue when nothing is left.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { DeniedName } from '../csr/signing-policy.js';
import { NodeIdError } from '../errors.js';
import type { SanEntry } from '../lib/extensions.js';
import {
  type ConstraintBudget,
  checkNameConstraints,
  MAX_CONSTRAINT_COMPARISONS,
} from '../verify/name-constraints.js';
import type { Issuer } from './identity.js';

const LABEL: Record<SanEntry['type'], string> = {
  dns: 'DNS',
  ip: 'IP',
  uri: 'URI',
  email: 'email',
};

/** `DNS:node1.example.net`, `IP:10.0.0.1`, … */
export function sanLabel(san: SanEntry): string {
  return `${LABEL[san.type]}:${san.value}`;
}

/** The CA certificates whose constraints bind what `issuer` signs: itself and every CA above it. */
function constrainingCas(issuer: Issuer): Certificate[] {
  return [issuer.certificate, ...(issuer.chain ?? [])].filter((c) => c.nameConstraints);
}

/** A stand-in certificate that carries only `san`, so each name is judged on its own. */
function carrying(san: SanEntry): Certificate {
  return { subjectAltNames: [san], subject: { rdns: [], text: '' } } as unknown as Certificate;
}

/**
 * Splits `sans` into the names the name constraints of `issuer` (and of the CAs above it)
 * allow and those they refuse, with the reason (the same words `verifyCertificate` would use).
 *
 * @internal
 */
export function applyIssuerConstraints(
  issuer: Issuer,
  sans: readonly SanEntry[],
): { allowed: SanEntry[]; denied: DeniedName[] } {
  const cas = constrainingCas(issuer);
  if (cas.length === 0) return { allowed: [...sans], denied: [] };
  const budget: ConstraintBudget = { remaining: MAX_CONSTRAINT_COMPARISONS };
  const allowed: SanEntry[] = [];
  const denied: DeniedName[] = [];
  for (const san of sans) {
    let reason: string | undefined;
    for (const [i, ca] of cas.entries()) {
      const f = checkNameConstraints(ca, i + 1, carrying(san), 0, budget);
      if (f) {
        reason = `${f.message.replace(/ at depth \d+/, '')} (CA "${ca.subject.text}")`;
        break;
      }
    }
    if (reason) denied.push({ name: sanLabel(san), reason });
    else allowed.push(san);
  }
  return { allowed, denied };
}

/**
 * Refuses a finished certificate that the constraints of `issuer` or a CA above it reject as a
 * whole (its subject DN against directoryName constraints, subject emailAddress attributes):
 * `ERR_POLICY_DENIED`. The SANs were filtered before signing; this is the last word.
 *
 * @internal
 */
export function assertWithinIssuerConstraints(issuer: Issuer, certificate: Certificate): void {
  const budget: ConstraintBudget = { remaining: MAX_CONSTRAINT_COMPARISONS };
  for (const [i, ca] of constrainingCas(issuer).entries()) {
    const f = checkNameConstraints(ca, i + 1, certificate, 0, budget);
    if (f)
      throw new NodeIdError(
        'ERR_POLICY_DENIED',
        `the certificate would break the name constraints of CA "${ca.subject.text}": ${f.message.replace(/ at depth \d+/, '')}`,
      );
  }
}
