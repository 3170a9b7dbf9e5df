/**
 * The one error type of the SDK. Every failure the SDK reports, whatever its cause,
 * is a `NodeIdError` with a stable `code` that callers (the CLI, the server) map to
 * exit codes and HTTP statuses.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type NodeIdErrorCode =
  // input decoding
  | 'ERR_PEM_INVALID'
  | 'ERR_DER_INVALID'
  | 'ERR_CERTIFICATE_INVALID'
  | 'ERR_CSR_INVALID'
  | 'ERR_CRL_INVALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_INPUT_TOO_LARGE'
  | 'ERR_PKCS12_INVALID'
  | 'ERR_PKCS12_UNSUPPORTED'
  | 'ERR_INVALID_ARGUMENT'
  // keys
  | 'ERR_KEY_UNSUPPORTED'
  | 'ERR_KEY_NOT_EXTRACTABLE'
  | 'ERR_KEY_MISMATCH'
  | 'ERR_KEY_WEAK'
  | 'ERR_PASSPHRASE_REQUIRED'
  | 'ERR_PASSPHRASE_WRONG'
  | 'ERR_CRYPTO_UNAVAILABLE'
  // issuance and policy
  | 'ERR_CA_INVALID'
  | 'ERR_CA_EXPIRED'
  | 'ERR_NAME_INVALID'
  | 'ERR_POLICY_DENIED'
  | 'ERR_CSR_SIGNATURE'
  | 'ERR_ALGORITHM_WEAK'
  // verification
  | 'ERR_CERT_EXPIRED'
  | 'ERR_CERT_NOT_YET_VALID'
  | 'ERR_UNKNOWN_AUTHORITY'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_NOT_A_CA'
  | 'ERR_PATH_LENGTH_EXCEEDED'
  | 'ERR_KEY_USAGE'
  | 'ERR_EXTENDED_KEY_USAGE'
  | 'ERR_NAME_CONSTRAINTS'
  | 'ERR_UNKNOWN_CRITICAL_EXTENSION'
  | 'ERR_REVOKED'
  | 'ERR_CRL_UNAVAILABLE'
  | 'ERR_HOSTNAME_MISMATCH'
  | 'ERR_IP_MISMATCH'
  | 'ERR_CLUSTER_NAME_MISMATCH'
  | 'ERR_CHAIN_TOO_LONG'
  | 'ERR_PATH_BUILDING_LIMIT'
  | 'ERR_POLICY_VIOLATION'
  // everything else
  | 'ERR_INTERNAL'
  // files (the Node helpers of @nodeid/sdk/node)
  | 'ERR_FILE_EXISTS'
  | 'ERR_FILE_IO'
  | 'ERR_CA_FOLDER'
  // secrets held in files (nodeid-server's admin tokens)
  | 'ERR_FILE_PERMISSIONS'
  | 'ERR_SECRET_WEAK'
  // ACME (RFC 8555): the problem type (§6.7) is the error's `check`
  | 'ERR_ACME';

/** Structured details attached to an error, never containing secrets. */
export interface NodeIdErrorDetails {
  /** Position in the chain (0 = the leaf) where a verification check failed. */
  depth?: number;
  /** Name of the check or field that failed. */
  check?: string;
  /** The underlying error. */
  cause?: unknown;
}

const MARKER = Symbol.for('@nodeid/sdk/NodeIdError');

/**
 * The error thrown by every SDK function.
 *
 * @example
 * ```ts
 * try {
 *   await parseCertificate('not a pem');
 * } catch (e) {
 *   if (NodeIdError.isInstance(e) && e.code === 'ERR_PEM_INVALID') console.error(e.message);
 * }
 * ```
 */
export class NodeIdError extends Error {
  override readonly name = 'NodeIdError';
  readonly code: NodeIdErrorCode;
  readonly depth: number | undefined;
  readonly check: string | undefined;
  readonly [MARKER] = true;

  constructor(code: NodeIdErrorCode, message: string, details: NodeIdErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.depth = details.depth;
    this.check = details.check;
  }

  /** True for a `NodeIdError`, even one from another copy of the package. */
  static isInstance(value: unknown): value is NodeIdError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true
    );
  }

  /** A plain `{ code, message }` object, as the CLI and the server print it. */
  toJSON(): { code: NodeIdErrorCode; message: string; depth?: number } {
    return this.depth === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, depth: this.depth };
  }
}

/**
 * Runs `fn` and turns any exception that is not already a `NodeIdError` into one with `code`.
 * Used at the edges where third-party code (WebCrypto, the ASN.1 library) may throw.
 * @internal
 */
export async function guard<T>(
  code: NodeIdErrorCode,
  message: string,
  fn: () => Promise<T> | T,
): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    if (NodeIdError.isInstance(cause)) throw cause;
    throw new NodeIdError(code, message, { cause });
  }
}

/** Synchronous {@link guard}. @internal */
export function guardSync<T>(code: NodeIdErrorCode, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (NodeIdError.isInstance(cause)) throw cause;
    throw new NodeIdError(code, message, { cause });
  }
}

/**
 * What a parser throws for anything that went wrong inside it: its own code as it is, any other
 * error wrapped in `code` with the message saying what the input is not. @internal
 */
export function parseFailure(e: unknown, code: NodeIdErrorCode, what: string): NodeIdError {
  if (NodeIdError.isInstance(e)) {
    if (e.code === code) return e;
    return new NodeIdError(code, `not a valid ${what}: ${e.message}`, { cause: e });
  }
  return new NodeIdError(code, `not a valid ${what}`, { cause: e });
}
