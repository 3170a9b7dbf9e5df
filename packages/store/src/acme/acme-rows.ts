/** An `acme_objects` row (SQLite or PostgreSQL) as an {@link AcmeObject}. */
import type { AcmeKind, AcmeObject } from './acme-store.js';

type Row = Record<string, unknown>;

export function acmeObjectFromRow(row: Row): AcmeObject {
  const data = row['data'];
  const created = row['created_at'];
  const object: AcmeObject = {
    kind: row['kind'] as AcmeKind,
    id: row['id'] as string,
    status: row['status'] as string,
    version: Number(row['version']),
    data: typeof data === 'string' ? JSON.parse(data) : (data as Record<string, unknown>),
    createdAt: created instanceof Date ? created : new Date(Number(created)),
  };
  if (row['account_id'] !== null && row['account_id'] !== undefined)
    object.accountId = row['account_id'] as string;
  if (row['lookup'] !== null && row['lookup'] !== undefined)
    object.lookup = row['lookup'] as string;
  return object;
}
