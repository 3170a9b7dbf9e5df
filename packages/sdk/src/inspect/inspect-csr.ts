/**
 * Describes a certificate signing request as plain JSON-safe data. The CSR's own signature
 * (proof that the requester holds the key) is checked and reported; nothing is granted.
 */
import { type CertificateRequest, parseCsr } from '../csr/parse-csr.js';
import type { CryptoOptions } from '../lib/crypto.js';
import {
  describeExtension,
  describeName,
  type InspectedExtension,
  type InspectedName,
} from './describe.js';
import { fingerprints } from './fingerprints.js';
import { describeExtendedKeyUsage, type InspectedSubjectAltNames } from './inspect-certificate.js';

/** A CSR as {@link inspectCsr} describes it. */
export interface InspectedCsr {
  kind: 'csr';
  subject: InspectedName;
  /** Names asked for in the subjectAltName of the extension request, by type. */
  requestedNames: InspectedSubjectAltNames;
  publicKey: { type: string; curve?: string; bits: number };
  signatureAlgorithm: string;
  /** Whether the CSR is signed by the key it carries. */
  signatureValid: boolean;
  /** The request asks for basicConstraints cA: TRUE. */
  requestsCa: boolean;
  requestedKeyUsage?: string[];
  /** Names (`serverAuth`, …) or OIDs. */
  requestedExtendedKeyUsage?: string[];
  /** Extensions of the extension request. */
  extensions: InspectedExtension[];
  fingerprints: { sha256: string; sha1: string };
  problems: string[];
}

/**
 * Describes a CSR from PEM text or DER bytes. Throws `ERR_CSR_INVALID` when it is not one.
 *
 * @example
 * ```ts
 * const info = await inspectCsr(csrPem);
 * if (!info.signatureValid) console.warn('the CSR was altered after it was signed');
 * ```
 */
export async function inspectCsr(
  input: string | Uint8Array | CertificateRequest,
  options: CryptoOptions = {},
): Promise<InspectedCsr> {
  // anything that is not text, bytes or a parsed request goes to parseCsr, which refuses it
  // with ERR_INVALID_ARGUMENT instead of a TypeError on a missing field
  const csr =
    typeof input === 'object' && input !== null && 'requestedNames' in input
      ? input
      : await parseCsr(input as string | Uint8Array, options);
  const names = csr.requestedNames;
  const problems: string[] = [];
  if (!csr.signatureValid)
    problems.push('the CSR signature does not verify with the key it carries');
  const out: InspectedCsr = {
    kind: 'csr',
    subject: describeName(csr.subject),
    requestedNames: {
      dns: [...names.dns],
      ip: [...names.ips],
      email: [...names.emails],
      uri: [...names.uris],
      other: [...names.other],
    },
    publicKey:
      csr.publicKey.curve === undefined
        ? { type: csr.publicKey.type, bits: csr.publicKey.bits }
        : { type: csr.publicKey.type, curve: csr.publicKey.curve, bits: csr.publicKey.bits },
    signatureAlgorithm: csr.signatureAlgorithm.name,
    signatureValid: csr.signatureValid,
    requestsCa: csr.requestsCa,
    extensions: csr.requestedExtensions.map(describeExtension),
    fingerprints: await fingerprints(csr.der, options),
    problems,
  };
  if (csr.requestedKeyUsage) out.requestedKeyUsage = [...csr.requestedKeyUsage];
  if (csr.requestedExtendedKeyUsage)
    out.requestedExtendedKeyUsage = csr.requestedExtendedKeyUsage.map(describeExtendedKeyUsage);
  return out;
}
