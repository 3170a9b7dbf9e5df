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
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(leafKeyUsage(req.keyAlgorithm)),
    extKeyUsageExtension(profileExtendedKeyUsage(req.profile)),
    subjectKeyIdentifierExtension(keyIdentifier(req.spki)),
  ];
  const authorityKeyId = ca.subjectKeyIdentifier ?? keyIdentifier(ca.publicKey.spki);
  extensions.push(authorityKeyIdentifierExtension(authorityKeyId));
  if (sans.length) extensions.push(subjectAltNameExtension(sans, req.subjectEmpty));
  const crlUrls = checkCrlUrls(req.crlDistributionPoints ?? req.issuer.crlDistributionPoints ?? []);
  if (crlUrls.length) extensions.push(crlDistributionPointsExtension(crlUrls));
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
