/**
 * The inventory a test runs on, of either kind: the memory store, or SQLite in a new temporary
 * folder, so the same tests cover both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMemoryStore, openSqliteStore, type Store } from '@nodeid/store';

/** An open test inventory; `close` closes it and removes its folder (SQLite). */
export interface TestStore {
  store: Store;
  /** The SQLite store's folder (`inventory.db` in it); undefined for the memory store. */
  dir: string | undefined;
  close(): Promise<void>;
}

/** Opens a memory store, or a SQLite store in a new temporary folder named with `prefix`. */
export async function openTestStore(kind: 'memory' | 'sqlite', prefix: string): Promise<TestStore> {
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), prefix)) : undefined;
  const store = dir ? await openSqliteStore(join(dir, 'inventory.db')) : await openMemoryStore();
  return {
    store,
    dir,
    close: async () => {
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
