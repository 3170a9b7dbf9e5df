/** Signs a CSR under a policy: the CA host's half of the key-never-leaves-the-node flow. */
import type { Certificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Issuer } from '../issue/identity.js';
import { clusterNameOf } from '../issue/issue-identity.js';
import { applyIssuerConstraints, sanLabel } from '../issue/issuer-constraints.js';
import { assertIssuer, signLeaf } from '../issue/leaf-certificate.js';
import {
  CONTROL_SERVICE_CN,
  DEFAULT_LEAF_DAYS,
  isProfile,
  type Profile,
} from '../issue/profiles.js';
import type { KeyAlgorithm } from '../keys/key-algorithm.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { encodeName, type NameFields, nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { optionsArgument } from '../lib/options-argument.js';
import { buildSanEntries } from '../lib/san.js';
import { DAY } from '../lib/validity.js';
import { loadPublicSuffixList } from '../verify/public-suffix.js';
import { type CertificateRequest, parseCsr } from './parse-csr.js';
import {
  applyNamePolicy,
  checkKeyStrength,
  commonNameAllowed,
  type DeniedName,
  type SigningPolicy,
} from './signing-policy.js';

/** Options for {@link signCsr}. */
export interface SignCsrOptions extends CryptoOptions {
  /** The CSR: PEM, DER, or already parsed. */
  csr: string | Uint8Array | CertificateRequest;
  /** The CA that signs. */
  ca: Issuer;
  /** What may be granted. */
  policy: SigningPolicy;
  /** Profile of the certificate; default `node`. */
  profile?: Profile;
  /** Cluster name for the CN of a `node` certificate; default the CA's recorded cluster name. */
  clusterName?: string;
  /**
   * The subject CN is the first granted name (DNS, else IP), whatever the profile (but `client`,
   * whose CN is the user): for ACME, whose clients renew the names a certificate carries, CN
   * included, and where the CN, if present, is one of the subjectAltNames (CA/B BR §7.1.4.3).
   * The profile still decides key usages and extended key usages. Default false.
   */
  commonNameFromNames?: boolean;
  /** Lifetime in days; default the smaller of 365 and the policy's maximum. */
  days?: number;
  /** The current time. */
  now?: Date;
  /**
   * CRL URLs for the certificate's cRLDistributionPoints (RFC 5280 §4.2.1.13); default the CA's
   * `crlDistributionPoints`; `[]` for none.
   */
  crlDistributionPoints?: readonly string[];
}

/** Result of {@link signCsr}. */
export interface SignCsrResult {
  certificate: Certificate;
  /** Issuing CA certificates, nearest first. */
  chain: Certificate[];
  /** Names put in the certificate, as `DNS:…`, `IP:…`, `URI:…`, `email:…`. */
  granted: string[];
  /** Names asked for but left out, with the reason. */
  denied: DeniedName[];
  warnings: string[];
}

function loosenKeyAlgorithm(csr: CertificateRequest): KeyAlgorithm {
  const k = csr.publicKey;
  if (k.type === 'RSA') return 'RSA-2048';
  if (k.type === 'Ed25519') return 'Ed25519';
  return k.curve === 'P-384' ? 'P-384' : 'P-256';
}

/**
 * Signs a CSR under `policy`. Refuses (with a `NodeIdError`) a CSR whose signature does not
 * verify, that asks for CA:TRUE, that uses a weak key or SHA-1, or whose every name is denied.
 * Names outside the policy, and names the CA's own nameConstraints (or those of a CA above it)
 * refuse, are left out and listed in `denied` with the reason; the CSR's own CN is ignored for
 * hosts (the profile decides the subject: CN = cluster name for nodes).
 *
 * @example
 * ```ts
 * const { certificate, granted, denied } = await signCsr({
 *   csr: csrPem, ca, policy: { dns: ['.example.net'], ips: ['10.0.0.0/8'], maxDays: 90 },
 * });
 * ```
 */
export async function signCsr(options: SignCsrOptions): Promise<SignCsrResult> {
  optionsArgument(options, 'signCsr');
  const crypto = getCrypto(options);
  assertIssuer(options.ca);
  const profile = options.profile ?? 'node';
  if (!isProfile(profile))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', `unknown profile "${String(profile)}"`);
  const csr =
    typeof options.csr === 'string' || options.csr instanceof Uint8Array
      ? await parseCsr(options.csr, { crypto })
      : options.csr;
  const policy = options.policy ?? {};
  checkKeyStrength(csr.publicKey, csr.signatureAlgorithm, policy);
  if (!csr.signatureValid)
    throw new NodeIdError(
      'ERR_CSR_SIGNATURE',
      'the CSR signature does not verify: it was altered or not signed by its key',
    );
  if (csr.requestsCa)
    throw new NodeIdError(
      'ERR_POLICY_DENIED',
      'the CSR asks for a CA certificate (basicConstraints CA:TRUE); only leaf certificates are signed',
    );

  // a wildcard is judged against the Public Suffix List, loaded only when one is asked for
  const publicSuffixes =
    policy.allowWildcards && csr.requestedNames.dns.some((d) => d.includes('*'))
      ? await loadPublicSuffixList()
      : undefined;
  const byPolicy = applyNamePolicy(csr.requestedNames, policy, publicSuffixes);
  // the CA's own name constraints (RFC 5280 §4.2.1.10) come on top of the policy: a name the
  // policy grants but the constraints refuse is denied with the constraint as the reason
  const constrained = applyIssuerConstraints(options.ca, buildSanEntries(byPolicy.granted));
  const denied = [...byPolicy.denied, ...constrained.denied];
  const granted = {
    dns: [] as string[],
    ips: [] as string[],
    uris: [] as string[],
    emails: [] as string[],
  };
  for (const san of constrained.allowed) {
    if (san.type === 'dns') granted.dns.push(san.value);
    else if (san.type === 'ip') granted.ips.push(san.value);
    else if (san.type === 'uri') granted.uris.push(san.value);
    else granted.emails.push(san.value);
  }
  const csrCn = nameValues(csr.subject, OID.commonName)[0] ?? '';
  const caCert = options.ca.certificate;
  const subject: NameFields = { organization: nameValues(caCert.subject, OID.organizationName)[0] };
  switch (profile) {
    case 'node': {
      const cluster = options.clusterName ?? clusterNameOf(caCert.subject);
      if (!cluster)
        throw new NodeIdError(
          'ERR_INVALID_ARGUMENT',
          'a node certificate needs the cluster name (it becomes the CN)',
        );
      subject.commonName = cluster;
      break;
    }
    case 'server':
      subject.commonName = granted.dns[0] ?? granted.ips[0];
      break;
    case 'control':
      subject.commonName = CONTROL_SERVICE_CN;
      break;
    case 'client':
      if (!csrCn || !commonNameAllowed(csrCn, policy)) {
        throw new NodeIdError(
          'ERR_POLICY_DENIED',
          `the client name "${csrCn}" is not allowed by the policy`,
        );
      }
      subject.commonName = csrCn;
      break;
  }
  if (options.commonNameFromNames && profile !== 'client')
    subject.commonName = granted.dns[0] ?? granted.ips[0];
  const sans = buildSanEntries(granted);
  if (sans.length === 0 && profile !== 'client') {
    throw new NodeIdError(
      'ERR_POLICY_DENIED',
      `none of the requested names is allowed: ${denied.map((d) => `${d.name} (${d.reason})`).join(', ') || 'the CSR asks for no names'}`,
    );
  }

  const warnings: string[] = [];
  const maxDays = policy.maxDays ?? DEFAULT_LEAF_DAYS;
  let days = options.days ?? Math.min(DEFAULT_LEAF_DAYS, maxDays);
  if (days > maxDays) {
    warnings.push(`lifetime shortened from ${days} to ${maxDays} days by the policy`);
    days = maxDays;
  }
  const now = options.now ?? new Date();
  const signed = await signLeaf(crypto, {
    issuer: options.ca,
    profile,
    subject: encodeName(subject),
    subjectEmpty: false,
    spki: csr.publicKey.spki,
    keyAlgorithm: loosenKeyAlgorithm(csr),
    sans,
    now,
    notAfter: new Date(now.getTime() + days * DAY),
    crlDistributionPoints: options.crlDistributionPoints,
  });
  return {
    certificate: signed.certificate,
    chain: [caCert, ...(options.ca.chain ?? [])],
    granted: signed.sans.map(sanLabel),
    denied: [...denied, ...signed.denied],
    warnings: [...warnings, ...signed.warnings],
  };
}
