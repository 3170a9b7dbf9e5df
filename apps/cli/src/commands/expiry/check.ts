/**
 * `nodeid expiry check <paths...>`: which certificate on this machine expires when. The check that
 * would have caught a key client certificate before it expired and unmounted an encrypted file
 * system: it names the file, the certificate and the date, and its exit code drives cron and CI.
 */
import { basename, dirname } from 'node:path';
import { parseDuration } from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import type { Argv, CommandModule } from 'yargs';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes } from '../../lib/command.js';
import {
  type ExpiryRow,
  exitCodeOf,
  judge,
  renderPrometheus,
  renderText,
  summarize,
} from '../../lib/expiry-report.js';
import { printText, useColor } from '../../lib/output.js';
import { scanCertificates } from '../../lib/scan-files.js';

interface Args {
  format: 'text' | 'json' | 'prometheus';
  paths: string[];
  warn: string;
  at?: string;
  out?: string;
}

/** The time to judge at: `--at`, else now. */
export function checkTime(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const d = new Date(at);
  if (Number.isNaN(d.getTime()))
    throw new CliError(
      'ERR_USAGE',
      `--at "${at}" is not a date; use ISO 8601, e.g. 2025-06-01T00:00:00Z`,
      EXIT.USAGE,
    );
  return d;
}

export const expiryCheckCommand: CommandModule<{ format: 'text' | 'json' }, Args> = {
  command: 'check <paths...>',
  describe:
    'list certificates in files and folders with their expiry, and fail when one expires soon',
  builder: (y) =>
    y
      .positional('paths', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'certificate files (PEM, DER, bundles) and folders (searched recursively)',
      })
      // yargs adds these choices to the global ones (text, json).
      .option('format', {
        choices: ['prometheus'] as const,
        describe: 'output: text, json, or prometheus (node_exporter textfile format)',
      })
      .option('warn', {
        type: 'string',
        default: '30d',
        describe: 'expiring when this little time is left: 30d, 12h, 2w',
      })
      .option('at', {
        type: 'string',
        describe:
          'judge at this time instead of now (ISO 8601), e.g. the day of a maintenance window',
      })
      .option('out', {
        type: 'string',
        describe:
          'write the report to this file atomically instead of standard output (e.g. a .prom file of the textfile collector)',
      })
      .example(
        '$0 expiry check /var/mmfs/ssl /etc/ssl/nodeid --warn 30d',
        'every certificate under both folders; exit 1 if one expires within 30 days',
      )
      .example(
        '$0 expiry check /etc/nodeid --format prometheus --out /var/lib/node_exporter/textfile/nodeid.prom',
        'from cron: metrics for existing Prometheus alerting',
      )
      .example(
        '$0 expiry check server.crt --at 2025-12-24T00:00:00Z',
        'will it still be valid on that day?',
      )
      .epilog(
        `Every certificate of a bundle is checked. In folders, files with a certificate extension (.crt .cer .cert .pem .der) and any file holding a PEM certificate are read; hidden files are skipped. A file that cannot be read is reported as "invalid" with the reason.\n\n${exitCodes({ 0: 'every certificate is valid beyond the warning window', 1: 'a certificate expires within the warning window', 2: 'a certificate expired, is not valid yet, or cannot be read (also: bad arguments)', 3: 'the report could not be written' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const warnWithinMs = parseDuration(args.warn);
    const now = checkTime(args.at);
    const { files } = await scanCertificates(args.paths);
    const rows: ExpiryRow[] = files.flatMap((f) =>
      f.entries.map((e) => judge(e, now, warnWithinMs)),
    );
    const code = rows.length === 0 ? 2 : exitCodeOf(rows);
    let output: string;
    if (args.format === 'prometheus')
      output = renderPrometheus(rows, { warnWithinMs, checkedAt: now });
    else if (args.format === 'json') {
      output = `${JSON.stringify({ checkedAt: now.toISOString(), warn: args.warn, warnWithinMs, paths: args.paths, certificates: rows, summary: summarize(rows), exitCode: code }, null, 2)}\n`;
    } else {
      output = rows.length
        ? renderText(rows, {
            warn: args.warn,
            color: !args.out && useColor('text'),
            checkedAt: now,
          })
        : `no certificate found in ${args.paths.join(', ')}`;
    }
    if (args.out) {
      try {
        await writeBundle(
          dirname(args.out),
          [{ path: basename(args.out), contents: output, mode: 0o644 }],
          { force: true, fixDirMode: false },
        );
      } catch (e) {
        throw new CliError(
          'ERR_FILE_IO',
          `cannot write the report to ${args.out}: ${(e as Error).message}`,
        );
      }
    } else printText(output);
    if (rows.length === 0)
      process.stderr.write(
        `error: no certificate found in ${args.paths.join(', ')} (ERR_NOT_FOUND)\n`,
      );
    return code;
  }),
};
