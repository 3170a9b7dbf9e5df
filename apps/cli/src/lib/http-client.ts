/**
 * Talking to nodeid-server: HTTPS only, verified against a CA the caller names (never the system
 * store, never switched off), no connection reuse (each call is its own TLS handshake, so a
 * renewal always presents the certificate on disk now), bounded in time and size, and every
 * failure turned into a {@link CliError} with an exit code a script can act on.
 */
import { request } from 'node:https';
import { CliError, EXIT } from './cli-error.js';

/** Exit code of "the server could not be trusted": wrong pinned CA, TLS verification failed. */
export const EXIT_UNTRUSTED = 4;

/** Largest response body read (a CA bundle or a certificate list fits easily). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** How the server is trusted, and the client certificate for mutual TLS. */
export interface TlsTrust {
  /** PEM of the CA certificate(s) the server's certificate must chain to. */
  ca: string;
  /** PEM of the client certificate (and its intermediates), for mutual TLS. */
  cert?: string;
  /** PEM of the client certificate's private key. */
  key?: string;
}

/** Options of {@link httpsRequest}. */
export interface HttpsRequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  /** JSON body. */
  json?: unknown;
  headers?: Record<string, string>;
  /**
   * How to trust the server. `'unverified'` is only for fetching the CA certificate that is then
   * checked against a pinned fingerprint (see `fetchPinnedCa`): nothing else may use it.
   */
  trust: TlsTrust | 'unverified';
  /** Upper bound on the whole exchange; default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A response: status, headers and body. */
export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** TLS errors that mean "the server is not the one we trust" rather than "cannot reach it". */
const TLS_TRUST_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server URL from a flag: `https://host[:port]` only, no path, no credentials. */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(
      'ERR_USAGE',
      `--server "${text}" is not a URL; expected https://host:port`,
      EXIT.USAGE,
    );
  }
  if (url.protocol !== 'https:')
    throw new CliError(
      'ERR_USAGE',
      `--server must be an https:// URL (got ${url.protocol}//): tokens, keys and certificates never travel over plain HTTP`,
      EXIT.USAGE,
    );
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search)
    throw new CliError(
      'ERR_USAGE',
      `--server must be just https://host[:port], got "${text}"`,
      EXIT.USAGE,
    );
  return url;
}

/** Sends one request and reads the whole response. Network and TLS failures become CliErrors. */
export function httpsRequest(
  server: URL,
  path: string,
  options: HttpsRequestOptions,
): Promise<HttpsResponse> {
  const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  const unverified = options.trust === 'unverified';
  const trust = unverified ? undefined : (options.trust as TlsTrust);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, response?: HttpsResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = request(
      {
        protocol: 'https:',
        hostname: server.hostname.replace(/^\[|\]$/g, ''),
        port: server.port || 443,
        path,
        method: options.method ?? (body ? 'POST' : 'GET'),
        headers: {
          accept: 'application/json',
          ...(body && { 'content-type': 'application/json', 'content-length': body.length }),
          ...options.headers,
        },
        // one TLS session per call: no pooled socket, no resumed session
        agent: false,
        ...(unverified
          ? { rejectUnauthorized: false }
          : {
              rejectUnauthorized: true,
              ca: trust!.ca,
              ...(trust!.cert && { cert: trust!.cert }),
              ...(trust!.key && { key: trust!.key }),
            }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            finish(
              new CliError(
                'ERR_RESPONSE_TOO_LARGE',
                `the server at ${server.origin} sent more than ${MAX_RESPONSE_BYTES} bytes`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (e) => finish(networkError(server, e)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(
        new CliError(
          'ERR_SERVER_UNREACHABLE',
          `no answer from ${server.origin} within ${Math.round(timeoutMs / 1000)} s`,
        ),
      );
    }, timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish(new CliError('ERR_ABORTED', 'stopped'));
    };
    options.signal?.addEventListener('abort', onAbort);
    req.on('error', (e) => finish(networkError(server, e)));
    req.end(body);
  });
}

/** A network or TLS error as a CliError: exit 4 when the server is not trusted, else 3. */
function networkError(server: URL, e: Error): CliError {
  const code = (e as { code?: string }).code ?? '';
  if (TLS_TRUST_ERRORS.has(code))
    return new CliError(
      'ERR_TLS_UNTRUSTED',
      `the server at ${server.origin} is not trusted: ${e.message} (${code})`,
      EXIT_UNTRUSTED,
    );
  return new CliError(
    'ERR_SERVER_UNREACHABLE',
    `cannot reach ${server.origin}: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`,
  );
}

/** True for failures worth retrying later (exit 3): the server is down, busy or failing, not refusing. */
export function isRetryable(e: unknown): boolean {
  return e instanceof CliError && e.exitCode === EXIT.ERROR;
}

/**
 * Calls a JSON endpoint and returns the parsed body of a 2xx answer. An error answer
 * (`{ code, message }`) becomes a CliError with the server's code: exit 1 for a refusal (4xx),
 * 3 for a server failure (5xx) or a rate limit (try again later).
 */
export async function callApi<T>(
  server: URL,
  path: string,
  options: HttpsRequestOptions,
): Promise<T> {
  const res = await httpsRequest(server, path, options);
  const text = res.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.status >= 200 && res.status < 300) {
    if (parsed === undefined)
      throw new CliError(
        'ERR_BAD_RESPONSE',
        `${server.origin}${path} answered ${res.status} without a JSON body`,
      );
    return parsed as T;
  }
  const err = parsed as { code?: unknown; message?: unknown } | undefined;
  const code =
    typeof err?.code === 'string' && /^ERR_[A-Z0-9_]{1,60}$/.test(err.code)
      ? err.code
      : res.status >= 500
        ? 'ERR_SERVER_ERROR'
        : 'ERR_REFUSED';
  const message =
    typeof err?.message === 'string' ? err.message.slice(0, 500) : `HTTP ${res.status}`;
  const retryLater = res.status >= 500 || res.status === 429;
  return Promise.reject(
    new CliError(
      code,
      `the server refused (${res.status}): ${message}`,
      retryLater ? EXIT.ERROR : EXIT.FAILED,
    ),
  );
}
