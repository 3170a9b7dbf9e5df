/** Numbered schema migrations, shared by the SQLite and PostgreSQL stores. */
import { StoreError } from '../errors.js';

/** One step of a schema. Append new steps; never edit one that has shipped. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations still to apply to a database at `current` version. A database newer than the
 * code (`current` above the last migration known): `ERR_STORE_VERSION`, so an old nodeid never
 * writes into a schema it does not understand.
 */
export function pendingMigrations(current: number, migrations: readonly Migration[]): Migration[] {
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StoreError(
      'ERR_STORE_VERSION',
      `the database has schema version ${current}, newer than the ${latest} this nodeid knows; upgrade nodeid`,
    );
  }
  return migrations.filter((m) => m.version > current);
}
