/**
 * @nodeid/store — the CA's inventory shared by the nodeid CLI and server: issued certificates,
 * revocations and CRL numbers, hashed one-time enrollment tokens and an audit trail, in memory,
 * in an SQLite file or in PostgreSQL, behind one {@link Store} interface. Node only.
 *
 * @packageDocumentation
 */

export type {
  AcmeKind,
  AcmeObject,
  AcmeObjectInput,
  AcmeObjectUpdate,
  AcmeStore,
  AcmeWrite,
} from './acme/acme-store.js';
export {
  type OpenCaInventoryOptions,
  openCaInventory,
} from './ca-folder/open-ca-inventory.js';
export {
  type CertificateRecordOfOptions,
  certificateRecordOf,
} from './certificate/certificate-record-of.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { CERTIFICATE_SORT_KEYS, CERTIFICATE_STATUSES } from './lib/status.js';
export { openMemoryStore } from './memory/open-memory-store.js';
export { DEFAULT_STORE_FILE, openStore } from './open-store.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres/open-postgres-store.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/open-sqlite-store.js';
export type {
  AuditInput,
  AuditRecord,
  CertificateInput,
  CertificateRecord,
  CertificateSortKey,
  CertificateStatus,
  CertificateSummary,
  ListCertificatesOptions,
  RedeemTokenInput,
  RevocationEntry,
  RevokeOptions,
  RevokeResult,
  Store,
  TokenInput,
  TokenRecord,
  TokenStatus,
} from './store.js';
export { hashToken } from './token/hash-token.js';
