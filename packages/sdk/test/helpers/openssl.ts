/** Test helpers that run the real openssl CLI in a scratch folder. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh scratch folder. */
export function scratch(prefix = 'nodeid-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files into `dir` and returns their paths by name. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, contents] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], contents);
  }
  return paths;
}

/** Runs openssl; returns stdout+stderr and the exit status without throwing. */
export function openssl(args: string[], options: { cwd?: string; input?: string } = {}): { status: number; output: string } {
  try {
    const out = execFileSync('openssl', args, { cwd: options.cwd, input: options.input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { status: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
