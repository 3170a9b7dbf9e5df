/**
 * Challenge validation from the server (RFC 8555 §8.3 http-01, §8.4 dns-01, RFC 8737
 * tls-alpn-01). Names are resolved with `--acme-resolver` when it is given (node:dns Resolver),
 * else as the system resolves them; the ports are `--acme-http-port` and `--acme-tls-port`, so a
 * test (or pebble-style setup) validates on loopback. Every failure is an ACME problem of the
 * matching type (`dns`, `connection`, `incorrectResponse`, `tls`, `unauthorized`).
 */
import { promises as dns } from 'node:dns';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import {
  type AcmeIdentifier,
  dns01TxtValue,
  exactIpAddress,
  http01ResponseMatches,
  parseCertificate,
  tlsAlpn01Digest,
} from '@nodeid/sdk';
import { AcmeProblem } from './problem.js';

/** Where and how challenges are validated. */
export interface ValidationOptions {
  /** Port of http-01 requests; default 80. */
  httpPort?: number;
  /** Port of tls-alpn-01 connections; default 443. */
  tlsPort?: number;
  /** `host:port` of the DNS server to ask; default the system's resolver. */
  resolver?: string;
  /** Per-step timeout in ms; default 10 s. */
  timeoutMs?: number;
}

const MAX_BODY = 8192;

function resolverOf(options: ValidationOptions): dns.Resolver | undefined {
  if (!options.resolver) return undefined;
  const r = new dns.Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
  r.setServers([options.resolver]);
  return r;
}

/** The addresses to connect to for an identifier (an IP identifier is its own address). */
async function addressesOf(
  identifier: AcmeIdentifier,
  options: ValidationOptions,
): Promise<string[]> {
  if (identifier.type === 'ip') return [identifier.value];
  const resolver = resolverOf(options);
  const found: string[] = [];
  try {
    if (resolver) {
      const [v4, v6] = await Promise.allSettled([
        resolver.resolve4(identifier.value),
        resolver.resolve6(identifier.value),
      ]);
      if (v4.status === 'fulfilled') found.push(...v4.value);
      if (v6.status === 'fulfilled') found.push(...v6.value);
    } else {
      found.push(...(await dns.lookup(identifier.value, { all: true })).map((a) => a.address));
    }
  } catch {
    // reported below as no address
  }
  if (found.length === 0)
    throw new AcmeProblem('dns', `no A or AAAA record for ${identifier.value}`);
  return found;
}

/** Most redirects an http-01 validation follows (as Let's Encrypt: 10). */
const MAX_REDIRECTS = 10;

/** One GET of an http-01 validation: the status, the Location of a redirect, the body of a 200. */
async function fetchOnce(
  url: URL,
  options: ValidationOptions,
): Promise<{ status: number; location?: string; body: string }> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const [address] = await addressesOf(
    { type: isIP(hostname) ? 'ip' : 'dns', value: hostname },
    options,
  );
  const secure = url.protocol === 'https:';
  const port = Number(url.port) || (secure ? 443 : 80);
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : request)(
      {
        host: address,
        port,
        path: `${url.pathname}${url.search}`,
        headers: { Host: url.host, 'User-Agent': 'nodeid-acme-validation', Accept: '*/*' },
        timeout: options.timeoutMs ?? 10_000,
        // an https redirect target is fetched for its content, not trusted as a TLS identity
        ...(secure && {
          rejectUnauthorized: false,
          ...(isIP(hostname) ? {} : { servername: hostname }),
        }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          const location = res.headers.location;
          resolve({ status, ...(location !== undefined && { location }), body: '' });
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.length > MAX_BODY) {
            req.destroy();
            reject(new AcmeProblem('incorrectResponse', 'http-01: the response is too large'));
          }
        });
        res.on('end', () => resolve({ status, body: text }));
        res.on('error', (e) => reject(new AcmeProblem('connection', `http-01: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) =>
      reject(
        new AcmeProblem(
          'connection',
          `http-01: cannot fetch ${url.href} from ${address}:${port}: ${e.message}`,
        ),
      ),
    );
    req.end();
  });
}

/**
 * http-01 (RFC 8555 §8.3): GET http://IDENTIFIER/.well-known/acme-challenge/TOKEN, "sent to TCP
 * port 80" (here `httpPort`), answers the key authorization. The Host is the identifier, an
 * IPv6 one in brackets (RFC 8738 §4, RFC 7230 §5.4). "The server SHOULD follow redirects": up to
 * 10, to http on the same port or https on 443 (here `tlsPort`) only, as Let's Encrypt limits
 * them (§10.2: the validation must not become a way to reach arbitrary ports).
 */
export async function validateHttp01(
  identifier: AcmeIdentifier,
  token: string,
  keyAuth: string,
  options: ValidationOptions,
): Promise<void> {
  const httpPort = options.httpPort ?? 80;
  const httpsPort = options.tlsPort ?? 443;
  const host = isIP(identifier.value) === 6 ? `[${identifier.value}]` : identifier.value;
  let url = new URL(
    `http://${host}${httpPort === 80 ? '' : `:${httpPort}`}/.well-known/acme-challenge/${token}`,
  );
  for (let redirects = 0; ; redirects++) {
    const res = await fetchOnce(url, options);
    if (res.status === 200) {
      if (!http01ResponseMatches(res.body, keyAuth))
        throw new AcmeProblem(
          'incorrectResponse',
          'http-01: the response is not the key authorization of this challenge',
        );
      return;
    }
    if (![301, 302, 303, 307, 308].includes(res.status) || res.location === undefined)
      throw new AcmeProblem(
        'incorrectResponse',
        `http-01: ${url.href} answered ${res.status}, not 200`,
      );
    if (redirects === MAX_REDIRECTS)
      throw new AcmeProblem('connection', `http-01: more than ${MAX_REDIRECTS} redirects`);
    let next: URL;
    try {
      next = new URL(res.location, url);
    } catch {
      throw new AcmeProblem('connection', `http-01: ${url.href} redirects to a malformed URL`);
    }
    const port = Number(next.port) || (next.protocol === 'https:' ? 443 : 80);
    const allowed =
      (next.protocol === 'http:' && port === httpPort) ||
      (next.protocol === 'https:' && port === httpsPort);
    if (!allowed)
      throw new AcmeProblem(
        'connection',
        `http-01: ${url.href} redirects to ${next.protocol}//${next.host}: only http on port ${httpPort} and https on port ${httpsPort} are followed`,
      );
    if (next.username || next.password)
      throw new AcmeProblem('connection', 'http-01: a redirect target with credentials');
    url = next;
  }
}

/** dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.NAME holds base64url(SHA-256(keyAuth)). */
export async function validateDns01(
  identifier: AcmeIdentifier,
  keyAuth: string,
  options: ValidationOptions,
): Promise<void> {
  if (identifier.type !== 'dns')
    throw new AcmeProblem('malformed', 'dns-01 is not for IP identifiers (RFC 8738 §7)');
  const name = `_acme-challenge.${identifier.value}`;
  let records: string[][];
  try {
    records = await (resolverOf(options) ?? dns).resolveTxt(name);
  } catch (e) {
    throw new AcmeProblem(
      'dns',
      `dns-01: no TXT record at ${name} (${(e as { code?: string }).code ?? 'error'})`,
    );
  }
  const expected = await dns01TxtValue(keyAuth);
  if (!records.some((chunks) => chunks.join('') === expected))
    throw new AcmeProblem(
      'incorrectResponse',
      `dns-01: no TXT record at ${name} holds this challenge's value`,
    );
}

/** id-pe-acmeIdentifier (RFC 8737 §6.1). */
const ACME_IDENTIFIER = '1.3.6.1.5.5.7.1.31';
/** id-ce-subjectAltName. */
const SUBJECT_ALT_NAME = '2.5.29.17';

/** The reverse-DNS name of an IP address, the SNI of tls-alpn-01 for IP identifiers (RFC 8738 §6). */
function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const groups = ip.includes('::')
    ? (() => {
        const [a, b] = ip.split('::');
        const left = a ? a.split(':') : [];
        const right = b ? b.split(':') : [];
        return [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
      })()
    : ip.split(':');
  const nibbles = groups.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

/**
 * tls-alpn-01 (RFC 8737 §3): a TLS connection with ALPN `acme-tls/1` and the identifier as SNI
 * gets a certificate whose subjectAltName is exactly that identifier and whose critical
 * acmeIdentifier extension holds SHA-256 of the key authorization (a DER OCTET STRING).
 */
export async function validateTlsAlpn01(
  identifier: AcmeIdentifier,
  keyAuth: string,
  options: ValidationOptions,
): Promise<void> {
  const port = options.tlsPort ?? 443;
  const [address] = await addressesOf(identifier, options);
  const servername = identifier.type === 'ip' ? reverseName(identifier.value) : identifier.value;
  const der = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({
      host: address,
      port,
      servername,
      ALPNProtocols: ['acme-tls/1'],
      // the certificate is self-signed by design: it is checked below, not as a chain
      rejectUnauthorized: false,
      timeout: options.timeoutMs ?? 10_000,
    });
    socket.on('secureConnect', () => {
      const alpn = socket.alpnProtocol;
      const cert = socket.getPeerCertificate(false);
      socket.end();
      if (alpn !== 'acme-tls/1')
        reject(
          new AcmeProblem(
            'tls',
            `tls-alpn-01: the server did not negotiate acme-tls/1 (got ${alpn || 'none'})`,
          ),
        );
      else if (!cert?.raw) reject(new AcmeProblem('tls', 'tls-alpn-01: no certificate'));
      else resolve(cert.raw);
    });
    socket.on('timeout', () => socket.destroy(new Error('timed out')));
    socket.on('error', (e) =>
      reject(
        new AcmeProblem('tls', `tls-alpn-01: cannot connect to ${address}:${port}: ${e.message}`),
      ),
    );
  });
  let cert: ReturnType<typeof parseCertificate>;
  try {
    cert = parseCertificate(new Uint8Array(der));
  } catch {
    throw new AcmeProblem('tls', 'tls-alpn-01: the certificate cannot be parsed');
  }
  const ext = cert.extensions.find((e) => e.oid === ACME_IDENTIFIER);
  if (!ext?.critical)
    throw new AcmeProblem(
      'incorrectResponse',
      'tls-alpn-01: no critical acmeIdentifier extension (RFC 8737 §3)',
    );
  const digest = await tlsAlpn01Digest(keyAuth);
  const expected = new Uint8Array([0x04, 0x20, ...digest]);
  if (ext.value.length !== expected.length || ext.value.some((b, i) => b !== expected[i]))
    throw new AcmeProblem(
      'incorrectResponse',
      "tls-alpn-01: the acmeIdentifier is not this challenge's",
    );
  if (!cert.extensions.some((e) => e.oid === SUBJECT_ALT_NAME))
    throw new AcmeProblem(
      'incorrectResponse',
      'tls-alpn-01: the certificate has no subjectAltName',
    );
  // exactly one name, the identifier (an IP identifier compared in canonical form, RFC 8738 §6)
  const names = cert.subjectAltNames ?? [];
  const ok =
    names.length === 1 &&
    names[0]!.type === identifier.type &&
    (identifier.type === 'dns'
      ? names[0]!.value.toLowerCase() === identifier.value
      : exactIpAddress(names[0]!.value) === identifier.value);
  if (!ok)
    throw new AcmeProblem(
      'incorrectResponse',
      `tls-alpn-01: the certificate's subjectAltName must be exactly ${identifier.value}`,
    );
}
