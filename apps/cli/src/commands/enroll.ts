/**
 * `nodeid enroll`: the node's side of enrollment with nodeid-server. The key is made here and
 * never leaves the node; the server is trusted only once its CA matches the pinned fingerprint;
 * only the CSR and the one-time token are sent; the bundle is written with the key 0600.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BUNDLE_LAYOUTS,
  type BundleLayout,
  bundleFileNames,
  bundleFiles,
  createCsr,
  type DeniedName,
  type Identity,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  keyMatchesCertificate,
  PROFILES,
  type Profile,
  parseCertificate,
  verifyCertificate,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { CliError, EXIT } from '../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs, list } from '../lib/command.js';
import { safeBaseName } from '../lib/csr-names.js';
import { exists } from '../lib/files.js';
import { callApi, parseServerUrl } from '../lib/http-client.js';
import { painter, printJson, printText, useColor } from '../lib/output.js';
import { readPassphrase } from '../lib/passphrase.js';
import { fetchPinnedCa, parseFingerprint } from '../lib/pinned-ca.js';
import {
  checkPkcs12Flags,
  PKCS12_WRITE_OPTIONS,
  type Pkcs12WriteFlags,
  pkcs12PassphraseOf,
} from '../lib/pkcs12-options.js';

interface Args extends GlobalArgs, Pkcs12WriteFlags {
  server: string;
  token?: string;
  tokenFile?: string;
  fingerprint: string;
  name?: string;
  profile: Profile;
  dns?: string[];
  ip?: string[];
  uri?: string[];
  algorithm: KeyAlgorithm;
  out?: string;
  layout: BundleLayout;
  force: boolean;
  keyPassphraseFile?: string;
}

/** What the server answers to POST /v1/sign. */
interface SignResponse {
  certificate: string;
  chain: string[];
  granted: string[];
  denied: DeniedName[];
  serialNumber: string;
  notAfter: string;
}

const TOKEN = /^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/;

/** The one-time token from --token or --token-file, checked for shape before anything is sent. */
async function readToken(args: Args): Promise<string> {
  let token = args.token;
  if (args.tokenFile !== undefined) {
    try {
      token = (await readFile(args.tokenFile, 'utf8')).trim();
    } catch {
      throw new CliError('ERR_FILE_NOT_FOUND', `cannot read the token file ${args.tokenFile}`);
    }
  }
  if (!token || !TOKEN.test(token.trim()))
    throw new CliError(
      'ERR_USAGE',
      'the token does not look like an enrollment token (<16 hex>.<43 base64url>); copy it whole from "nodeid token create"',
      EXIT.USAGE,
    );
  return token.trim();
}

export const enrollCommand = defineCommand<Args>({
  command: 'enroll',
  describe:
    'get this node its certificate from nodeid-server with a one-time token (the key is made here and never sent)',
  builder: (y) =>
    y
      .option('server', {
        type: 'string',
        demandOption: true,
        describe: 'nodeid-server URL, https://host:port',
      })
      .option('token', {
        type: 'string',
        describe: 'the one-time token from "nodeid token create"',
      })
      .option('token-file', {
        type: 'string',
        describe: 'read the token from this file instead (keeps it out of the process list)',
      })
      .option('fingerprint', {
        type: 'string',
        demandOption: true,
        describe: "the CA's SHA-256 fingerprint (SHA256:AB:CD:…) as the admin gave it",
      })
      .option('name', {
        type: 'string',
        describe: "this node's FQDN, as the token was made for (default: the host name)",
      })
      .option('profile', {
        choices: PROFILES as Profile[],
        default: 'node' as Profile,
        describe: 'what to request: node asks for the short name and the FQDN',
      })
      .option('dns', { type: 'array', string: true, describe: 'extra DNS name to ask for' })
      .option('ip', { type: 'array', string: true, describe: 'IP address to ask for' })
      .option('uri', { type: 'array', string: true, describe: 'URI to ask for' })
      .option('algorithm', {
        choices: KEY_ALGORITHMS as KeyAlgorithm[],
        default: 'P-256' as KeyAlgorithm,
        describe: 'key algorithm',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for the bundle (default ./<name>; made 0700)',
      })
      .option('layout', {
        choices: BUNDLE_LAYOUTS as BundleLayout[],
        default: 'plain' as BundleLayout,
        describe:
          'file names: plain <name>.crt/.key, scale <fqdn>.pem, aistore, kubernetes, kubernetes-secret (secret.yaml), flocker, pkcs12 (<name>.p12 + truststore.p12)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace existing files in the folder',
      })
      .option('key-passphrase-file', {
        type: 'string',
        describe: 'write the key encrypted with the passphrase in this file (PKCS#8, AES-256)',
      })
      .options(PKCS12_WRITE_OPTIONS)
      .check((a) => {
        checkPkcs12Flags(a);
        if (Boolean(a.token) === Boolean(a['token-file']))
          throw new CliError(
            'ERR_USAGE',
            'give the token with --token or --token-file (one of them)',
            EXIT.USAGE,
          );
        return true;
      })
      .example(
        '$0 enroll --server https://head:8443 --token-file /run/token --fingerprint SHA256:E9:2C:… --name node1.example.net --out /etc/nodeid',
        '/etc/nodeid (0700): node1.example.net.crt, node1.example.net.key (0600), ca.crt',
      )
      .example(
        '$0 enroll --server https://head:8443 --token "$TOKEN" --fingerprint "$FP" --layout scale --out /var/mmfs/ssl',
        "Storage Scale's file names",
      )
      .epilog(
        `The server's CA certificate is fetched once without trusting the connection and accepted only if its SHA-256 equals --fingerprint; every later request is verified against that CA alone. Existing files are checked before the token is used, and never replaced without --force. Names the token does not allow are denied and listed; the certificate holds the granted ones.\n\n${exitCodes(
          {
            0: 'enrolled: the bundle was written (denied names, if any, are listed)',
            1: 'the server refused: the token is unknown, used, expired or cancelled, or every name was denied',
            2: 'bad arguments (a malformed token or fingerprint)',
            3: 'nothing written: cannot reach the server, a file is in the way or cannot be written',
            4: 'nothing sent or written: the CA does not match --fingerprint, or TLS verification failed',
          },
        )}`,
      ),
  handler: action(async (args) => {
    const server = parseServerUrl(args.server);
    const pin = parseFingerprint(args.fingerprint);
    const token = await readToken(args);
    const name = args.name ?? hostname();
    const base = safeBaseName(name);
    const outDir = resolve(args.out ?? base);

    const pinned = await fetchPinnedCa(server, pin);
    const csr = await createCsr({
      name,
      profile: args.profile,
      dns: list(args.dns),
      ips: list(args.ip),
      uris: list(args.uri),
      algorithm: args.algorithm,
    });
    // The file names depend only on the layout, the name and the profile: learn them from the SDK
    // with the CA as a stand-in certificate, so a file in the way stops us before the token is used.
    const standIn: Identity = {
      certificate: pinned.certificate,
      chain: [pinned.certificate],
      privateKey: csr.keyPair.privateKey,
      publicKey: csr.keyPair.publicKey,
      algorithm: args.algorithm,
      warnings: [],
    };
    const keyPassphrase = args.keyPassphraseFile
      ? await readPassphrase({ passphraseFile: args.keyPassphraseFile })
      : undefined;
    const p12Passphrase = await pkcs12PassphraseOf(args);
    const bundleOptions = {
      name: base,
      profile: args.profile,
      ...(keyPassphrase && { passphrase: keyPassphrase }),
      ...(p12Passphrase && { pkcs12Passphrase: p12Passphrase }),
    };
    const planned = bundleFileNames(standIn.certificate, args.layout, bundleOptions);
    if (!args.force) {
      const inTheWay = [];
      for (const f of planned) if (await exists(join(outDir, f))) inTheWay.push(join(outDir, f));
      if (inTheWay.length)
        throw new CliError(
          'ERR_FILE_EXISTS',
          `${inTheWay.join(', ')} already exist${inTheWay.length === 1 ? 's' : ''}; the token was not used (replace them with --force)`,
        );
    }

    const signed = await callApi<SignResponse>(server, '/v1/sign', {
      method: 'POST',
      trust: pinned.trust,
      json: { csr: csr.pem, token },
    });
    const certificate = parseCertificate(signed.certificate);
    const chain = signed.chain.map((p) => parseCertificate(p));
    if (!(await keyMatchesCertificate(csr.keyPair, certificate)))
      throw new CliError(
        'ERR_BAD_RESPONSE',
        'the server returned a certificate for another key; nothing was written',
      );
    const verified = await verifyCertificate({
      certificate,
      trustAnchors: [pinned.certificate],
      intermediates: chain,
    });
    if (!verified.ok)
      throw new CliError(
        'ERR_BAD_RESPONSE',
        `the certificate the server returned does not verify against the pinned CA: ${verified.message} (${verified.code}); nothing was written`,
      );
    const identity: Identity = { ...standIn, certificate, chain };
    const written = await writeBundle(
      outDir,
      await bundleFiles(identity, args.layout, bundleOptions),
      { force: args.force },
    );
    const result = {
      name,
      serialNumber: signed.serialNumber,
      notAfter: signed.notAfter,
      granted: signed.granted,
      denied: signed.denied,
      caFingerprint: pinned.fingerprint,
      dir: written.dir,
      files: written.files.map((f) => ({
        path: f.path,
        mode: `0${f.mode.toString(8)}`,
        replaced: f.replaced,
      })),
      warnings: written.warnings,
    };
    if (args.format === 'json') printJson(result);
    else {
      const paint = painter(useColor(args.format));
      printText(
        [
          `enrolled ${name}: certificate ${signed.serialNumber}, valid until ${signed.notAfter}`,
          `  granted ${signed.granted.join(', ') || '(none)'}`,
          ...signed.denied.map((d) => `  ${paint('yellow', 'denied')}  ${d.name}: ${d.reason}`),
          ...written.files.map(
            (f) =>
              `wrote ${f.path} (0${f.mode.toString(8)})${f.mode === 0o600 ? ': the key never left this machine' : ''}`,
          ),
          ...written.warnings.map((w) => `warning: ${w}`),
        ].join('\n'),
      );
    }
    return EXIT.OK;
  }),
});
