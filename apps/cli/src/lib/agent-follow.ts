/**
 * What `nodeid agent` follows beside its certificate: the CA bundle the server serves (so a CA
 * rotation reaches the node by itself) and the CRLs of the node's chain (for a TLS server's
 * `ssl_crl`). The decisions are the SDK's (`acceptTrustBundle`, `acceptCrl`, `crlRefreshIn`);
 * this module fetches, reads and writes files.
 */
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { basename, dirname } from 'node:path';
import {
  acceptCrl,
  acceptTrustBundle,
  type Certificate,
  type Crl,
  crlRefreshIn,
  NodeIdError,
  parseCertificates,
  parseCrl,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { CliError, EXIT } from './cli-error.js';
import { readPemOrDer } from './files.js';
import { httpsRequest } from './http-client.js';

/** One log line: event, message, fields. */
export type Log = (event: string, message: string, fields?: Record<string, unknown>) => void;

/** What both followers need. */
export interface FollowOptions {
  /** nodeid-server, https://host:port. */
  server: URL;
  /** The node's CA file: the roots it trusts. */
  caPath: string;
  /** The node's certificate file (leaf, then intermediates): its CRL addresses. */
  certPath: string;
  log: Log;
  signal?: AbortSignal;
}

/** Largest CRL or bundle read. */
const MAX_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

/** The file's permission bits, or `fallback` when it does not exist yet. */
async function modeOf(path: string, fallback: number): Promise<number> {
  try {
    return (await stat(path)).mode & 0o777;
  } catch {
    return fallback;
  }
}

/** Replaces `path` atomically (write, sync, rename), keeping its mode. */
async function replaceFile(path: string, contents: string, fallbackMode: number): Promise<void> {
  const mode = await modeOf(path, fallbackMode);
  await writeBundle(dirname(path), [{ path: basename(path), contents, mode }], {
    force: true,
    fixDirMode: false,
  });
}

const failed = (what: string, status: number) =>
  new CliError(
    'ERR_SERVER_ERROR',
    `${what} answered HTTP ${status}`,
    status >= 500 || status === 429 ? EXIT.ERROR : EXIT.FAILED,
  );

/** Outcome of one look at the CA bundle. */
export type BundleOutcome = 'changed' | 'unchanged' | 'no-endpoint' | 'refused';

/**
 * Fetches `GET /v1/ca/bundle` (trusting the server through the CA file as it is now), and
 * replaces the CA file when the SDK finds the bundle continuous with it and different. A 404 is
 * a server without the endpoint, not an error. A refusal leaves the file as it is and logs why.
 */
export async function refreshCaBundle(o: FollowOptions): Promise<BundleOutcome> {
  const current = parseCertificates(await readPemOrDer(o.caPath));
  const currentPem = current.map((c) => c.pem).join('');
  const res = await httpsRequest(o.server, '/v1/ca/bundle', {
    trust: { ca: currentPem },
    headers: { accept: 'application/x-pem-file' },
    signal: o.signal,
  });
  if (res.status === 404) return 'no-endpoint';
  if (res.status !== 200) throw failed(`${o.server.origin}/v1/ca/bundle`, res.status);
  let decision: Awaited<ReturnType<typeof acceptTrustBundle>>;
  try {
    decision = await acceptTrustBundle(current, res.body.toString('utf8'));
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw e;
    decision = { accepted: false, reason: 'no-roots', message: `unreadable bundle: ${e.message}` };
  }
  if (!decision.accepted) {
    o.log(
      'ca-refused',
      `the CA bundle from ${o.server.origin} is not continuous with ${o.caPath}, which is left as it is: ${decision.message} (${decision.reason})`,
      { reason: decision.reason },
    );
    return 'refused';
  }
  if (!decision.changed) return 'unchanged';
  await replaceFile(o.caPath, decision.pem, 0o644);
  const serials = (list: Certificate[]) => list.map((c) => c.serialNumber);
  o.log(
    'ca-updated',
    `${o.caPath}: now ${decision.roots.length} root(s)${decision.added.length ? `, added ${decision.added.map((l) => `${l.root.subject.text} (${l.root.serialNumber}, cross-signed by ${l.signer.serialNumber})`).join(', ')}` : ''}${decision.removed.length ? `, dropped ${serials(decision.removed).join(', ')}` : ''}`,
    {
      roots: serials(decision.roots),
      added: decision.added.map((l) => l.root.serialNumber),
      removed: serials(decision.removed),
    },
  );
  return 'changed';
}

/** GET over plain HTTP (CRL addresses are usually http, RFC 5280 §4.2.1.13), bounded. */
function httpGet(url: URL, signal?: AbortSignal): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) {
          req.destroy();
          reject(
            new CliError('ERR_RESPONSE_TOO_LARGE', `${url.href} sent more than ${MAX_BYTES} bytes`),
          );
        } else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)),
    );
    req.on('error', (e) =>
      reject(
        new CliError(
          'ERR_SERVER_UNREACHABLE',
          `cannot fetch ${url.href}: ${e.message}`,
          EXIT.ERROR,
        ),
      ),
    );
    req.end();
  });
}

/** Where the chain's CRLs are: every certificate's cRLDistributionPoints URIs, else the server's /v1/crl. */
export function crlUrlsOf(chain: readonly Certificate[], server: URL): URL[] {
  const urls = new Set<string>();
  for (const c of chain)
    for (const dp of c.crlDistributionPoints ?? [])
      for (const n of dp.distributionPoint?.fullName ?? [])
        if (n.type === 'uri' && /^https?:\/\//i.test(n.value)) urls.add(n.value);
  if (urls.size === 0) urls.add(new URL('/v1/crl', server).href);
  return [...urls].map((u) => new URL(u));
}

/** Outcome of one CRL refresh, and when to look again. */
export interface CrlOutcome {
  outcome: 'changed' | 'unchanged' | 'refused';
  /** Milliseconds until the next fetch (the SDK's schedule for the CRLs held). */
  nextInMs: number;
}

/**
 * Fetches the CRL of each address of the node's chain (and, during a CA rotation, the old
 * key's CRL from the server's /v1/crl/previous), checks each with the SDK against the
 * CAs (the CA file's roots and the certificate file's intermediates, not older than the CRLs
 * held), and when all pass and any differs, writes them all (PEM, one after the other, as
 * nginx's `ssl_crl` and openssl's `-CRLfile` read them) to `out` atomically. One refused CRL
 * leaves the file as it is.
 */
export async function refreshCrls(
  o: FollowOptions & { out: string; maxIntervalMs: number },
): Promise<CrlOutcome> {
  const roots = parseCertificates(await readPemOrDer(o.caPath));
  const chain = parseCertificates(await readPemOrDer(o.certPath));
  const issuers = [...roots, ...chain.slice(1)];
  const held = await heldCrls(o.out);
  const caPem = roots.map((c) => c.pem).join('');
  const fetched: Crl[] = [];
  const addresses = crlUrlsOf(chain, o.server).map((url) => ({ url, optional: false }));
  // During a CA rotation the CA file holds more than one certificate (old and new roots, cross
  // certificates) and the old key signs its own CRL beside the new key's, since a relying party
  // looks for an old-key leaf's CRL signed by the old key (RFC 5280 §6.3.3 (f)): nodeid-server
  // serves it at /v1/crl/previous, 404 when there is none (no rotation, or an older server).
  if (roots.length > 1)
    addresses.push({ url: new URL('/v1/crl/previous', o.server), optional: true });
  for (const { url, optional } of addresses) {
    const res =
      url.protocol === 'https:'
        ? await httpsRequest(new URL(url.origin), `${url.pathname}${url.search}`, {
            trust: { ca: caPem },
            headers: { accept: 'application/pkix-crl' },
            signal: o.signal,
          })
        : await httpGet(url, o.signal);
    if (optional && res.status === 404) continue;
    if (res.status !== 200) throw failed(url.href, res.status);
    let crl: Crl;
    try {
      crl = parseCrl(new Uint8Array(res.body));
    } catch (e) {
      if (!NodeIdError.isInstance(e)) throw e;
      o.log(
        'crl-refused',
        `${url.href} did not send a CRL: ${e.message}; ${o.out} is left as it is`,
        {
          url: url.href,
          reason: 'unreadable',
        },
      );
      return { outcome: 'refused', nextInMs: nextIn(held, o.maxIntervalMs) };
    }
    const r = await acceptCrl(crl, { issuers, previous: held });
    if (!r.accepted) {
      o.log('crl-refused', `${url.href}: ${r.message} (${r.reason}); ${o.out} is left as it is`, {
        url: url.href,
        reason: r.reason,
      });
      return { outcome: 'refused', nextInMs: nextIn(held, o.maxIntervalMs) };
    }
    fetched.push(crl);
  }
  const pem = fetched.map((c) => c.pem).join('');
  const same = held.length === fetched.length && held.map((c) => c.pem).join('') === pem;
  if (same) return { outcome: 'unchanged', nextInMs: nextIn(fetched, o.maxIntervalMs) };
  await replaceFile(o.out, pem, 0o644);
  o.log(
    'crl-updated',
    `${o.out}: ${fetched.map((c) => `CRL ${c.crlNumber ?? '-'} of ${c.issuer.text} (${c.entries.length} revoked, next update ${c.nextUpdate?.toISOString() ?? '-'})`).join('; ')}`,
    {
      crls: fetched.map((c) => ({
        issuer: c.issuer.text,
        crlNumber: c.crlNumber?.toString(),
        revoked: c.entries.length,
        nextUpdate: c.nextUpdate?.toISOString(),
      })),
    },
  );
  return { outcome: 'changed', nextInMs: nextIn(fetched, o.maxIntervalMs) };
}

/** The CRLs in `out` now; none when it is missing or unreadable (it is then written afresh). */
async function heldCrls(out: string): Promise<Crl[]> {
  let data: string | Uint8Array;
  try {
    data = await readPemOrDer(out);
  } catch {
    return [];
  }
  if (typeof data !== 'string')
    try {
      return [parseCrl(data)];
    } catch {
      return [];
    }
  const text = data;
  const blocks = text.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----\s*/g) ?? [];
  const crls: Crl[] = [];
  for (const b of blocks)
    try {
      crls.push(parseCrl(b));
    } catch {
      return [];
    }
  return crls;
}

/** The soonest fetch any held CRL asks for (the SDK's rule), at most `maxIntervalMs`. */
function nextIn(crls: readonly Crl[], maxIntervalMs: number): number {
  return Math.min(
    maxIntervalMs,
    ...crls.map((c) => crlRefreshIn(c, { maxInterval: maxIntervalMs })),
  );
}
