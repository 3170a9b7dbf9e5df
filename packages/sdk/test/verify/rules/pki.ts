/**
 * Test helper for the rule tests: builds certificates and CRLs with pyca/cryptography
 * (`make-pki.py`, an encoder independent of the SDK's) from a small spec, and runs
 * `verifyCertificate` on them at a fixed time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type VerifyCertificateOptions, verifyCertificate } from '../../../src/index.js';

const SCRIPT = fileURLToPath(new URL('./make-pki.py', import.meta.url));
/** Debian's python3 (with python3-cryptography) when present, else the one on PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A name as [attribute, value, string type?] triples, most significant first. */
export type NameSpec = [string, string, string?][];
/** One extension of the spec (see make-pki.py). */
export type ExtSpec = { t: string; crit?: boolean; [k: string]: unknown };

export interface CertSpec {
  id: string;
  issuer?: string;
  subject?: NameSpec;
  issuerName?: NameSpec;
  key?: string;
  keyOf?: string;
  serial?: number;
  serialDer?: string;
  spkiDer?: string;
  outerAlgDer?: string;
  notBefore?: string;
  notAfter?: string;
  version?: 1 | 3;
  /** Sign with ecdsa-with-SHA256 written with NULL parameters, in the TBS and outside it. */
  sigParamsNull?: boolean;
  /** Write the (P-256) key's SubjectPublicKeyInfo with specifiedCurve parameters. */
  explicitCurve?: boolean;
  /** Encode notBefore and notAfter as GeneralizedTime, whatever the year. */
  generalizedTime?: boolean;
  ext?: ExtSpec[];
  dupExt?: ExtSpec[];
  aki?: boolean;
  ski?: boolean;
  akiCritical?: boolean;
  skiCritical?: boolean;
}

export interface CrlSpec {
  id: string;
  issuer: string;
  signer?: string;
  issuerName?: NameSpec;
  thisUpdate?: string;
  nextUpdate?: string;
  number?: number | null;
  numberCritical?: boolean;
  aki?: boolean;
  revoked?: { serial: number | string; date?: string; ext?: ExtSpec[] }[];
  ext?: ExtSpec[];
  /** Leave nextUpdate out (RFC 5280 §5.1.2.5 requires it). */
  noNextUpdate?: boolean;
  /** Encode thisUpdate and nextUpdate as GeneralizedTime, whatever the year. */
  generalizedTime?: boolean;
  /** The content of the version INTEGER, in hex ('02' is v3, which no CRL may claim). */
  versionDer?: string;
}

/** The PEMs made from a spec, by id. */
export type Pki = Record<string, string>;

/** Builds every certificate and CRL of the specs in one python run. */
export function makePki(certs: CertSpec[], crls: CrlSpec[] = []): Pki {
  const out = execFileSync(PYTHON, [SCRIPT], {
    input: JSON.stringify({ certs, crls }),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out) as Pki;
}

/** The validation time of every rule test. */
export const AT = new Date('2024-06-01T00:00:00Z');

export const bc = (ca: boolean, pathlen?: number, crit = true): ExtSpec => ({
  t: 'bc',
  ca,
  pathlen: pathlen ?? null,
  crit,
});
export const ku = (bits: string[], crit = true): ExtSpec => ({ t: 'ku', bits, crit });
export const eku = (oids: string[], crit = false): ExtSpec => ({ t: 'eku', oids, crit });
export const san = (names: [string, ...unknown[]][], crit = false): ExtSpec => ({
  t: 'san',
  names,
  crit,
});
export const dnsSan = (...names: string[]): ExtSpec => san(names.map((n) => ['dns', n]));

/** A root CA: basicConstraints cA critical, keyCertSign + cRLSign, SKI, no AKI. */
export function root(id: string, extra: Partial<CertSpec> = {}): CertSpec {
  const { ext, ...rest } = extra;
  return {
    id,
    subject: [['CN', `${id} root`]],
    ...rest,
    ext: [bc(true), ku(['keyCertSign', 'cRLSign']), ...(ext ?? [])],
  };
}

/** An intermediate CA under `issuer`. */
export function ca(id: string, issuer: string, extra: Partial<CertSpec> = {}): CertSpec {
  const { ext, ...rest } = extra;
  return {
    id,
    issuer,
    subject: [['CN', `${id} CA`]],
    ...rest,
    ext: ext ?? [bc(true), ku(['keyCertSign', 'cRLSign'])],
  };
}

/** A TLS server leaf for example.com under `issuer`. */
export function leaf(id: string, issuer: string, extra: Partial<CertSpec> = {}): CertSpec {
  return {
    id,
    issuer,
    subject: [['CN', 'example.com']],
    ext: [ku(['digitalSignature']), eku(['serverAuth']), dnsSan('example.com')],
    ...extra,
  };
}

/** Leaf extensions with some replaced: the defaults of {@link leaf} whose `t` is not in `ext`. */
export function leafExt(...ext: ExtSpec[]): ExtSpec[] {
  const base = [ku(['digitalSignature']), eku(['serverAuth']), dnsSan('example.com')];
  return [...base.filter((b) => !ext.some((e) => e.t === b.t)), ...ext];
}

/** Runs verifyCertificate on PEMs of `pki` at {@link AT}. */
export function verify(
  pki: Pki,
  o: { leaf: string; anchors: string[]; intermediates?: string[]; crls?: string[] } & Omit<
    Partial<VerifyCertificateOptions>,
    'certificate' | 'trustAnchors' | 'intermediates' | 'crls'
  >,
) {
  const { leaf: l, anchors, intermediates, crls, ...rest } = o;
  const pem = (id: string) => {
    const p = pki[id];
    if (!p) throw new Error(`no PEM "${id}" in the test PKI`);
    return p;
  };
  return verifyCertificate({
    at: AT,
    ...rest,
    certificate: pem(l),
    trustAnchors: anchors.map(pem),
    intermediates: (intermediates ?? []).map(pem),
    crls: (crls ?? []).map(pem),
  });
}
