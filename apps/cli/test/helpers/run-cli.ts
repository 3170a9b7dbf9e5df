/** Runs the built `nodeid` binary as a process, the way an admin or a script would. */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point (`pnpm build` in apps/cli makes it). */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nodeid.cjs');

/** What a run produced. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Variables added to (or, with `undefined`, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Standard input. */
  input?: string;
  /** Upper bound on the run, in milliseconds (default 60 s). */
  timeout?: number;
}

/** Runs `node bin/nodeid.cjs ...args` (the `nodeid` command) and waits for it. Colour is always off (NO_COLOR). */
export function runCli(args: string[], options: RunCliOptions = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: env as NodeJS.ProcessEnv,
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
