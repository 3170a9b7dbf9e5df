/**
 * Request bodies, read once and limited in size. On Node the bytes come straight from the
 * `IncomingMessage` that `@hono/node-server` hands over as `c.env.incoming`: building a web
 * `Request` and its `ReadableStream` only to read a 2 KB JSON body cost more CPU than the rest of
 * the HTTP handling (about 0.1 ms a request, measured with `pnpm bench`). Anywhere else (tests
 * through `app.request()`, other runtimes) the standard `Request` body is read.
 */
import type { Context } from 'hono';
import { HttpError } from './http-error.js';

/** Default largest request body: 64 KiB. */
export const DEFAULT_BODY_BYTES = 64 * 1024;

interface NodeIncoming {
  readonly readableEnded?: boolean;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): void;
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'ERR_INPUT_TOO_LARGE', `the request body is larger than ${limit} bytes`);

/** Refuses, before anything is read, a body whose declared length is over the limit. */
export function checkDeclaredLength(c: Context, limit: number): void {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
}

/**
 * True when the request carries a body: a non-zero Content-Length or any Transfer-Encoding
 * (RFC 9112 §6.3); requests made with `app.request()` have neither, so their `Request` is asked.
 */
function hasBody(c: Context): boolean {
  const length = c.req.header('content-length');
  if (length !== undefined) return length.trim() !== '0';
  if (c.req.header('transfer-encoding') !== undefined) return true;
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming === undefined && c.req.raw.body !== null;
}

/**
 * Refuses a request body that is not declared as JSON: the API reads only `application/json`
 * (RFC 8259 §11; parameters such as `charset=utf-8` are allowed), so a `text/plain` body, which a
 * browser sends cross-origin without a CORS preflight, is a 415 `ERR_UNSUPPORTED_MEDIA_TYPE`
 * (RFC 9110 §15.5.16). Requests without a body need no Content-Type.
 */
export function checkJsonContentType(c: Context): void {
  if (!hasBody(c)) return;
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      `the request body must be JSON with Content-Type: application/json, not ${type ? `"${type}"` : 'no Content-Type'}`,
    );
}

function readIncoming(incoming: NodeIncoming, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    incoming.on('data', (chunk) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        // stop reading; the answer (413) goes out and the connection is not reused
        done = true;
        incoming.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    incoming.on('error', (error) => {
      if (done) return;
      done = true;
      reject(
        new HttpError(
          400,
          'ERR_INVALID_ARGUMENT',
          `the request body was cut short: ${error.message}`,
        ),
      );
    });
  });
}

async function readRequest(req: Request, limit: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The request body as text, at most `limit` bytes (else a 413 `ERR_INPUT_TOO_LARGE`, whatever
 * the declared length says). Read once: a second call gets an empty string.
 */
export function readBodyText(c: Context, limit: number): Promise<string> {
  checkDeclaredLength(c, limit);
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  if (incoming && typeof incoming.on === 'function' && !incoming.readableEnded)
    return readIncoming(incoming, limit);
  return readRequest(c.req.raw, limit);
}
