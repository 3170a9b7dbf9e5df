/** `nodeid cert verify <cert> --ca <ca.crt>`: the checks of a TLS peer, with a reason to act on. */
import {
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificates,
  type RevocationMode,
  type VerifyUsage,
  verifyCertificate,
} from '@nodeid/sdk';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs, list } from '../../lib/command.js';
import { readInput, readPemOrDer } from '../../lib/files.js';
import { painter, printJson, printText, useColor } from '../../lib/output.js';
import { readPassphrase } from '../../lib/passphrase.js';

interface Args extends GlobalArgs {
  cert: string;
  ca: string[];
  chain?: string[];
  host?: string;
  ip?: string;
  cluster?: string;
  usage: VerifyUsage;
  crl?: string[];
  revocation: RevocationMode;
  at?: string;
  key?: string;
  keyPassphraseFile?: string;
  policy: 'rfc5280' | 'webpki';
  strict?: boolean;
  trustLeaf?: boolean;
}

async function certificatesIn(paths: string[]) {
  const out = [];
  for (const p of paths) out.push(...parseCertificates(await readPemOrDer(p)));
  return out;
}

export const certVerifyCommand = defineCommand<Args>({
  command: 'verify <cert>',
  describe:
    'verify a certificate against the CA: chain, dates, usage, names, cluster CN, revocation, key',
  builder: (y) =>
    y
      .positional('cert', {
        type: 'string',
        demandOption: true,
        describe: 'the certificate (a file holding the leaf and its intermediates is fine)',
      })
      .option('ca', {
        type: 'array',
        string: true,
        demandOption: true,
        describe: 'trusted CA certificate file(s)',
      })
      .option('chain', {
        type: 'array',
        string: true,
        describe: 'intermediate CA certificate file(s)',
      })
      .option('host', { type: 'string', describe: 'the DNS name the peer must be valid for' })
      .option('ip', { type: 'string', describe: 'the IP address the peer must be valid for' })
      .option('cluster', {
        type: 'string',
        describe: 'the cluster name the CN must equal (as Storage Scale nodes check)',
      })
      .option('usage', {
        choices: ['server', 'client', 'any'] as const,
        default: 'any' as const,
        describe: 'TLS role the certificate must allow',
      })
      .option('crl', {
        type: 'array',
        string: true,
        describe: 'CRL file(s) to check revocation against (repeat for each CA, delta CRLs too)',
      })
      .option('revocation', {
        choices: ['soft', 'require'] as const,
        default: 'soft' as const,
        describe:
          'soft: check the CRLs given; require: fail unless every certificate of the chain is covered by a current, usable CRL from its issuer (RFC 5280 §6.3)',
      })
      .option('at', { type: 'string', describe: 'verify at this time (ISO 8601) instead of now' })
      .option('key', {
        type: 'string',
        describe: 'check that this private key belongs to the certificate',
      })
      .option('key-passphrase-file', {
        type: 'string',
        describe: 'passphrase of an encrypted --key',
      })
      .option('trust-leaf', {
        type: 'boolean',
        describe:
          'accept the certificate itself as a --ca even though it is not a CA (a pinned leaf, as openssl verify -partial_chain)',
      })
      .option('policy', {
        choices: ['rfc5280', 'webpki'] as const,
        default: 'rfc5280' as const,
        describe: 'validation rules',
      })
      .option('strict', {
        type: 'boolean',
        describe:
          'also refuse certificates that break the RFC 5280 rules for issuing CAs that path validation does not check (missing AKI, non-critical basicConstraints, bad serials, ...)',
      })
      .check((a) => {
        if (a.host && a.ip) throw new Error('give --host or --ip, not both');
        if (a.at && Number.isNaN(Date.parse(a.at)))
          throw new Error(`--at "${a.at}" is not an ISO 8601 time`);
        if (a.revocation === 'require' && list(a.crl as string[] | undefined).length === 0)
          throw new Error('--revocation require needs the CRLs to check: give --crl FILE');
        return true;
      })
      .example(
        '$0 cert verify node1.crt --ca ca.crt --host node1.example.net --cluster scale.cluster',
        'as a peer node would',
      )
      .example(
        '$0 cert verify node1.crt --ca ca.crt --ip 192.168.1.10',
        'fails when the certificate has no such IP SAN',
      )
      .example(
        '$0 cert verify node1.crt --ca ca.crt --crl ca.crl --key node1.key',
        'also revocation and the key pair',
      )
      .example(
        '$0 cert verify node1.crt --ca root.crt --chain issuing.crt --crl root.crl --crl issuing.crl --revocation require',
        'hard-fail: every certificate up to the root needs a current CRL from its issuer',
      )
      .example(
        '$0 cert verify peer.crt --ca peer.crt --trust-leaf',
        'a pinned certificate: without --trust-leaf a --ca must be a CA certificate',
      )
      .epilog(
        exitCodes({
          0: 'valid',
          1: 'not valid: the one-line reason says what to fix',
          2: 'bad arguments',
          3: 'a file cannot be read',
        }),
      ),
  handler: action(async (args) => {
    const [leaf, ...bundled] = parseCertificates(await readPemOrDer(args.cert));
    const trustAnchors = await certificatesIn(list(args.ca));
    const intermediates = [...bundled, ...(await certificatesIn(list(args.chain)))];
    const crls = [];
    for (const p of list(args.crl)) crls.push(await readPemOrDer(p));
    const result = await verifyCertificate({
      certificate: leaf!,
      trustAnchors,
      intermediates,
      host: args.host,
      ip: args.ip,
      clusterName: args.cluster,
      usage: args.usage,
      crls,
      revocation: args.revocation,
      at: args.at ? new Date(args.at) : undefined,
      policy: args.policy,
      strict: args.strict === true,
      trustLeaf: args.trustLeaf === true,
    });
    let keyOk: boolean | undefined;
    if (args.key) {
      const passphrase = args.keyPassphraseFile
        ? await readPassphrase({ passphraseFile: args.keyPassphraseFile })
        : undefined;
      const keyBytes = await readInput(args.key);
      const keyPair = await importPrivateKeyPem(
        Buffer.from(keyBytes).toString('utf8'),
        passphrase ? { passphrase } : {},
      ).catch((e) => {
        throw e instanceof Error ? e : new CliError('ERR_KEY_INVALID', String(e));
      });
      keyOk = await keyMatchesCertificate(keyPair, leaf!);
    }
    const ok = result.ok && keyOk !== false;
    const paint = painter(useColor(args.format));
    if (args.format === 'json') {
      printJson(
        result.ok
          ? {
              ok,
              file: args.cert,
              chain: result.chain.map((c) => c.subject.text),
              ...(keyOk !== undefined && { keyMatches: keyOk }),
              ...(keyOk === false && {
                code: 'ERR_KEY_MISMATCH',
                message: `${args.key} is not the key of this certificate`,
              }),
            }
          : {
              ok: false,
              file: args.cert,
              code: result.code,
              message: result.message,
              depth: result.depth,
              ...(keyOk !== undefined && { keyMatches: keyOk }),
            },
      );
    } else if (!result.ok) {
      printText(`${args.cert}: ${paint('red', 'invalid')}: ${result.message} (${result.code})`);
    } else if (keyOk === false) {
      printText(
        `${args.cert}: ${paint('red', 'invalid')}: ${args.key} is not the key of this certificate (ERR_KEY_MISMATCH)`,
      );
    } else {
      const chain = result.chain.map((c) => c.subject.text).join(' <- ');
      printText(
        `${args.cert}: ${paint('green', 'OK')} (${chain})${keyOk ? '; the key matches' : ''}`,
      );
    }
    return ok ? EXIT.OK : EXIT.FAILED;
  }),
});
