/**
 * `nodeid ca set-crl-url <url>`: set (or with `--clear` remove) the CRL address of an existing CA
 * folder. Certificates issued from then on carry it (RFC 5280 §4.2.1.13); earlier ones do not.
 */
import { checkCrlUrl } from '@nodeid/sdk';
import { writeCaConfig } from '@nodeid/sdk/node';
import { openInventory, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaDirArgs {
  url?: string;
  clear: boolean;
}

export const caSetCrlUrlCommand = defineCommand<Args>({
  command: 'set-crl-url [url]',
  describe: 'set the CRL address written into every certificate the CA issues from now on',
  builder: (y) =>
    withCaDir(y)
      .positional('url', {
        type: 'string',
        describe: 'http URL of the CRL, e.g. http://ca.example.net:8443/v1/crl',
      })
      .option('clear', {
        type: 'boolean',
        default: false,
        describe: 'remove the CRL address: new certificates carry none',
      })
      .example('$0 ca set-crl-url http://ca.example.net:8443/v1/crl --dir ./ca', 'set it')
      .example('$0 ca set-crl-url --clear --dir ./ca', 'remove it')
      .epilog(
        exitCodes({
          0: 'saved',
          2: 'no URL (or both a URL and --clear), or not an http(s) URL',
          3: 'not a CA folder, or it cannot be written',
        }),
      ),
  handler: action(async (args) => {
    if (args.clear === (args.url !== undefined))
      throw new CliError('ERR_USAGE', 'give either a URL or --clear', EXIT.USAGE);
    const dir = resolveCaDir(args.dir);
    const config = await readCaConfig(dir);
    const url = args.url === undefined ? undefined : checkCrlUrl(args.url);
    const { crlUrl: previous, ...rest } = config;
    await writeCaConfig(dir, { ...rest, ...(url && { crlUrl: url }) });
    const store = await openInventory(dir);
    await store.appendAudit({
      at: new Date(),
      action: 'ca.set-crl-url',
      detail: { previous: previous ?? null, crlUrl: url ?? null },
    });
    await store.close();
    if (args.format === 'json') printJson({ dir, crlUrl: url ?? null, previous: previous ?? null });
    else
      printText(
        url
          ? `Certificates issued from ${dir} now carry the CRL address ${url}${previous ? ` (was ${previous})` : ''}; certificates issued before keep theirs`
          : `Certificates issued from ${dir} no longer carry a CRL address${previous ? ` (was ${previous})` : ''}`,
      );
    return EXIT.OK;
  }),
});
