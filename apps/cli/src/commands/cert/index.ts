/** The `nodeid cert` command group. */
import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../../lib/command.js';
import { certInspectCommand } from './inspect.js';
import { certIssueCommand } from './issue.js';
import { certListCommand } from './list.js';
import { certNeedsRenewalCommand } from './needs-renewal.js';
import { certRenewCommand } from './renew.js';
import { certRevokeCommand } from './revoke.js';
import { certVerifyCommand } from './verify.js';

export const certCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'cert <command>',
  describe: 'issue, inspect, verify, renew, list and revoke certificates',
  builder: (y) =>
    y
      .command(certIssueCommand)
      .command(certInspectCommand)
      .command(certVerifyCommand)
      .command(certNeedsRenewalCommand)
      .command(certRenewCommand)
      .command(certListCommand)
      .command(certRevokeCommand)
      .demandCommand(1, 'name a cert command'),
  handler: () => {},
};
