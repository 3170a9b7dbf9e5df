/**
 * The command groups of the CLI (and its top-level commands), each loaded only when a command
 * line may use it, so that a command compiles its own group's modules and not those of the nine
 * others (nor the HTTP and TLS modules only some of them need).
 */
import type { CommandModule } from 'yargs';

/** Each group's name and the loader of its command module, in the order help lists them. */
// biome-ignore lint/suspicious/noExplicitAny: each group declares its own arguments
export const COMMANDS: [string, () => Promise<CommandModule<any, any>>][] = [
  ['ca', async () => (await import('../commands/ca/index.js')).caCommand],
  ['cert', async () => (await import('../commands/cert/index.js')).certCommand],
  ['crl', async () => (await import('../commands/crl/index.js')).crlCommand],
  ['csr', async () => (await import('../commands/csr/index.js')).csrCommand],
  ['expiry', async () => (await import('../commands/expiry/index.js')).expiryCommand],
  ['fleet', async () => (await import('../commands/fleet/index.js')).fleetCommand],
  ['trust', async () => (await import('../commands/trust/index.js')).trustCommand],
  ['token', async () => (await import('../commands/token/index.js')).tokenCommand],
  ['enroll', async () => (await import('../commands/enroll.js')).enrollCommand],
  ['agent', async () => (await import('../commands/agent.js')).agentCommand],
];

/**
 * The groups to load for `argv`: every group whose name appears in it (an option's value that
 * happens to be a group's name only loads one group more), or all of them when none does (help,
 * completion, a mistyped group that yargs then suggests a name for).
 */
export function groupsFor(argv: readonly string[]): string[] {
  const names = COMMANDS.map(([name]) => name);
  const named = names.filter((name) => argv.includes(name));
  return named.length > 0 ? named : names;
}

/** The command modules of {@link groupsFor}, loaded, in help's order. */
// biome-ignore lint/suspicious/noExplicitAny: each group declares its own arguments
export async function loadGroupsFor(argv: readonly string[]): Promise<CommandModule<any, any>[]> {
  const wanted = new Set(groupsFor(argv));
  return Promise.all(COMMANDS.filter(([name]) => wanted.has(name)).map(([, load]) => load()));
}
