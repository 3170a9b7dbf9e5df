/** The `nodeid ca` command group. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { caImportCommand } from './import.js';
import { caInitCommand } from './init.js';
import { caSetCrlUrlCommand } from './set-crl-url.js';
import { caShowCommand } from './show.js';
import { caSignCommand } from './sign.js';

export const caCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ca <command>',
  describe: 'create and show the cluster CA',
  builder: (y) =>
    y
      .command(caInitCommand)
      .command(caShowCommand)
      .command(caSignCommand)
      .command(caImportCommand)
      .command(caSetCrlUrlCommand)
      .demandCommand(1, 'name a ca command: init, show, sign, import or set-crl-url'),
  handler: () => {},
};
