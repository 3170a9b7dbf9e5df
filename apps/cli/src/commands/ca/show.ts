/** `nodeid ca show`: the CA certificate, readable or as JSON. */
import { inspectCertificate, renderText } from '@nodeid/sdk';
import { readCaCertificates, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaDirArgs {}

export const caShowCommand = defineCommand<Args>({
  command: 'show',
  describe: 'show the CA certificate of the CA folder and its chain up to the root',
  builder: (y) =>
    withCaDir(y)
      .example('$0 ca show --dir ./ca', 'readable details')
      .example('$0 ca show --format json', 'the same as JSON')
      .epilog(exitCodes({ 0: 'shown', 3: 'not a CA folder, or its certificate cannot be read' })),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    const config = await readCaConfig(dir);
    const [cert, ...above] = await readCaCertificates(dir, config);
    const info = await inspectCertificate(cert!);
    const role = config.role ?? 'root';
    // the chain from this CA up to the root: subject, not-after and SHA-256 of each
    const chain = await Promise.all(
      above.map(async (c) => {
        const i = await inspectCertificate(c);
        return {
          subject: i.subject.text,
          notAfter: i.notAfter,
          fingerprintSha256: i.fingerprints.sha256,
        };
      }),
    );
    if (args.format === 'json')
      printJson({
        dir,
        clusterName: config.clusterName,
        role,
        keyEncrypted: config.keyEncrypted,
        crlUrl: config.crlUrl ?? null,
        certificate: info,
        chain,
      });
    else
      printText(
        [
          `CA folder ${dir} (${role} CA of cluster ${config.clusterName}, key ${config.keyEncrypted ? 'encrypted' : 'NOT encrypted'})`,
          `CRL address: ${config.crlUrl ?? 'none (set one with nodeid ca set-crl-url URL)'}`,
          ...(chain.length
            ? [
                'Chain (this CA first, the root last):',
                `  ${info.subject.text} (until ${info.notAfter})`,
                ...chain.map(
                  (c) => `  <- ${c.subject} (until ${c.notAfter}, SHA-256 ${c.fingerprintSha256})`,
                ),
              ]
            : []),
          '',
          renderText(info),
        ].join('\n'),
      );
    return EXIT.OK;
  }),
});
