/** `nodeid cert list`: the CA's inventory of issued certificates. */
import { parseDuration } from '@nodeid/sdk';
import { openInventory, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs, withCaDir } from '../../lib/command.js';
import { printJson, printText, relativeTime, table } from '../../lib/output.js';

interface Args extends GlobalArgs {
  dir?: string;
  expiring?: string;
  revoked: boolean;
  name?: string;
}

export const certListCommand = defineCommand<Args>({
  command: 'list',
  describe: 'list the certificates the CA has issued',
  builder: (y) =>
    withCaDir(y)
      .option('expiring', {
        type: 'string',
        describe: 'only valid certificates that expire within this time, e.g. 30d',
      })
      .option('revoked', { type: 'boolean', default: false, describe: 'only revoked certificates' })
      .option('name', { type: 'string', describe: 'only certificates carrying this name' })
      .example('$0 cert list --expiring 30d', 'what to renew this month')
      .example('$0 cert list --revoked --format json', 'revoked certificates as JSON')
      .epilog(exitCodes({ 0: 'listed', 3: 'not a CA folder, or its inventory cannot be read' })),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    await readCaConfig(dir);
    const store = await openInventory(dir);
    const now = new Date();
    try {
      const records = await store.listCertificates({
        ...(args.revoked ? { status: 'revoked' as const } : {}),
        ...(args.expiring
          ? {
              status: 'valid' as const,
              expiringBefore: new Date(now.getTime() + parseDuration(args.expiring)),
            }
          : {}),
        ...(args.name ? { name: args.name } : {}),
        now,
      });
      if (args.format === 'json') printJson(records.map(({ pem: _pem, ...r }) => r));
      else if (records.length === 0) printText('no certificate matches');
      else
        printText(
          table(
            ['SERIAL', 'SUBJECT', 'NAMES', 'NOT AFTER', 'LEFT', 'STATUS'],
            records.map((r) => [
              r.serialNumber,
              r.subject,
              r.names.join(','),
              r.notAfter.toISOString(),
              relativeTime(r.notAfter.getTime() - now.getTime()),
              r.status,
            ]),
          ),
        );
    } finally {
      await store.close();
    }
    return EXIT.OK;
  }),
});
