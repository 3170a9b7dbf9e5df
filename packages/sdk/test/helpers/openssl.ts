/** Test helpers that run the real openssl CLI in a scratch folder. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh scratch folder. */
export function scratch(prefix = 'nodeid-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files into `dir` and returns their paths by name. */
export function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, contents] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], contents);
  }
  return paths;
}

/** Runs openssl; returns stdout followed by stderr and the exit status, without throwing. */
export function openssl(
  args: string[],
  options: { cwd?: string; input?: string } = {},
): { status: number; output: string } {
  const r = spawnSync('openssl', args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
  });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
