/**
 * Makes sure a path is an SQLite database before SQLite touches it: a missing file is created
 * empty with mode 0600 (SQLite gives its -wal and -shm files the same mode); a file that is not
 * a database is refused with `ERR_STORE_CORRUPT` and left exactly as it is.
 */
import { closeSync, constants, fchmodSync, openSync, readSync, statSync } from 'node:fs';
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

/**
 * Remembers which file is at `path` now (device and inode) so that {@link check} can tell
 * whether it is still there: deleted, or replaced by another file at the same path.
 */
export function watchDatabaseFile(path: string): { check(): void } {
  const opened = statSync(path);
  return {
    check() {
      let now: ReturnType<typeof statSync>;
      try {
        now = statSync(path);
      } catch (cause) {
        const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
        throw new StoreError(
          'ERR_STORE_IO',
          `the database file ${path} is gone (${reason}); nothing more is written to it: restore it from a backup and restart`,
          { cause },
        );
      }
      if (now.ino !== opened.ino || now.dev !== opened.dev) {
        throw new StoreError(
          'ERR_STORE_IO',
          `the database file ${path} was replaced by another file since it was opened; nothing more is written to it: restart to open the new one`,
        );
      }
    },
  };
}
