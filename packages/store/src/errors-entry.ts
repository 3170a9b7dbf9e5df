/**
 * @nodeid/store/errors — `StoreError` and its codes alone, without the databases: for code that
 * recognises store errors where no store is opened (nodeid-server's signing threads load its
 * error table), so that it loads neither SQLite nor PostgreSQL. `StoreError.isInstance` holds
 * across this entry and the main one.
 *
 * @packageDocumentation
 */

export { StoreError, type StoreErrorCode } from './errors.js';
