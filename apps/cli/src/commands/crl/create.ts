/** `nodeid crl create`: sign and write the CA's certificate revocation list. */
import { basename, dirname, join, resolve } from 'node:path';
import { type CrlReason, createCrlsByIssuer, parseDuration } from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { type CaKeyArgs, loadCaOf, withCaKey } from '../../lib/ca-options.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaKeyArgs {
  out?: string;
  days: number;
  refreshScheduled: boolean;
}

export const crlCreateCommand = defineCommand<Args>({
  command: 'create',
  describe: 'sign a CRL listing every revoked certificate of the inventory',
  builder: (y) =>
    withCaKey(y)
      .option('out', {
        type: 'string',
        describe:
          "CRL file (default <CA folder>/ca.crl); replaced atomically. During a rotation it holds two PEM CRLs: the new key's, then the old key's",
      })
      .option('days', { type: 'number', default: 7, describe: 'days until the next update' })
      .option('refresh-scheduled', {
        type: 'boolean',
        default: false,
        describe:
          'a timer re-runs this command before nextUpdate: do not warn that the CRL will lapse',
      })
      .example('$0 crl create --out /srv/pki/ca.crl', 'publish where nodes fetch it')
      .example(
        '$0 crl create --dir /media/root-ca --days 30 --out root.crl',
        "an offline root's CRL, to hand to nodeid-server --root-crl; re-make it before its next update",
      )
      .epilog(exitCodes({ 0: 'written', 3: 'CA, inventory or file problem' })),
  handler: action(async (args) => {
    const ca = await loadCaOf(args);
    try {
      const revoked = await ca.store.listRevocations();
      const crlNumber = await ca.store.nextCrlNumber();
      const now = new Date();
      // During a rotation the old key signs the CRL of the certificates it issued (by their
      // authorityKeyIdentifier) beside the new key's complete one (RFC 5280 §6.3.3 (f)); both
      // carry this one cRLNumber (a shared counter, monotonic for each key: §5.2.3).
      const issuers = ca.previous ? [ca.issuer, ca.previous] : [ca.issuer];
      const revocations = await Promise.all(
        revoked.map(async (r) => ({
          serialNumber: r.serialNumber,
          revokedAt: r.revokedAt,
          reason: r.reason as CrlReason | undefined,
          ...(ca.previous && {
            certificate: (await ca.store.getCertificate(r.serialNumber))?.pem,
          }),
        })),
      );
      const made = await createCrlsByIssuer({
        issuers,
        revocations,
        crlNumber,
        now,
        nextUpdate: new Date(now.getTime() + parseDuration(`${args.days}d`)),
      });
      const crl = made[0]!.crl;
      const pem = made.map((m) => m.pem).join('');
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
      // A CRL that passes its nextUpdate locks out every certificate of the CA at verifiers that
      // require CRLs (RFC 5280 §6.3.3 (a)(2)); an encrypted key means nothing re-signs it unattended.
      const warnings: string[] = [];
      if (ca.config.keyEncrypted && !args.refreshScheduled)
        warnings.push(
          `this CRL is valid until ${crl.nextUpdate?.toISOString()} (${args.days} days; the default is 7) and the CA key is encrypted, so nothing re-signs it unattended: run \`nodeid crl create --dir ${ca.dir}\` again before then (a timer with --passphrase-file, then pass --refresh-scheduled), or verifiers that require CRLs refuse every certificate of this CA. nodeid-server re-signs the CRL of the CA it serves by itself (every 3.5 days, valid 7); an offline root's CRL must be re-made by hand and given to the server again (--root-crl).`,
        );
      const result = {
        file: out,
        crlNumber: crlNumber.toString(),
        revoked: revoked.length,
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate?.toISOString(),
        crls: made.map((m) => ({
          issuer: m.crl.issuer.text,
          keyIdentifier: m.crl.authorityKeyIdentifier?.keyIdentifier
            ? Buffer.from(m.crl.authorityKeyIdentifier.keyIdentifier).toString('hex')
            : undefined,
          revoked: m.crl.entries.length,
        })),
        warnings,
      };
      if (args.format === 'json') printJson(result);
      else {
        printText(
          `wrote ${out}: CRL number ${result.crlNumber}, ${result.revoked} revoked, next update ${result.nextUpdate}${made.length > 1 ? ` (two CRLs until \`nodeid ca retire-old\`: the new key's listing all ${made[0]!.crl.entries.length}, the old key's the ${made[1]!.crl.entries.length} of its own certificates)` : ''}`,
        );
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      }
    } finally {
      await ca.store.close();
    }
    return EXIT.OK;
  }),
});
