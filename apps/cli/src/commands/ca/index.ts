/** The `nodeid ca` command group. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { caImportCommand } from './import.js';
import { caInitCommand } from './init.js';
import { caRenewCommand } from './renew.js';
import { caRetireOldCommand } from './retire-old.js';
import { caRotateCommand } from './rotate.js';
import { caSetCrlUrlCommand } from './set-crl-url.js';
import { caShowCommand } from './show.js';
import { caSignCommand } from './sign.js';

export const caCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ca <command>',
  describe: 'create, show, renew and rotate the cluster CA',
  builder: (y) =>
    y
      .command(caInitCommand)
      .command(caShowCommand)
      .command(caSignCommand)
      .command(caImportCommand)
      .command(caSetCrlUrlCommand)
      .command(caRenewCommand)
      .command(caRotateCommand)
      .command(caRetireOldCommand)
      .demandCommand(
        1,
        'name a ca command: init, show, sign, import, set-crl-url, renew, rotate or retire-old',
      ),
  handler: () => {},
};
