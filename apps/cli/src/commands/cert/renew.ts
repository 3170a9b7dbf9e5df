/** `nodeid cert renew <cert>`: re-issue with the same names, written atomically over the old files. */
import { basename, dirname, resolve } from 'node:path';
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  issueIdentity,
  keyAlgorithmOf,
  parseCertificates,
  renewalRequestOf,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { certificateRecordOf } from '@nodeid/store';
import { type CaKeyArgs, loadCaOf, withCaKey } from '../../lib/ca-options.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { readInput, readPemOrDer } from '../../lib/files.js';
import { certificateNames } from '../../lib/issue-one.js';
import { printJson, printText } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';

interface Args extends CaKeyArgs {
  cert: string;
  key?: string;
  keyPassphraseFile?: string;
  rekey: boolean;
  days?: number;
}

export const certRenewCommand = defineCommand<Args>({
  command: 'renew <cert>',
  describe:
    'renew a certificate from the local CA with the same names (and the same key unless --rekey)',
  builder: (y) =>
    withCaKey(y)
      .positional('cert', {
        type: 'string',
        demandOption: true,
        describe: 'the certificate file to replace',
      })
      .option('key', {
        type: 'string',
        describe: 'its key file (default: the certificate path with .key)',
      })
      .option('key-passphrase-file', {
        type: 'string',
        describe: 'passphrase of an encrypted key (kept encrypted)',
      })
      .option('rekey', {
        type: 'boolean',
        default: false,
        describe: 'make a new key too (written over the old key file)',
      })
      .option('days', {
        type: 'number',
        describe:
          'lifetime in days (default: the lifetime of the certificate being renewed, never past the CA)',
      })
      .example('$0 cert renew node1/node1.example.net.crt', 'same key, new certificate')
      .example(
        '$0 cert needs-renewal n.crt && $0 cert renew n.crt --rekey',
        'renew with a fresh key when due',
      )
      .epilog(
        exitCodes({
          0: 'renewed; the old files were replaced atomically',
          2: 'bad arguments',
          3: 'nothing changed: unreadable files, wrong key, CA problem',
        }),
      ),
  handler: action(async (args) => {
    const certPath = resolve(args.cert);
    const keyPath = resolve(args.key ?? certPath.replace(/\.(crt|pem|cer)$/, '') + '.key');
    const [old] = parseCertificates(await readPemOrDer(certPath));
    const keyPassphrase = args.keyPassphraseFile
      ? await readPassphrase({ passphraseFile: args.keyPassphraseFile })
      : undefined;
    const keyText = Buffer.from(await readInput(keyPath)).toString('utf8');
    const oldKeys = await importPrivateKeyPem(keyText, {
      passphrase: keyPassphrase,
      extractable: true,
    });
    const ca = await loadCaOf(args);
    try {
      // the SDK's reading of the certificate: same names, CN, profile and lifetime
      const wanted = renewalRequestOf(old!);
      const profile = wanted.profile;
      const keyPair = args.rekey
        ? await generateKeyPair({ algorithm: keyAlgorithmOf(oldKeys.publicKey), extractable: true })
        : oldKeys;
      const identity = await issueIdentity({
        ca: ca.issuer,
        profile,
        name: wanted.name,
        clusterName: wanted.clusterName,
        // every SAN again (the profile's own names are not repeated: issuance de-duplicates)
        dns: wanted.dns,
        ips: wanted.ips,
        uris: wanted.uris,
        emails: wanted.emails,
        keyPair,
        days: args.days ?? wanted.lifetimeDays,
      });
      const cert = identity.certificate;
      await ca.store.recordCertificate(certificateRecordOf(cert, { profile, issuedBy: 'cli' }));
      // the old certificate is superseded by its renewal (not revoked: it stays out of the CRL);
      // one the inventory never had, or already superseded or revoked, is left as it is
      const before = await ca.store.getCertificate(old!.serialNumber);
      if (before?.status === 'valid' || before?.status === 'expired')
        await ca.store.markSuperseded(old!.serialNumber, cert.serialNumber);
      await ca.store.appendAudit({
        at: new Date(),
        action: 'certificate.renew',
        serialNumber: cert.serialNumber,
        detail: { replaces: old!.serialNumber, rekey: args.rekey },
      });
      const chainPem = [cert, ...identity.chain.slice(0, -1)].map((c) => c.pem).join('');
      const files = [{ path: basename(certPath), contents: chainPem, mode: 0o644 }];
      if (args.rekey)
        files.push({
          path: basename(keyPath),
          contents: await exportPrivateKeyPem(
            keyPair.privateKey,
            keyPassphrase ? { passphrase: keyPassphrase } : {},
          ),
          mode: 0o600,
        });
      if (dirname(keyPath) !== dirname(certPath) && args.rekey) {
        await writeBundle(dirname(keyPath), [files.pop()!], { force: true, fixDirMode: false });
      }
      await writeBundle(dirname(certPath), files, { force: true, fixDirMode: false });
      const result = {
        file: certPath,
        key: keyPath,
        rekeyed: args.rekey,
        serialNumber: cert.serialNumber,
        replaces: old!.serialNumber,
        names: certificateNames(identity),
        notAfter: cert.notAfter.toISOString(),
        warnings: identity.warnings,
      };
      if (args.format === 'json') printJson(result);
      else
        printText(
          [
            `renewed ${certPath}${args.rekey ? ` and ${keyPath} (new key)` : ''}`,
            `  serial ${result.serialNumber} (was ${result.replaces}), until ${result.notAfter}`,
            `  names ${result.names.join(', ')}`,
            ...result.warnings.map((w) => `warning: ${w}`),
          ].join('\n'),
        );
    } finally {
      await ca.store.close();
    }
    return EXIT.OK;
  }),
});
