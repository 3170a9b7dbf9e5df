/** The refusals of `markSuperseded`, worded the same by every implementation. */
import { StoreError } from '../errors.js';

/** No certificate with that serial. */
export function notFound(serial: string): StoreError {
  return new StoreError('ERR_STORE_NOT_FOUND', `no certificate with serial ${serial}`);
}

/** Throws `ERR_STORE_CONFLICT` unless the certificate is still current (neither revoked nor superseded). */
export function refuseNotCurrent(serial: string, revokedAt: unknown, supersededBy: unknown): void {
  if (revokedAt !== undefined && revokedAt !== null) {
    throw new StoreError('ERR_STORE_CONFLICT', `certificate ${serial} is revoked`);
  }
  if (supersededBy !== undefined && supersededBy !== null) {
    throw new StoreError(
      'ERR_STORE_CONFLICT',
      `certificate ${serial} is already superseded by ${String(supersededBy)}`,
    );
  }
}
