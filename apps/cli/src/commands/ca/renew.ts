/**
 * `nodeid ca renew`: a new copy of the root CA certificate with the same key, name and key
 * identifier and a new not-after (the SDK's `renewCa`). The current certificate is kept as a
 * backup (`ca.crt.<time>.bak`) before the new one replaces it; during a rotation the trust bundle
 * gets the renewed copy too. Issued certificates need nothing: they verify under either copy.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectCertificate, parseCertificates, renewCa } from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { openInventory } from '../../lib/ca-folder.js';
import { type CaKeyArgs, openRootFolder, withCaKey } from '../../lib/ca-options.js';
import { fileStamp, nextSteps, sameBytes, unlockCa } from '../../lib/ca-rotation.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaKeyArgs {
  days: number;
}

export const caRenewCommand = defineCommand<Args>({
  command: 'renew',
  describe: 'renew the CA certificate: same key and name, new not-after (the old one is kept)',
  builder: (y) =>
    withCaKey(y)
      .option('days', {
        type: 'number',
        default: 3650,
        describe: 'lifetime of the renewed CA certificate, in days from now',
      })
      .example('$0 ca renew --dir ./ca --passphrase-file pass.txt', 'ten more years')
      .example('$0 ca renew --days 1825 --format json', 'five years, as JSON')
      .epilog(
        exitCodes({
          0: 'renewed; the previous certificate was kept as a backup',
          2: 'bad arguments, or no passphrase given',
          3: 'not a root CA folder, wrong passphrase, or a file could not be written (nothing was changed)',
        }),
      ),
  handler: action(async (args) => {
    const { dir, config } = await openRootFolder(args, 'renew');
    const now = new Date();
    const { issuer } = await unlockCa(dir, config, {
      passphraseFile: args.passphraseFile,
      allowExpired: true,
    });
    const old = issuer.certificate;
    const { certificate, warnings } = await renewCa({ ca: issuer, days: args.days, now });
    const certPath = join(dir, config.certificateFile);
    const backup = `${config.certificateFile}.${fileStamp(now)}.bak`;
    // first the backup (never over an existing file), then the new certificate in place
    await writeBundle(dir, [
      { path: backup, contents: await readFile(certPath, 'utf8'), mode: 0o644 },
    ]);
    const files = [{ path: config.certificateFile, contents: certificate.pem, mode: 0o644 }];
    // during a rotation the bundle lists this CA: its entry becomes the renewed copy
    if (config.bundleFile) {
      const bundle = parseCertificates(await readFile(join(dir, config.bundleFile), 'utf8'));
      // the entry that is the current certificate (not a cross certificate of the same key)
      const updated = bundle.map((c) => (sameBytes(c.der, old.der) ? certificate : c));
      files.push({
        path: config.bundleFile,
        contents: updated.map((c) => c.pem).join(''),
        mode: 0o644,
      });
    }
    const written = await writeBundle(dir, files, { force: true });
    const store = await openInventory(dir);
    await store.appendAudit({
      at: now,
      action: 'ca.renew',
      detail: {
        subject: certificate.subject.text,
        serialNumber: certificate.serialNumber,
        replaces: old.serialNumber,
        notAfter: certificate.notAfter.toISOString(),
      },
    });
    await store.close();
    const info = await inspectCertificate(certificate);
    const bundlePath = join(dir, config.bundleFile ?? config.certificateFile);
    const result = {
      dir,
      certificate: certPath,
      backup: join(dir, backup),
      bundle: config.bundleFile ? join(dir, config.bundleFile) : undefined,
      subject: info.subject.text,
      serialNumber: certificate.serialNumber,
      previousNotAfter: old.notAfter.toISOString(),
      notAfter: certificate.notAfter.toISOString(),
      fingerprintSha256: info.fingerprints.sha256,
      next: nextSteps(dir, bundlePath, false),
      warnings: [...warnings, ...written.warnings],
    };
    if (args.format === 'json') printJson(result);
    else
      printText(
        [
          `Renewed the CA certificate in ${dir} (same key and name)`,
          `  certificate  ${certPath}`,
          `  valid until  ${result.notAfter} (was ${result.previousNotAfter})`,
          `  backup       ${result.backup} (the previous certificate)`,
          ...(result.bundle ? [`  bundle       ${result.bundle} (updated)`] : []),
          `  SHA-256      ${result.fingerprintSha256}`,
          'Next:',
          ...result.next.map((s) => `  - ${s}`),
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    return EXIT.OK;
  }),
});
