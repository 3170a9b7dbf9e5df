/** The `nodeid fleet` command group: every node of the cluster at a glance, over TLS. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { fleetCheckCommand } from './check.js';

export const fleetCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'fleet <command>',
  describe: "connect to every node and show the certificate it serves, with AIStore's alerts",
  builder: (y) =>
    y
      .command(fleetCheckCommand as unknown as CommandModule<GlobalArgs, GlobalArgs>)
      .demandCommand(1, 'name a fleet command: check'),
  handler: () => {},
};
