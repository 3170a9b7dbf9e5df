/**
 * Trust on first contact, done safely: a node that has nothing but a server URL, a one-time token
 * and the CA fingerprint the admin gave it fetches the CA certificate without trusting the
 * connection, accepts it only if its SHA-256 equals the pinned fingerprint (compared in constant
 * time), and from then on trusts that CA alone, with full TLS verification.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Certificate, parseCertificates } from '@nodeid/sdk';
import { CliError, EXIT } from './cli-error.js';
import { readPemOrDer } from './files.js';
import { EXIT_UNTRUSTED, httpsRequest, type TlsTrust } from './http-client.js';

/**
 * A SHA-256 fingerprint from a flag: `SHA256:AB:CD:…` as `nodeid ca show` and `token create`
 * print it, or the same 64 hex digits with or without colons. Refuses anything else (exit 2).
 */
export function parseFingerprint(text: string): Buffer {
  const hex = text
    .trim()
    .replace(/^sha-?256:/i, '')
    .replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new CliError(
      'ERR_USAGE',
      `--fingerprint "${text.slice(0, 120)}" is not a SHA-256 fingerprint; expected SHA256:AB:CD:… (32 bytes)`,
      EXIT.USAGE,
    );
  return Buffer.from(hex, 'hex');
}

/** `SHA256:AB:CD:…`: the form printed for admins to pin. */
export function formatFingerprint(digest: Uint8Array): string {
  return `SHA256:${Buffer.from(digest).toString('hex').toUpperCase().match(/../g)!.join(':')}`;
}

/** SHA-256 of a certificate's DER. */
export function fingerprintOf(cert: Certificate): Buffer {
  return createHash('sha256').update(cert.der).digest();
}

/** The CA certificate(s) in a file, as PEM to trust (exit 3 when the file holds none). */
export async function readTrustFile(path: string): Promise<TlsTrust> {
  const certs = parseCertificates(await readPemOrDer(path));
  if (certs.length === 0)
    throw new CliError('ERR_CERTIFICATE_INVALID', `${path} holds no CA certificate`);
  return { ca: certs.map((c) => c.pem).join('') };
}

/** What {@link fetchPinnedCa} returns: the CA to trust from now on. */
export interface PinnedCa {
  certificate: Certificate;
  /** The trust to use for every later request: this CA only. */
  trust: TlsTrust;
  fingerprint: string;
}

/**
 * Fetches `GET /v1/ca` over an unverified connection (the only request ever made so) and returns
 * the certificate whose SHA-256 equals `pin`. Anything else — another CA, garbage, an error
 * answer — is refused with `ERR_FINGERPRINT_MISMATCH` (exit 4) before anything is sent or written.
 */
export async function fetchPinnedCa(
  server: URL,
  pin: Buffer,
  options: { timeoutMs?: number } = {},
): Promise<PinnedCa> {
  const res = await httpsRequest(server, '/v1/ca', {
    trust: 'unverified',
    headers: { accept: 'application/x-pem-file' },
    timeoutMs: options.timeoutMs,
  });
  const served = formatFingerprint(pin);
  let certs: Certificate[] = [];
  if (res.status === 200) {
    try {
      certs = parseCertificates(res.body.toString('utf8'));
    } catch {
      certs = [];
    }
  }
  if (certs.length === 0)
    throw new CliError(
      'ERR_FINGERPRINT_MISMATCH',
      `${server.origin}/v1/ca did not answer with a CA certificate (HTTP ${res.status}); refusing to trust it, nothing was sent`,
      EXIT_UNTRUSTED,
    );
  let match: Certificate | undefined;
  for (const cert of certs) {
    // every candidate is compared in full, so timing says nothing about how close a guess was
    if (timingSafeEqual(fingerprintOf(cert), pin) && !match) match = cert;
  }
  if (!match)
    throw new CliError(
      'ERR_FINGERPRINT_MISMATCH',
      `the CA certificate served by ${server.origin} has fingerprint ${formatFingerprint(fingerprintOf(certs[0]!))}, not the pinned ${served}; refusing to trust it (nothing was sent, nothing written)`,
      EXIT_UNTRUSTED,
    );
  return { certificate: match, trust: { ca: match.pem }, fingerprint: served };
}
