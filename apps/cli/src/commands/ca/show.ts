/** `nodeid ca show`: the CA certificate, readable or as JSON. */
import { inspectCertificate, renderText } from '@nodeid/sdk';
import { readCaCertificates, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs, withCaDir } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends GlobalArgs {
  dir?: string;
}

export const caShowCommand = defineCommand<Args>({
  command: 'show',
  describe: 'show the CA certificate of the CA folder',
  builder: (y) =>
    withCaDir(y)
      .example('$0 ca show --dir ./ca', 'readable details')
      .example('$0 ca show --format json', 'the same as JSON')
      .epilog(exitCodes({ 0: 'shown', 3: 'not a CA folder, or its certificate cannot be read' })),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    const config = await readCaConfig(dir);
    const [cert] = await readCaCertificates(dir, config);
    const info = await inspectCertificate(cert!);
    if (args.format === 'json')
      printJson({
        dir,
        clusterName: config.clusterName,
        keyEncrypted: config.keyEncrypted,
        certificate: info,
      });
    else
      printText(
        `CA folder ${dir} (cluster ${config.clusterName}, key ${config.keyEncrypted ? 'encrypted' : 'NOT encrypted'})\n\n${renderText(info)}`,
      );
    return EXIT.OK;
  }),
});
