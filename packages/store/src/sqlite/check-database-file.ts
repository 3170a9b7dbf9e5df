/**
 * Makes sure a path is an SQLite database before SQLite touches it: a missing file is created
 * empty with mode 0600 (SQLite gives its -wal and -shm files the same mode); a file that is not
 * a database is refused with `ERR_STORE_CORRUPT` and left exactly as it is.
 */
import { closeSync, constants, fchmodSync, openSync, readSync } from 'node:fs';
import { StoreError } from '../errors.js';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Creates the file (0600) when missing; refuses a file that is not an SQLite database. */
export function checkDatabaseFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      fchmodSync(fd, 0o600); // the umask must not widen or narrow it
    } finally {
      closeSync(fd);
    }
    return;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(path, cause);
  }
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let read: number;
  try {
    fd = openSync(path, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw ioError(path, cause);
  }
  if (read === 0) return; // empty: created by us or by an earlier run that stopped before SQLite
  if (read < header.length || !header.equals(SQLITE_HEADER)) {
    throw new StoreError(
      'ERR_STORE_CORRUPT',
      `${path} is not an SQLite database; it was left unchanged`,
    );
  }
}

function ioError(path: string, cause: unknown): StoreError {
  const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new StoreError('ERR_STORE_IO', `cannot open ${path} (${reason})`, { cause });
}
