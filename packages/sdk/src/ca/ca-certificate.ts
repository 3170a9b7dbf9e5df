/**
 * Builds and signs a CA certificate: shared by `createCa` (a new key, self-signed or under an
 * issuer) and `signCaCsr` (an intermediate's key that came in a CSR).
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Issuer } from '../issue/identity.js';
import { signCertificate } from '../lib/certificate-encoder.js';
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  keyUsageExtension,
  type NameConstraintsOptions,
  nameConstraintsExtension,
  subjectKeyIdentifierExtension,
} from '../lib/extensions.js';
import { keyIdentifier } from '../lib/key-id.js';
import { randomSerial } from '../lib/serial.js';
import { computeValidity, type ValidityOptions } from '../lib/validity.js';
import { checkCrlUrls } from './crl-url.js';

/** @internal */
export interface CaCertificateRequest extends ValidityOptions {
  /** The signing CA; absent for a self-signed root. */
  issuer?: Issuer;
  /** The key that signs a self-signed root (the new CA's own private key). */
  selfSigningKey?: CryptoKey;
  /** Subject Name DER. */
  subject: Uint8Array;
  /** SubjectPublicKeyInfo DER of the new CA. */
  spki: Uint8Array;
  pathLength?: number;
  nameConstraints?: NameConstraintsOptions;
  /** Lifetime when neither `days` nor `notAfter` is given. */
  defaultDays: number;
}

/** Checks a pathLenConstraint value (RFC 5280 §4.2.1.9: INTEGER (0..MAX)). @internal */
export function assertPathLength(pathLength: number | undefined): void {
  if (
    pathLength !== undefined &&
    (!Number.isInteger(pathLength) || pathLength < 0 || pathLength > 16)
  ) {
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `path length must be an integer from 0 to 16, got ${pathLength}`,
    );
  }
}

/**
 * Signs a CA certificate: basicConstraints CA:TRUE (critical, with the path length if given),
 * keyUsage keyCertSign + cRLSign (critical), SKI, AKI, name constraints if given, and under an
 * issuer the issuer's CRL addresses (its CRL is the one that can revoke this CA). The lifetime
 * is clamped inside the issuer's validity. @internal
 */
export async function signCaCertificate(
  crypto: Crypto,
  req: CaCertificateRequest,
): Promise<{ certificate: Certificate; warnings: string[] }> {
  assertPathLength(req.pathLength);
  const issuer = req.issuer;
  if (issuer && !issuer.certificate.basicConstraints?.ca)
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `"${issuer.certificate.subject.text}" is not a CA certificate`,
    );
  const signingKey = issuer ? issuer.privateKey : req.selfSigningKey;
  if (!signingKey) throw new NodeIdError('ERR_INVALID_ARGUMENT', 'no key to sign the CA with');
  const { notBefore, notAfter, warnings } = computeValidity(
    req,
    req.defaultDays,
    issuer && {
      notBefore: issuer.certificate.notBefore,
      notAfter: issuer.certificate.notAfter,
      subject: issuer.certificate.subject.text,
    },
  );
  const ski = keyIdentifier(req.spki);
  const extensions = [
    basicConstraintsExtension(true, req.pathLength),
    keyUsageExtension(['keyCertSign', 'cRLSign']),
    subjectKeyIdentifierExtension(ski),
  ];
  const aki = issuer
    ? (issuer.certificate.subjectKeyIdentifier ?? keyIdentifier(issuer.certificate.publicKey.spki))
    : ski;
  extensions.push(authorityKeyIdentifierExtension(aki));
  const constraints = req.nameConstraints && nameConstraintsExtension(req.nameConstraints);
  if (constraints) extensions.push(constraints);
  const crlUrls = checkCrlUrls(issuer?.crlDistributionPoints ?? []);
  if (crlUrls.length) extensions.push(crlDistributionPointsExtension(crlUrls));
  const certificate = await signCertificate(
    crypto.subtle,
    {
      serialNumber: randomSerial(crypto),
      issuer: issuer ? issuer.certificate.subject.raw : req.subject,
      subject: req.subject,
      notBefore,
      notAfter,
      spki: req.spki,
      extensions,
    },
    signingKey,
  );
  return { certificate, warnings };
}
