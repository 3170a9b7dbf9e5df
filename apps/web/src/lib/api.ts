/**
 * The few nodeid-server calls the page makes: `POST /v1/sign` (a CSR and an enrollment token,
 * nothing else) and `GET /v1/ca`. Errors come back as `ApiError` with the server's code and
 * message, or a plain explanation when the server could not be reached.
 */

/** The reply of `POST /v1/sign`. */
export interface SignReply {
  certificate: string;
  chain: string[];
  granted: string[];
  denied: { name: string; reason: string }[];
  serialNumber: string;
  notAfter: string;
}

/** The reply of `GET /v1/ca?format=json`. */
export interface CaReply {
  pem: string;
  fingerprintSha256: string;
  subject: string;
  notAfter: string;
}

/** A failed call: `status` 0 when no HTTP answer came at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The API base URL from the Server field: empty means the page's own origin. Throws a plain
 * Error with a message for the field when it is not an http(s) URL.
 */
export function apiBase(field: string, pageOrigin: string): string {
  const value = field.trim() || pageOrigin;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${value}" is not a URL; use e.g. https://ca.example.net:8443`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`"${value}" is not an http or https URL`);
  if (url.username || url.password) throw new Error('put no user name or password in the URL');
  return url.href.replace(/\/+$/, '');
}

/**
 * One call to the API: the parsed JSON body and the response headers, or an `ApiError` with the
 * server's code and message (a plain explanation when no answer came). Never sends cookies,
 * never follows a redirect, never sends a referrer.
 */
export async function callApi<T>(
  url: string,
  init: RequestInit,
): Promise<{ body: T; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(
      0,
      'ERR_NETWORK',
      `could not reach ${new URL(url).origin}: check the address; a server on another origin must be allowed by this page's Content-Security-Policy (connect-src, set with NODEID_API at build time) and must answer CORS requests`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const err = body as { code?: unknown; message?: unknown } | undefined;
    const code = typeof err?.code === 'string' ? err.code : `HTTP_${response.status}`;
    const message =
      typeof err?.message === 'string'
        ? err.message
        : response.status === 413
          ? 'the request is too large for the server'
          : response.status === 429
            ? 'too many requests: wait a minute and try again'
            : `the server answered ${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, code, message);
  }
  if (body === undefined || typeof body !== 'object' || body === null)
    throw new ApiError(
      response.status,
      'ERR_BAD_REPLY',
      'the server sent a reply that is not JSON',
    );
  return { body: body as T, headers: response.headers };
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  return (await callApi<T>(url, init)).body;
}

/** Sends the CSR with the enrollment token; the certificate, chain and granted/denied names come back. */
export async function requestCertificate(
  base: string,
  token: string,
  csr: string,
): Promise<SignReply> {
  const reply = await call<SignReply>(`${base}/v1/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ csr, token }),
  });
  if (typeof reply.certificate !== 'string')
    throw new ApiError(200, 'ERR_BAD_REPLY', 'the server reply has no certificate');
  return {
    ...reply,
    chain: Array.isArray(reply.chain) ? reply.chain : [],
    granted: Array.isArray(reply.granted) ? reply.granted : [],
    denied: Array.isArray(reply.denied) ? reply.denied : [],
  };
}

/** The server's CA certificate, to show its fingerprint next to the issued certificate. */
export function fetchCa(base: string): Promise<CaReply> {
  return call<CaReply>(`${base}/v1/ca?format=json`, {
    method: 'GET',
    headers: { accept: 'application/json' },
  });
}
