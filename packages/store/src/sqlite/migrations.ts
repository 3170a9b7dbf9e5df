/**
 * The SQLite schema, as numbered migrations. Append new migrations; never edit one that has
 * shipped. Dates are milliseconds since the epoch, lists JSON text.
 */
import type { Migration } from '../lib/migration.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'inventory, tokens, audit',
    sql: `
      CREATE TABLE certificates (
        serial_number     TEXT PRIMARY KEY,
        subject           TEXT NOT NULL,
        names             TEXT NOT NULL,
        not_before        INTEGER NOT NULL,
        not_after         INTEGER NOT NULL,
        profile           TEXT,
        pem               TEXT NOT NULL,
        issued_by         TEXT,
        recorded_at       INTEGER NOT NULL,
        revoked_at        INTEGER,
        revocation_reason TEXT
      ) STRICT;
      CREATE INDEX certificates_by_not_after ON certificates (not_after);
      CREATE INDEX certificates_by_revoked_at ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

      CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO counters (name, value) VALUES ('crl_number', 0);

      CREATE TABLE enrollment_tokens (
        id            TEXT PRIMARY KEY,
        token_hash    TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        profile       TEXT NOT NULL,
        dns           TEXT NOT NULL,
        ips           TEXT NOT NULL,
        uris          TEXT NOT NULL,
        validity_days INTEGER,
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        used_at       INTEGER,
        cancelled_at  INTEGER
      ) STRICT;

      CREATE TABLE audit_events (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        at            INTEGER NOT NULL,
        action        TEXT NOT NULL,
        actor         TEXT,
        serial_number TEXT,
        detail        TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'superseded certificates',
    sql: `
      ALTER TABLE certificates ADD COLUMN superseded_by TEXT;
      ALTER TABLE certificates ADD COLUMN superseded_at INTEGER;
    `,
  },
  {
    version: 3,
    name: 'typed certificate names',
    // nodeid_type_stored_name is lib/typed-name.ts's typeStoredName, registered on open
    sql: `
      UPDATE certificates SET names = (
        SELECT json_group_array(typed) FROM (
          SELECT nodeid_type_stored_name(n.value) AS typed
          FROM json_each(certificates.names) AS n ORDER BY n.key
        )
      )
      WHERE EXISTS (
        SELECT 1 FROM json_each(certificates.names) AS n
        WHERE nodeid_type_stored_name(n.value) <> n.value
      );
    `,
  },
  {
    version: 4,
    name: 'ACME accounts, orders, authorizations, nonces',
    // the objects are JSON documents (acme/acme-store.ts); version is their compare-and-set counter
    sql: `
      CREATE TABLE acme_objects (
        kind       TEXT NOT NULL,
        id         TEXT NOT NULL,
        account_id TEXT,
        status     TEXT NOT NULL,
        lookup     TEXT,
        version    INTEGER NOT NULL,
        data       TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) STRICT;
      CREATE UNIQUE INDEX acme_objects_by_lookup ON acme_objects (kind, lookup) WHERE lookup IS NOT NULL;
      CREATE INDEX acme_objects_by_account ON acme_objects (kind, account_id, created_at);
      CREATE TABLE acme_nonces (
        nonce      TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
