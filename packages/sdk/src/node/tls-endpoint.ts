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
import {
  connect,
  createSecureContext,
  type DetailedPeerCertificate,
  type TLSSocket,
} from 'node:tls';
import { NodeIdError } from '../errors.js';
import {
  HANDSHAKE_TAP_LIMIT,
  readServerHandshake,
  serverHandshakeSecret,
} from './tls-handshake.js';

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
   * A client certificate (PEM, with its chain) and key (PEM, encrypted with `passphrase` or not)
   * to present to servers that ask for one, so that a mutual-TLS handshake completes. Check it
   * first with {@link checkClientCertificate}. Not needed to read the server's chain.
   */
  clientCertificate?: { cert: string; key: string; passphrase?: string };
}

/**
 * What a server that asked for a client certificate (mutual TLS: a CertificateRequest in the
 * handshake) did about it.
 */
export interface ClientAuthentication {
  requested: true;
  /** Whether a client certificate was sent (`clientCertificate`). */
  sent: boolean;
  /**
   * `accepted`: the handshake completed (with the certificate sent, or without one when the
   * server only asks, as nginx does with `ssl_verify_client on`: it refuses the request later);
   * `required`: no certificate was sent and the server ended the handshake for it;
   * `refused`: the server ended the handshake after the certificate sent.
   */
  outcome: 'accepted' | 'required' | 'refused';
  /** The TLS alert the server ended with, e.g. `certificate required`, `unknown ca`. */
  alert?: string;
  /** One sentence for the admin, naming the endpoint. */
  message: string;
}

/** The chain an endpoint presented. */
export interface PresentedChain {
  ok: true;
  endpoint: TlsEndpoint;
  /** The SNI sent, if any. */
  servername?: string;
  /**
   * The certificates presented, as DER, leaf first. With `chainSource: 'handshake'` (the rule)
   * exactly the server's certificate_list, in the order it sent them, extra and unrelated
   * certificates included (RFC 5246 §7.4.2, RFC 8446 §4.4.2).
   */
  chain: Uint8Array[];
  /**
   * `handshake`: `chain` was read from the server's Certificate message as sent; `node`: the
   * handshake could not be read (an unknown cipher suite, a handshake over
   * {@link HANDSHAKE_TAP_LIMIT}) and `chain` is Node's view: issuer order, without the
   * certificates that issue none of the others.
   */
  chainSource: 'handshake' | 'node';
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  protocol?: string;
  /** The negotiated cipher suite name (absent when the handshake did not complete). */
  cipher?: string;
  /** The peer address connected to. */
  address?: string;
  /** Present when the server asked for a client certificate: what it did about it. */
  clientAuthentication?: ClientAuthentication;
  /**
   * True when the server ended the handshake because no client certificate was sent (mutual
   * TLS); the same as `clientAuthentication.outcome === 'required'`.
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
 * The chain is read from the server's Certificate message as sent, in its order, extra
 * certificates included (the TLS 1.3 handshake is decrypted with the key Node logs through its
 * `keylog` event, see `tls-handshake.ts`). No trust store is loaded (`ca: []`), so nothing is
 * added to what the peer sent.
 *
 * A server that asks for a client certificate (mutual TLS) is reported with
 * `clientAuthentication`: without `clientCertificate`, a server that insists ends the handshake
 * after presenting its chain (TLS 1.2: after its Certificate message; TLS 1.3: after the
 * client's Finished, RFC 8446 §4.4.2.4); the chain read is returned with `outcome: 'required'`
 * instead of an unreachable endpoint. With `clientCertificate` the handshake completes
 * (`accepted`), or the server refuses that certificate (`refused`). If the chain could not be
 * read from a failed handshake, one more attempt is made at TLS 1.2, where the Certificate
 * message is not encrypted; `timeoutMs` applies to each attempt.
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
  // A failed handshake whose chain could not be read (not even from TLS 1.3's encrypted
  // records): at TLS 1.2 the Certificate message travels in the clear (RFC 5246 §7.4.2).
  if (first.ok || (first.reason !== 'reset' && first.reason !== 'tls-alert')) return first;
  if (options.signal?.aborted) return first;
  const second = await attempt(endpoint, options, true);
  return second.ok ? second : first;
}

/** A client certificate to present: {@link ReadPresentedChainOptions.clientCertificate}. */
export type ClientCertificate = NonNullable<ReadPresentedChainOptions['clientCertificate']>;

/**
 * Checks that a client certificate and key can be used in a handshake, before any endpoint is
 * contacted: the certificate is PEM, the key is PEM and opens with the passphrase, and the key
 * is the certificate's. Throws `ERR_CERTIFICATE_INVALID`, `ERR_KEY_INVALID`,
 * `ERR_PASSPHRASE_REQUIRED`, `ERR_PASSPHRASE_WRONG` or `ERR_KEY_MISMATCH`; the key is never
 * part of a message.
 *
 * @example
 * ```ts
 * const client = { cert: readFileSync('node1.crt', 'utf8'), key: readFileSync('node1.key', 'utf8') };
 * checkClientCertificate(client);
 * const r = await readPresentedChain({ host: 'kms1', port: 5696 }, { clientCertificate: client });
 * ```
 */
export function checkClientCertificate(client: ClientCertificate): void {
  // PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3), or OpenSSL's traditional encrypted PEM.
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(client.key);
  if (!/-----BEGIN CERTIFICATE-----/.test(client.cert))
    throw new NodeIdError(
      'ERR_CERTIFICATE_INVALID',
      'the client certificate is not a PEM certificate',
    );
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(client.key))
    throw new NodeIdError('ERR_KEY_INVALID', 'the client key is not a PEM private key');
  if (encrypted && client.passphrase === undefined)
    throw new NodeIdError(
      'ERR_PASSPHRASE_REQUIRED',
      'the client key is encrypted: give its passphrase',
    );
  try {
    createSecureContext({
      cert: client.cert,
      key: client.key,
      ...(client.passphrase !== undefined && { passphrase: client.passphrase }),
    });
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (/KEY_VALUES_MISMATCH/.test(code))
      throw new NodeIdError(
        'ERR_KEY_MISMATCH',
        'the client key is not the key of the client certificate',
      );
    if (/PEM|X509|ASN1/.test(code) && !/KEY/.test(code))
      throw new NodeIdError(
        'ERR_CERTIFICATE_INVALID',
        `the client certificate cannot be read (${code})`,
      );
    if (encrypted)
      throw new NodeIdError(
        'ERR_PASSPHRASE_WRONG',
        'the client key does not open with the passphrase given',
      );
    throw new NodeIdError(
      'ERR_KEY_INVALID',
      `the client key cannot be read (${code || 'unknown error'})`,
    );
  }
}

/** Keeps the first `limit` bytes the server sent, for {@link readServerHandshake}. */
class ByteTap {
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(data: Uint8Array): void {
    if (this.size >= this.limit) return;
    const part = data.subarray(0, this.limit - this.size);
    this.parts.push(Buffer.from(part));
    this.size += part.length;
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/**
 * A TCP connection whose received bytes also go to a tap, as a stream TLS can run over;
 * `onConnect` learns the peer address (a TLS socket over a stream has none of its own).
 */
function tappedConnection(
  host: string,
  port: number,
  tap: ByteTap,
  onConnect: (address: string | undefined) => void,
): Duplex {
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
  raw.on('connect', () => onConnect(raw.remoteAddress));
  raw.on('data', (data: Buffer) => {
    tap.push(data);
    if (!duplex.push(data)) raw.pause();
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', (e) => duplex.destroy(e));
  raw.on('close', () => duplex.destroy());
  return duplex;
}

/** The sentence for what the server did about the client certificate. */
function clientAuthMessage(where: string, auth: Omit<ClientAuthentication, 'message'>): string {
  switch (auth.outcome) {
    case 'required':
      return `${where} requires a client certificate (mutual TLS) and ended the handshake without one; its chain was read before that`;
    case 'refused':
      return `${where} refused the client certificate sent${auth.alert ? ` (${auth.alert})` : ''}; its chain was read before that`;
    default:
      return auth.sent
        ? `${where} asked for a client certificate and accepted the one sent`
        : `${where} asks for a client certificate and completed the handshake without one (it may still refuse requests without one, as nginx does with ssl_verify_client on)`;
  }
}

/** The alert a failure names (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` -> `certificate required`). */
function alertOf(code: string | undefined): string | undefined {
  const m = code && /_ALERT_(.+)$/.exec(code);
  return m ? m[1]!.toLowerCase().replace(/_/g, ' ') : undefined;
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
  const sent = options.clientCertificate !== undefined;
  return new Promise<PresentedChainResult>((resolve) => {
    let socket: TLSSocket | undefined;
    let done = false;
    let address: string | undefined;
    let secret: Buffer | undefined;
    /** The chain, read; waiting for the server's verdict on the client certificate. */
    let awaitingVerdict: PresentedChain | undefined;
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
    const tap = new ByteTap(HANDSHAKE_TAP_LIMIT);
    const withAuth = (
      chain: PresentedChain,
      outcome: ClientAuthentication['outcome'],
      alert?: string,
    ): PresentedChain => {
      const auth = { requested: true as const, sent, outcome, ...(alert && { alert }) };
      return {
        ...chain,
        clientAuthentication: { ...auth, message: clientAuthMessage(where, auth) },
        ...(outcome === 'required' && { clientCertificateRequired: true }),
      };
    };
    const fail = (e: unknown) => {
      const c = classify(e);
      if (awaitingVerdict) {
        // After the handshake: an alert is the server's verdict on the client certificate
        // (certificate_required, bad_certificate, unknown_ca); a plain close accepts it.
        const alert = c.reason === 'tls-alert' ? alertOf(c.code) : undefined;
        return finish(
          withAuth(awaitingVerdict, alert ? (sent ? 'refused' : 'required') : 'accepted', alert),
        );
      }
      // A server that insists on a client certificate ends a TLS 1.2 handshake after its
      // CertificateRequest: its Certificate message was read from the handshake as sent.
      const h = readServerHandshake(tap.bytes(), secret);
      if (h?.certificates?.length && h.certificateRequested) {
        return finish(
          withAuth(
            {
              ok: true,
              ...base,
              chain: h.certificates,
              chainSource: 'handshake',
              protocol: h.version,
              ...(address && { address }),
            },
            sent ? 'refused' : 'required',
            alertOf(c.code),
          ),
        );
      }
      finish({
        ok: false,
        ...base,
        reason: c.reason,
        ...(c.code && { code: c.code }),
        message: `${where} is unreachable: ${c.detail}`,
      });
    };
    const timer = setTimeout(() => {
      if (awaitingVerdict) return finish(withAuth(awaitingVerdict, 'accepted'));
      finish({
        ok: false,
        ...base,
        reason: 'timeout',
        message: `${where} is unreachable: no TLS handshake within ${timeoutMs} ms`,
      });
    }, timeoutMs);
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
        socket: tappedConnection(endpoint.host, endpoint.port, tap, (a) => {
          address = a;
        }),
        ...(tls12 && { maxVersion: 'TLSv1.2' as const }),
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
    // TLS 1.3 encrypts the server's Certificate: the key log line gives the secret to read it.
    socket.on('keylog', (line: Buffer) => {
      secret ??= serverHandshakeSecret(line);
    });
    socket.on('error', fail);
    socket.on('close', () =>
      fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' })),
    );
    socket.once('secureConnect', () => {
      const s = socket!;
      const h = readServerHandshake(tap.bytes(), secret);
      const sentChain = h?.certificates?.length ? h.certificates : undefined;
      const chain = sentChain ?? presentedChain(s);
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
      const result: PresentedChain = {
        ok: true,
        ...base,
        chain,
        chainSource: sentChain ? 'handshake' : 'node',
        ...(protocol && { protocol }),
        ...(cipher && { cipher }),
        ...(address && { address }),
      };
      if (!h?.certificateRequested) return finish(result);
      // TLS 1.2: the server judged the client's Certificate before it sent its Finished.
      if (h.version === 'TLSv1.2') return finish(withAuth(result, 'accepted'));
      // It asked for a client certificate. Under TLS 1.3 the client finishes first and the
      // server judges the client's Certificate afterwards (RFC 8446 §4.4.2.4): close our side
      // and read its answer, an alert (refused) or the end of the connection (accepted).
      awaitingVerdict = result;
      s.end();
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
