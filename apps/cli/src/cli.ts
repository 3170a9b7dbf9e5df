/**
 * The `nodeid` command line: every manual certificate procedure of a cluster admin as one
 * command. It holds I/O, prompts and formatting; all logic is in @nodeid/sdk.
 */
import { readFileSync } from 'node:fs';
import { NodeIdError } from '@nodeid/sdk';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CliError, EXIT, reportError } from './lib/cli-error.js';
import { loadGroupsFor } from './lib/command-groups.js';
import { STDIN_PATH } from './lib/files.js';

/** The CLI's version, from its package.json (next to dist/ when built and when installed). */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The reader of our output went away (`nodeid … | head`): stop quietly, as a command killed by
 * SIGPIPE does, with the exit status a shell reports for it (128 + 13), instead of a stack trace.
 * Work already committed stays (bulk issuance is safe to stop at any point).
 */
function quitOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}
quitOnClosedPipe(process.stdout);
quitOnClosedPipe(process.stderr);

/**
 * yargs renders the help text of every command it runs and keeps it for a failure message
 * (`cacheHelpMessage`), which costs about 50 ms at each start; nodeid's `.fail()` never prints
 * help (the message says `see --help`), so the text is not made. `--help` itself is unaffected.
 */
function skipHelpCache(cli: ReturnType<typeof yargs>): void {
  const usage = (
    cli as unknown as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
    }
  )
    .getInternalMethods?.()
    .getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * A flag that takes one value, given twice (`--out a --out b`), is a usage error: yargs would
 * pass the command an array where it expects a string (the handler then failed with a TypeError
 * about "paths[0]"), and taking either value silently is a guess. Repeatable flags are declared
 * `type: 'array'` and are not affected.
 */
function flagsGivenOnce(
  argv: Record<string, unknown>,
  options: { array?: string[]; alias?: Record<string, string[]> },
): true {
  const repeatable = new Set(options.array ?? []);
  for (const name of options.array ?? [])
    for (const alias of options.alias?.[name] ?? []) repeatable.add(alias);
  const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const [key, value] of Object.entries(argv))
    if (
      key !== '_' &&
      Array.isArray(value) &&
      value.length > 1 &&
      !repeatable.has(key) &&
      !repeatable.has(kebab(key))
    )
      throw new CliError(
        'ERR_USAGE',
        `--${key} was given ${value.length} times; give it once`,
        EXIT.USAGE,
      );
  return true;
}

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv.map((a) => (a === '-' ? STDIN_PATH : a)));
  skipHelpCache(cli);
  for (const group of await loadGroupsFor(argv)) cli.command(group);
  await cli
    .scriptName('nodeid')
    .usage('$0 <group> <command> [options]\n\nTLS identities for every machine in a cluster.')
    .option('format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      global: true,
      describe: 'output format',
    })
    .completion(
      'completion',
      'print a bash/zsh completion script (source it from your shell profile)',
    )
    .check(flagsGivenOnce, true)
    .demandCommand(1, 'name a command group, e.g. nodeid ca init my.cluster')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version('version', 'print the version of nodeid', version())
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      // usage problems (unknown flags, bad choices, a failed .check()) stop here, before any
      // handler runs; handlers report their own errors through action()
      if (error instanceof CliError || NodeIdError.isInstance(error)) throw error;
      const text = error?.message ?? message;
      throw new CliError('ERR_USAGE', `${text.replace(/\s*\n\s*/g, ' ')}; see --help`, EXIT.USAGE);
    })
    .parseAsync();
}

main(hideBin(process.argv)).catch(reportError);
