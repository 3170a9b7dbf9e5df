/**
 * `renewCa`: a new copy of a root CA certificate with the same key, the same subject and the same
 * subject key identifier, a new serial and a new validity. Every certificate the CA issued keeps
 * verifying under either copy, because path building matches a certificate's issuer by name and
 * authority key identifier (RFC 5280 §4.2.1.1, §6.1) and its signature by the key, and none of
 * the three changes.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Issuer } from '../issue/identity.js';
import { DEFAULT_CA_DAYS } from '../issue/profiles.js';
import { keyMatchesCertificate } from '../keys/key-matches-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { signCertificate } from '../lib/certificate-encoder.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import {
  authorityKeyIdentifierExtension,
  extension,
  subjectKeyIdentifierExtension,
} from '../lib/extensions.js';
import { keyIdentifier } from '../lib/key-id.js';
import { OID } from '../lib/oids.js';
import { randomSerial } from '../lib/serial.js';
import { verifySignature } from '../lib/signature.js';
import { computeValidity, type ValidityOptions } from '../lib/validity.js';

/** Options of {@link renewCa}. */
export interface RenewCaOptions extends CryptoOptions, ValidityOptions {
  /** The root CA to renew: its current certificate and its private key. */
  ca: Issuer;
}

/** The result of {@link renewCa}. */
export interface RenewCaResult {
  /** The renewed CA certificate (self-signed, same key, subject and SKI). */
  certificate: Certificate;
  /** Things the caller should know, e.g. that the new not-after is not later than the old one. */
  warnings: string[];
}

/**
 * The subject key identifier leaves of this CA carry as their authority key identifier: the
 * CA's SKI, or RFC 5280 §4.2.1.2 method 1 over its key when it has none (what nodeid's issuers
 * write in that case). @internal
 */
export function caKeyIdentifier(ca: Certificate): Uint8Array {
  return ca.subjectKeyIdentifier ?? keyIdentifier(ca.publicKey.spki);
}

/**
 * Refuses anything but a self-signed root CA certificate whose private key is `privateKey`:
 * CA:TRUE, issuer = subject (by encoding), a signature its own key verifies. An intermediate is
 * renewed by the CA above it (`nodeid ca sign` on the root's host). @internal
 */
export async function assertRootCa(crypto: Crypto, ca: Issuer, what: string): Promise<void> {
  const cert = ca.certificate;
  if (!cert.basicConstraints?.ca)
    throw new NodeIdError('ERR_CA_INVALID', `"${cert.subject.text}" is not a CA certificate`);
  const selfSigned =
    bytesEqual(cert.issuer.raw, cert.subject.raw) &&
    (await verifySignature(
      crypto.subtle,
      cert.publicKey.spki,
      cert.signatureAlgorithmNode,
      cert.tbs,
      cert.signature,
    ));
  if (!selfSigned)
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `"${cert.subject.text}" is not a self-signed root; only a root can ${what} itself: renew an intermediate by signing a new CSR on its root's host (nodeid ca sign)`,
    );
  if (!(await keyMatchesCertificate(ca.privateKey, cert, { crypto })))
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      `the private key given is not the key of "${cert.subject.text}"`,
    );
}

/**
 * The extensions of `certificate` re-encoded as they are, except the subject and authority key
 * identifiers, which are replaced by the ones given: a renewed or cross-signed CA keeps its
 * basicConstraints, keyUsage, name constraints and any other extension unchanged. @internal
 */
export function caExtensionsWithKeyIds(
  certificate: Certificate,
  ski: Uint8Array,
  aki: Uint8Array,
): Uint8Array[] {
  const kept = certificate.extensions
    .filter((e) => e.oid !== OID.subjectKeyIdentifier && e.oid !== OID.authorityKeyIdentifier)
    .map((e) => extension(e.oid, e.critical, e.value));
  return [...kept, subjectKeyIdentifierExtension(ski), authorityKeyIdentifierExtension(aki)];
}

/**
 * Renews a root CA certificate: same key, same subject (byte for byte), same SKI and the same
 * other extensions; a new random serial, `notBefore` now (backdated five minutes) and a new
 * `notAfter` (`days`, default 3650, or `notAfter`). The AKI is rewritten to the key identifier
 * alone (no issuer and serial, which would name the old copy). Leaves issued before the renewal
 * verify under the renewed certificate and under the old one. An expired root can be renewed:
 * that is how a cluster whose CA lapsed gets back without re-issuing anything.
 *
 * @example
 * ```ts
 * const { issuer } = await loadCaFolder(dir, { passphrase });
 * const { certificate } = await renewCa({ ca: issuer, days: 3650 });
 * await writeFile(join(dir, 'ca.crt'), certificate.pem);
 * ```
 */
export async function renewCa(options: RenewCaOptions): Promise<RenewCaResult> {
  const crypto = getCrypto(options);
  const old = options.ca.certificate;
  await assertRootCa(crypto, options.ca, 'renew');
  const { notBefore, notAfter, warnings } = computeValidity(options, DEFAULT_CA_DAYS);
  if (notAfter.getTime() <= old.notAfter.getTime())
    warnings.push(
      `the renewed CA certificate ends at ${notAfter.toISOString()}, not later than the current one (${old.notAfter.toISOString()})`,
    );
  const ski = caKeyIdentifier(old);
  const certificate = await signCertificate(
    crypto.subtle,
    {
      serialNumber: randomSerial(crypto),
      issuer: old.subject.raw,
      subject: old.subject.raw,
      notBefore,
      notAfter,
      spki: old.publicKey.spki,
      extensions: caExtensionsWithKeyIds(old, ski, ski),
    },
    options.ca.privateKey,
  );
  return { certificate, warnings };
}
