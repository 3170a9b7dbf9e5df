/** The `nodeid expiry` command group: find certificates that are about to take a cluster down. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { expiryCheckCommand } from './check.js';
import { expiryWatchCommand } from './watch.js';

export const expiryCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'expiry <command>',
  describe: 'check and watch certificate files for expiry',
  builder: (y) =>
    y
      .command(expiryCheckCommand as unknown as CommandModule<GlobalArgs, GlobalArgs>)
      .command(expiryWatchCommand)
      .demandCommand(1, 'name an expiry command: check or watch'),
  handler: () => {},
};
