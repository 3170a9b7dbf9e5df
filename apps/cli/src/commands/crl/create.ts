/** `nodeid crl create`: sign and write the CA's certificate revocation list. */
import { basename, dirname, join, resolve } from 'node:path';
import { createCrl, parseDuration } from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { loadCa, resolveCaDir } from '../../lib/ca-folder.js';
import { EXIT } from '../../lib/cli-error.js';
import {
  action,
  defineCommand,
  exitCodes,
  type GlobalArgs,
  withCaDir,
  withPassphrase,
} from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends GlobalArgs {
  dir?: string;
  passphraseFile?: string;
  out?: string;
  days: number;
}

type Reason = Parameters<typeof createCrl>[0]['entries'][number]['reason'];

export const crlCreateCommand = defineCommand<Args>({
  command: 'create',
  describe: 'sign a CRL listing every revoked certificate of the inventory',
  builder: (y) =>
    withPassphrase(withCaDir(y))
      .option('out', {
        type: 'string',
        describe: 'CRL file (default <CA folder>/ca.crl); replaced atomically',
      })
      .option('days', { type: 'number', default: 7, describe: 'days until the next update' })
      .example('$0 crl create --out /srv/pki/ca.crl', 'publish where nodes fetch it')
      .epilog(exitCodes({ 0: 'written', 3: 'CA, inventory or file problem' })),
  handler: action(async (args) => {
    const ca = await loadCa(resolveCaDir(args.dir), { passphraseFile: args.passphraseFile });
    try {
      const revoked = await ca.store.listRevocations();
      const crlNumber = await ca.store.nextCrlNumber();
      const now = new Date();
      const { pem, crl } = await createCrl({
        issuer: ca.issuer,
        entries: revoked.map((r) => ({
          serialNumber: r.serialNumber,
          revokedAt: r.revokedAt,
          reason: r.reason as Reason,
        })),
        crlNumber,
        now,
        nextUpdate: new Date(now.getTime() + parseDuration(`${args.days}d`)),
      });
      const out = resolve(args.out ?? join(ca.dir, 'ca.crl'));
      await writeBundle(dirname(out), [{ path: basename(out), contents: pem, mode: 0o644 }], {
        force: true,
        fixDirMode: false,
      });
      await ca.store.appendAudit({
        at: now,
        action: 'crl.create',
        detail: { crlNumber: crlNumber.toString(), entries: revoked.length },
      });
      const result = {
        file: out,
        crlNumber: crlNumber.toString(),
        revoked: revoked.length,
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate?.toISOString(),
      };
      if (args.format === 'json') printJson(result);
      else
        printText(
          `wrote ${out}: CRL number ${result.crlNumber}, ${result.revoked} revoked, next update ${result.nextUpdate}`,
        );
    } finally {
      await ca.store.close();
    }
    return EXIT.OK;
  }),
});
