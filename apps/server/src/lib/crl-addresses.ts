/**
 * Where nodeid-server serves CRLs besides `/v1/crl`: at the paths of the CRL addresses written
 * into certificates (RFC 5280 §4.2.1.13 cRLDistributionPoints), and for an intermediate CA the
 * root's CRL, which the offline root signs (`nodeid crl create --dir ROOT`) and the server is
 * given as a file (`--root-crl FILE`).
 */
import { readFile } from 'node:fs/promises';
import { type Certificate, type Issuer, parseCrl, verifyCrlSignature } from '@nodeid/sdk';
import type { Store } from '@nodeid/store';
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

/** Audit actions whose `detail` names CRL addresses of this CA folder (see {@link crlPathsInUse}). */
const CRL_ADDRESS_ACTIONS = ['ca.set-crl-url', 'ca.reloaded'] as const;

/**
 * The paths of every CRL address this CA folder has put into certificates, as far as the
 * inventory says: the folder's `crlUrl` now, each address `nodeid ca set-crl-url` replaced or set
 * (its `ca.set-crl-url` audit lines: `previous`, `crlUrl`), and each address a reload of the
 * folder put into service or replaced (`ca.reloaded` lines carry `crlUrl` and, when it changed,
 * `previousCrlUrl`: the folder's file may also be edited by hand). A relying party fetches the
 * address written in a certificate (RFC 5280 §4.2.1.13) for as long as that certificate is valid,
 * so an address once used keeps being served after it is changed, across restarts.
 */
export async function crlPathsInUse(
  store: Pick<Store, 'listAudit'>,
  crlUrl: string | undefined,
): Promise<string[]> {
  const urls = [crlUrl];
  for (const action of CRL_ADDRESS_ACTIONS) {
    // every line of these rare actions (a few per CA lifetime), not the latest hundred
    for (const line of await store.listAudit(1_000_000, { action })) {
      const detail = line.detail ?? {};
      for (const url of [detail.previous, detail.crlUrl, detail.previousCrlUrl])
        if (typeof url === 'string') urls.push(url);
    }
  }
  return [...new Set(urls.flatMap((url) => issuingCrlPaths(url)))];
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
