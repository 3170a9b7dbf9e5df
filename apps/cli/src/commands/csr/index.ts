/** The `nodeid csr` command group: certificate signing requests, made on the node and signed on the CA host. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { csrCreateCommand } from './create.js';
import { csrSignCommand } from './sign.js';

export const csrCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'csr <command>',
  describe: 'make a key and request on a node, sign the request on the CA host',
  builder: (y) =>
    y
      .command(csrCreateCommand)
      .command(csrSignCommand)
      .demandCommand(1, 'name a csr command: create or sign'),
  handler: () => {},
};
