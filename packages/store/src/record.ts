/**
 * @nodeid/store/record — the inventory record of a certificate alone, without the databases:
 * for code that builds records where no store is opened (nodeid-server's signing threads), so
 * that it loads neither SQLite nor PostgreSQL.
 *
 * @packageDocumentation
 */

export {
  type CertificateRecordOfOptions,
  certificateRecordOf,
} from './certificate/certificate-record-of.js';
export type { CertificateInput } from './store.js';
