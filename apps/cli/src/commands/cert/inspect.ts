/** `nodeid cert inspect <file|->`: what a certificate, bundle, CSR, CRL or key contains. */
import { inspectAll, renderText } from '@nodeid/sdk';
import { EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readInput } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';

interface Args extends GlobalArgs {
  file: string;
  passphraseFile?: string;
}

export const certInspectCommand = defineCommand<Args>({
  command: 'inspect <file>',
  describe: 'show what a certificate, bundle, CSR, CRL or key holds (inspecting is not verifying)',
  builder: (y) =>
    y
      .positional('file', {
        type: 'string',
        demandOption: true,
        describe: 'PEM or DER file, or - for standard input',
      })
      .option('passphrase-file', {
        type: 'string',
        describe: 'passphrase of an encrypted key, to describe its public half',
      })
      .example('$0 cert inspect node1.crt', 'like openssl x509 -text, trimmed to what matters')
      .example(
        'cat bundle.pem | $0 cert inspect - --format json',
        'every block of a bundle as JSON',
      )
      .epilog(
        `Inspecting only says what a file contains. It does not check signatures, the chain, dates or names: use "nodeid cert verify" for that. Private keys are described by their public half only; no secret is printed.\n\n${exitCodes({ 0: 'inspected', 3: 'the file cannot be read or holds nothing nodeid understands' })}`,
      ),
  handler: action(async (args) => {
    const bytes = await readInput(args.file);
    const passphrase = args.passphraseFile
      ? await readPassphrase({ passphraseFile: args.passphraseFile })
      : undefined;
    const items = await inspectAll(bytes, passphrase ? { passphrase } : {});
    if (args.format === 'json') printJson(items.length === 1 ? items[0] : items);
    else {
      printText(items.map((i) => renderText(i)).join('\n'));
      process.stderr.write(
        'note: inspected only, not verified; use "nodeid cert verify" to check it\n',
      );
    }
    return EXIT.OK;
  }),
});
