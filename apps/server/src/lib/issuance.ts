/**
 * One signing, from a CSR in PEM to the record of the certificate made: the CPU-heavy part of
 * `/v1/sign` and `/v1/renew` (CSR parse, its signature check, the certificate built and signed).
 * Everything in and out is plain data, so the same function runs on the request's thread or in
 * a signing thread (`signing-pool.ts`, `signing-worker.ts`) and answers the same.
 */
import {
  type Issuer,
  NodeIdError,
  type NodeIdErrorCode,
  type Profile,
  parseCsr,
  type SigningPolicy,
  signCsr,
} from '@nodeid/sdk';
import { type CertificateInput, certificateRecordOf } from '@nodeid/store/record';
import { HttpError } from './http-error.js';

/** What to sign and under which rules. */
export interface SignJob {
  /** The CSR, PEM. */
  csr: string;
  policy: SigningPolicy;
  profile: Profile;
  clusterName: string;
  now: Date;
  /** The first name as CN whatever the profile (ACME; see `signCsr`). */
  commonNameFromNames?: boolean;
  /**
   * The DNS names and IPs to sign in place of the CSR's subjectAltNames: an ACME order's
   * identifiers, once the CSR was found to name exactly them, its CN included (RFC 8555 §7.4).
   */
  names?: { dns: string[]; ips: string[] };
}

/** A certificate just made, as the routes answer and record it. */
export interface Issued {
  pem: string;
  serialNumber: string;
  /** Subject as text. */
  subject: string;
  /** The certificate's inventory record, built by the store from the certificate. */
  record: CertificateInput;
  notBefore: Date;
  notAfter: Date;
  granted: string[];
  denied: { name: string; reason: string }[];
  /**
   * The CA that signed it and the CAs above it, PEM, nearest first: what the response hands out
   * with the certificate (taken from the signing CA itself, so a CA reloaded meanwhile never
   * pairs a certificate with another key's chain).
   */
  chain: string[];
}

/** Signs one CSR: a signer runs {@link signJob} somewhere and answers with its result. */
export type Signer = (job: SignJob) => Promise<Issued>;

/**
 * Parses the CSR and signs it under the job's policy with `ca`. SDK errors (a malformed CSR, a
 * weak key, a bad signature, only denied names) are thrown as they are.
 */
export async function signJob(job: SignJob, ca: Issuer, crypto?: Crypto): Promise<Issued> {
  // signCsr checks the key, then the signature algorithm, then the proof of possession, so a
  // weak or unsupported key is reported as such (ERR_KEY_WEAK / ERR_KEY_UNSUPPORTED), not as a
  // bad signature
  const csr = await parseCsr(job.csr, { crypto });
  const signed = await signCsr({
    csr: job.names
      ? {
          ...csr,
          requestedNames: { ...csr.requestedNames, dns: job.names.dns, ips: job.names.ips },
        }
      : csr,
    ca,
    policy: job.policy,
    profile: job.profile,
    clusterName: job.clusterName,
    now: job.now,
    ...(job.commonNameFromNames && { commonNameFromNames: true }),
    crypto,
  });
  const cert = signed.certificate;
  return {
    pem: cert.pem,
    serialNumber: cert.serialNumber,
    subject: cert.subject.text,
    record: certificateRecordOf(cert),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    granted: signed.granted,
    denied: signed.denied.map((d) => ({ name: d.name, reason: d.reason })),
    chain: [ca.certificate, ...(ca.chain ?? [])].map((c) => c.pem),
  };
}

/** An error as plain data, to cross from a signing thread. */
export interface SignError {
  status?: number;
  code: string;
  message: string;
}

/** The plain-data form of anything {@link signJob} throws (internal errors say no more than that). */
export function toSignError(e: unknown): SignError {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message };
  if (NodeIdError.isInstance(e)) return { code: e.code, message: e.message };
  return { code: 'ERR_INTERNAL', message: 'internal error while signing' };
}

/** The error {@link toSignError} described, made again on this side. */
export function fromSignError(e: SignError): Error {
  if (e.status !== undefined) return new HttpError(e.status as never, e.code, e.message);
  if (e.code === 'ERR_INTERNAL') return new Error(e.message);
  return new NodeIdError(e.code as NodeIdErrorCode, e.message);
}
