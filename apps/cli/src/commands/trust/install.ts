/**
 * `nodeid trust install <ca.crt>`: make the cluster CA trusted by the operating system (curl,
 * OpenSSL, Python, Go and package managers read the system store), as ClusterWare asks of
 * diskful nodes that should authenticate the head node. Only a CA certificate is accepted.
 */
import { join, posix, resolve } from 'node:path';
import { type Certificate, expiryStatus, inspectCertificate, parseCertificates } from '@nodeid/sdk';
import type { Argv, CommandModule } from 'yargs';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';
import {
  anchorNameFor,
  detectTrustStore,
  fileError,
  nodeNote,
  runUpdate,
  type TrustOptions,
  updateCommandLine,
  withTrustOptions,
  writePublicFile,
} from '../../lib/trust-store.js';

interface Args extends GlobalArgs, TrustOptions {
  caCert: string;
  name?: string;
  force: boolean;
}

/** Checks that the file holds exactly one CA certificate still usable; refusals exit 1. */
function checkCa(path: string, certs: Certificate[]): { ca: Certificate; warnings: string[] } {
  if (certs.length !== 1) {
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} holds ${certs.length} certificates; give the CA certificate alone`,
      EXIT.FAILED,
    );
  }
  const ca = certs[0]!;
  if (!ca.basicConstraints?.ca) {
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} (${ca.subject.text}) is not a CA certificate (no basicConstraints CA:TRUE); only the cluster CA belongs in the trust store`,
      EXIT.FAILED,
    );
  }
  if (ca.keyUsage && !ca.keyUsage.includes('keyCertSign')) {
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} (${ca.subject.text}) may not sign certificates (its keyUsage lacks keyCertSign)`,
      EXIT.FAILED,
    );
  }
  const status = expiryStatus(ca);
  if (status.status === 'expired')
    throw new CliError('ERR_CA_EXPIRED', `refused: ${status.message}`, EXIT.FAILED);
  return { ca, warnings: status.status === 'valid' ? [] : [status.message] };
}

export const trustInstallCommand: CommandModule<GlobalArgs, Args> = {
  command: 'install <ca-cert>',
  describe: "add the cluster CA to the operating system's trust store",
  builder: (y) =>
    withTrustOptions(y)
      .positional('ca-cert', {
        type: 'string',
        demandOption: true,
        describe: 'the CA certificate (PEM or DER), e.g. ca.crt of the CA folder',
      })
      .option('name', {
        type: 'string',
        describe: 'file name in the trust store (default nodeid-<CA common name>.crt)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace a different certificate installed under the same name',
      })
      .example(
        'sudo $0 trust install ca.crt',
        'Debian/Ubuntu: /usr/local/share/ca-certificates + update-ca-certificates; RHEL/Fedora: /etc/pki/ca-trust/source/anchors + update-ca-trust extract',
      )
      .example('$0 trust install ca.crt --dry-run', 'print the exact steps, change nothing')
      .example(
        '$0 trust install ca.crt --root /mnt/image',
        'into an image being built; run the printed update command inside it',
      )
      .epilog(
        `Node.js never reads the system trust store: give Node programs the CA with NODE_EXTRA_CA_CERTS=<file>.\n\n${exitCodes({ 0: 'installed (or already installed, or --dry-run)', 1: 'refused: not a single, unexpired CA certificate, or another certificate has that name (--force)', 2: 'bad arguments', 3: 'an error: unreadable file, unknown system, no permission, the update command failed' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const root = resolve(args.root);
    const input = await readPemOrDer(args.caCert);
    const { ca, warnings } = checkCa(args.caCert, parseCertificates(input));
    const store = await detectTrustStore(root, args.caCert, args.system);
    const name = anchorNameFor(args.name, ca);
    const systemPath = posix.join(store.anchorDir, name);
    const hostDir = join(root, store.anchorDir);
    const hostPath = join(hostDir, name);

    let present: 'no' | 'same' | 'other' = 'no';
    const existing = await readPemOrDer(hostPath).catch(() => undefined);
    if (existing !== undefined) {
      let same = false;
      try {
        same = parseCertificates(existing).some((c) =>
          Buffer.from(c.der).equals(Buffer.from(ca.der)),
        );
      } catch {
        // Not a certificate: something else has that name.
      }
      present = same ? 'same' : 'other';
    }
    if (present === 'other' && !args.force) {
      throw new CliError(
        'ERR_FILE_EXISTS',
        `refused: ${hostPath} already holds a different certificate; choose another --name or replace it with --force`,
        EXIT.FAILED,
      );
    }
    const { fingerprints } = await inspectCertificate(ca);
    const isPem = typeof input === 'string';
    const steps = [
      present === 'same'
        ? `# ${hostPath} already holds this CA`
        : isPem
          ? `install -D -m 0644 ${args.caCert} ${hostPath}`
          : `openssl x509 -inform DER -in ${args.caCert} -out ${hostPath} && chmod 0644 ${hostPath}`,
      updateCommandLine(store, root),
    ];

    let update: { ran: boolean; note?: string } = { ran: false };
    if (!args.dryRun) {
      if (present !== 'same') {
        try {
          await writePublicFile(hostDir, name, ca.pem);
        } catch (e) {
          throw fileError(e, 'write', hostPath);
        }
      }
      update = runUpdate(store, root, args.format === 'json');
    }

    const result = {
      dryRun: args.dryRun,
      system: store.system,
      description: store.description,
      subject: ca.subject.text,
      sha256: fingerprints.sha256,
      path: hostPath,
      alreadyInstalled: present === 'same',
      steps,
      updateRan: update.ran,
      nodeExtraCaCerts: systemPath,
      warnings,
    };
    if (args.format === 'json') printJson(result);
    else {
      const lines = args.dryRun
        ? [
            `dry run: nothing changed. To trust ${ca.subject.text} on ${store.description} (${store.system}), run:`,
            ...steps.map((s) => `  ${s}`),
          ]
        : [
            `${present === 'same' ? 'already installed' : 'installed'}: ${ca.subject.text} as ${hostPath} (${store.description})`,
            `  SHA-256 ${fingerprints.sha256}`,
            update.ran
              ? `  ran ${store.update.join(' ')}`
              : `  ${store.update.join(' ')} ${update.note}`,
          ];
      printText(
        [...lines, ...warnings.map((w) => `warning: ${w}`), nodeNote(systemPath, true)].join('\n'),
      );
    }
    return EXIT.OK;
  }),
};
