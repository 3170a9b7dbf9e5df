/** Helpers every command uses: the shared options and the error-reporting wrapper. */
import type { Argv, CommandModule } from 'yargs';
import { reportError } from './cli-error.js';
import type { Format } from './output.js';

/** Options every command accepts. */
export interface GlobalArgs {
  format: Format;
}

/** Wraps a handler so any error is printed as one line and becomes the exit code. */
export function action<A>(
  fn: (args: A) => Promise<number | undefined>,
): (args: A) => Promise<void> {
  return async (args: A) => {
    try {
      const code = await fn(args);
      if (code !== undefined && code !== 0) process.exitCode = code;
    } catch (e) {
      reportError(e);
    }
  };
}

/** Text of an EXIT CODES section for --help. */
export function exitCodes(lines: Record<number, string>): string {
  return `EXIT CODES\n${Object.entries(lines)
    .map(([code, text]) => `  ${code}  ${text}`)
    .join('\n')}`;
}

/** Values of a repeatable option as a flat list (`--ip a --ip b`, or `--ip a,b`). */
export function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A command module. yargs' types cannot map kebab-case flags to a camelCase `Args`; this keeps the cast in one place. */
export interface CommandSpec<A> {
  command: string;
  describe: string;
  // biome-ignore lint/suspicious/noExplicitAny: yargs builders change the argument type as options are added
  builder: (y: Argv<GlobalArgs>) => Argv<any>;
  handler: (args: A) => void | Promise<void>;
}

/** Declares a command with its camelCase argument type. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandModule<GlobalArgs, A> {
  return spec as unknown as CommandModule<GlobalArgs, A>;
}
