/**
 * `nodeid cert inspect <file|-|tls://host:port>`: what a certificate, bundle, CSR, CRL or key
 * contains, or the chain a TLS endpoint presents (read without trusting it).
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import {
  inspectAll,
  NodeIdError,
  parseCertificate,
  parsePkcs12,
  parseTarget,
  renderText,
} from '@nodeid/sdk';
import { readPresentedChain } from '@nodeid/sdk/node';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readInput } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';
import {
  CLIENT_CERTIFICATE_OPTIONS,
  type ClientCertificateFlags,
  endpointFacts,
  endpointNotes,
  readClientCertificate,
  timeoutMs,
} from '../../lib/targets.js';

interface Args extends GlobalArgs, ClientCertificateFlags {
  file: string;
  passphraseFile?: string;
  sni?: string;
  timeout: string;
}

export const certInspectCommand = defineCommand<Args>({
  command: 'inspect <file>',
  describe: 'show what a certificate, bundle, CSR, CRL or key holds (inspecting is not verifying)',
  builder: (y) =>
    y
      .positional('file', {
        type: 'string',
        demandOption: true,
        describe:
          'PEM or DER file, - for standard input, or a TLS endpoint (tls://host:port, host:port, https://host[:port], [v6]:port)',
      })
      .option('sni', {
        type: 'string',
        describe: 'for an endpoint: the server name to send (default its host; none for an IP)',
      })
      .option('timeout', {
        type: 'string',
        default: '5s',
        describe: 'for an endpoint: connect + TLS handshake timeout',
      })
      .options(CLIENT_CERTIFICATE_OPTIONS)
      .option('passphrase-file', {
        type: 'string',
        describe:
          'passphrase of an encrypted key (to describe its public half) or of a PKCS#12 file (.p12, .pfx)',
      })
      .example('$0 cert inspect node1.crt', 'like openssl x509 -text, trimmed to what matters')
      .example(
        'cat bundle.pem | $0 cert inspect - --format json',
        'every block of a bundle as JSON, read from standard input',
      )
      .example(
        '$0 cert inspect client.p12 --passphrase-file p12.pass',
        'every certificate of a PKCS#12 keystore, with its alias',
      )
      .example(
        '$0 cert inspect tls://192.168.9.135:5696',
        'the chain a key server presents (not trusted, not verified)',
      )
      .example(
        '$0 cert inspect tls://kms1.example.net:5696 --client-cert client.crt --client-key client.key',
        'a key server that insists on mutual TLS, with a client certificate',
      )
      .example(
        '$0 cert inspect https://node1.example.net --sni node1 --format json',
        'what node1 serves when asked for "node1"',
      )
      .epilog(
        `Inspecting only says what a file contains. It does not check signatures, the chain, dates or names: use "nodeid cert verify" for that (or "nodeid fleet check --ca" for endpoints). Private keys are described by their public half only; no secret is printed. An endpoint's chain is printed exactly as the server sent it, in its order, extra certificates included; a certificate that is not on the leaf's chain (chain-extra) or a chain out of issuing order (chain-order) gets a note ("chainProblems" in JSON). A server that asks for or insists on a client certificate is noted and its chain still printed; --client-cert and --client-key present one. A text naming an existing file is read as the file (write tls://host:port for the endpoint).\n\n${exitCodes({ 0: 'inspected', 2: 'bad arguments', 3: 'the file cannot be read or holds nothing nodeid understands, or the endpoint is unreachable' })}`,
      ),
  handler: action(async (args) => {
    const target = parseTargetOrUsage(args.file);
    if (target.kind === 'endpoint') {
      const ms = timeoutMs(args.timeout);
      const clientCertificate = await readClientCertificate(args);
      const r = await readPresentedChain(
        {
          host: target.host,
          port: target.port,
          ...(args.sni !== undefined && { servername: args.sni }),
        },
        { timeoutMs: ms, ...(clientCertificate && { clientCertificate }) },
      );
      if (!r.ok) throw new CliError('ERR_UNREACHABLE', `${r.message} (${r.reason})`);
      const pem = r.chain.map((der) => parseCertificate(der).pem).join('');
      const items = await inspectAll(new TextEncoder().encode(pem));
      const facts = endpointFacts(target, r);
      if (args.format === 'json')
        printJson({
          target: target.text,
          ...(r.servername && { servername: r.servername }),
          ...(r.protocol && { protocol: r.protocol }),
          ...(r.cipher && { cipher: r.cipher }),
          chainSource: r.chainSource,
          ...(r.clientAuthentication && { clientAuthentication: r.clientAuthentication }),
          chainProblems: facts.chainProblems,
          certificates: items,
        });
      else {
        printText(
          [
            `${target.text} presented ${items.length} certificate${items.length === 1 ? '' : 's'}${r.protocol ? ` over ${r.protocol}` : ''}${r.servername ? ` (SNI ${r.servername})` : ''}${r.chainSource === 'handshake' ? ', in the order sent' : ''}`,
            ...items.map((i) => renderText(i)),
          ].join('\n'),
        );
        for (const note of endpointNotes([facts])) process.stderr.write(`${note}\n`);
        process.stderr.write(
          'note: inspected only, not verified; use "nodeid fleet check --ca" to check it\n',
        );
      }
      return EXIT.OK;
    }
    const bytes = await readInput(args.file);
    const passphrase = args.passphraseFile
      ? await readPassphrase({ passphraseFile: args.passphraseFile })
      : undefined;
    if (['.p12', '.pfx'].includes(extname(args.file).toLowerCase()))
      return inspectPkcs12(args, bytes, passphrase);
    const items = await inspectAll(bytes, passphrase ? { passphrase } : {});
    if (args.format === 'json') printJson(items.length === 1 ? items[0] : items);
    else {
      printText(items.map((i) => renderText(i)).join('\n'));
      process.stderr.write(
        'note: inspected only, not verified; use "nodeid cert verify" to check it\n',
      );
    }
    return EXIT.OK;
  }),
});

/** A PKCS#12 file: its certificates (with alias, trusted flag, whether its key is inside), no key. */
async function inspectPkcs12(
  args: Args,
  bytes: Uint8Array,
  passphrase: string | undefined,
): Promise<number> {
  if (passphrase === undefined)
    throw new CliError(
      'ERR_PASSPHRASE_REQUIRED',
      `${args.file} is a PKCS#12 file: give its passphrase with --passphrase-file`,
      EXIT.USAGE,
    );
  const p12 = await parsePkcs12(bytes, { passphrase });
  const items = await Promise.all(p12.certificates.map((c) => inspectAll(c.certificate.der)));
  const entries = p12.certificates.map((c, i) => ({
    ...(c.friendlyName !== undefined && { alias: c.friendlyName }),
    trusted: c.trusted,
    hasKey: c.hasKey,
    certificate: items[i]![0]!,
  }));
  const heading = `${args.file}: PKCS#12, ${entries.length} certificate${entries.length === 1 ? '' : 's'}, ${p12.keys.length} private key${p12.keys.length === 1 ? '' : 's'}${p12.mac ? `, MAC ${p12.mac.hash} with ${p12.mac.iterations} iterations` : ', no MAC'}`;
  if (args.format === 'json')
    printJson({ file: args.file, keys: p12.keys.length, mac: p12.mac ?? null, entries });
  else {
    printText(
      [
        heading,
        ...entries.map((e) =>
          [
            `entry ${e.alias ?? '(no alias)'}${e.hasKey ? ' (with its private key)' : ''}${e.trusted ? ' (trusted CA)' : ''}`,
            renderText(e.certificate),
          ].join('\n'),
        ),
      ].join('\n'),
    );
    process.stderr.write(
      'note: inspected only, not verified; use "nodeid cert verify" to check it\n',
    );
  }
  return EXIT.OK;
}

function parseTargetOrUsage(text: string) {
  try {
    return parseTarget(text, { isPath: (p) => existsSync(p) });
  } catch (e) {
    if (NodeIdError.isInstance(e)) throw new CliError('ERR_USAGE', e.message, EXIT.USAGE);
    throw e;
  }
}
