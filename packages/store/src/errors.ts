/**
 * The one error type of the store. Every failure of every store implementation is a
 * `StoreError` with a stable `code` that the CLI maps to exit codes and the server to HTTP
 * statuses, in the same way as the SDK's `NodeIdError`.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type StoreErrorCode =
  /** A record with that key (serial number, token id or token hash) already exists. */
  | 'ERR_STORE_CONFLICT'
  /** No record with that key. */
  | 'ERR_STORE_NOT_FOUND'
  /** The database was written by a newer nodeid whose schema this code does not know. */
  | 'ERR_STORE_VERSION'
  /** The database cannot be reached, opened, read or written (or the store is closed). */
  | 'ERR_STORE_IO'
  /** The file is not a nodeid store or is damaged; it is left as it is. */
  | 'ERR_STORE_CORRUPT'
  /** An argument is malformed: not a hex serial, not a date, an unknown revocation reason… */
  | 'ERR_STORE_INVALID'
  /**
   * The CA has issued certificates but its inventory is missing or empty; it is not started
   * afresh, which would un-revoke every revoked certificate (see `openCaInventory`).
   */
  | 'ERR_STORE_MISSING';

const MARKER = Symbol.for('@nodeid/store/StoreError');

/**
 * The error thrown by every store method.
 *
 * @example
 * ```ts
 * try {
 *   await store.recordCertificate(record);
 * } catch (e) {
 *   if (StoreError.isInstance(e) && e.code === 'ERR_STORE_CONFLICT') console.error(e.message);
 * }
 * ```
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly [MARKER] = true;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /** True for a `StoreError`, even one from another copy of the package. */
  static isInstance(value: unknown): value is StoreError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[MARKER] === true
    );
  }

  /** A plain `{ code, message }` object, as the CLI and the server print it. */
  toJSON(): { code: StoreErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}
