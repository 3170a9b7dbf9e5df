import {
  caWarnWindow,
  type EndpointTarget,
  parseCertificates,
  parseDuration,
  verifyCertificate,
} from '@nodeid/sdk';
import type { PresentedChainResult } from '@nodeid/sdk/node';
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
import { readPemOrDer } from '../../lib/files.js';
import { emitReport, useColor } from '../../lib/output.js';
import {
  PKCS12_READ_OPTIONS,
  type Pkcs12ReadFlags,
  scanOptionsOf,
} from '../../lib/pkcs12-options.js';
import { scanCertificates } from '../../lib/scan-files.js';
import {
  contactEndpoints,
  ENDPOINT_OPTIONS,
  type EndpointFlags,
  endpointFacts,
  endpointNotes,
  endpointRows,
  reachedName,
  resolveTargets,
} from '../../lib/targets.js';

interface Args extends EndpointFlags, Pkcs12ReadFlags {
  format: 'text' | 'json' | 'prometheus';
  paths: string[];
  warn: string;
  caWarn: string;
  at?: string;
  out?: string;
  ca?: string;
  cluster?: string;
}

/** The anchors of `--ca FILE` (every certificate of the file). */
export async function readAnchors(file: string): Promise<string[]> {
  const input = await readPemOrDer(file);
  try {
    return parseCertificates(input).map((c) => c.pem);
  } catch (e) {
    throw new CliError('ERR_USAGE', `--ca ${file}: ${(e as Error).message}`, EXIT.USAGE);
  }
}

/**
 * Verifies an endpoint's presented chain for the name it was reached by, and marks the row the
 * failure is about `invalid` with the SDK's message. A date failure is left to the expiry
 * verdict the row already has.
 */
async function verifyEndpointRows(
  rows: ExpiryRow[],
  target: EndpointTarget,
  result: PresentedChainResult,
  options: { anchors: string[]; sni?: string; cluster?: string; now: Date },
): Promise<void> {
  if (!result.ok || result.chain.length === 0) return;
  const name = reachedName(target, options.sni);
  const isIp = options.sni === undefined && target.isIp;
  const v = await verifyCertificate({
    certificate: result.chain[0]!,
    intermediates: result.chain.slice(1),
    trustAnchors: options.anchors,
    usage: 'server',
    ...(isIp ? { ip: name } : { host: name }),
    ...(options.cluster !== undefined && { clusterName: options.cluster }),
    at: options.now,
  });
  if (v.ok || v.code === 'ERR_CERT_EXPIRED' || v.code === 'ERR_CERT_NOT_YET_VALID') return;
  const row = rows[Math.min(v.depth ?? 0, rows.length - 1)]!;
  row.status = 'invalid';
  row.alert = 'tls-cert-invalid';
  row.message = `${v.message} (${v.code})`;
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
  command: 'check [paths...]',
  describe:
    'list certificates in files, folders and TLS endpoints with their expiry, and fail when one expires soon',
  builder: (y) =>
    y
      .positional('paths', {
        type: 'string',
        array: true,
        default: [],
        describe:
          'certificate files (PEM, DER, bundles), folders (searched recursively), - for standard input, and TLS endpoints: tls://host:port, host:port, https://host[:port], [v6]:port',
      })
      .options(ENDPOINT_OPTIONS)
      .options(PKCS12_READ_OPTIONS)
      .option('ca', {
        type: 'string',
        describe:
          "also verify each endpoint's chain against this CA for the name it was reached by (--sni, else the host)",
      })
      .option('cluster', {
        type: 'string',
        describe: 'with --ca: the subject CN each endpoint must carry',
      })
      .option('ca-warn', {
        type: 'string',
        default: '180d',
        describe: 'warning window for CA certificates (they need more notice than leaves)',
      })
      .check((a) => {
        if ((a.paths as string[]).length === 0 && a.targets === undefined)
          throw new Error('give at least one file, folder or endpoint, or --targets FILE');
        if (a.cluster !== undefined && a.ca === undefined)
          throw new Error('--cluster needs --ca: the cluster name is checked with the chain');
        return true;
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
      .example(
        '$0 expiry check 192.168.9.135:5696 tls://kms2.example.net:5696 --warn 30d',
        "the key servers' certificates, as they present them",
      )
      .example(
        '$0 expiry check --targets nodes.txt --ca ca.crt --cluster scale.cluster --format json',
        'every node of a list, verified against the cluster CA for the name it was reached by',
      )
      .example(
        '$0 expiry check kms1.example.net:5696 --client-cert client.crt --client-key client.key',
        'a key server that insists on mutual TLS, with a client certificate so the handshake completes',
      )
      .example('cat node1.pem | $0 expiry check -', 'a certificate from standard input')
      .epilog(
        `Every certificate of a bundle is checked. In folders, files with a certificate extension (.crt .cer .cert .pem .der .crl) and any text file holding a PEM certificate or CRL are read; hidden files and other binary files (an SQLite inventory) are skipped. PKCS#12 keystores (.p12 .pfx) are opened with --passphrase-file and every certificate inside is reported; a wrong passphrase makes the file "invalid". A CRL is judged by its nextUpdate: "expiring" (crl-will-soon-expire) within the smaller of --warn and a quarter of its lifetime, "expired" (crl-expired) after it, when nginx and openssl refuse every client of the CA. A file that cannot be read is reported as "invalid" with the reason.\n\nAn endpoint's presented chain is read without trusting it and reported like a file, every certificate of it (the target is the FILE column, and a "target" field and Prometheus label). An endpoint that cannot be reached (refused, timeout, TLS alert, not TLS) is "unreachable" with the reason. The chain is reported exactly as the server sent it, in its order: a certificate that is not on the leaf's chain (a wrong intermediate) or a chain out of issuing order gets a note (chain-extra, chain-order; the "note" field in JSON). A server that asks for a client certificate is noted; one that insists on it (mutual TLS) still has its chain read and reported ("requires a client certificate"): give --client-cert and --client-key (and --client-key-passphrase-file for an encrypted key) to complete the handshake. JSON lists each endpoint's protocol, clientAuthentication and chainProblems under "endpoints". With --ca the chain is also verified (nodeid's RFC 5280 checks, serverAuth, the name, --cluster); a failure makes the certificate it is about "invalid" with the reason. A text that names an existing file is read as the file even when it looks like host:port; write tls://host:port for the endpoint. CA certificates are judged with --ca-warn (180 days) instead of --warn, and the message says which command renews them.\n\n${exitCodes({ 0: 'every certificate is valid beyond the warning window', 1: 'a certificate expires within the warning window', 2: 'a certificate expired, is not valid yet, fails verification or cannot be read, or an endpoint is unreachable (also: bad arguments)', 3: 'the report could not be written' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const warnWithinMs = parseDuration(args.warn);
    const caWarnWithinMs = caWarnWindow(args.caWarn);
    const now = checkTime(args.at);
    const targets = await resolveTargets(args.paths, args.targets);
    const anchors = args.ca === undefined ? undefined : await readAnchors(args.ca);
    const scanOptions = await scanOptionsOf(args);
    const { files } = targets.files.length
      ? await scanCertificates(targets.files, scanOptions)
      : { files: [] };
    const rows: ExpiryRow[] = files.flatMap((f) =>
      f.entries.map((e) => judge(e, now, warnWithinMs, caWarnWithinMs)),
    );
    const results = await contactEndpoints(targets.endpoints, args);
    const facts = targets.endpoints.map((t, i) => endpointFacts(t, results[i]!));
    for (const [i, target] of targets.endpoints.entries()) {
      const result = results[i]!;
      const endpointRowsOf = endpointRows(target, result, now, warnWithinMs, caWarnWithinMs);
      if (anchors)
        await verifyEndpointRows(endpointRowsOf, target, result, {
          anchors,
          ...(args.sni !== undefined && { sni: args.sni }),
          ...(args.cluster !== undefined && { cluster: args.cluster }),
          now,
        });
      rows.push(...endpointRowsOf);
    }
    const given = [...args.paths, ...targets.all.slice(args.paths.length).map((t) => t.text)];
    const code = rows.length === 0 ? 2 : exitCodeOf(rows);
    let output: string;
    if (args.format === 'prometheus')
      output = renderPrometheus(rows, { warnWithinMs, checkedAt: now });
    else if (args.format === 'json') {
      output = `${JSON.stringify({ checkedAt: now.toISOString(), warn: args.warn, warnWithinMs, caWarn: args.caWarn, caWarnWithinMs, paths: given, certificates: rows, ...(facts.length && { endpoints: facts }), summary: summarize(rows), exitCode: code }, null, 2)}\n`;
    } else {
      output = rows.length
        ? renderText(rows, {
            warn: args.warn,
            color: !args.out && useColor('text'),
            checkedAt: now,
          })
        : `no certificate found in ${given.join(', ')}`;
      const notes = endpointNotes(facts);
      if (notes.length) output = `${output}\n\n${notes.join('\n')}`;
    }
    await emitReport(output, args.out);
    if (rows.length === 0)
      process.stderr.write(`error: no certificate found in ${given.join(', ')} (ERR_NOT_FOUND)\n`);
    return code;
  }),
};
