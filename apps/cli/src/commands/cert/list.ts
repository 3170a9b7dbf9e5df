/** `nodeid cert list`: the CA's inventory of issued certificates. */
import { parseDuration } from '@nodeid/sdk';
import {
  CERTIFICATE_STATUSES,
  type CertificateRecord,
  type CertificateStatus,
} from '@nodeid/store';
import { openInventory, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText, relativeTime, table } from '../../lib/output.js';

interface Args extends CaDirArgs {
  expiring?: string;
  revoked?: boolean;
  status?: CertificateStatus;
  name?: string;
}

/** The STATUS column: a superseded certificate names its renewal. */
function statusText(r: CertificateRecord): string {
  return r.status === 'superseded' && r.supersededBy ? `superseded by ${r.supersededBy}` : r.status;
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
      .option('revoked', { type: 'boolean', describe: 'only revoked certificates' })
      .option('status', {
        choices: CERTIFICATE_STATUSES,
        describe:
          'only certificates in this status (superseded: renewed, not revoked, not in the CRL)',
      })
      .option('name', {
        type: 'string',
        describe:
          'only certificates carrying this name: a bare name matches any type (node1.example.net, 10.0.0.1), a typed one only its type (DNS:node1)',
      })
      .conflicts('revoked', 'status')
      .conflicts('expiring', 'status')
      .example('$0 cert list --name node1.example.net', 'every certificate issued for node1')
      .example('$0 cert list --status superseded', 'certificates replaced by a renewal')
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
        ...(args.status ? { status: args.status } : {}),
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
              statusText(r),
            ]),
          ),
        );
    } finally {
      await store.close();
    }
    return EXIT.OK;
  }),
});
