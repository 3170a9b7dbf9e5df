/** The `nodeid crl` command group. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { crlCreateCommand } from './create.js';

export const crlCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'crl <command>',
  describe: 'publish certificate revocation lists',
  builder: (y) => y.command(crlCreateCommand).demandCommand(1, 'name a crl command: create'),
  handler: () => {},
};
