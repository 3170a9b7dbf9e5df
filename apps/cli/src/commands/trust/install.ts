/**
 * `nodeid trust install <ca.crt>`: make the cluster CA trusted by the operating system (curl,
 * OpenSSL, Python, Go and package managers read the system store), as ClusterWare asks of
 * diskful nodes that should authenticate the head node. Only CA certificates are accepted: one,
 * or a bundle of several (`ca-bundle.crt` during a CA rotation: old and new root). Each root goes
 * in a file of its own (OpenSSL's hashed folder, `openssl rehash`, skips files holding several
 * certificates); the cross certificates of a rotation bundle are not trust anchors and are left
 * out. Installing a bundle again after `ca retire-old` removes the root it no longer holds.
 */
import { unlink } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import {
  type Certificate,
  expiryStatus,
  inspectCertificate,
  isIssuedBy,
  parseCertificates,
} from '@nodeid/sdk';
import type { Argv, CommandModule } from 'yargs';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';
import {
  anchorFiles,
  anchorNameFor,
  detectTrustStore,
  fileError,
  nodeNote,
  runUpdate,
  type TrustOptions,
  updateCommandLine,
  updateCommandOf,
  withTrustOptions,
  writePublicFile,
} from '../../lib/trust-store.js';

interface Args extends GlobalArgs, TrustOptions {
  caCert: string;
  name?: string;
  force: boolean;
}

/** Checks one CA certificate of the file: a CA that may sign certificates and has not expired. */
function checkCa(path: string, ca: Certificate): string[] {
  if (!ca.basicConstraints?.ca) {
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} (${ca.subject.text}) is not a CA certificate (no basicConstraints CA:TRUE); only the cluster CA belongs in the trust store`,
      EXIT.FAILED,
    );
  }
  if (ca.keyUsage && !ca.keyUsage.includes('keyCertSign')) {
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} (${ca.subject.text}) may not sign certificates (its keyUsage lacks keyCertSign)`,
      EXIT.FAILED,
    );
  }
  const status = expiryStatus(ca);
  if (status.status === 'expired')
    throw new CliError('ERR_CA_EXPIRED', `refused: ${status.message}`, EXIT.FAILED);
  return status.status === 'valid' ? [] : [status.message];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
/** Self-signed: issuer = subject and the certificate's own key verifies it (RFC 5280 §3.2). */
const selfSigned = async (c: Certificate) =>
  sameBytes(c.issuer.raw, c.subject.raw) && (await isIssuedBy(c, c));

/**
 * The roots of the file (self-signed CA certificates), each checked, and the cross certificates
 * between them (CA certificates of a root's name and key, e.g. a rotation's NewWithOld), which
 * are left out. Anything else, or a file with no root, is refused (exit 1).
 */
async function checkBundle(
  path: string,
  certs: Certificate[],
): Promise<{ roots: Certificate[]; crossCertificates: Certificate[]; warnings: string[] }> {
  if (certs.length === 0)
    throw new CliError('ERR_NOT_A_CA', `refused: ${path} holds no certificate`, EXIT.FAILED);
  const roots: Certificate[] = [];
  const others: Certificate[] = [];
  const warnings: string[] = [];
  for (const c of certs) {
    if (!c.basicConstraints?.ca || !(await selfSigned(c))) others.push(c);
    else if (!roots.some((r) => sameBytes(r.der, c.der))) roots.push(c);
  }
  const crossCertificates = others.filter(
    (c) =>
      c.basicConstraints?.ca && roots.some((r) => sameBytes(r.publicKey.spki, c.publicKey.spki)),
  );
  const stray = others.find((c) => !crossCertificates.includes(c));
  if (stray || roots.length === 0) {
    const c = stray ?? others[0]!;
    if (!c.basicConstraints?.ca) checkCa(path, c); // throws: not a CA
    throw new CliError(
      'ERR_NOT_A_CA',
      `refused: ${path} holds ${c.subject.text} (serial ${c.serialNumber}), which is not a root CA (self-signed) nor a cross certificate of one in the file; give the root CA certificates`,
      EXIT.FAILED,
    );
  }
  for (const r of roots) warnings.push(...checkCa(path, r));
  return { roots, crossCertificates, warnings };
}

/** One file name per root: `--name` or the CN, with `-2`, `-3`… for roots that share a name. */
function anchorNames(name: string | undefined, roots: Certificate[]): string[] {
  const names: string[] = [];
  for (const root of roots) {
    const base = anchorNameFor(name, root);
    let file = base;
    for (let n = 2; names.includes(file); n++) file = base.replace(/\.crt$/, `-${n}.crt`);
    names.push(file);
  }
  return names;
}

/** What a file of the anchor folder holds, for deciding whether it may be replaced. */
async function readAnchor(path: string): Promise<Certificate[] | undefined> {
  const existing = await readPemOrDer(path).catch(() => undefined);
  if (existing === undefined) return undefined;
  try {
    return parseCertificates(existing);
  } catch {
    return []; // not a certificate: something else has that name
  }
}

export const trustInstallCommand: CommandModule<GlobalArgs, Args> = {
  command: 'install <ca-cert>',
  describe: "add the cluster CA to the operating system's trust store",
  builder: (y) =>
    withTrustOptions(y)
      .positional('ca-cert', {
        type: 'string',
        demandOption: true,
        describe:
          'the CA certificate (PEM or DER), e.g. ca.crt of the CA folder, or a bundle of CA certificates (ca-bundle.crt)',
      })
      .option('name', {
        type: 'string',
        describe: 'file name in the trust store (default nodeid-<CA common name>.crt)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace a different certificate installed under the same name',
      })
      .example(
        'sudo $0 trust install ca.crt',
        'Debian/Ubuntu: /usr/local/share/ca-certificates + update-ca-certificates; RHEL/Fedora: /etc/pki/ca-trust/source/anchors + update-ca-trust extract',
      )
      .example('$0 trust install ca.crt --dry-run', 'print the exact steps, change nothing')
      .example(
        'sudo $0 trust install ca-bundle.crt',
        'during a CA rotation: the old and new roots, one file each; again after ca retire-old to drop the old one',
      )
      .example(
        '$0 trust install ca.crt --root /mnt/image',
        'into an image being built; run the printed update command inside it',
      )
      .epilog(
        `Node.js never reads the system trust store: give Node programs the CA with NODE_EXTRA_CA_CERTS=<file>.\n\n${exitCodes({ 0: 'installed (or already installed, or --dry-run)', 1: 'refused: not unexpired root CA certificates (a bundle may also hold cross certificates between them), or another certificate has that name (--force)', 2: 'bad arguments', 3: 'an error: unreadable file, unknown system, no permission, the update command failed' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const root = resolve(args.root);
    const input = await readPemOrDer(args.caCert);
    const { roots, crossCertificates, warnings } = await checkBundle(
      args.caCert,
      parseCertificates(input),
    );
    const store = await detectTrustStore(root, args.caCert, args.system);
    const hostDir = join(root, store.anchorDir);
    const names = anchorNames(args.name, roots);
    const sameCa = (c: Certificate) => roots.some((r) => sameBytes(r.subject.raw, c.subject.raw));

    // each root's file: absent, already this root, or another certificate; another copy or key
    // of the same CA (a renewed or rotated root) is replaced, anything else only with --force
    const files = await Promise.all(
      roots.map(async (ca, i) => {
        const name = names[i]!;
        const hostPath = join(hostDir, name);
        const held = await readAnchor(hostPath);
        const present: 'no' | 'same' | 'update' | 'other' =
          held === undefined
            ? 'no'
            : held.some((c) => sameBytes(c.der, ca.der))
              ? 'same'
              : held.length > 0 && held.every(sameCa)
                ? 'update'
                : 'other';
        return { ca, name, hostPath, systemPath: posix.join(store.anchorDir, name), present };
      }),
    );
    const clash = files.find((f) => f.present === 'other');
    if (clash && !args.force) {
      throw new CliError(
        'ERR_FILE_EXISTS',
        `refused: ${clash.hostPath} already holds a different certificate; choose another --name or replace it with --force`,
        EXIT.FAILED,
      );
    }
    // roots of this CA installed before under the numbered names and no longer in the file
    // (after `ca retire-old`): removed, so the trust store follows the bundle
    const numbered = new Set(
      names.map((n) => n.replace(/(-\d+)?\.crt$/, '')).map((stem) => `${stem}-`),
    );
    const stale: string[] = [];
    for (const path of await anchorFiles(hostDir)) {
      const file = basename(path);
      if (names.includes(file)) continue;
      if (![...numbered].some((p) => file.startsWith(p) && /^\d+\.crt$/.test(file.slice(p.length))))
        continue;
      const held = await readAnchor(path);
      if (
        held?.length === 1 &&
        sameCa(held[0]!) &&
        !roots.some((r) => sameBytes(r.der, held[0]!.der))
      )
        stale.push(path);
    }

    const isPem = typeof input === 'string';
    const change = stale.length ? 'uninstall' : 'install';
    const steps = [
      ...files.map((f) =>
        f.present === 'same'
          ? `# ${f.hostPath} already holds ${f.ca.subject.text} (serial ${f.ca.serialNumber})`
          : isPem && roots.length === 1 && crossCertificates.length === 0
            ? `install -D -m 0644 ${args.caCert} ${f.hostPath}`
            : `# write ${f.ca.subject.text} (serial ${f.ca.serialNumber}) to ${f.hostPath} (0644, PEM)`,
      ),
      ...stale.map((p) => `rm -f ${p}`),
      updateCommandLine(store, root, change),
    ];

    let update: { ran: boolean; note?: string } = { ran: false };
    if (!args.dryRun) {
      for (const f of files) {
        if (f.present === 'same') continue;
        try {
          await writePublicFile(hostDir, f.name, f.ca.pem);
        } catch (e) {
          throw fileError(e, 'write', f.hostPath);
        }
      }
      for (const path of stale) {
        try {
          await unlink(path);
        } catch (e) {
          throw fileError(e, 'remove', path);
        }
      }
      update = runUpdate(store, root, args.format === 'json', change);
    }

    const installed = await Promise.all(
      files.map(async (f) => ({
        subject: f.ca.subject.text,
        serialNumber: f.ca.serialNumber,
        sha256: (await inspectCertificate(f.ca)).fingerprints.sha256,
        path: f.hostPath,
        alreadyInstalled: f.present === 'same',
        replaced: f.present === 'update' || f.present === 'other',
      })),
    );
    const first = installed[0]!;
    const result = {
      dryRun: args.dryRun,
      system: store.system,
      description: store.description,
      subject: first.subject,
      sha256: first.sha256,
      path: first.path,
      alreadyInstalled: installed.every((c) => c.alreadyInstalled) && stale.length === 0,
      certificates: installed,
      removed: stale,
      crossCertificatesSkipped: crossCertificates.map((c) => c.serialNumber),
      steps,
      updateRan: update.ran,
      nodeExtraCaCerts: files[0]!.systemPath,
      warnings,
    };
    if (args.format === 'json') printJson(result);
    else {
      const what = roots.length === 1 ? roots[0]!.subject.text : `${roots.length} CAs`;
      const lines = args.dryRun
        ? [
            `dry run: nothing changed. To trust ${what} on ${store.description} (${store.system}), run:`,
            ...steps.map((s) => `  ${s}`),
          ]
        : [
            ...installed.map(
              (c) =>
                `${c.alreadyInstalled ? 'already installed' : 'installed'}: ${c.subject} as ${c.path} (${store.description})\n  SHA-256 ${c.sha256}`,
            ),
            ...stale.map((p) => `removed: ${p} (a root of this CA the file no longer holds)`),
            ...(crossCertificates.length
              ? [
                  `  left out ${crossCertificates.length} cross certificate(s): not trust anchors (the roots are)`,
                ]
              : []),
            update.ran
              ? `  ran ${updateCommandOf(store, change).join(' ')}`
              : `  ${updateCommandOf(store, change).join(' ')} ${update.note}`,
          ];
      const extra =
        files.length > 1
          ? `note: Node.js does not use the system trust store. Give Node programs the bundle itself: NODE_EXTRA_CA_CERTS=${resolve(args.caCert)} (it reads every certificate of the file), or pass it as the "ca" option of tls/https.`
          : nodeNote(files[0]!.systemPath, true);
      printText([...lines, ...warnings.map((w) => `warning: ${w}`), extra].join('\n'));
    }
    return EXIT.OK;
  }),
};
