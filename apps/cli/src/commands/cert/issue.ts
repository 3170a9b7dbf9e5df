/** `nodeid cert issue <name...>`: node, server, client and control identities from the CA folder. */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  BUNDLE_LAYOUTS,
  type BundleLayout,
  issueIdentity,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  layoutProfileWarning,
  PROFILES,
  type Profile,
} from '@nodeid/sdk';
import { bulkIssue } from '../../lib/bulk-issue.js';
import type { BulkSettings } from '../../lib/bulk-types.js';
import { type CaKeyArgs, loadCaOf, withCaKey } from '../../lib/ca-options.js';
import { describeError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, list } from '../../lib/command.js';
import { certificateNames, deliver } from '../../lib/issue-one.js';
import { painter, printJson, printText, useColor } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';
import {
  checkPkcs12Flags,
  PKCS12_WRITE_OPTIONS,
  type Pkcs12WriteFlags,
  pkcs12PassphraseOf,
} from '../../lib/pkcs12-options.js';

interface Args extends CaKeyArgs, Pkcs12WriteFlags {
  name?: string[];
  profile: Profile;
  cluster?: string;
  dns?: string[];
  ip?: string[];
  uri?: string[];
  days?: number;
  algorithm: KeyAlgorithm;
  out?: string;
  layout: BundleLayout;
  uuid: boolean;
  fromFile?: string;
  force: boolean;
  keyPassphraseFile?: string;
  concurrency?: number;
  quiet: boolean;
}

/** One node to issue for. */
interface Job {
  name: string;
  dns: string[];
  ips: string[];
  uris: string[];
}

async function runPool<T>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export const certIssueCommand = defineCommand<Args>({
  command: 'issue [name...]',
  describe:
    'issue identities (key + certificate) signed by the CA and record them in the inventory',
  builder: (y) =>
    withCaKey(y)
      .positional('name', {
        type: 'string',
        array: true,
        describe:
          'node FQDN(s); a user name for --profile client; the host name for --profile control/server',
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
      .option('dns', { type: 'array', string: true, describe: 'extra DNS name (repeatable)' })
      .option('ip', { type: 'array', string: true, describe: 'IP address SAN (repeatable)' })
      .option('uri', {
        type: 'array',
        string: true,
        describe: 'URI SAN, e.g. spiffe://cluster/node1 (repeatable)',
      })
      .option('days', {
        type: 'number',
        describe: 'lifetime in days (default 365, never past the CA)',
      })
      .option('algorithm', {
        choices: KEY_ALGORITHMS as KeyAlgorithm[],
        default: 'P-256' as KeyAlgorithm,
        describe: 'key algorithm',
      })
      .option('out', {
        type: 'string',
        describe: 'output folder (default ./<name>; with several names <out>/<name>)',
      })
      .option('layout', {
        choices: BUNDLE_LAYOUTS as BundleLayout[],
        default: 'plain' as BundleLayout,
        describe:
          'file names: plain, scale, flocker, aistore, kubernetes, kubernetes-secret (secret.yaml), pkcs12 (<name>.p12 + truststore.p12)',
      })
      .option('uuid', {
        type: 'boolean',
        default: false,
        describe: 'Flocker: name the node files by a fresh UUID',
      })
      .option('from-file', {
        type: 'string',
        describe: 'issue in bulk: one node a line, "FQDN [IP...]"',
      })
      .option('force', { type: 'boolean', default: false, describe: 'replace existing files' })
      .option('key-passphrase-file', {
        type: 'string',
        describe: "encrypt the node's key with the passphrase in this file",
      })
      .options(PKCS12_WRITE_OPTIONS)
      .option('concurrency', {
        type: 'number',
        describe: 'with --from-file: issuing threads (default: one per core)',
      })
      .option('quiet', {
        type: 'boolean',
        default: false,
        describe: 'with --from-file: no progress on stderr (the summary is still printed)',
      })
      .check((a) => {
        const names = a.name ?? [];
        if (!a.fromFile && names.length === 0)
          throw new Error('give at least one name, or --from-file');
        if (a.fromFile && names.length) throw new Error('give names or --from-file, not both');
        if (names.length > 1 && (list(a.ip).length || list(a.dns).length || list(a.uri).length)) {
          throw new Error(
            '--dns, --ip and --uri name one node; for several nodes use --from-file with one "FQDN IP..." line each',
          );
        }
        if (a.uuid && a.layout !== 'flocker') throw new Error('--uuid goes with --layout flocker');
        return checkPkcs12Flags(a);
      })
      .example(
        '$0 cert issue node1.example.net --ip 10.0.0.1 --layout scale',
        'Storage Scale node identity: CN=<cluster>, SANs node1 + FQDN + IP',
      )
      .example(
        '$0 cert issue localhost --ip 127.0.0.1 --layout aistore',
        "AIStore's server.crt/server.key, serverAuth and clientAuth (AIS_CLIENT_AUTH_TLS)",
      )
      .example(
        '$0 cert issue --from-file nodes.txt --out certs/',
        'one folder per node, issued in parallel',
      )
      .epilog(
        exitCodes({
          0: 'every identity was issued and written',
          1: 'some identities of a bulk run failed (see the summary)',
          2: 'bad arguments',
          3: 'nothing issued: CA, inventory or files in the way',
        }),
      ),
  handler: action(async (args) => {
    if (args.fromFile) return issueFromFile(args, args.fromFile);
    const jobs: Job[] = (args.name ?? []).map((name) => ({
      name,
      dns: list(args.dns),
      ips: list(args.ip),
      uris: list(args.uri),
    }));
    const keyPassphrase = await keyPassphraseOf(args);
    const delivery = deliveryOf(args, keyPassphrase);
    const ca = await loadCaOf(args);
    const several = jobs.length > 1;
    const layoutWarning = layoutProfileWarning(args.layout, args.profile);
    const layoutWarnings = layoutWarning ? [layoutWarning] : [];
    const results: {
      name: string;
      ok: boolean;
      serialNumber?: string;
      names?: string[];
      notAfter?: string;
      dir?: string;
      files?: string[];
      error?: { code: string; message: string };
      warnings?: string[];
      /** Names left out because the CA's name constraints refuse them. */
      denied?: { name: string; reason: string }[];
    }[] = [];
    const progress = several && process.stderr.isTTY && args.format === 'text';
    let done = 0;
    try {
      await runPool(jobs, Math.max(1, args.concurrency ?? 4), async (job, index) => {
        const outDir = args.out ? (several ? join(args.out, job.name) : args.out) : job.name;
        try {
          const identity = await issueIdentity({
            ca: ca.issuer,
            profile: args.profile,
            name: job.name,
            clusterName: args.cluster ?? ca.config.clusterName,
            dns: job.dns,
            ips: job.ips,
            uris: job.uris,
            days: args.days,
            algorithm: args.algorithm,
          });
          const written = await deliver(identity, ca.store, args.profile, {
            outDir,
            force: args.force,
            layout: delivery.layout,
            keyPassphrase: delivery.keyPassphrase,
            uuid: delivery.uuid ? randomUUID() : undefined,
          });
          results[index] = {
            name: job.name,
            ok: true,
            serialNumber: identity.certificate.serialNumber,
            names: certificateNames(identity),
            notAfter: identity.certificate.notAfter.toISOString(),
            dir: written.dir,
            files: written.files.map((f) => `${f.path} (0${f.mode.toString(8)})`),
            warnings: [...identity.warnings, ...written.warnings, ...layoutWarnings],
            denied: identity.denied ?? [],
          };
        } catch (e) {
          if (!several) throw e;
          const { code, message } = describeError(e);
          results[index] = { name: job.name, ok: false, error: { code, message } };
        }
        done++;
        if (progress) process.stderr.write(`\r${bar(done, jobs.length)} ${done}/${jobs.length}`);
      });
    } finally {
      if (progress) process.stderr.write('\n');
      await ca.store.close();
    }
    const failed = results.filter((r) => !r.ok);
    if (args.format === 'json')
      printJson(
        several
          ? { issued: results.length - failed.length, failed: failed.length, results }
          : results[0],
      );
    else {
      const paint = painter(useColor(args.format));
      const lines: string[] = [];
      for (const r of results) {
        if (!r.ok) {
          lines.push(
            `${paint('red', 'failed')}  ${r.name}: ${r.error!.message} (${r.error!.code})`,
          );
          continue;
        }
        lines.push(
          `${paint('green', 'issued')}  ${r.name}  serial ${r.serialNumber}  until ${r.notAfter}`,
        );
        lines.push(`        names ${r.names!.join(', ') || '(none)'}`);
        for (const d of r.denied ?? [])
          lines.push(`        ${paint('red', 'denied')} ${d.name}: ${d.reason}`);
        lines.push(`        ${r.dir}: ${r.files!.join(', ')}`);
        for (const w of r.warnings ?? []) lines.push(`        warning: ${w}`);
      }
      if (several) lines.push(`${results.length - failed.length} issued, ${failed.length} failed`);
      printText(lines.join('\n'));
    }
    return failed.length ? EXIT.FAILED : EXIT.OK;
  }),
});

/**
 * The passphrase that encrypts the node keys, when one is asked for. In the pkcs12 layout the
 * .p12 passphrase (--p12-passphrase-file) is the one that protects the key inside.
 */
async function keyPassphraseOf(args: Args): Promise<string | undefined> {
  const p12 = await pkcs12PassphraseOf(args);
  if (p12 !== undefined) return p12;
  return args.keyPassphraseFile
    ? readPassphrase({ passphraseFile: args.keyPassphraseFile })
    : undefined;
}

/**
 * How the bundles are written (layout, key encryption, names), from the options: the one place
 * they are read, for one identity and for bulk issuance alike.
 */
function deliveryOf(
  args: Args,
  keyPassphrase: string | undefined,
): Pick<BulkSettings, 'layout' | 'keyPassphrase' | 'uuid'> {
  return { layout: args.layout, keyPassphrase, uuid: args.uuid };
}

/** `--from-file`: bulk issuance on every core, batched, durable, with progress. */
async function issueFromFile(args: Args, file: string): Promise<number> {
  const keyPassphrase = await keyPassphraseOf(args);
  const ca = await loadCaOf(args);
  const paint = painter(useColor(args.format));
  const write = (text: string) =>
    new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (e) => (e ? reject(e) : resolve())),
    );
  try {
    const summary = await bulkIssue({
      file,
      out: args.out,
      ca,
      settings: {
        profile: args.profile,
        clusterName: args.cluster ?? ca.config.clusterName,
        days: args.days,
        algorithm: args.algorithm,
        ...deliveryOf(args, keyPassphrase),
      },
      force: args.force,
      threads: args.concurrency,
      quiet: args.quiet,
      format: args.format === 'json' ? 'json' : 'text',
      write,
      paint,
    });
    return summary.failed ? EXIT.FAILED : EXIT.OK;
  } finally {
    await ca.store.close();
  }
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
