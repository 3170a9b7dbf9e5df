/** One error body for the whole API, `{ code, message }`, and the status each code maps to. */
import { NodeIdError } from '@nodeid/sdk';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error the API answers with: a status, a stable code and a message for the admin. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<string, ContentfulStatusCode> = {
  ERR_INVALID_ARGUMENT: 400,
  ERR_NAME_INVALID: 400,
  ERR_CSR_INVALID: 400,
  ERR_PEM_INVALID: 400,
  ERR_DER_INVALID: 400,
  ERR_CSR_SIGNATURE: 400,
  ERR_KEY_WEAK: 400,
  ERR_KEY_UNSUPPORTED: 400,
  ERR_ALGORITHM_WEAK: 400,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_POLICY_DENIED: 403,
  ERR_CA_EXPIRED: 503,
  ERR_STORE_NOT_FOUND: 404,
  ERR_STORE_CONFLICT: 409,
};

/** The status and body for anything thrown by a handler. Internal errors never leak details. */
export function toErrorResponse(e: unknown): {
  status: ContentfulStatusCode;
  body: { code: string; message: string };
} {
  if (e instanceof HttpError)
    return { status: e.status, body: { code: e.code, message: e.message } };
  if (NodeIdError.isInstance(e))
    return { status: STATUS[e.code] ?? 400, body: { code: e.code, message: e.message } };
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string' && STATUS[code])
    return { status: STATUS[code]!, body: { code, message: (e as Error).message } };
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'internal error' } };
}
