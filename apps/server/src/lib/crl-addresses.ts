/**
 * Where nodeid-server serves CRLs besides `/v1/crl`: at the paths of the CRL addresses written
 * into certificates (RFC 5280 §4.2.1.13 cRLDistributionPoints), and for an intermediate CA the
 * root's CRL, which the offline root signs (`nodeid crl create --dir ROOT`) and the server is
 * given as a file (`--root-crl FILE`).
 */
import { readFile } from 'node:fs/promises';
import { type Certificate, type Issuer, parseCrl, verifyCrlSignature } from '@nodeid/sdk';
import { HttpError } from './http-error.js';

/** The path part of an http(s) URL, or undefined when it is not one. */
function pathOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.pathname : undefined;
  } catch {
    return undefined;
  }
}

/** The paths of the http CRL addresses a certificate carries. */
export function crlPathsOf(certificate: Certificate): string[] {
  return (certificate.crlDistributionPoints ?? []).flatMap((dp) =>
    (dp.distributionPoint?.fullName ?? []).flatMap((n) =>
      n.type === 'uri' ? (pathOf(n.value) ?? []) : [],
    ),
  );
}

/** The paths of the issuing CA's own CRL address (the CA folder's `crlUrl`). */
export function issuingCrlPaths(crlUrl: string | undefined): string[] {
  const path = crlUrl ? pathOf(crlUrl) : undefined;
  return path ? [path] : [];
}

/**
 * The root CRL file as the app serves it: read at each call (a re-made file is picked up without
 * a restart) and checked to be a CRL signed by the root, else `ERR_CRL_UNAVAILABLE` (503): a
 * wrong file is never published in the root's name.
 */
export function rootCrlSource(
  file: string,
  ca: Issuer,
  crypto?: Crypto,
): { read: () => Promise<{ der: Uint8Array; pem: string; nextUpdate?: Date }>; paths: string[] } {
  const root = ca.chain?.at(-1);
  if (!root)
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      '--root-crl is for an intermediate CA folder; this CA is a root: its CRL is /v1/crl',
    );
  const read = async () => {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      throw new HttpError(
        503,
        'ERR_CRL_UNAVAILABLE',
        `the root CRL file cannot be read (${(e as { code?: string }).code ?? 'error'})`,
      );
    }
    const text = Buffer.from(bytes).toString('latin1');
    let crl: ReturnType<typeof parseCrl>;
    try {
      crl = parseCrl(text.includes('-----BEGIN') ? text : bytes);
    } catch {
      throw new HttpError(503, 'ERR_CRL_UNAVAILABLE', 'the root CRL file is not a CRL');
    }
    if (!(await verifyCrlSignature(crl, root, { crypto })))
      throw new HttpError(
        503,
        'ERR_CRL_UNAVAILABLE',
        `the root CRL file is not signed by the root CA ${root.subject.text}`,
      );
    return { der: crl.der, pem: crl.pem, nextUpdate: crl.nextUpdate };
  };
  return { read, paths: crlPathsOf(ca.certificate) };
}
