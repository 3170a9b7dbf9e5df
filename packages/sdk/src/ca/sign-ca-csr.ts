/**
 * Signs an intermediate CA's CSR with a CA (usually the offline root): the root host's half of
 * `ca init --intermediate` → `ca sign` → `ca import`. Leaf CSRs go to `signCsr`, which refuses
 * CA:TRUE; this function signs only CA requests, under its own policy.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { type CertificateRequest, parseCsr } from '../csr/parse-csr.js';
import { checkKeyStrength } from '../csr/signing-policy.js';
import { NodeIdError } from '../errors.js';
import type { Issuer } from '../issue/identity.js';
import { assertIssuer } from '../issue/leaf-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import type { NameConstraintsOptions } from '../lib/extensions.js';
import type { ValidityOptions } from '../lib/validity.js';
import { isSelfIssued } from '../verify/check-profile.js';
import { assertPathLength, signCaCertificate } from './ca-certificate.js';

/** Default lifetime of an intermediate CA: 5 years (clamped inside the signing CA's validity). */
export const DEFAULT_INTERMEDIATE_DAYS = 1825;

/** Options for {@link signCaCsr}. */
export interface SignCaCsrOptions extends CryptoOptions, ValidityOptions {
  /** The intermediate's CSR: PEM, DER, or already parsed. It must ask for CA:TRUE. */
  csr: string | Uint8Array | CertificateRequest;
  /** The CA that signs (its `chain` holds the CAs above it, root last). */
  ca: Issuer;
  /**
   * pathLenConstraint of the new CA: how many CAs may sit below it. Default `0` (it issues
   * leaves only). Refused when the signing CA's path, or a CA above it, leaves no room.
   */
  pathLength?: number;
  /** Names the new CA may or may not issue for (nameConstraints, critical). */
  nameConstraints?: NameConstraintsOptions;
  /** Smallest RSA key accepted; default 2048. */
  minRsaBits?: number;
}

/** Result of {@link signCaCsr}. */
export interface SignCaCsrResult {
  /** The intermediate CA's certificate. */
  certificate: Certificate;
  /** The CAs above it, nearest first, root last. */
  chain: Certificate[];
  warnings: string[];
}

/**
 * The largest pathLenConstraint a CA signed by `ca` may have, or -1 when `ca` may not sign any
 * CA at all. RFC 5280 §4.2.1.9: a pathLenConstraint bounds the non-self-issued intermediate
 * certificates that may follow a certificate in a path; the new CA counts as one below `ca`,
 * and every non-self-issued CA between `ca` and a CA above it counts for the one above.
 *
 * @example
 * ```ts
 * const root = await createCa({ clusterName: 'c', pathLength: 1 });
 * remainingPathLength(root); // 0: an intermediate under it must have pathLen 0
 * ```
 */
export function remainingPathLength(ca: Issuer): number {
  let room = Number.POSITIVE_INFINITY;
  let below = 1; // the new CA
  for (const cert of [ca.certificate, ...(ca.chain ?? [])]) {
    const limit = cert.basicConstraints?.pathLength;
    if (limit !== undefined) room = Math.min(room, limit - below);
    if (!isSelfIssued(cert)) below++;
  }
  return room;
}

/**
 * Signs an intermediate CA's CSR. Checks, before anything is signed: the signing CA is a CA
 * with keyCertSign (RFC 5280 §4.2.1.3); the CSR's key is strong enough and its signature
 * verifies (proof of possession); it asks for CA:TRUE (a leaf CSR is refused: use `signCsr`);
 * its subject is a non-empty name different from the signer's (§4.1.2.6); and the path length
 * fits under every CA above (§4.2.1.9, `ERR_PATH_LENGTH_EXCEEDED`). The certificate gets
 * basicConstraints CA:TRUE with the path length, keyUsage keyCertSign + cRLSign, SKI, AKI, the
 * name constraints given, and the signing CA's CRL addresses; its lifetime (default 5 years)
 * is clamped inside the signing CA's validity, with a warning.
 *
 * @example
 * ```ts
 * const root = await createCa({ clusterName: 'scale.cluster', pathLength: 1 });
 * const { pem } = await createCaCsr({ clusterName: 'scale.cluster', commonName: 'rack-1 CA' });
 * const { certificate, chain } = await signCaCsr({ csr: pem, ca: root, pathLength: 0,
 *   nameConstraints: { permittedDns: ['rack1.example.net'] } });
 * ```
 */
export async function signCaCsr(options: SignCaCsrOptions): Promise<SignCaCsrResult> {
  const crypto = getCrypto(options);
  const ca = options.ca;
  assertIssuer(ca);
  const usage = ca.certificate.keyUsage;
  if (usage && !usage.includes('keyCertSign'))
    throw new NodeIdError(
      'ERR_KEY_USAGE',
      `"${ca.certificate.subject.text}" has no keyCertSign key usage, so it cannot sign CA certificates`,
    );
  assertPathLength(options.pathLength);
  const csr =
    typeof options.csr === 'string' || options.csr instanceof Uint8Array
      ? await parseCsr(options.csr, { crypto })
      : options.csr;
  checkKeyStrength(csr.publicKey, csr.signatureAlgorithm, { minRsaBits: options.minRsaBits });
  if (!csr.signatureValid)
    throw new NodeIdError(
      'ERR_CSR_SIGNATURE',
      'the CSR signature does not verify: it was altered or not signed by its key',
    );
  if (!csr.requestsCa)
    throw new NodeIdError(
      'ERR_POLICY_DENIED',
      'the CSR does not ask for a CA certificate (basicConstraints CA:TRUE): it is a leaf request; sign it with `csr sign`, and make intermediate CSRs with `ca init --intermediate`',
    );
  if (csr.subject.rdns.length === 0)
    throw new NodeIdError('ERR_NAME_INVALID', 'a CA certificate needs a subject name');
  if (bytesEqual(csr.subject.raw, ca.certificate.subject.raw))
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `the CSR's subject "${csr.subject.text}" is the signing CA's own name; give the intermediate a name of its own (ca init --intermediate --common-name ...)`,
    );
  const room = remainingPathLength(ca);
  const pathLength = options.pathLength ?? 0;
  if (room < 0)
    throw new NodeIdError(
      'ERR_PATH_LENGTH_EXCEEDED',
      `"${ca.certificate.subject.text}" may not sign CA certificates: its path length constraint (or that of a CA above it) leaves no room for another CA below it (RFC 5280 §4.2.1.9)`,
    );
  if (pathLength > room)
    throw new NodeIdError(
      'ERR_PATH_LENGTH_EXCEEDED',
      `a path length of ${pathLength} does not fit: the CAs above allow at most ${room} CA${room === 1 ? '' : 's'} below the new one (RFC 5280 §4.2.1.9)`,
    );
  const { certificate, warnings } = await signCaCertificate(crypto, {
    ...options,
    issuer: ca,
    subject: csr.subject.raw,
    spki: csr.publicKey.spki,
    pathLength,
    nameConstraints: options.nameConstraints,
    defaultDays: DEFAULT_INTERMEDIATE_DAYS,
  });
  return { certificate, chain: [ca.certificate, ...(ca.chain ?? [])], warnings };
}
