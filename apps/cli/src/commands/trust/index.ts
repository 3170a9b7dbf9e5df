/** The `nodeid trust` command group: the cluster CA in the operating system's trust store. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { trustInstallCommand } from './install.js';
import { trustUninstallCommand } from './uninstall.js';

export const trustCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'trust <command>',
  describe: 'add the cluster CA to the system trust store, or remove it',
  builder: (y) =>
    y
      .command(trustInstallCommand)
      .command(trustUninstallCommand)
      .demandCommand(1, 'name a trust command: install or uninstall'),
  handler: () => {},
};
