/** `nodeid cert needs-renewal <cert>`: is it time to renew? Exit codes as smallstep's `step`. */
import { needsRenewal, parseCertificate, parseRenewalThreshold, renewalDueAt } from '@nodeid/sdk';
import { CliError, describeError } from '../../lib/cli-error.js';
import { defineCommand, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readPemOrDer } from '../../lib/files.js';
import { printJson, printText, relativeTime } from '../../lib/output.js';

interface Args extends GlobalArgs {
  cert: string;
  expiresIn?: string;
}

/** Exit codes of `step certificate needs-renewal`, which scripts already test for. */
const NEEDS = 0;
const FINE = 1;
const MISSING = 2;
const OTHER = 255;

export const certNeedsRenewalCommand = defineCommand<Args>({
  command: 'needs-renewal <cert>',
  describe: 'tell whether a certificate is due for renewal',
  builder: (y) =>
    y
      .positional('cert', { type: 'string', demandOption: true, describe: 'certificate file' })
      .option('expires-in', {
        type: 'string',
        describe:
          'due when this share of the lifetime has passed (66%) or this little time is left (30d); default two thirds of the lifetime',
      })
      .example('$0 cert needs-renewal node1.crt', 'due once two thirds of its lifetime has passed')
      .example(
        '$0 cert needs-renewal node1.crt --expires-in 30d && nodeid cert renew node1.crt',
        'renew when 30 days or less are left',
      )
      .epilog(
        exitCodes({
          0: 'renewal is due',
          1: 'renewal is not due yet',
          2: 'the certificate file does not exist',
          255: 'any other error (unreadable certificate, bad --expires-in)',
        }),
      ),
  handler: async (args) => {
    try {
      if (args.expiresIn !== undefined) parseRenewalThreshold(args.expiresIn);
      const cert = parseCertificate(await readPemOrDer(args.cert));
      // the SDK decides: whether it is due now, and when it is (or was) due
      const due = needsRenewal(cert, { threshold: args.expiresIn });
      const dueAt = renewalDueAt(cert, { threshold: args.expiresIn });
      const left = cert.notAfter.getTime() - Date.now();
      const threshold = args.expiresIn ?? 'two thirds of the lifetime';
      if (args.format === 'json')
        printJson({
          file: args.cert,
          needsRenewal: due,
          notAfter: cert.notAfter.toISOString(),
          renewalDueAt: dueAt.toISOString(),
          threshold,
        });
      else
        printText(
          `${args.cert}: ${due ? 'renewal is due' : 'renewal is not due'} (due ${dueAt.toISOString()}; expires ${cert.notAfter.toISOString()}, ${relativeTime(left)}; threshold ${threshold})`,
        );
      process.exitCode = due ? NEEDS : FINE;
    } catch (e) {
      const { code, message } = describeError(e);
      process.stderr.write(`error: ${message} (${code})\n`);
      process.exitCode = e instanceof CliError && e.code === 'ERR_FILE_NOT_FOUND' ? MISSING : OTHER;
    }
  },
});
