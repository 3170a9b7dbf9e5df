/**
 * How the CLI fails: every error becomes one line `error: <message> (<CODE>)` on stderr and an
 * exit code. SDK errors keep their codes; the CLI adds its own for usage and files.
 */
import { NodeIdError } from '@nodeid/sdk';

/** Exit codes shared by every command (commands document their own extra ones). */
export const EXIT = {
  OK: 0,
  /** The command ran and its answer is "no": invalid, expiring, refused. */
  FAILED: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** Bad input, a file problem, a wrong passphrase: nothing was changed. */
  ERROR: 3,
} as const;

/** An error the CLI reports with a code and an exit status. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT.ERROR,
  ) {
    super(message);
  }
}

/** Turns anything thrown into `{ code, message, exitCode }` without a stack trace. */
export function describeError(e: unknown): { code: string; message: string; exitCode: number } {
  if (e instanceof CliError) return { code: e.code, message: e.message, exitCode: e.exitCode };
  if (NodeIdError.isInstance(e)) {
    const usage = e.code === 'ERR_INVALID_ARGUMENT';
    return { code: e.code, message: e.message, exitCode: usage ? EXIT.USAGE : EXIT.ERROR };
  }
  if (
    e &&
    typeof e === 'object' &&
    'code' in e &&
    typeof (e as { code: unknown }).code === 'string'
  ) {
    const err = e as { code: string; message?: string };
    if (err.code.startsWith('ERR_STORE'))
      return { code: err.code, message: err.message ?? err.code, exitCode: EXIT.ERROR };
    return { code: 'ERR_FILE_IO', message: err.message ?? String(e), exitCode: EXIT.ERROR };
  }
  return {
    code: 'ERR_INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    exitCode: EXIT.ERROR,
  };
}

/** Prints an error the house way and sets the process exit code. */
export function reportError(e: unknown): void {
  const { code, message, exitCode } = describeError(e);
  process.stderr.write(`error: ${message} (${code})\n`);
  process.exitCode = exitCode;
}
