/** Checks that a CRL was signed by the key of a given issuer certificate. */
import { type CertificateInput, parseCertificate } from '../certificate/parse-certificate.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { verifySignature } from '../lib/signature.js';
import { type CrlInput, parseCrl } from './parse-crl.js';

/**
 * True when `crl`'s signature verifies with the public key of `issuerCertificate`. False for a
 * wrong signature, a different key, an unsupported or weak algorithm (MD5), or a CRL whose
 * inner and outer signature algorithms differ. Only the signature is checked: whether the CRL's
 * issuer name matches the certificate's subject, whether the certificate may sign CRLs and
 * whether the CRL is current are the caller's checks (`verifyCertificate` does them). Input that
 * cannot be parsed throws `ERR_CRL_INVALID` or `ERR_CERTIFICATE_INVALID`.
 *
 * @example
 * ```ts
 * if (!(await verifyCrlSignature(crlPem, caPem))) throw new Error('forged CRL');
 * ```
 */
export async function verifyCrlSignature(
  crl: CrlInput,
  issuerCertificate: CertificateInput,
  options: CryptoOptions = {},
): Promise<boolean> {
  const parsed = parseCrl(crl);
  const issuer = parseCertificate(issuerCertificate);
  const { subtle } = getCrypto(options);
  if (parsed.signatureAlgorithmMismatch) return false;
  return verifySignature(
    subtle,
    issuer.publicKey.spki,
    parsed.signatureAlgorithmNode,
    parsed.tbs,
    parsed.signature,
  );
}
