/** One entry point for every kind of store, chosen by the text the user gives (`--db`). */
import { openMemoryStore } from './memory/open-memory-store.js';
import { openPostgresStore } from './postgres/open-postgres-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/open-sqlite-store.js';
import type { Store } from './store.js';

/** The name of the SQLite store inside a CA folder, shared by the CLI and the server. */
export const DEFAULT_STORE_FILE = 'inventory.db';

/**
 * Opens the store named by `location`: `postgres://…` or `postgresql://…` opens PostgreSQL,
 * `:memory:` a store in memory, anything else is the path of an SQLite file (created 0600 when
 * missing), opened with `sqlite` options.
 *
 * @example
 * ```ts
 * const store = await openStore(argv.db ?? join(caDir, DEFAULT_STORE_FILE));
 * ```
 */
export async function openStore(
  location: string,
  options: { sqlite?: SqliteStoreOptions } = {},
): Promise<Store> {
  if (/^postgres(ql)?:\/\//i.test(location)) return openPostgresStore(location);
  if (location === ':memory:') return openMemoryStore();
  return openSqliteStore(location, options.sqlite);
}
