/**
 * `nodeid fleet check --ca ca.crt TARGET...`: connects to every node of the cluster (TLS,
 * concurrently, bounded) and prints one line per node the way AIStore's `ais show cluster` does:
 * the target, the serial it serves, the names it is valid for, its not-after and an ALERT column
 * (AIStore's `tls-cert-will-soon-expire`, `tls-cert-expired`, `tls-cert-invalid`, and nodeid's
 * `unreachable`, `wrong-ca`, `name-mismatch`, `wrong-cluster`, `revoked`, `superseded`). The
 * verdicts are the SDK's (`judgeFleetNode`); this file does the I/O and the rendering.
 */
import { join } from 'node:path';
import {
  caWarnWindow,
  FLEET_ALERT_SEVERITY,
  FLEET_ALERTS,
  type FleetAlert,
  type FleetNodeResult,
  fleetExitCode,
  judgeFleetNode,
  parseCertificate,
  parseDuration,
  unreachableFleetNode,
} from '@nodeid/sdk';
import { type ClientAuthentication, formatEndpoint } from '@nodeid/sdk/node';
import type { Argv, CommandModule } from 'yargs';
import { openInventory, resolveCaDir } from '../../lib/ca-folder.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, list } from '../../lib/command.js';
import { type ExpiryRow, escapeLabel, judge } from '../../lib/expiry-report.js';
import { readPemOrDer } from '../../lib/files.js';
import { emitReport, painter, table, useColor } from '../../lib/output.js';
import {
  contactEndpoints,
  ENDPOINT_OPTIONS,
  type EndpointFlags,
  reachedName,
  resolveTargets,
} from '../../lib/targets.js';
import { checkTime, readAnchors } from '../expiry/check.js';

interface Args extends EndpointFlags {
  format: 'text' | 'json' | 'prometheus';
  targetList: string[];
  ca?: string;
  cluster?: string;
  crl?: string[];
  dir?: string;
  warn: string;
  caWarn: string;
  at?: string;
  out?: string;
}

/** One node's line. */
interface FleetNode extends FleetNodeResult {
  target: string;
  endpoint: string;
  reachedName: string;
  protocol?: string;
  /** `handshake`: the chain judged is the server's, as sent; `node`: Node's reordered view. */
  chainSource?: 'handshake' | 'node';
  /** When the node asked for a client certificate: what it did about it. */
  clientAuthentication?: ClientAuthentication;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function shortNames(names: string[]): string {
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')}, +${names.length - 3} more`;
}

/** The revoked and superseded serials of a CA folder's inventory. */
async function inventoryFacts(dir: string): Promise<{ revoked: string[]; superseded: string[] }> {
  const store = await openInventory(resolveCaDir(dir));
  try {
    const revoked = (await store.listRevocations()).map((r) => r.serialNumber);
    const superseded = (await store.listCertificates({ status: 'superseded' })).map(
      (r) => r.serialNumber,
    );
    return { revoked, superseded };
  } finally {
    await store.close();
  }
}

function counts(nodes: FleetNode[]) {
  const alerts = Object.fromEntries(FLEET_ALERTS.map((a) => [a, 0])) as Record<FleetAlert, number>;
  for (const n of nodes) for (const a of n.alerts) alerts[a]++;
  return {
    nodes: nodes.length,
    ok: nodes.filter((n) => n.severity === 'ok').length,
    warning: nodes.filter((n) => n.severity === 'warning').length,
    error: nodes.filter((n) => n.severity === 'error').length,
    alerts,
  };
}

function renderText(
  nodes: FleetNode[],
  caRows: ExpiryRow[],
  options: { color: boolean; checkedAt: Date },
): string {
  const paint = painter(options.color);
  const style = (n: FleetNode) =>
    n.severity === 'ok' ? 'green' : n.severity === 'warning' ? 'yellow' : 'red';
  const header = ['TARGET', 'SERIAL', 'NAMES', 'NOT AFTER', 'ALERT'];
  const rows = nodes.map((n) => [
    n.target,
    n.leaf?.serialNumber ?? '-',
    shortNames(n.leaf?.names ?? []) || '-',
    n.leaf ? iso(n.leaf.notAfter) : '-',
    paint(style(n), n.alerts.join(',') || 'ok'),
  ]);
  const body = table(header, rows);
  const problems = nodes.flatMap((n) =>
    n.problems.map(
      (p) =>
        `${paint(FLEET_ALERT_SEVERITY[p.alert] === 'warning' ? 'yellow' : 'red', p.alert)}: ${n.target}${p.depth ? ` (certificate ${p.depth + 1} of ${n.chain.length})` : ''}: ${p.message}`,
    ),
  );
  const caProblems = caRows
    .filter((r) => r.status !== 'valid')
    .map(
      (r) =>
        `${paint(r.status === 'expiring' ? 'yellow' : 'red', r.alert ?? r.status)}: CA ${r.file}: ${r.message}`,
    );
  const c = counts(nodes);
  const raised = FLEET_ALERTS.filter((a) => c.alerts[a] > 0).map((a) => `${a} ${c.alerts[a]}`);
  const summary = `${c.nodes} node${c.nodes === 1 ? '' : 's'} at ${iso(options.checkedAt)}: ${c.ok} ok, ${c.warning} with warnings, ${c.error} with errors${raised.length ? `; alerts: ${raised.join(', ')}` : ''}`;
  const notes = nodes.flatMap((n) =>
    n.clientAuthentication ? [`note: ${n.clientAuthentication.message}`] : [],
  );
  const extra = [...problems, ...caProblems, ...notes];
  return [body, ...(extra.length ? ['', ...extra] : []), '', summary].join('\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;
}

/** node_exporter textfile format: alert series per node and alert, up, not-after. */
function renderPrometheus(nodes: FleetNode[], checkedAt: Date): string {
  const out: string[] = [];
  const metric = (name: string, help: string, lines: string[]) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines);
  metric(
    'nodeid_fleet_node_alert',
    'Alerts of each node at the time of the check, one series per alert name: 1 raised, 0 not.',
    nodes.flatMap((n) =>
      FLEET_ALERTS.map(
        (a) =>
          `nodeid_fleet_node_alert${labels({ target: n.target, alert: a })} ${n.alerts.includes(a) ? 1 : 0}`,
      ),
    ),
  );
  metric(
    'nodeid_fleet_node_up',
    'Whether the node completed a TLS handshake and presented a certificate (1) or not (0).',
    nodes.map(
      (n) =>
        `nodeid_fleet_node_up${labels({ target: n.target })} ${n.alerts.includes('unreachable') ? 0 : 1}`,
    ),
  );
  metric(
    'nodeid_fleet_node_not_after_seconds',
    "End of the validity (notAfter) of the node's certificate, as a Unix time in seconds.",
    nodes.flatMap((n) =>
      n.leaf
        ? [
            `nodeid_fleet_node_not_after_seconds${labels({ target: n.target, serial: n.leaf.serialNumber })} ${Math.floor(n.leaf.notAfter.getTime() / 1000)}`,
          ]
        : [],
    ),
  );
  metric('nodeid_fleet_check_timestamp_seconds', 'When the check ran, as a Unix time in seconds.', [
    `nodeid_fleet_check_timestamp_seconds ${Math.floor(checkedAt.getTime() / 1000)}`,
  ]);
  return `${out.join('\n')}\n`;
}

export const fleetCheckCommand: CommandModule<{ format: 'text' | 'json' }, Args> = {
  command: 'check [target-list...]',
  describe:
    'connect to every node and show the certificate it serves with an ALERT column, as ais show cluster does',
  builder: (y) =>
    y
      .positional('target-list', {
        type: 'string',
        array: true,
        default: [],
        describe: 'nodes: tls://host:port, host:port, https://host[:port], [v6]:port',
      })
      .options(ENDPOINT_OPTIONS)
      .option('format', {
        choices: ['prometheus'] as const,
        describe: 'output: text, json, or prometheus (node_exporter textfile format)',
      })
      .option('ca', {
        type: 'string',
        describe:
          'the cluster CA certificate(s) every node must chain to (default: the CA of --dir)',
      })
      .option('cluster', { type: 'string', describe: 'the subject CN every node must carry' })
      .option('crl', {
        type: 'string',
        array: true,
        describe: 'CRL file (PEM or DER) to check every chain against; repeatable',
      })
      .option('dir', {
        type: 'string',
        describe:
          'CA folder: its inventory says which serials are revoked or superseded (and its ca.crt is the CA without --ca); default $NODEID_CA_DIR when neither --ca nor --dir is given',
      })
      .option('warn', {
        type: 'string',
        default: '30d',
        describe: 'raise tls-cert-will-soon-expire when this little time is left (AIStore: 3d)',
      })
      .option('ca-warn', {
        type: 'string',
        default: '180d',
        describe: 'the same for CA certificates (presented ones and --ca)',
      })
      .option('at', { type: 'string', describe: 'judge at this time instead of now (ISO 8601)' })
      .option('out', {
        type: 'string',
        describe:
          'write the report to this file atomically (e.g. a .prom file of the textfile collector)',
      })
      .check((a) => {
        if ((a.targetList as string[]).length === 0 && a.targets === undefined)
          throw new Error('name the nodes: TARGET... or --targets FILE');
        if (a.ca === undefined && a.dir === undefined && !process.env.NODEID_CA_DIR)
          throw new Error(
            '--ca FILE (or --dir CAFOLDER) is needed: the CA every node must chain to',
          );
        return true;
      })
      .example(
        '$0 fleet check --ca ca.crt --cluster scale.cluster node1:1191 node2:1191 node3:1191',
        'one line per node; exit 1 on warnings, 2 on errors',
      )
      .example(
        '$0 fleet check --dir ./ca --targets nodes.txt --warn 3d --format json',
        "AIStore's 3-day warning, revoked and superseded serials from the CA's inventory",
      )
      .example(
        '$0 fleet check --ca ca.crt --targets nodes.txt --client-cert admin.crt --client-key admin.key',
        'nodes that insist on mutual TLS, with a client certificate so each handshake completes',
      )
      .example(
        '$0 fleet check --ca ca.crt --crl ca.crl --targets nodes.txt --format prometheus --out /var/lib/node_exporter/textfile/fleet.prom',
        'from cron: alert series per node for Prometheus',
      )
      .epilog(
        `Each node's presented chain is read without trusting it, then verified with nodeid's RFC 5280 checks against --ca for the name it was reached by (--sni, else the host; an IP is matched against IP SANs), with the serverAuth usage and --crl. ALERT lists every alert the node raises:\n  tls-cert-will-soon-expire  a certificate of the chain ends within --warn (--ca-warn for CAs)  [warning]\n  tls-cert-expired           a certificate of the chain has expired\n  tls-cert-invalid           not yet valid, unreadable, or failing another check (key usage, algorithm, ...)\n  unreachable                refused, timeout, TLS alert, not TLS (the reason is printed)\n  wrong-ca                   the chain does not lead to --ca (signed by another CA, even one of the same name)\n  name-mismatch              not valid for the name the node was reached by\n  wrong-cluster              the subject CN is not --cluster\n  revoked                    listed in --crl or revoked in the inventory of --dir\n  superseded                 the inventory of --dir has replaced this certificate: install the new one  [warning]\n  chain-order                the leaf's chain is not sent in issuing order (RFC 5246 §7.4.2)  [warning]\n  chain-extra                a certificate sent is not on the leaf's chain: a wrong or stale intermediate  [warning]\nThe chain is judged exactly as the node sent it. A node that insists on a client certificate (mutual TLS) is still judged on the chain it presented, with a note; --client-cert and --client-key let the handshake complete.\nThe --ca certificate's own expiry is judged too (--ca-warn), naming "nodeid ca renew" / "nodeid ca rotate".\n\n${exitCodes({ 0: 'every node is fine', 1: 'only warnings (expiring soon, superseded, chain-order, chain-extra)', 2: 'a node raises an error alert or is unreachable (also: bad arguments)', 3: 'a file (CA, CRL, inventory) cannot be read, or the report cannot be written' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const warnWithinMs = parseDuration(args.warn);
    const caWarnWithinMs = caWarnWindow(args.caWarn);
    const now = checkTime(args.at);
    const targets = await resolveTargets(args.targetList, args.targets);
    const files = targets.all.filter((t) => t.kind === 'file');
    if (files.length)
      throw new CliError(
        'ERR_USAGE',
        `fleet check connects to nodes; ${files.map((f) => f.text).join(', ')} ${files.length === 1 ? 'is' : 'are'} no endpoint (host:port, tls://host:port, https://host); use "nodeid expiry check" for files`,
        EXIT.USAGE,
      );
    const dir = args.dir ?? (args.ca === undefined ? process.env.NODEID_CA_DIR : undefined);
    const caFile = args.ca ?? join(resolveCaDir(dir), 'ca.crt');
    const anchors = await readAnchors(caFile);
    const crls = await Promise.all(list(args.crl).map((f) => readPemOrDer(f)));
    const facts = dir === undefined ? undefined : await inventoryFacts(dir);
    const caRows = anchors.map((pem, i) =>
      judge(
        { file: caFile, index: i + 1, count: anchors.length, certificate: parseCertificate(pem) },
        now,
        warnWithinMs,
        caWarnWithinMs,
      ),
    );
    const results = await contactEndpoints(targets.endpoints, args);
    const nodes: FleetNode[] = [];
    for (const [i, target] of targets.endpoints.entries()) {
      const r = results[i]!;
      const name = reachedName(target, args.sni);
      const verdict = r.ok
        ? await judgeFleetNode({
            chain: r.chain,
            reachedName: name,
            trustAnchors: anchors,
            ...(args.cluster !== undefined && { clusterName: args.cluster }),
            ...(crls.length && { crls }),
            ...(facts && { revokedSerials: facts.revoked, supersededSerials: facts.superseded }),
            now,
            warnWithin: warnWithinMs,
            caWarnWithin: caWarnWithinMs,
          })
        : unreachableFleetNode(r.message);
      nodes.push({
        target: target.text,
        endpoint: formatEndpoint(target),
        reachedName: name,
        ...(r.ok && r.protocol && { protocol: r.protocol }),
        ...(r.ok && { chainSource: r.chainSource }),
        ...(r.ok && r.clientAuthentication && { clientAuthentication: r.clientAuthentication }),
        ...verdict,
      });
    }
    const caSeverity = caRows.some((r) => r.status !== 'valid' && r.status !== 'expiring')
      ? 'error'
      : caRows.some((r) => r.status === 'expiring')
        ? 'warning'
        : 'ok';
    const code = Math.max(
      fleetExitCode(nodes),
      caSeverity === 'error' ? 2 : caSeverity === 'warning' ? 1 : 0,
    );
    let output: string;
    if (args.format === 'prometheus') output = renderPrometheus(nodes, now);
    else if (args.format === 'json')
      output = `${JSON.stringify(
        {
          checkedAt: now.toISOString(),
          warn: args.warn,
          caWarn: args.caWarn,
          ca: caRows,
          nodes,
          summary: counts(nodes),
          exitCode: code,
        },
        null,
        2,
      )}\n`;
    else
      output = renderText(nodes, caRows, { color: !args.out && useColor('text'), checkedAt: now });
    await emitReport(output, args.out);
    return code;
  }),
};
