/**
 * `nodeid ca rotate`: a new CA key (RFC 4210 §4.4 root CA key update, the SDK's `rotateCa`).
 * The folder keeps the old root as `ca-old.crt`/`ca-old.key` (the key exactly as it was, still
 * encrypted), writes the cross certificates `ca-new-by-old.crt` (NewWithOld) and
 * `ca-old-by-new.crt` (OldWithNew) and the trust bundle `ca-bundle.crt` (new root, then old),
 * and puts the new root and key (encrypted with the same passphrase) at `ca.crt`/`ca.key`, so
 * everything that issues from the folder uses the new key from then on. Nothing is overwritten
 * but `ca.crt`, `ca.key`, `nodeid.json` and an earlier, retired bundle.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  exportPrivateKeyPem,
  inspectCertificate,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  rotateCa,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { type CaConfig, CONFIG_FILE, openInventory } from '../../lib/ca-folder.js';
import { type CaKeyArgs, openRootFolder, withCaKey } from '../../lib/ca-options.js';
import { BUNDLE_FILE, nextSteps, unlockCa, withSuffix } from '../../lib/ca-rotation.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaKeyArgs {
  days: number;
  algorithm?: KeyAlgorithm;
}

export const caRotateCommand = defineCommand<Args>({
  command: 'rotate',
  describe:
    'give the CA a new key: cross-sign old and new both ways, write the trust bundle, issue from the new key',
  builder: (y) =>
    withCaKey(y)
      .option('days', {
        type: 'number',
        default: 3650,
        describe: 'lifetime of the new CA certificate, in days',
      })
      .option('algorithm', {
        choices: KEY_ALGORITHMS as KeyAlgorithm[],
        describe: "algorithm of the new key (default: the current key's)",
      })
      .example('$0 ca rotate --dir ./ca --passphrase-file pass.txt', 'a new P-256 key')
      .example('$0 ca rotate --algorithm P-384 --format json', 'a new P-384 key, as JSON')
      .epilog(
        [
          'FILES (in the CA folder)',
          '  ca.crt, ca.key          the new root and key: issuance uses them from now on',
          '  ca-old.crt, ca-old.key  the old root and key, as they were',
          '  ca-new-by-old.crt       the new key certified by the old one (RFC 4210 NewWithOld)',
          '  ca-old-by-new.crt       the old key certified by the new one (RFC 4210 OldWithNew)',
          '  ca-bundle.crt           what nodes trust during the overlap: new root, old root and the',
          '                          two cross certificates (agents accept the bundle through them)',
          '',
          exitCodes({
            0: 'rotated',
            2: 'bad arguments, or no passphrase given',
            3: 'not a root CA folder, a rotation not yet retired (ca retire-old), the CA expired (ca renew first), or a file could not be written (nothing was changed)',
          }),
        ].join('\n'),
      ),
  handler: action(async (args) => {
    const { dir, config } = await openRootFolder(args, 'rotate');
    if (config.previous)
      throw new CliError(
        'ERR_ROTATION_PENDING',
        `${dir} is still in the rotation of ${config.previous.rotatedAt}: retire the old key first with \`nodeid ca retire-old --dir ${dir}\``,
      );
    const now = new Date();
    const { issuer, passphrase } = await unlockCa(dir, config, {
      passphraseFile: args.passphraseFile,
    });
    const rotated = await rotateCa({ ca: issuer, algorithm: args.algorithm, days: args.days, now });
    const oldKeyPem = await readFile(join(dir, config.keyFile), 'utf8');
    const newKeyPem = await exportPrivateKeyPem(
      rotated.ca.privateKey,
      passphrase ? { passphrase } : {},
    );
    const previous: NonNullable<CaConfig['previous']> = {
      certificateFile: withSuffix(config.certificateFile, 'old'),
      keyFile: withSuffix(config.keyFile, 'old'),
      keyEncrypted: config.keyEncrypted,
      newWithOldFile: withSuffix(config.certificateFile, 'new-by-old'),
      oldWithNewFile: withSuffix(config.certificateFile, 'old-by-new'),
      rotatedAt: now.toISOString(),
    };
    const bundleFile = config.bundleFile ?? BUNDLE_FILE;
    // 1. the old CA and the cross certificates, next to it; any of them already there stops
    //    everything before a byte is written
    await writeBundle(dir, [
      { path: previous.certificateFile, contents: issuer.certificate.pem, mode: 0o644 },
      { path: previous.keyFile, contents: oldKeyPem, mode: 0o600 },
      { path: previous.newWithOldFile, contents: rotated.newWithOld.pem, mode: 0o644 },
      { path: previous.oldWithNewFile, contents: rotated.oldWithNew.pem, mode: 0o644 },
    ]);
    // 2. the switch: bundle, new root and key, and the description saying so
    const next: CaConfig = {
      ...config,
      keyEncrypted: Boolean(passphrase),
      bundleFile,
      previous,
    };
    const written = await writeBundle(
      dir,
      [
        {
          path: bundleFile,
          contents: rotated.bundle.map((c) => c.pem).join(''),
          mode: 0o644,
        },
        { path: config.certificateFile, contents: rotated.ca.certificate.pem, mode: 0o644 },
        { path: config.keyFile, contents: newKeyPem, mode: 0o600 },
        { path: CONFIG_FILE, contents: `${JSON.stringify(next, null, 2)}\n`, mode: 0o644 },
      ],
      { force: true },
    );
    const store = await openInventory(dir);
    await store.appendAudit({
      at: now,
      action: 'ca.rotate',
      detail: {
        subject: rotated.ca.certificate.subject.text,
        serialNumber: rotated.ca.certificate.serialNumber,
        replaces: issuer.certificate.serialNumber,
        algorithm: rotated.ca.algorithm,
      },
    });
    await store.close();
    const [fresh, oldInfo] = await Promise.all([
      inspectCertificate(rotated.ca.certificate),
      inspectCertificate(issuer.certificate),
    ]);
    const bundlePath = join(dir, bundleFile);
    const result = {
      dir,
      certificate: join(dir, config.certificateFile),
      key: join(dir, config.keyFile),
      keyEncrypted: Boolean(passphrase),
      algorithm: rotated.ca.algorithm,
      subject: fresh.subject.text,
      notAfter: fresh.notAfter,
      fingerprintSha256: fresh.fingerprints.sha256,
      old: {
        certificate: join(dir, previous.certificateFile),
        key: join(dir, previous.keyFile),
        notAfter: oldInfo.notAfter,
        fingerprintSha256: oldInfo.fingerprints.sha256,
      },
      newWithOld: join(dir, previous.newWithOldFile),
      oldWithNew: join(dir, previous.oldWithNewFile),
      bundle: bundlePath,
      next: nextSteps(dir, bundlePath, true),
      warnings: [...rotated.warnings, ...written.warnings],
    };
    if (args.format === 'json') printJson(result);
    else
      printText(
        [
          `Rotated the CA key in ${dir}; new certificates are issued from the new key`,
          `  new root     ${result.certificate} (${result.algorithm}, valid until ${result.notAfter})`,
          `  new key      ${result.key} (0600, ${result.keyEncrypted ? 'encrypted' : 'NOT encrypted'})`,
          `  SHA-256      ${result.fingerprintSha256}`,
          `  old root     ${result.old.certificate} (valid until ${result.old.notAfter}), key ${result.old.key}`,
          `  cross        ${result.newWithOld} (new by old), ${result.oldWithNew} (old by new)`,
          `  bundle       ${bundlePath} (new root, old root, both cross certificates)`,
          'Next:',
          ...result.next.map((s) => `  - ${s}`),
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    return EXIT.OK;
  }),
});
