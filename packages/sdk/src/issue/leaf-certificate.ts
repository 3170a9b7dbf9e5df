/** Signs a leaf certificate for a public key under a profile: shared by issueIdentity and signCsr. */

import { checkCrlUrls } from '../ca/crl-url.js';
import type { Certificate } from '../certificate/parse-certificate.js';
import type { DeniedName } from '../csr/signing-policy.js';
import { NodeIdError } from '../errors.js';
import type { KeyAlgorithm } from '../keys/key-algorithm.js';
import { signCertificate } from '../lib/certificate-encoder.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  type SanEntry,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from '../lib/extensions.js';
import { keyIdentifier } from '../lib/key-id.js';
import { randomSerial } from '../lib/serial.js';
import { computeValidity, type ValidityOptions } from '../lib/validity.js';
import type { Issuer } from './identity.js';
import { applyIssuerConstraints, assertWithinIssuerConstraints } from './issuer-constraints.js';
import {
  DEFAULT_LEAF_DAYS,
  leafKeyUsage,
  type Profile,
  profileExtendedKeyUsage,
} from './profiles.js';

/** @internal */
export interface LeafRequest extends ValidityOptions {
  issuer: Issuer;
  profile: Profile;
  subject: Uint8Array;
  /** True when the subject Name is empty: the SAN must then be critical. */
  subjectEmpty: boolean;
  spki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  sans: SanEntry[];
  /** CRL URLs for cRLDistributionPoints; default the issuer's `crlDistributionPoints`. */
  crlDistributionPoints?: readonly string[];
}

/** Checks that `issuer` is a CA with a key before any other work. @internal */
export function assertIssuer(issuer: Issuer | undefined): void {
  if (!issuer?.certificate || !issuer.privateKey)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a CA certificate and private key are required');
  if (!issuer.certificate.basicConstraints?.ca)
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `"${issuer.certificate.subject.text}" is not a CA certificate`,
    );
}

/** The encoded extensions all leaves of one issuer, profile, key type and CRL list share. */
interface SharedExtensions {
  /** basicConstraints, keyUsage, extKeyUsage: before the subjectKeyIdentifier. */
  before: Uint8Array[];
  authorityKeyId: Uint8Array;
  crlDistributionPoints?: Uint8Array;
}

const sharedByIssuer = new WeakMap<Certificate, Map<string, SharedExtensions>>();

/**
 * The extensions of {@link SharedExtensions}, encoded once per issuer certificate and kept with
 * it: bulk issuance signs thousands of leaves under one CA with the same ones. Each is a pure
 * function of its key (the CRL URLs are checked before anything is kept); its bytes are copied
 * into every TBSCertificate and never changed.
 */
function sharedExtensions(
  ca: Certificate,
  profile: Profile,
  keyAlgorithm: KeyAlgorithm,
  crlDistributionPoints: readonly string[],
): SharedExtensions {
  let byKey = sharedByIssuer.get(ca);
  if (!byKey) {
    byKey = new Map();
    sharedByIssuer.set(ca, byKey);
  }
  const key = JSON.stringify([profile, keyAlgorithm, crlDistributionPoints]);
  const known = byKey.get(key);
  if (known) return known;
  const crlUrls = checkCrlUrls(crlDistributionPoints);
  const shared: SharedExtensions = {
    before: [
      basicConstraintsExtension(false),
      keyUsageExtension(leafKeyUsage(keyAlgorithm)),
      extKeyUsageExtension(profileExtendedKeyUsage(profile)),
    ],
    // RFC 5280 §4.2.1.1: the issuer's subjectKeyIdentifier, or the method (1) key id of its key
    authorityKeyId: authorityKeyIdentifierExtension(
      ca.subjectKeyIdentifier ?? keyIdentifier(ca.publicKey.spki),
    ),
    ...(crlUrls.length ? { crlDistributionPoints: crlDistributionPointsExtension(crlUrls) } : {}),
  };
  // a long-lived server signs under few CAs, profiles and URL lists; never let the map grow
  if (byKey.size >= 64) byKey.clear();
  byKey.set(key, shared);
  return shared;
}

/** @internal */
export async function signLeaf(
  crypto: Crypto,
  req: LeafRequest,
): Promise<{
  certificate: Certificate;
  warnings: string[];
  /** The SANs the certificate carries: `req.sans` less those the issuer's constraints deny. */
  sans: SanEntry[];
  /** SANs left out because the name constraints of the issuer (or a CA above it) refuse them. */
  denied: DeniedName[];
}> {
  const ca = req.issuer.certificate;
  if (!ca.basicConstraints?.ca)
    throw new NodeIdError('ERR_CA_INVALID', `"${ca.subject.text}" is not a CA certificate`);
  if (req.sans.length === 0 && req.subjectEmpty)
    throw new NodeIdError('ERR_NAME_INVALID', 'a certificate needs a subject or at least one name');
  // RFC 5280 §4.2.1.10: never sign a name the issuer's own constraints (or its CAs') exclude
  const { allowed: sans, denied } = applyIssuerConstraints(req.issuer, req.sans);
  if (req.sans.length > 0 && sans.length === 0)
    throw new NodeIdError(
      'ERR_POLICY_DENIED',
      `none of the names is allowed by the CA's name constraints: ${denied.map((d) => `${d.name}: ${d.reason}`).join('; ')}`,
    );
  const { notBefore, notAfter, warnings } = computeValidity(req, DEFAULT_LEAF_DAYS, {
    notBefore: ca.notBefore,
    notAfter: ca.notAfter,
    subject: ca.subject.text,
  });
  const subtle = crypto.subtle;
  const shared = sharedExtensions(
    ca,
    req.profile,
    req.keyAlgorithm,
    req.crlDistributionPoints ?? req.issuer.crlDistributionPoints ?? [],
  );
  const extensions = [
    ...shared.before,
    subjectKeyIdentifierExtension(keyIdentifier(req.spki)),
    shared.authorityKeyId,
  ];
  if (sans.length) extensions.push(subjectAltNameExtension(sans, req.subjectEmpty));
  if (shared.crlDistributionPoints) extensions.push(shared.crlDistributionPoints);
  const certificate = await signCertificate(
    subtle,
    {
      serialNumber: randomSerial(crypto),
      issuer: ca.subject.raw,
      subject: req.subject,
      notBefore,
      notAfter,
      spki: req.spki,
      extensions,
    },
    req.issuer.privateKey,
  );
  assertWithinIssuerConstraints(req.issuer, certificate);
  return { certificate, warnings, sans, denied };
}
