/**
 * Issues a certificate revocation list (RFC 5280 §5): a v2 CRL with the authorityKeyIdentifier
 * and cRLNumber extensions RFC 5280 requires, encoded with our DER writer and signed by the CA.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { fromHex } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import {
  explicit,
  int,
  octets,
  oid,
  seq,
  Tag,
  time,
  tlv,
  uintBytes,
  utf8Bytes,
} from '../lib/der.js';
import { parseDuration } from '../lib/duration.js';
import { keyIdentifier } from '../lib/key-id.js';
import { OID } from '../lib/oids.js';
import { sign, signatureAlgorithmFor, signedEnvelope } from '../lib/signature.js';
import { CRL_REASONS, type Crl, type CrlReason, parseCrlDer } from './parse-crl.js';
import { verifyCrlSignature } from './verify-crl-signature.js';

/** Default time between thisUpdate and nextUpdate: 7 days. */
export const DEFAULT_CRL_VALIDITY_MS = 7 * 86_400_000;

/** One certificate to list as revoked. */
export interface CreateCrlEntry {
  /** The certificate's serial number in hex (colons allowed), as `Certificate.serialNumber` gives it. */
  serialNumber: string;
  /** When it was revoked. */
  revokedAt: Date;
  /**
   * Why. `unspecified` is written as no reason code at all, as RFC 5280 §5.3.1 asks.
   * `removeFromCRL` belongs to delta CRLs only and is refused.
   */
  reason?: CrlReason;
  /** When the key is known or suspected to have been compromised (invalidityDate extension). */
  invalidityDate?: Date;
}

/** Options of {@link createCrl}. */
export interface CreateCrlOptions extends CryptoOptions {
  /** The CA that signs the CRL: its certificate and private key. */
  issuer: { certificate: CertificateInput; privateKey: CryptoKey };
  /** Revoked certificates; may be empty. */
  entries: CreateCrlEntry[];
  /** The CRL number: must increase with every CRL the CA issues (0 to 2^159 - 1). */
  crlNumber: bigint | number;
  /** Issue time; default `now`. */
  thisUpdate?: Date;
  /** The current time, used when `thisUpdate` is not given; default the system clock. */
  now?: Date;
  /**
   * When the next CRL will be issued: a Date, a number of ms after thisUpdate, or a duration
   * text such as `'7d'`. Default 7 days after thisUpdate.
   */
  nextUpdate?: Date | number | string;
}

/** The result of {@link createCrl}. */
export interface CreateCrlResult {
  der: Uint8Array;
  /** PEM with the `X509 CRL` label, as `openssl crl` reads it. */
  pem: string;
  /** The CRL as {@link parseCrl} reads it back. */
  crl: Crl;
}

const MAX_CRL_NUMBER = (1n << 159n) - 1n;

function invalid(message: string): never {
  throw new NodeIdError('ERR_INVALID_ARGUMENT', message);
}

function validDate(d: unknown, what: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) invalid(`${what} must be a valid Date`);
  return d;
}

function toCrlNumber(n: bigint | number): bigint {
  if (typeof n === 'number' && !Number.isSafeInteger(n))
    invalid(`crlNumber must be a whole number, got ${n}`);
  if (typeof n !== 'number' && typeof n !== 'bigint')
    invalid('crlNumber must be a number or bigint');
  const v = BigInt(n);
  if (v < 0n || v > MAX_CRL_NUMBER) invalid(`crlNumber must be between 0 and 2^159 - 1`);
  return v;
}

function generalizedTime(d: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return tlv(
    Tag.GENERALIZED_TIME,
    utf8Bytes(
      `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`,
    ),
  );
}

function extension(id: string, value: Uint8Array): Uint8Array {
  return seq(oid(id), octets(value));
}

function encodeEntry(entry: CreateCrlEntry, index: number, seen: Set<string>): Uint8Array {
  if (typeof entry !== 'object' || entry === null) invalid(`entry #${index + 1} is not an object`);
  const hex = typeof entry.serialNumber === 'string' ? entry.serialNumber.trim() : '';
  const bytes = fromHex(hex);
  if (!bytes || bytes.length === 0 || bytes.length > 64)
    invalid(
      `entry #${index + 1}: serialNumber must be hex, got "${String(entry.serialNumber).slice(0, 80)}"`,
    );
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const serial = bytes.subarray(start);
  const key = Array.from(serial, (b) => b.toString(16).padStart(2, '0')).join('');
  if (seen.has(key)) invalid(`serial ${key} is listed twice`);
  seen.add(key);
  const revokedAt = validDate(entry.revokedAt, `entry ${key}: revokedAt`);
  const exts: Uint8Array[] = [];
  if (entry.reason !== undefined && entry.reason !== 'unspecified') {
    const code = CRL_REASONS.indexOf(entry.reason);
    if (code < 0 || typeof entry.reason !== 'string')
      invalid(`entry ${key}: unknown revocation reason "${String(entry.reason)}"`);
    if (entry.reason === 'removeFromCRL')
      invalid(`entry ${key}: removeFromCRL is only allowed in delta CRLs`);
    exts.push(extension(OID.crlReason, tlv(Tag.ENUMERATED, Uint8Array.of(code))));
  }
  if (entry.invalidityDate !== undefined) {
    const d = validDate(entry.invalidityDate, `entry ${key}: invalidityDate`);
    exts.push(extension(OID.invalidityDate, generalizedTime(d)));
  }
  const parts = [uintBytes(serial), time(revokedAt)];
  if (exts.length) parts.push(seq(...exts));
  return seq(...parts);
}

function issuerKeyId(issuer: Certificate): Uint8Array {
  if (issuer.subjectKeyIdentifier) return issuer.subjectKeyIdentifier;
  return keyIdentifier(issuer.publicKey.spki);
}

/**
 * Creates and signs a v2 CRL listing `entries`, issued by `issuer`. The issuer name is copied
 * byte for byte from the issuer certificate's subject, so relying parties match it by encoding;
 * the authorityKeyIdentifier is the issuer's subjectKeyIdentifier. Times are truncated to whole
 * seconds. After signing, the CRL is checked against the issuer certificate's public key, so a
 * private key that does not belong to the certificate fails with `ERR_KEY_MISMATCH` instead of
 * producing a CRL nobody can verify.
 *
 * Throws `ERR_CA_INVALID` when the issuer certificate is not a CA allowed to sign CRLs (basic
 * constraints without cA, or a keyUsage without cRLSign), `ERR_INVALID_ARGUMENT` for bad entries
 * or dates.
 *
 * @example
 * ```ts
 * const { pem } = await createCrl({
 *   issuer: { certificate: ca.certificatePem, privateKey: ca.privateKey },
 *   entries: [{ serialNumber: '5f3a9c01', revokedAt: new Date(), reason: 'keyCompromise' }],
 *   crlNumber: 7,
 *   nextUpdate: '7d',
 * });
 * ```
 */
export async function createCrl(options: CreateCrlOptions): Promise<CreateCrlResult> {
  if (typeof options !== 'object' || options === null) invalid('createCrl needs an options object');
  const crypto = getCrypto(options);
  const { issuer } = options;
  if (!issuer?.certificate || !issuer.privateKey)
    invalid('issuer must have a certificate and a privateKey');
  const caCert = parseCertificate(issuer.certificate);
  if (!caCert.basicConstraints?.ca)
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `the issuer ${caCert.subject.text} is not a CA certificate (basicConstraints cA is not set)`,
    );
  if (caCert.keyUsage && !caCert.keyUsage.includes('cRLSign'))
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `the issuer ${caCert.subject.text} may not sign CRLs: its keyUsage lacks cRLSign`,
    );
  if (!Array.isArray(options.entries)) invalid('entries must be an array (it may be empty)');
  const crlNumber = toCrlNumber(options.crlNumber);
  const thisUpdate = validDate(options.thisUpdate ?? options.now ?? new Date(), 'thisUpdate');
  const next = options.nextUpdate ?? DEFAULT_CRL_VALIDITY_MS;
  const nextUpdate =
    next instanceof Date
      ? validDate(next, 'nextUpdate')
      : new Date(thisUpdate.getTime() + parseDuration(next));
  if (Math.floor(nextUpdate.getTime() / 1000) <= Math.floor(thisUpdate.getTime() / 1000))
    invalid('nextUpdate must be after thisUpdate');

  const seen = new Set<string>();
  const entries = options.entries.map((e, i) => encodeEntry(e, i, seen));
  const keyId = issuerKeyId(caCert);
  const algorithm = signatureAlgorithmFor(issuer.privateKey);
  const tbsParts = [int(1), algorithm, caCert.subject.raw, time(thisUpdate), time(nextUpdate)];
  if (entries.length) tbsParts.push(seq(...entries));
  tbsParts.push(
    explicit(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, seq(tlv(0x80, keyId))),
        extension(OID.crlNumber, int(crlNumber)),
      ),
    ),
  );
  const tbs = seq(...tbsParts);
  const signature = await sign(crypto.subtle, issuer.privateKey, tbs);
  const der = signedEnvelope(tbs, algorithm, signature);
  const crl = parseCrlDer(der);
  if (!(await verifyCrlSignature(crl, caCert, { crypto })))
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      `the private key does not belong to the issuer certificate ${caCert.subject.text}`,
    );
  return { der, pem: crl.pem, crl };
}
