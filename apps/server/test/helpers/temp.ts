/**
 * A temporary folder for one test file, removed after its tests (vitest `afterAll`), so every
 * file that writes real files cleans up the same way, also when a test fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Makes a new folder under the system's temporary folder, named with `prefix`, and registers its
 * removal after the calling file's (or `describe` block's) tests. Call it at the top level of a
 * test file or inside a `describe` body, where vitest hooks may be registered.
 */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
