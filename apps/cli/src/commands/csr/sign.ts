/**
 * `nodeid csr sign <csr>`: the CA host's half of the "key never leaves the node" flow. Each name
 * the request asks for is granted or denied under the --allow-* lists, and the admin is told which.
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  NodeIdError,
  PROFILES,
  type Profile,
  parseCsr,
  requestedNamesPolicy,
  type SigningPolicy,
  signCsr,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { certificateRecordOf } from '@nodeid/store';
import type { CommandModule } from 'yargs';
import { type CaKeyArgs, loadCaOf, withCaKey } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, type GlobalArgs, list } from '../../lib/command.js';
import { isSafeBaseName, requestedNameList, safeBaseName } from '../../lib/csr-names.js';
import { readPemOrDer } from '../../lib/files.js';
import { painter, printJson, printText, useColor } from '../../lib/output.js';

interface Args extends CaKeyArgs {
  csr: string;
  allowDns?: string[];
  allowIp?: string[];
  allowUri?: string[];
  allowEmail?: string[];
  allowCn?: string[];
  allowRequested?: boolean;
  profile: Profile;
  cluster?: string;
  days?: number;
  out: string;
  name?: string;
  force: boolean;
}

/** SDK refusals that mean "the CA says no" (exit 1) rather than "something is broken" (exit 3). */
const REFUSALS = new Set([
  'ERR_CSR_SIGNATURE',
  'ERR_POLICY_DENIED',
  'ERR_ALGORITHM_WEAK',
  'ERR_KEY_WEAK',
  'ERR_KEY_UNSUPPORTED',
]);

/** The base name of the certificate file: `--name`, else the CSR's CN, else its first name. */
function fileBaseName(
  explicit: string | undefined,
  cn: string | undefined,
  requested: string[],
): string {
  if (explicit !== undefined) return safeBaseName(explicit);
  const candidates = [cn, ...requested.map((n) => n.slice(n.indexOf(':') + 1))].filter(
    (c): c is string => Boolean(c),
  );
  const found =
    candidates.find((c) => c.includes('.') && isSafeBaseName(c)) ?? candidates.find(isSafeBaseName);
  if (!found)
    throw new CliError(
      'ERR_NAME_INVALID',
      'the CSR has no name usable as a file name; choose one with --name',
      EXIT.USAGE,
    );
  return found;
}

export const csrSignCommand: CommandModule<GlobalArgs, Args> = {
  command: 'sign <csr>',
  describe: "sign a node's certificate signing request with the CA, granting only allowed names",
  builder: (y) =>
    withCaKey(y)
      .positional('csr', {
        type: 'string',
        demandOption: true,
        describe: 'the request (PEM or DER), or - for standard input',
      })
      .option('allow-dns', {
        type: 'array',
        string: true,
        describe:
          'DNS names that may be granted: node1.example.net, .example.net or *.example.net for any name below (repeatable)',
      })
      .option('allow-ip', {
        type: 'array',
        string: true,
        describe: 'IP addresses or CIDR ranges that may be granted (repeatable)',
      })
      .option('allow-uri', {
        type: 'array',
        string: true,
        describe: 'URIs that may be granted; a trailing * allows a prefix (repeatable)',
      })
      .option('allow-email', {
        type: 'array',
        string: true,
        describe: 'email addresses, or @domain, that may be granted (repeatable)',
      })
      .option('allow-cn', {
        type: 'array',
        string: true,
        describe: 'user names a --profile client request may have (repeatable)',
      })
      .option('allow-requested', {
        type: 'boolean',
        describe:
          'grant every name the request asks for, as asked: you approve them by hand (instead of --allow-*)',
      })
      .option('profile', {
        choices: PROFILES as Profile[],
        default: 'node' as Profile,
        describe: 'node: CN=cluster, serverAuth+clientAuth; server; client; control',
      })
      .option('cluster', {
        type: 'string',
        describe: "cluster name, the CN of node certificates (default: the CA's)",
      })
      .option('days', {
        type: 'number',
        describe: 'lifetime in days (default 365, never past the CA)',
      })
      .option('out', {
        type: 'string',
        default: '.',
        describe: 'folder for <fqdn>.crt (leaf + intermediates)',
      })
      .option('name', {
        type: 'string',
        describe: "base name of the certificate file (default the request's FQDN)",
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace an existing certificate file',
      })
      .example(
        '$0 csr sign node1.example.net.csr --allow-dns .example.net --allow-ip 10.0.0.0/8',
        'grant names inside example.net and 10/8; deny the rest',
      )
      .example(
        '$0 csr sign node1.example.net.csr --allow-requested --out /srv/outbox',
        'grant exactly what is asked (you approve it by hand)',
      )
      .epilog(
        `Give --allow-* lists, or --allow-requested to grant every requested name as asked (the output says so, because you are then the policy); with neither, nothing is signed. With --allow-* lists, a name type without one is denied. Names outside the CA's own name constraints are always denied. The certificate is recorded in the CA's inventory.\n\n${exitCodes({ 0: 'signed: the certificate was written and recorded', 1: 'refused: bad CSR signature, every name denied, weak key, or a CA request', 2: 'bad arguments', 3: 'nothing signed: unreadable request, CA, inventory or a file in the way' })}`,
      ),
  handler: action(async (args) => {
    // the signature is checked by signCsr, after the key (a weak key is reported as weak)
    const request = await parseCsr(await readPemOrDer(args.csr));
    const requested = requestedNameList(request.requestedNames);
    const cn = request.subject.rdns.flat().find((a) => a.type === 'CN')?.value;
    const allow = {
      dns: list(args.allowDns),
      ips: list(args.allowIp),
      uris: list(args.allowUri),
      emails: list(args.allowEmail),
      commonNames: list(args.allowCn),
    };
    const noLists = Object.values(allow).every((l) => l.length === 0);
    if (noLists && !args.allowRequested)
      throw new CliError(
        'ERR_USAGE',
        'say what may be granted: --allow-dns/--allow-ip/--allow-uri/--allow-email/--allow-cn, or --allow-requested to grant every requested name as asked',
        EXIT.USAGE,
      );
    if (!noLists && args.allowRequested)
      throw new CliError(
        'ERR_USAGE',
        'give --allow-requested or --allow-* lists, not both',
        EXIT.USAGE,
      );
    const byHand = args.allowRequested === true;
    const policy: SigningPolicy = byHand
      ? requestedNamesPolicy(request, { maxDays: args.days })
      : { ...allow, ...(args.days !== undefined && { maxDays: args.days }) };

    const base = fileBaseName(args.name, cn, requested);
    const outDir = resolve(args.out);
    const target = join(outDir, `${base}.crt`);
    if (
      !args.force &&
      (await lstat(target).then(
        () => true,
        () => false,
      ))
    ) {
      throw new CliError(
        'ERR_FILE_EXISTS',
        `refusing to overwrite ${target}; use --force to replace it`,
      );
    }

    const ca = await loadCaOf(args);
    let result: Awaited<ReturnType<typeof signCsr>>;
    let names: string[];
    try {
      try {
        result = await signCsr({
          csr: request,
          ca: ca.issuer,
          policy,
          profile: args.profile,
          clusterName: args.cluster ?? ca.config.clusterName,
          days: args.days,
        });
      } catch (e) {
        if (NodeIdError.isInstance(e) && REFUSALS.has(e.code))
          throw new CliError(e.code, `refused: ${e.message}`, EXIT.FAILED);
        throw e;
      }
      const cert = result.certificate;
      const record = certificateRecordOf(cert, { profile: args.profile, issuedBy: 'cli' });
      names = record.names;
      await ca.store.recordCertificate(record);
      await ca.store.appendAudit({
        at: new Date(),
        action: 'certificate.issue',
        serialNumber: cert.serialNumber,
        detail: {
          subject: cert.subject.text,
          names,
          profile: args.profile,
          csr: true,
          denied: result.denied.map((d) => d.name),
          approvedByHand: byHand,
        },
      });
    } finally {
      await ca.store.close();
    }
    // The certificate is public: the folder's mode is left as it is.
    const chainPem = [result.certificate, ...result.chain.slice(0, -1)].map((c) => c.pem).join('');
    await writeBundle(outDir, [{ path: `${base}.crt`, contents: chainPem, mode: 0o644 }], {
      force: args.force,
      fixDirMode: false,
    });

    const cert = result.certificate;
    const out = {
      file: target,
      serialNumber: cert.serialNumber,
      subject: cert.subject.text,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      profile: args.profile,
      requested,
      granted: result.granted,
      denied: result.denied,
      approvedByHand: byHand,
      warnings: result.warnings,
    };
    if (args.format === 'json') printJson(out);
    else {
      const paint = painter(useColor(args.format));
      const lines = [
        `${paint('green', 'signed')}  ${out.subject}  serial ${out.serialNumber}  until ${out.notAfter}`,
        `  wrote ${target} (certificate${result.chain.length > 1 ? ' and intermediates' : ''}); send it back to the node with the CA certificate`,
        `  granted ${out.granted.join(', ') || '(no names)'}`,
        ...(out.denied.length
          ? out.denied.map((d) => `  ${paint('red', 'denied')}  ${d.name}: ${d.reason}`)
          : ['  denied  (none)']),
        ...out.warnings.map((w) => `warning: ${w}`),
      ];
      if (byHand) {
        lines.unshift(
          `${paint('yellow', 'WARNING')}: --allow-requested: every requested name was granted as asked.`,
          `${paint('yellow', 'WARNING')}: you approved these names by hand: ${requested.join(', ') || '(none)'}; check they belong to this node.`,
        );
      }
      printText(lines.join('\n'));
    }
    if (byHand)
      process.stderr.write(
        'warning: signed with --allow-requested: every requested name was granted as asked\n',
      );
    return EXIT.OK;
  }),
};
