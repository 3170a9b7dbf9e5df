/**
 * `nodeid ca import <cert> --dir SUB`: install the intermediate certificate the root signed
 * (`ca sign`) into the folder `ca init --intermediate` made, with the CAs above it. Checked
 * before anything is written: it is for this folder's key, it is a CA with keyCertSign, and it
 * chains to the root (RFC 5280 path validation). Writes `ca.crt` (the intermediate alone),
 * `chain.crt` (CAs between it and the root, when any) and `root.crt` (the trust anchor).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Certificate,
  inspectCertificate,
  parseCertificates,
  parseCsr,
  verifyCertificate,
} from '@nodeid/sdk';
import { writeBundle, writeCaConfig } from '@nodeid/sdk/node';
import { openInventory, readCaConfig, resolveCaDir } from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { exists, readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaDirArgs {
  cert: string;
  root?: string;
  force: boolean;
}

const CHAIN_FILE = 'chain.crt';
const ROOT_FILE = 'root.crt';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function selfIssued(c: Certificate): boolean {
  return sameBytes(c.subject.raw, c.issuer.raw);
}

export const caImportCommand = defineCommand<Args>({
  command: 'import <cert>',
  describe: 'install the signed intermediate CA certificate (and its chain) in this CA folder',
  builder: (y) =>
    withCaDir(y)
      .positional('cert', {
        type: 'string',
        demandOption: true,
        describe:
          'what `ca sign` wrote: the intermediate certificate, then the CAs above it (the root last)',
      })
      .option('root', {
        type: 'string',
        describe: 'the root CA certificate, when the file does not end with it',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace an intermediate certificate imported before (same key)',
      })
      .example('$0 ca import rack1.crt --dir sub', 'the file holds intermediate + root')
      .example('$0 ca import rack1.crt --root root.crt --dir sub', 'the root comes separately')
      .epilog(
        exitCodes({
          0: 'installed: the folder issues from the intermediate from now on',
          1: "refused: not this folder's key, not a CA with keyCertSign, or it does not chain to the root",
          2: 'bad arguments',
          3: 'not an intermediate CA folder, already imported (without --force), or a file could not be read or written',
        }),
      ),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    const config = await readCaConfig(dir);
    if (config.role !== 'intermediate')
      throw new CliError(
        'ERR_CA_FOLDER',
        `${dir} holds a root CA, not an intermediate; make one with \`nodeid ca init <cluster> --intermediate --dir SUB\``,
      );
    if (!args.force && (await exists(join(dir, config.certificateFile))))
      throw new CliError(
        'ERR_FILE_EXISTS',
        `${join(dir, config.certificateFile)} is already installed; pass --force to replace it with a newly signed certificate for the same key`,
      );
    const given = parseCertificates(await readPemOrDer(args.cert));
    const extraRoot = args.root ? parseCertificates(await readPemOrDer(args.root)) : [];
    const [intermediate, ...rest] = given;
    if (!intermediate)
      throw new CliError('ERR_CERTIFICATE_INVALID', `${args.cert} holds no certificate`);

    // the folder's key is the one its CSR was signed with (the root checked that proof of possession)
    const csrPath = join(dir, config.csrFile ?? 'ca.csr');
    let csrText: string;
    try {
      csrText = await readFile(csrPath, 'utf8');
    } catch {
      throw new CliError('ERR_CA_FOLDER', `cannot read ${csrPath}, the CSR this folder made`);
    }
    const csr = await parseCsr(csrText);
    if (!sameBytes(csr.publicKey.spki, intermediate.publicKey.spki))
      throw new CliError(
        'ERR_KEY_MISMATCH',
        `${args.cert} certifies another key, not the key of ${dir} (its CSR is ${csrPath}); sign this folder's CSR with \`nodeid ca sign\``,
        EXIT.FAILED,
      );
    // RFC 5280 §4.2.1.9 / §4.2.1.3: a certificate that signs others is cA with keyCertSign
    if (!intermediate.basicConstraints?.ca || !intermediate.keyUsage?.includes('keyCertSign'))
      throw new CliError(
        'ERR_CA_INVALID',
        `${args.cert} is not a CA certificate with keyCertSign; it cannot issue certificates`,
        EXIT.FAILED,
      );

    const candidates = [...rest, ...extraRoot];
    const root =
      extraRoot.at(-1) ?? (rest.length && selfIssued(rest.at(-1)!) ? rest.at(-1) : undefined);
    if (!root)
      throw new CliError(
        'ERR_UNKNOWN_AUTHORITY',
        `${args.cert} does not end with a self-signed root CA; give the root with --root FILE`,
        EXIT.FAILED,
      );
    const result = await verifyCertificate({
      certificate: intermediate,
      trustAnchors: [root],
      intermediates: candidates.filter((c) => c !== root),
    });
    if (!result.ok)
      throw new CliError(
        result.code,
        `${args.cert} does not chain to the root ${root.subject.text}: ${result.message}`,
        EXIT.FAILED,
      );
    // the path found, intermediate first and root last: what lies between goes to chain.crt
    const between = result.chain.slice(1, -1);
    const files = [
      { path: config.certificateFile, contents: intermediate.pem, mode: 0o644 },
      { path: ROOT_FILE, contents: root.pem, mode: 0o644 },
    ];
    if (between.length)
      files.push({ path: CHAIN_FILE, contents: between.map((c) => c.pem).join(''), mode: 0o644 });
    const written = await writeBundle(dir, files, { force: true });
    const { chainFile: _old, ...kept } = config;
    await writeCaConfig(dir, {
      ...kept,
      rootFile: ROOT_FILE,
      ...(between.length && { chainFile: CHAIN_FILE }),
    });
    const store = await openInventory(dir);
    await store.appendAudit({
      at: new Date(),
      action: 'ca.import',
      serialNumber: intermediate.serialNumber,
      detail: { subject: intermediate.subject.text, root: root.subject.text },
    });
    await store.close();
    const info = await inspectCertificate(intermediate);
    const out = {
      dir,
      certificate: join(dir, config.certificateFile),
      chain: between.length ? join(dir, CHAIN_FILE) : undefined,
      root: join(dir, ROOT_FILE),
      subject: info.subject.text,
      issuer: info.issuer.text,
      path: result.chain.map((c) => c.subject.text),
      notAfter: info.notAfter,
      fingerprintSha256: info.fingerprints.sha256,
      warnings: written.warnings,
    };
    if (args.format === 'json') printJson(out);
    else
      printText(
        [
          `Installed the intermediate CA ${out.subject} in ${dir}`,
          `  certificate  ${out.certificate}`,
          ...(out.chain ? [`  chain        ${out.chain}`] : []),
          `  root         ${out.root} (the trust anchor nodes install)`,
          `  path         ${out.path.join(' <- ')}`,
          `  valid until  ${out.notAfter}`,
          'The root folder is no longer needed here: keep it offline.',
          ...out.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    return EXIT.OK;
  }),
});
