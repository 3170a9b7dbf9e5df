/**
 * `nodeid ca init <cluster-name>`: create the cluster CA folder, a self-signed root (the default,
 * `--root-only`) or an intermediate's key and CSR (`--intermediate`) for an offline root to sign.
 */
import { join } from 'node:path';
import {
  checkCrlUrl,
  createCa,
  createCaCsr,
  exportPrivateKeyPem,
  inspectCertificate,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import {
  type CaConfig,
  CONFIG_FILE,
  INVENTORY_FILE,
  openInventory,
  resolveCaDir,
} from '../../lib/ca-folder.js';
import { type CaKeyArgs, withCaKey } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, list } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';

interface Args extends CaKeyArgs {
  clusterName: string;
  org?: string;
  country?: string;
  commonName?: string;
  algorithm: KeyAlgorithm;
  days?: number;
  pathLength?: number;
  intermediate?: boolean;
  rootOnly?: boolean;
  crlUrl?: string;
  permitDns?: string[];
  excludeDns?: string[];
  permitIp?: string[];
  excludeIp?: string[];
  passphrase: boolean;
  layout: 'nodeid' | 'flocker';
}

export const caInitCommand = defineCommand<Args>({
  command: 'init <cluster-name>',
  describe: 'create the cluster CA: certificate, key and inventory in the CA folder',
  builder: (y) =>
    withCaKey(y)
      .positional('cluster-name', {
        type: 'string',
        demandOption: true,
        describe: 'name of the cluster; node certificates get it as their CN',
      })
      .option('org', {
        type: 'string',
        describe: 'organization (O) of the CA and its certificates',
      })
      .option('country', { type: 'string', describe: 'two-letter country code (C)' })
      .option('common-name', {
        type: 'string',
        describe: 'CN of the CA (default "<cluster-name> CA")',
      })
      .option('algorithm', {
        choices: KEY_ALGORITHMS as KeyAlgorithm[],
        default: 'P-256' as KeyAlgorithm,
        describe: 'key algorithm',
      })
      .option('days', {
        type: 'number',
        describe: 'lifetime in days (default 3650; an intermediate gets its lifetime from ca sign)',
      })
      .option('intermediate', {
        type: 'boolean',
        describe:
          'make an intermediate CA: its key and a CSR (ca.csr) for the root to sign with `ca sign`, then `ca import`',
      })
      .option('root-only', {
        type: 'boolean',
        describe: 'make a self-signed root CA (the default)',
      })
      .option('crl-url', {
        type: 'string',
        describe:
          'CRL address (http URL) written into every certificate this CA issues; nodeid-server serves the CRL at its path',
      })
      .conflicts('intermediate', 'root-only')
      .option('path-length', {
        type: 'number',
        describe: 'most intermediate CAs allowed below this one',
      })
      .option('permit-dns', {
        type: 'array',
        string: true,
        describe: 'only issue for these DNS domains (repeatable)',
      })
      .option('exclude-dns', {
        type: 'array',
        string: true,
        describe: 'never issue for these DNS domains (repeatable)',
      })
      .option('permit-ip', {
        type: 'array',
        string: true,
        describe: 'only issue for these IP ranges, CIDR (repeatable)',
      })
      .option('exclude-ip', {
        type: 'array',
        string: true,
        describe: 'never issue for these IP ranges, CIDR (repeatable)',
      })
      .option('passphrase', {
        type: 'boolean',
        default: true,
        describe: 'encrypt the CA key; --no-passphrase writes it unencrypted',
      })
      .option('layout', {
        choices: ['nodeid', 'flocker'] as const,
        default: 'nodeid' as const,
        describe: 'file names: ca.crt/ca.key, or cluster.crt/cluster.key as Flocker names them',
      })
      .example(
        '$0 ca init scale.cluster --org Example --passphrase-file pass.txt',
        'a P-256 CA valid 10 years, key encrypted',
      )
      .example(
        '$0 ca init flocker.cluster --layout flocker --no-passphrase --dir /etc/flocker-ca',
        "Flocker's cluster.crt/cluster.key",
      )
      .example(
        '$0 ca init lab --permit-dns example.net --permit-ip 10.0.0.0/8',
        'a CA that can only issue inside example.net and 10/8',
      )
      .example(
        '$0 ca init scale.cluster --intermediate --common-name "rack-1 CA" --dir sub --crl-url http://ca.example.net:8443/v1/crl',
        'an intermediate: key and sub/ca.csr, to sign with `ca sign` on the root host',
      )
      .epilog(
        exitCodes({
          0: 'the CA was created',
          2: 'bad arguments, or no passphrase given',
          3: 'the folder already holds a CA, or a file could not be written (nothing is overwritten)',
        }),
      ),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    const crlUrl = args.crlUrl === undefined ? undefined : checkCrlUrl(args.crlUrl);
    if (args.intermediate) {
      const rootOnly = [
        ['--days', args.days],
        ['--path-length', args.pathLength],
        ['--permit-dns', list(args.permitDns).length || undefined],
        ['--exclude-dns', list(args.excludeDns).length || undefined],
        ['--permit-ip', list(args.permitIp).length || undefined],
        ['--exclude-ip', list(args.excludeIp).length || undefined],
      ].filter(([, v]) => v !== undefined);
      if (rootOnly.length)
        throw new CliError(
          'ERR_USAGE',
          `${rootOnly.map(([f]) => f).join(', ')}: the root decides an intermediate's lifetime, path length and name constraints; pass them to \`nodeid ca sign\` on the root host`,
          EXIT.USAGE,
        );
    }
    const passphrase = args.passphrase
      ? await readPassphrase({
          passphraseFile: args.passphraseFile,
          prompt: 'Passphrase for the new CA key',
          confirm: true,
        })
      : undefined;
    if (args.passphrase && !passphrase) {
      throw new CliError(
        'ERR_PASSPHRASE_REQUIRED',
        'the CA key must be encrypted: give a passphrase with --passphrase-file or NODEID_CA_PASSPHRASE, or pass --no-passphrase to write it unencrypted',
        EXIT.USAGE,
      );
    }
    if (args.intermediate) return initIntermediate(args, dir, passphrase, crlUrl);
    const ca = await createCa({
      clusterName: args.clusterName,
      commonName: args.commonName,
      organization: args.org,
      country: args.country,
      algorithm: args.algorithm,
      days: args.days ?? 3650,
      pathLength: args.pathLength,
      nameConstraints: {
        permittedDns: list(args.permitDns),
        excludedDns: list(args.excludeDns),
        permittedIps: list(args.permitIp),
        excludedIps: list(args.excludeIp),
      },
    });
    const config = newFolderConfig(args, 'root', passphrase, crlUrl);
    const keyPem = await exportPrivateKeyPem(ca.privateKey, passphrase ? { passphrase } : {});
    const written = await writeNewFolder(
      dir,
      config,
      { path: config.certificateFile, contents: ca.certificate.pem },
      keyPem,
      { clusterName: args.clusterName, subject: ca.certificate.subject.text },
    );
    const info = await inspectCertificate(ca.certificate);
    const result = {
      dir: written.dir,
      clusterName: args.clusterName,
      certificate: join(written.dir, config.certificateFile),
      key: join(written.dir, config.keyFile),
      keyEncrypted: config.keyEncrypted,
      inventory: join(written.dir, INVENTORY_FILE),
      subject: info.subject.text,
      notAfter: info.notAfter,
      fingerprintSha256: info.fingerprints.sha256,
      crlUrl,
      warnings: [...ca.warnings, ...written.warnings],
    };
    if (args.format === 'json') printJson(result);
    else {
      printText(
        [
          `Created the CA of cluster ${args.clusterName} in ${written.dir}`,
          `  certificate  ${result.certificate} (0644)`,
          `  key          ${result.key} (0600, ${config.keyEncrypted ? 'encrypted' : 'NOT encrypted'})`,
          `  inventory    ${result.inventory}`,
          `  subject      ${result.subject}`,
          `  valid until  ${result.notAfter}`,
          `  SHA-256      ${result.fingerprintSha256}`,
          ...(crlUrl ? [`  CRL address  ${crlUrl} (in every certificate this CA issues)`] : []),
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    }
    return EXIT.OK;
  }),
});

/**
 * The `nodeid.json` of a new CA folder: the files named as Flocker names them with `--layout
 * flocker`, whether the key is encrypted, the role (an intermediate also names its CSR) and the
 * CRL address.
 */
function newFolderConfig(
  args: Args,
  role: 'root' | 'intermediate',
  passphrase: string | undefined,
  crlUrl: string | undefined,
): CaConfig {
  const flocker = args.layout === 'flocker';
  return {
    version: 1,
    clusterName: args.clusterName,
    certificateFile: flocker ? 'cluster.crt' : 'ca.crt',
    keyFile: flocker ? 'cluster.key' : 'ca.key',
    keyEncrypted: Boolean(passphrase),
    createdAt: new Date().toISOString(),
    role,
    ...(role === 'intermediate' && { csrFile: 'ca.csr' }),
    ...(crlUrl && { crlUrl }),
  };
}

/**
 * Writes a new CA folder, never over an existing file: `first` (the certificate, or an
 * intermediate's CSR) 0644, the key 0600, `nodeid.json`; then records `ca.init` with `detail`
 * in the folder's new inventory.
 */
async function writeNewFolder(
  dir: string,
  config: CaConfig,
  first: { path: string; contents: string },
  keyPem: string,
  detail: Record<string, unknown>,
) {
  const written = await writeBundle(dir, [
    { ...first, mode: 0o644 },
    { path: config.keyFile, contents: keyPem, mode: 0o600 },
    { path: CONFIG_FILE, contents: `${JSON.stringify(config, null, 2)}\n`, mode: 0o644 },
  ]);
  const store = await openInventory(written.dir);
  await store.appendAudit({ at: new Date(), action: 'ca.init', detail });
  await store.close();
  return written;
}

/** `ca init --intermediate`: the key (encrypted as for a root), `ca.csr` and `nodeid.json`. */
async function initIntermediate(
  args: Args,
  dir: string,
  passphrase: string | undefined,
  crlUrl: string | undefined,
): Promise<number> {
  const csr = await createCaCsr({
    clusterName: args.clusterName,
    commonName: args.commonName,
    organization: args.org,
    country: args.country,
    algorithm: args.algorithm,
  });
  const config = newFolderConfig(args, 'intermediate', passphrase, crlUrl);
  const keyPem = await exportPrivateKeyPem(
    csr.keyPair.privateKey,
    passphrase ? { passphrase } : {},
  );
  const written = await writeNewFolder(
    dir,
    config,
    { path: config.csrFile!, contents: csr.pem },
    keyPem,
    { clusterName: args.clusterName, role: 'intermediate' },
  );
  const csrPath = join(written.dir, config.csrFile!);
  const result = {
    dir: written.dir,
    clusterName: args.clusterName,
    role: 'intermediate',
    csr: csrPath,
    key: join(written.dir, config.keyFile),
    keyEncrypted: config.keyEncrypted,
    inventory: join(written.dir, INVENTORY_FILE),
    crlUrl,
    next: [
      `nodeid ca sign ${csrPath} --dir ROOT --out intermediate.crt`,
      `nodeid ca import intermediate.crt --dir ${written.dir}`,
    ],
    warnings: written.warnings,
  };
  if (args.format === 'json') printJson(result);
  else
    printText(
      [
        `Created the intermediate CA key and CSR of cluster ${args.clusterName} in ${written.dir}`,
        `  CSR          ${csrPath} (CA:TRUE; carry it to the root host)`,
        `  key          ${result.key} (0600, ${config.keyEncrypted ? 'encrypted' : 'NOT encrypted'})`,
        `  inventory    ${result.inventory}`,
        ...(crlUrl ? [`  CRL address  ${crlUrl} (in every certificate this CA issues)`] : []),
        'Next, on the root host and then here:',
        ...result.next.map((c) => `  ${c}`),
        ...result.warnings.map((w) => `warning: ${w}`),
      ].join('\n'),
    );
  return EXIT.OK;
}
