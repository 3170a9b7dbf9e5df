/** Maps what `pg` throws to a `StoreError`. */
import { StoreError } from '../errors.js';

/** The `StoreError` for an exception raised while doing `action` (a `StoreError` stays as it is). */
export function postgresError(cause: unknown, action: string): StoreError {
  if (StoreError.isInstance(cause)) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (code === '23505')
    return new StoreError('ERR_STORE_CONFLICT', `${action}: already stored`, { cause });
  if (code === 'XX001' || code === 'XX002') {
    return new StoreError('ERR_STORE_CORRUPT', `${action}: the database is damaged (${detail})`, {
      cause,
    });
  }
  return new StoreError('ERR_STORE_IO', `${action}: ${detail}`, { cause });
}
