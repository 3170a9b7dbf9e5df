/** The `nodeid ca` command group. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { caInitCommand } from './init.js';
import { caShowCommand } from './show.js';

export const caCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ca <command>',
  describe: 'create and show the cluster CA',
  builder: (y) =>
    y
      .command(caInitCommand)
      .command(caShowCommand)
      .demandCommand(1, 'name a ca command: init or show'),
  handler: () => {},
};
