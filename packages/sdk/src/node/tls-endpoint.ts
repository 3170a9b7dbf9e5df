/**
 * Reading the certificate chain a remote TLS endpoint presents, without trusting it: the key
 * server on port 5696 whose certificate expired unnoticed, an AIStore node, any `host:port`. The
 * handshake accepts whatever the peer sends (`rejectUnauthorized: false`) so that an expired or
 * foreign chain can still be read and then judged by nodeid's own verifier (`verifyCertificate`),
 * with nodeid's messages. An endpoint that cannot be reached is a result with the reason
 * (refused, timeout, TLS alert, not TLS, ...), never a throw: in a fleet check the unreachable
 * node is one of the answers.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { NodeIdError } from '../errors.js';

/** Default connect + handshake timeout: 5 seconds. */
export const DEFAULT_TLS_TIMEOUT_MS = 5000;

/** Default number of endpoints contacted at once by {@link readPresentedChains}. */
export const DEFAULT_TLS_CONCURRENCY = 16;

/** Why an endpoint gave no chain. */
export type TlsUnreachableReason =
  /** Nothing listens on the port (ECONNREFUSED). */
  | 'refused'
  /** No TCP connection or no completed handshake within the timeout. */
  | 'timeout'
  /** The peer ended the handshake with a TLS alert (e.g. handshake_failure). */
  | 'tls-alert'
  /** The peer answered, but not with TLS (e.g. plain HTTP on the port). */
  | 'not-tls'
  /** The peer closed the connection before the handshake completed. */
  | 'reset'
  /** The host name does not resolve. */
  | 'dns'
  /** No route to the host or network. */
  | 'no-route'
  /** The handshake completed but the peer presented no certificate. */
  | 'no-certificate'
  /** Anything else; `message` says what. */
  | 'error';

/** Where to connect. */
export interface TlsEndpoint {
  /** Host name, IPv4 or IPv6 address (without brackets). */
  host: string;
  port: number;
  /**
   * Server Name Indication to send. Default: `host` when it is a DNS name; none for an IP
   * address (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName").
   */
  servername?: string;
}

/** Options of {@link readPresentedChain}. */
export interface ReadPresentedChainOptions {
  /** Connect + handshake timeout in ms. Default {@link DEFAULT_TLS_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Stops the attempt: it then ends as `error` with code `ABORT_ERR`. */
  signal?: AbortSignal;
  /**
   * A client certificate and key (PEM) to present, for endpoints that insist on one before they
   * finish a TLS 1.2 handshake. Not needed under TLS 1.3, where the server's chain arrives first.
   */
  clientCertificate?: { cert: string; key: string; passphrase?: string };
}

/** The chain an endpoint presented. */
export interface PresentedChain {
  ok: true;
  endpoint: TlsEndpoint;
  /** The SNI sent, if any. */
  servername?: string;
  /** The certificates presented, leaf first, as DER; each next one issued the previous. */
  chain: Uint8Array[];
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  protocol?: string;
  /** The negotiated cipher suite name. */
  cipher?: string;
  /** The peer address connected to. */
  address?: string;
  /**
   * True when the peer ended the handshake because no client certificate was sent (mutual TLS):
   * the chain was then read from its TLS 1.2 Certificate message, which is not encrypted.
   */
  clientCertificateRequired?: boolean;
}

/** An endpoint that gave no chain, and why. */
export interface UnreachableEndpoint {
  ok: false;
  endpoint: TlsEndpoint;
  servername?: string;
  reason: TlsUnreachableReason;
  /** The system or OpenSSL code, e.g. `ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`. */
  code?: string;
  /** One sentence for the admin, naming the endpoint. */
  message: string;
}

/** The outcome of contacting one endpoint. */
export type PresentedChainResult = PresentedChain | UnreachableEndpoint;

/** `host:port`, with brackets around an IPv6 address. */
export function formatEndpoint(endpoint: Pick<TlsEndpoint, 'host' | 'port'>): string {
  return isIP(endpoint.host) === 6
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

function classify(e: unknown): { reason: TlsUnreachableReason; code?: string; detail: string } {
  const err = e as NodeJS.ErrnoException & { library?: string; reason?: string };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const detail = err instanceof Error ? err.message : String(e);
  switch (code) {
    case 'ECONNREFUSED':
      return { reason: 'refused', code, detail: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return { reason: 'dns', code, detail: 'the host name does not resolve' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return { reason: 'no-route', code, detail: 'no route to the host' };
    case 'ECONNRESET':
    case 'EPIPE':
      return {
        reason: 'reset',
        code,
        detail: 'the peer closed the connection before the TLS handshake completed',
      };
    case 'ETIMEDOUT':
      return { reason: 'timeout', code, detail: 'timed out' };
  }
  if (code?.startsWith('ERR_SSL_')) {
    // OpenSSL reports a received alert as SSL_R_SSLV3_ALERT_* / SSL_R_TLSV1_ALERT_* (e.g.
    // ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE, ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED).
    if (/_ALERT_/.test(code)) return { reason: 'tls-alert', code, detail };
    // Bytes that are no TLS record: a plain-text service answered (RFC 8446 §5.1 record header).
    if (
      /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|HTTP_REQUEST|RECORD_LAYER_FAILURE|UNEXPECTED_EOF|BAD_RECORD_TYPE/.test(
        code,
      )
    )
      return { reason: 'not-tls', code, detail: 'the peer does not speak TLS on this port' };
  }
  return { reason: 'error', ...(code && { code }), detail };
}

function checkTimeout(timeoutMs: number | undefined): number {
  const t = timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS;
  if (!Number.isFinite(t) || t <= 0)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `the TLS timeout must be a positive number of ms, not ${t}`,
    );
  return t;
}

/** The presented certificates, leaf first, each issuer once (a self-signed root ends the walk). */
function presentedChain(socket: TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * Connects to `endpoint`, completes a TLS handshake without judging the peer, and returns the
 * chain it presented (leaf first, DER). Never throws for the endpoint (only `ERR_INVALID_ARGUMENT`
 * for a bad `timeoutMs`): an endpoint that cannot be reached or
 * gives no certificate is an {@link UnreachableEndpoint} with the reason.
 *
 * Node's view of the peer chain is used: OpenSSL's list of presented certificates, put in issuer
 * order; certificates the peer sent that issued none of the others are left out. No trust store
 * is loaded (`ca: []`), so nothing is added to what the peer sent.
 *
 * A server that ends the handshake because no client certificate was sent (mutual TLS) is tried
 * once more at TLS 1.2, where its Certificate message is read from the handshake as sent
 * (`clientCertificateRequired: true`); `timeoutMs` applies to each attempt.
 *
 * @example
 * ```ts
 * const r = await readPresentedChain({ host: '192.168.9.135', port: 5696 });
 * if (!r.ok) console.error(r.message); // 192.168.9.135:5696 is unreachable: connection refused
 * else for (const der of r.chain) console.log(expiryStatus(der).message);
 * ```
 */
export async function readPresentedChain(
  endpoint: TlsEndpoint,
  options: ReadPresentedChainOptions = {},
): Promise<PresentedChainResult> {
  const first = await attempt(endpoint, options, false);
  // A server that insists on a client certificate (mutual TLS, e.g. a KMIP key server) ends the
  // handshake before it completes. Under TLS 1.2 its Certificate message travels in the clear
  // (RFC 5246 §7.4.2), so one more attempt at TLS 1.2 reads the chain from the handshake.
  if (first.ok || (first.reason !== 'reset' && first.reason !== 'tls-alert')) return first;
  if (options.signal?.aborted) return first;
  const second = await attempt(endpoint, options, true);
  return second.ok ? second : first;
}

/** Reads the server's Certificate message (TLS 1.2, RFC 5246 §7.4.2) from the bytes received. */
class Tls12CertificateTap {
  private records: Uint8Array = new Uint8Array(0);
  private handshake: Uint8Array = new Uint8Array(0);
  private done = false;
  chain: Uint8Array[] | undefined;

  push(data: Uint8Array): void {
    if (this.done) return;
    this.records = concat(this.records, data);
    // TLSPlaintext: type(1) version(2) length(2) fragment (RFC 5246 §6.2.1)
    while (!this.done && this.records.length >= 5) {
      const length = (this.records[3]! << 8) | this.records[4]!;
      if (this.records.length < 5 + length) return;
      const type = this.records[0]!;
      const fragment = this.records.subarray(5, 5 + length);
      this.records = this.records.slice(5 + length);
      if (type !== 22) {
        // change_cipher_spec, alert or application data: nothing readable follows.
        this.done = type !== 21;
        continue;
      }
      this.handshake = concat(this.handshake, fragment);
      this.readMessages();
    }
  }

  private readMessages(): void {
    // Handshake: msg_type(1) length(3) body (RFC 5246 §7.4)
    while (!this.done && this.handshake.length >= 4) {
      const h = this.handshake;
      const length = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
      if (h.length < 4 + length) return;
      const type = h[0]!;
      const body = h.subarray(4, 4 + length);
      this.handshake = h.slice(4 + length);
      if (type === 11) {
        this.chain = readCertificateList(body);
        this.done = true;
      }
      if (type === 14) this.done = true; // ServerHelloDone
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** certificate_list: opaque ASN.1Cert<1..2^24-1><0..2^24-1>, each with a 3-byte length. */
function readCertificateList(body: Uint8Array): Uint8Array[] | undefined {
  if (body.length < 3) return undefined;
  const total = (body[0]! << 16) | (body[1]! << 8) | body[2]!;
  if (total + 3 !== body.length) return undefined;
  const certs: Uint8Array[] = [];
  let i = 3;
  while (i + 3 <= body.length) {
    const n = (body[i]! << 16) | (body[i + 1]! << 8) | body[i + 2]!;
    if (i + 3 + n > body.length) return undefined;
    certs.push(body.slice(i + 3, i + 3 + n));
    i += 3 + n;
  }
  return i === body.length ? certs : undefined;
}

/** A TCP connection whose received bytes also go to a tap, as a stream TLS can run over. */
function tappedConnection(host: string, port: number, tap: Tls12CertificateTap): Duplex {
  let raw: Socket;
  const duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk, _encoding, callback) {
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(error, callback) {
      raw.destroy();
      callback(error);
    },
  });
  raw = netConnect({ host, port });
  raw.on('data', (data: Buffer) => {
    tap.push(data);
    if (!duplex.push(data)) raw.pause();
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', (e) => duplex.destroy(e));
  raw.on('close', () => duplex.destroy());
  return duplex;
}

function attempt(
  endpoint: TlsEndpoint,
  options: ReadPresentedChainOptions,
  tls12: boolean,
): Promise<PresentedChainResult> {
  const timeoutMs = checkTimeout(options.timeoutMs);
  const servername = endpoint.servername ?? (isIP(endpoint.host) === 0 ? endpoint.host : undefined);
  const where = formatEndpoint(endpoint);
  const base = { endpoint, ...(servername && { servername }) };
  return new Promise<PresentedChainResult>((resolve) => {
    let socket: TLSSocket | undefined;
    let done = false;
    const finish = (result: PresentedChainResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket?.removeAllListeners('error');
      socket?.on('error', () => {});
      socket?.destroy();
      resolve(result);
    };
    const tap = tls12 ? new Tls12CertificateTap() : undefined;
    const fail = (e: unknown) => {
      if (tap?.chain?.length) {
        return finish({
          ok: true,
          ...base,
          chain: tap.chain,
          protocol: 'TLSv1.2',
          clientCertificateRequired: true,
        });
      }
      const c = classify(e);
      finish({
        ok: false,
        ...base,
        reason: c.reason,
        ...(c.code && { code: c.code }),
        message: `${where} is unreachable: ${c.detail}`,
      });
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          ...base,
          reason: 'timeout',
          message: `${where} is unreachable: no TLS handshake within ${timeoutMs} ms`,
        }),
      timeoutMs,
    );
    const onAbort = () =>
      finish({
        ok: false,
        ...base,
        reason: 'error',
        code: 'ABORT_ERR',
        message: `${where}: the check was stopped`,
      });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket = connect({
        ...(tap
          ? {
              socket: tappedConnection(endpoint.host, endpoint.port, tap),
              maxVersion: 'TLSv1.2' as const,
            }
          : { host: endpoint.host, port: endpoint.port }),
        ...(servername && { servername }),
        // The chain is judged by verifyCertificate afterwards, never by the handshake.
        rejectUnauthorized: false,
        // No trust store: Node would otherwise complete the chain from its bundled roots.
        ca: [],
        ...(options.clientCertificate && {
          cert: options.clientCertificate.cert,
          key: options.clientCertificate.key,
          ...(options.clientCertificate.passphrase !== undefined && {
            passphrase: options.clientCertificate.passphrase,
          }),
        }),
      });
    } catch (e) {
      return fail(e);
    }
    socket.on('error', fail);
    socket.on('close', () =>
      fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })),
    );
    socket.once('secureConnect', () => {
      const s = socket!;
      const chain = presentedChain(s);
      if (chain.length === 0) {
        return finish({
          ok: false,
          ...base,
          reason: 'no-certificate',
          message: `${where} presented no certificate`,
        });
      }
      const protocol = s.getProtocol() ?? undefined;
      const cipher = s.getCipher()?.name;
      finish({
        ok: true,
        ...base,
        chain,
        ...(protocol && { protocol }),
        ...(cipher && { cipher }),
        ...(s.remoteAddress && { address: s.remoteAddress }),
      });
    });
  });
}

/** Options of {@link readPresentedChains}. */
export interface ReadPresentedChainsOptions extends ReadPresentedChainOptions {
  /** Most endpoints contacted at once. Default {@link DEFAULT_TLS_CONCURRENCY}. */
  concurrency?: number;
  /** Called as each endpoint is done (in completion order), e.g. for progress. */
  onResult?: (result: PresentedChainResult, index: number) => void;
}

/**
 * {@link readPresentedChain} for many endpoints, at most `concurrency` at a time; the results
 * are in the order of `endpoints`. Never throws for an endpoint: each gets its result.
 *
 * @example
 * ```ts
 * const results = await readPresentedChains(nodes, { concurrency: 32, timeoutMs: 3000 });
 * const down = results.filter((r) => !r.ok);
 * ```
 */
export async function readPresentedChains(
  endpoints: readonly TlsEndpoint[],
  options: ReadPresentedChainsOptions = {},
): Promise<PresentedChainResult[]> {
  const concurrency = options.concurrency ?? DEFAULT_TLS_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `concurrency must be a whole number of at least 1, not ${concurrency}`,
    );
  checkTimeout(options.timeoutMs);
  const results = new Array<PresentedChainResult>(endpoints.length);
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) {
      const i = next++;
      const r = await readPresentedChain(endpoints[i]!, options);
      results[i] = r;
      options.onResult?.(r, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
  return results;
}
