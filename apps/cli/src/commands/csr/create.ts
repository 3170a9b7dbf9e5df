/**
 * `nodeid csr create <fqdn>`: the node's half of the "key never leaves the node" flow. The key is
 * made here and written next to the request; only the request goes to the CA host.
 */
import {
  createCsr,
  exportPrivateKeyPem,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  PROFILES,
  type Profile,
  parseCsr,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import type { CommandModule } from 'yargs';
import { EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, type GlobalArgs, list } from '../../lib/command.js';
import { requestedNameList, safeBaseName } from '../../lib/csr-names.js';
import { printJson, printText } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';

interface Args extends GlobalArgs {
  fqdn: string;
  dns?: string[];
  ip?: string[];
  uri?: string[];
  algorithm: KeyAlgorithm;
  profile: Profile;
  org?: string;
  out?: string;
  name?: string;
  force: boolean;
  keyPassphraseFile?: string;
}

export const csrCreateCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create <fqdn>',
  describe: 'make a key and a certificate signing request on this node (the key never leaves it)',
  builder: (y) =>
    y
      .positional('fqdn', {
        type: 'string',
        demandOption: true,
        describe: "this node's FQDN (a user name with --profile client)",
      })
      .option('dns', {
        type: 'array',
        string: true,
        describe: 'extra DNS name to request (repeatable)',
      })
      .option('ip', { type: 'array', string: true, describe: 'IP address to request (repeatable)' })
      .option('uri', {
        type: 'array',
        string: true,
        describe: 'URI to request, e.g. spiffe://cluster/node1 (repeatable)',
      })
      .option('algorithm', {
        choices: KEY_ALGORITHMS as KeyAlgorithm[],
        default: 'P-256' as KeyAlgorithm,
        describe: 'key algorithm',
      })
      .option('profile', {
        choices: PROFILES as Profile[],
        default: 'node' as Profile,
        describe: 'what the certificate will be for: node requests the short name and the FQDN',
      })
      .option('org', { type: 'string', describe: 'organization (O) to request' })
      .option('out', {
        type: 'string',
        describe: 'folder for <fqdn>.key and <fqdn>.csr (default ./<fqdn>; made 0700)',
      })
      .option('name', { type: 'string', describe: 'base name of the two files (default the fqdn)' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace an existing key and request',
      })
      .option('key-passphrase-file', {
        type: 'string',
        describe: 'encrypt the key with the passphrase in this file',
      })
      .example(
        '$0 csr create node1.example.net --ip 10.0.0.1 --out /etc/nodeid',
        'on the node: node1.example.net.key (0600) and .csr',
      )
      .example(
        'scp /etc/nodeid/node1.example.net.csr ca-host:',
        'only the request travels; then on the CA host: nodeid csr sign node1.example.net.csr --allow-dns .example.net',
      )
      .epilog(
        `The key is written with mode 0600 in a 0700 folder and is never printed. Existing files are never replaced without --force.\n\n${exitCodes({ 0: 'the key and the request were written', 2: 'bad arguments or names', 3: 'nothing written: a file is in the way or cannot be written' })}`,
      ),
  handler: action(async (args) => {
    const keyPassphrase = args.keyPassphraseFile
      ? await readPassphrase({ passphraseFile: args.keyPassphraseFile })
      : undefined;
    const csr = await createCsr({
      name: args.fqdn,
      profile: args.profile,
      organization: args.org,
      dns: list(args.dns),
      ips: list(args.ip),
      uris: list(args.uri),
      algorithm: args.algorithm,
    });
    const base = safeBaseName(args.name ?? args.fqdn);
    const keyPem = await exportPrivateKeyPem(
      csr.keyPair.privateKey,
      keyPassphrase ? { passphrase: keyPassphrase } : {},
    );
    const written = await writeBundle(
      args.out ?? base,
      [
        { path: `${base}.key`, contents: keyPem, mode: 0o600 },
        { path: `${base}.csr`, contents: csr.pem, mode: 0o644 },
      ],
      { force: args.force },
    );
    const [keyFile, csrFile] = written.files;
    const requested = requestedNameList((await parseCsr(csr.pem)).requestedNames);
    const result = {
      name: args.fqdn,
      dir: written.dir,
      key: {
        path: keyFile!.path,
        mode: `0${keyFile!.mode.toString(8)}`,
        encrypted: Boolean(keyPassphrase),
      },
      csr: { path: csrFile!.path, mode: `0${csrFile!.mode.toString(8)}` },
      algorithm: args.algorithm,
      requested,
      warnings: written.warnings,
    };
    if (args.format === 'json') printJson(result);
    else {
      printText(
        [
          `wrote ${result.key.path} (${result.key.mode}${keyPassphrase ? ', encrypted' : ''}): the key stays on this machine`,
          `wrote ${result.csr.path}: send this file to the CA host`,
          `  requested ${requested.join(', ') || '(no names)'}`,
          `next, on the CA host: nodeid csr sign ${base}.csr --allow-dns <names> --allow-ip <addresses> (or --allow-requested) --out <folder>`,
          ...written.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    }
    return EXIT.OK;
  }),
};
