/** Maps what better-sqlite3 throws to a `StoreError`. */
import { StoreError } from '../errors.js';

/** The `StoreError` for an exception raised while doing `action` (a `StoreError` stays as it is). */
export function sqliteError(cause: unknown, action: string): StoreError {
  if (StoreError.isInstance(cause)) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (typeof code === 'string') {
    if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
      return new StoreError('ERR_STORE_CORRUPT', `${action}: the database is damaged (${detail})`, {
        cause,
      });
    }
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new StoreError('ERR_STORE_CONFLICT', `${action}: already stored`, { cause });
    }
  }
  return new StoreError('ERR_STORE_IO', `${action}: ${detail}`, { cause });
}
