/** The `nodeid token` command group: one-time enrollment tokens on a nodeid-server. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { tokenCreateCommand } from './create.js';

export const tokenCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'token <command>',
  describe: 'one-time enrollment tokens from a nodeid-server (admin side)',
  builder: (y) => y.command(tokenCreateCommand).demandCommand(1, 'name a token command: create'),
  handler: () => {},
};
