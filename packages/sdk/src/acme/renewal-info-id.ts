/**
 * The certificate identifier of ACME Renewal Information (RFC 9773 §4.1):
 * base64url(AKI keyIdentifier) "." base64url(serial number DER content octets).
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import { fromBase64Url, toBase64Url } from '../lib/base64url.js';
import { fromHex, toHex } from '../lib/bytes.js';
import { acmeError } from './acme-problem.js';

/** The parts of a renewalInfo certificate identifier. */
export interface RenewalInfoId {
  /** The authorityKeyIdentifier keyIdentifier, lower-case hex. */
  keyIdentifier: string;
  /** The serial number as lower-case hex without leading zero bytes (as `Certificate.serialNumber`). */
  serialNumber: string;
}

/**
 * The RFC 9773 §4.1 identifier of `cert`. A certificate without an AKI keyIdentifier has none:
 * `ERR_ACME` (malformed).
 */
export function renewalInfoId(cert: Certificate): string {
  const aki = cert.authorityKeyIdentifier?.keyIdentifier;
  if (!aki)
    throw acmeError('malformed', 'the certificate has no authorityKeyIdentifier keyIdentifier');
  let hex = cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber;
  // the DER INTEGER's content octets: a leading 00 when the high bit is set (X.690 §8.3.2)
  if (/^[89a-f]/.test(hex)) hex = `00${hex}`;
  return `${toBase64Url(aki)}.${toBase64Url(fromHex(hex)!)}`;
}

/** Reads a renewalInfo identifier; anything else is `malformed`. */
export function parseRenewalInfoId(id: string): RenewalInfoId {
  const parts = typeof id === 'string' ? id.split('.') : [];
  const aki = parts.length === 2 ? fromBase64Url(parts[0]!) : undefined;
  const serial = parts.length === 2 ? fromBase64Url(parts[1]!) : undefined;
  if (!aki?.length || !serial?.length || serial.length > 20 || (serial[0]! & 0x80) !== 0)
    throw acmeError('malformed', 'not a renewalInfo certificate identifier (RFC 9773 §4.1)');
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start++;
  return { keyIdentifier: toHex(aki), serialNumber: toHex(serial.slice(start)) };
}
