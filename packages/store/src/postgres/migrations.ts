/**
 * The PostgreSQL schema, as numbered migrations (the same tables as SQLite's). Append new
 * migrations; never edit one that has shipped.
 */
import type { Migration } from '../lib/migration.js';
import { typeStoredNameSql } from '../lib/typed-name.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'inventory, tokens, audit',
    sql: `
      CREATE TABLE certificates (
        serial_number     text PRIMARY KEY,
        subject           text NOT NULL,
        names             jsonb NOT NULL,
        not_before        timestamptz NOT NULL,
        not_after         timestamptz NOT NULL,
        profile           text,
        pem               text NOT NULL,
        issued_by         text,
        recorded_at       timestamptz NOT NULL,
        revoked_at        timestamptz,
        revocation_reason text
      );
      CREATE INDEX certificates_by_not_after ON certificates (not_after);
      CREATE INDEX certificates_by_revoked_at ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

      CREATE TABLE counters (
        name  text PRIMARY KEY,
        value bigint NOT NULL
      );
      INSERT INTO counters (name, value) VALUES ('crl_number', 0);

      CREATE TABLE enrollment_tokens (
        id            text PRIMARY KEY,
        token_hash    text NOT NULL UNIQUE,
        name          text NOT NULL,
        profile       text NOT NULL,
        dns           jsonb NOT NULL,
        ips           jsonb NOT NULL,
        uris          jsonb NOT NULL,
        validity_days integer,
        created_at    timestamptz NOT NULL,
        expires_at    timestamptz NOT NULL,
        used_at       timestamptz,
        cancelled_at  timestamptz
      );

      CREATE TABLE audit_events (
        id            bigserial PRIMARY KEY,
        at            timestamptz NOT NULL,
        action        text NOT NULL,
        actor         text,
        serial_number text,
        detail        json
      );
    `,
  },
  {
    version: 2,
    name: 'superseded certificates',
    sql: `
      ALTER TABLE certificates ADD COLUMN superseded_by text;
      ALTER TABLE certificates ADD COLUMN superseded_at timestamptz;
    `,
  },
  {
    version: 3,
    name: 'typed certificate names',
    // the rule of lib/typed-name.ts's typeStoredName, in SQL
    sql: `
      UPDATE certificates SET names = (
        SELECT coalesce(jsonb_agg(${typeStoredNameSql('n.v')} ORDER BY n.i), '[]'::jsonb)
        FROM jsonb_array_elements_text(certificates.names) WITH ORDINALITY AS n(v, i)
      )
      WHERE EXISTS (
        SELECT 1 FROM jsonb_array_elements_text(certificates.names) AS n(v)
        WHERE ${typeStoredNameSql('n.v')} <> n.v
      );
    `,
  },
  {
    version: 4,
    name: 'ACME accounts, orders, authorizations, nonces',
    sql: `
      CREATE TABLE acme_objects (
        kind       text NOT NULL,
        id         text NOT NULL,
        account_id text,
        status     text NOT NULL,
        lookup     text,
        version    integer NOT NULL,
        data       jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE UNIQUE INDEX acme_objects_by_lookup ON acme_objects (kind, lookup) WHERE lookup IS NOT NULL;
      CREATE INDEX acme_objects_by_account ON acme_objects (kind, account_id, created_at);
      CREATE TABLE acme_nonces (
        nonce      text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      );
    `,
  },
];
