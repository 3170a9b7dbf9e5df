/** `nodeid cert revoke <serial|cert-file>`: mark a certificate revoked in the inventory. */
import { parseCertificate } from '@nodeid/sdk';
import { openInventory, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { exists, readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';

const REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
] as const;

interface Args extends CaDirArgs {
  target: string;
  reason: (typeof REASONS)[number];
}

export const certRevokeCommand = defineCommand<Args>({
  command: 'revoke <target>',
  describe: 'revoke a certificate by serial number or file; publish it with "nodeid crl create"',
  builder: (y) =>
    withCaDir(y)
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe: 'serial number (hex) or certificate file',
      })
      .option('reason', {
        choices: REASONS,
        default: 'unspecified' as const,
        describe: 'CRL reason code',
      })
      .example('$0 cert revoke node2.crt --reason keyCompromise', 'by file')
      .example(
        '$0 cert revoke 5df3996bd0a445a3a98ba09559f4fc8e',
        'by serial, as "nodeid cert list" shows it',
      )
      .epilog(
        exitCodes({
          0: 'revoked (or already revoked)',
          3: 'unknown serial, unreadable file or inventory',
        }),
      ),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    await readCaConfig(dir);
    let serial = args.target.toLowerCase().replace(/:/g, '');
    if (await exists(args.target))
      serial = parseCertificate(await readPemOrDer(args.target)).serialNumber;
    else if (!/^[0-9a-f]+$/.test(serial))
      throw new CliError(
        'ERR_USAGE',
        `"${args.target}" is neither a file nor a hex serial number`,
        EXIT.USAGE,
      );
    const store = await openInventory(dir);
    try {
      const record = await store.revokeCertificate(serial, {
        reason: args.reason,
        revokedAt: new Date(),
      });
      const already = record.alreadyRevoked;
      if (!already)
        await store.appendAudit({
          at: new Date(),
          action: 'certificate.revoke',
          serialNumber: record.serialNumber,
          detail: { reason: args.reason },
        });
      const result = {
        serialNumber: record.serialNumber,
        subject: record.subject,
        revokedAt: record.revokedAt,
        reason: record.revocationReason,
        alreadyRevoked: already,
      };
      if (args.format === 'json') printJson(result);
      else
        printText(
          `${already ? 'already revoked' : 'revoked'}: ${record.serialNumber} (${record.subject}); run "nodeid crl create" to publish the CRL`,
        );
    } finally {
      await store.close();
    }
    return EXIT.OK;
  }),
});
