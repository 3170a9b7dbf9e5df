/** One error body for the whole API, `{ code, message }`, and the status each code maps to. */
import { NodeIdError, type NodeIdErrorCode } from '@nodeid/sdk';
import { StoreError, type StoreErrorCode } from '@nodeid/store/errors';
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

/**
 * The status of every error code the SDK and the store can throw. Typed by the code unions, so
 * a code added to either without a status here does not compile. Input the client sent is a
 * 4xx; a database that cannot be reached, read or written (or is missing or damaged) is a 503
 * with its code (RFC 9110 §15.6.4: the server cannot handle the request now, a retry or an
 * operator may fix it), so no store error is ever an anonymous 500.
 */
const STATUS: Record<NodeIdErrorCode | StoreErrorCode, ContentfulStatusCode> = {
  // input decoding
  ERR_PEM_INVALID: 400,
  ERR_DER_INVALID: 400,
  ERR_CERTIFICATE_INVALID: 400,
  ERR_CSR_INVALID: 400,
  ERR_CRL_INVALID: 400,
  ERR_KEY_INVALID: 400,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_PKCS12_INVALID: 400,
  ERR_PKCS12_UNSUPPORTED: 400,
  ERR_INVALID_ARGUMENT: 400,
  // keys
  ERR_KEY_UNSUPPORTED: 400,
  ERR_KEY_NOT_EXTRACTABLE: 500,
  ERR_KEY_MISMATCH: 400,
  ERR_KEY_WEAK: 400,
  ERR_PASSPHRASE_REQUIRED: 500,
  ERR_PASSPHRASE_WRONG: 500,
  ERR_CRYPTO_UNAVAILABLE: 503,
  // issuance and policy
  ERR_CA_INVALID: 500,
  ERR_CA_EXPIRED: 503,
  ERR_NAME_INVALID: 400,
  ERR_POLICY_DENIED: 403,
  ERR_CSR_SIGNATURE: 400,
  ERR_ALGORITHM_WEAK: 400,
  // verification of a certificate the client presented
  ERR_CERT_EXPIRED: 400,
  ERR_CERT_NOT_YET_VALID: 400,
  ERR_UNKNOWN_AUTHORITY: 400,
  ERR_SIGNATURE_INVALID: 400,
  ERR_NOT_A_CA: 400,
  ERR_PATH_LENGTH_EXCEEDED: 400,
  ERR_KEY_USAGE: 400,
  ERR_EXTENDED_KEY_USAGE: 400,
  ERR_NAME_CONSTRAINTS: 400,
  ERR_UNKNOWN_CRITICAL_EXTENSION: 400,
  ERR_REVOKED: 400,
  ERR_CRL_UNAVAILABLE: 503,
  ERR_HOSTNAME_MISMATCH: 400,
  ERR_IP_MISMATCH: 400,
  ERR_CLUSTER_NAME_MISMATCH: 400,
  ERR_CHAIN_TOO_LONG: 400,
  ERR_PATH_BUILDING_LIMIT: 400,
  ERR_POLICY_VIOLATION: 400,
  // the server's own files and faults
  ERR_INTERNAL: 500,
  ERR_FILE_EXISTS: 409,
  ERR_FILE_IO: 500,
  ERR_CA_FOLDER: 500,
  ERR_FILE_PERMISSIONS: 500,
  ERR_SECRET_WEAK: 400,
  // ACME problems are answered as problem documents by src/acme; elsewhere a 400
  ERR_ACME: 400,
  // the inventory
  ERR_STORE_INVALID: 400,
  ERR_STORE_NOT_FOUND: 404,
  ERR_STORE_CONFLICT: 409,
  ERR_STORE_IO: 503,
  ERR_STORE_CORRUPT: 503,
  ERR_STORE_VERSION: 503,
  ERR_STORE_MISSING: 503,
};

/** The status and body for anything thrown by a handler. Internal errors never leak details. */
export function toErrorResponse(e: unknown): {
  status: ContentfulStatusCode;
  body: { code: string; message: string };
} {
  if (e instanceof HttpError)
    return { status: e.status, body: { code: e.code, message: e.message } };
  if (NodeIdError.isInstance(e) || StoreError.isInstance(e))
    return { status: STATUS[e.code] ?? 500, body: { code: e.code, message: e.message } };
  return { status: 500, body: { code: 'ERR_INTERNAL', message: 'internal error' } };
}
