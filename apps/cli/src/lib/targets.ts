/**
 * The things `expiry check`, `expiry watch` and `fleet check` look at, as the admin names them:
 * certificate files and folders beside TLS endpoints (`kms1:5696`, `tls://[fd00::5]:5696`,
 * `https://node1`), on the command line and from `--targets FILE`. Parsing is the SDK's
 * (`parseTarget`); this module does the I/O: whether a path exists, reading the targets file,
 * connecting (bounded, with progress on stderr) and turning each presented chain into report rows.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Certificate,
  checkPresentedChain,
  type EndpointTarget,
  NodeIdError,
  type PresentedChainProblem,
  parseCertificate,
  parseCertificates,
  parseDuration,
  parseTarget,
  parseTargetsFile,
  type Target,
} from '@nodeid/sdk';
import {
  type ClientAuthentication,
  type ClientCertificate,
  checkClientCertificate,
  DEFAULT_TLS_CONCURRENCY,
  type PresentedChainResult,
  readPresentedChains,
} from '@nodeid/sdk/node';
import { CliError, EXIT } from './cli-error.js';
import { type ExpiryRow, judge } from './expiry-report.js';
import { readInput } from './files.js';
import { readPassphrase } from './passphrase.js';

/** The endpoint flags shared by the commands that connect. */
export interface EndpointFlags extends ClientCertificateFlags {
  targets?: string;
  sni?: string;
  timeout: string;
  concurrency: number;
}

/** The client certificate flags: for endpoints that insist on mutual TLS. */
export interface ClientCertificateFlags {
  clientCert?: string;
  clientKey?: string;
  clientKeyPassphraseFile?: string;
  clientBundle?: string;
}

/** yargs options of the client certificate to present (mutual TLS). */
export const CLIENT_CERTIFICATE_OPTIONS = {
  'client-cert': {
    type: 'string',
    describe:
      'client certificate (PEM or DER, with its chain) to present to endpoints that ask for one (mutual TLS); with --client-key',
  },
  'client-key': {
    type: 'string',
    describe: 'the private key (PEM) of --client-cert',
  },
  'client-key-passphrase-file': {
    type: 'string',
    describe: 'file holding the passphrase of an encrypted --client-key',
  },
  'client-bundle': {
    type: 'string',
    describe:
      'a node bundle folder written by nodeid (one <name>.key beside <name>.crt or <name>.pem): its certificate and key, instead of --client-cert/--client-key',
  },
} as const;

/**
 * The certificate and key of a bundle folder as nodeid's layouts write them (plain, scale,
 * aistore, kubernetes, flocker): the one `<name>.key` and its `<name>.crt` or `<name>.pem`.
 */
async function bundleFiles(dir: string): Promise<{ cert: string; key: string }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new CliError('ERR_USAGE', `--client-bundle ${dir}: no such folder`, EXIT.USAGE);
  }
  const keys = names.filter((n) => n.endsWith('.key') && !n.startsWith('.'));
  if (keys.length === 1 && keys[0] === 'ca.key')
    throw new CliError(
      'ERR_USAGE',
      `--client-bundle ${dir} is a CA folder; give a node's bundle folder (or --client-cert and --client-key)`,
      EXIT.USAGE,
    );
  if (keys.length !== 1)
    throw new CliError(
      'ERR_USAGE',
      `--client-bundle ${dir} holds ${keys.length ? `${keys.length} keys (${keys.join(', ')})` : 'no .key file'}; give --client-cert and --client-key instead`,
      EXIT.USAGE,
    );
  const base = keys[0]!.slice(0, -'.key'.length);
  const cert = [`${base}.crt`, `${base}.pem`].find((n) => names.includes(n));
  if (!cert)
    throw new CliError(
      'ERR_USAGE',
      `--client-bundle ${dir}: no ${base}.crt or ${base}.pem beside ${keys[0]}`,
      EXIT.USAGE,
    );
  return { cert: join(dir, cert), key: join(dir, keys[0]!) };
}

/**
 * Reads `--client-cert`/`--client-key` (both or neither) and checks that they work together
 * before any endpoint is contacted; bad files are usage errors naming the flag.
 */
export async function readClientCertificate(
  flags: ClientCertificateFlags,
): Promise<ClientCertificate | undefined> {
  const { clientKeyPassphraseFile } = flags;
  let { clientCert, clientKey } = flags;
  if (flags.clientBundle !== undefined) {
    if (clientCert !== undefined || clientKey !== undefined)
      throw new CliError(
        'ERR_USAGE',
        '--client-bundle names the certificate and key: give it or --client-cert/--client-key, not both',
        EXIT.USAGE,
      );
    ({ cert: clientCert, key: clientKey } = await bundleFiles(flags.clientBundle));
  }
  if (clientCert === undefined && clientKey === undefined) {
    if (clientKeyPassphraseFile !== undefined)
      throw new CliError(
        'ERR_USAGE',
        '--client-key-passphrase-file needs --client-key and --client-cert',
        EXIT.USAGE,
      );
    return undefined;
  }
  if (clientCert === undefined || clientKey === undefined)
    throw new CliError(
      'ERR_USAGE',
      `${clientCert === undefined ? '--client-key needs --client-cert' : '--client-cert needs --client-key'}: a client certificate is presented with its key`,
      EXIT.USAGE,
    );
  const certBytes = await readInput(clientCert);
  let cert: string;
  try {
    const text = Buffer.from(certBytes).toString('latin1');
    cert = text.includes('-----BEGIN ')
      ? parseCertificates(Buffer.from(certBytes).toString('utf8'))
          .map((c) => c.pem)
          .join('')
      : parseCertificate(certBytes).pem;
  } catch (e) {
    throw new CliError(
      NodeIdError.isInstance(e) ? e.code : 'ERR_CERTIFICATE_INVALID',
      `--client-cert ${clientCert}: ${(e as Error).message}`,
      EXIT.USAGE,
    );
  }
  const key = Buffer.from(await readInput(clientKey)).toString('utf8');
  const passphrase =
    clientKeyPassphraseFile === undefined
      ? undefined
      : await readPassphrase({ passphraseFile: clientKeyPassphraseFile });
  const client: ClientCertificate = { cert, key, ...(passphrase !== undefined && { passphrase }) };
  try {
    checkClientCertificate(client);
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw e;
    const flag =
      e.code === 'ERR_CERTIFICATE_INVALID'
        ? `--client-cert ${clientCert}`
        : e.code === 'ERR_KEY_MISMATCH'
          ? `--client-key ${clientKey} and --client-cert ${clientCert}`
          : `--client-key ${clientKey}`;
    const hint = e.code === 'ERR_PASSPHRASE_REQUIRED' ? ' with --client-key-passphrase-file' : '';
    throw new CliError(e.code, `${flag}: ${e.message}${hint}`, EXIT.USAGE);
  }
  return client;
}

/** Targets in the order given, files and endpoints mixed. */
export interface ResolvedTargets {
  all: Target[];
  files: string[];
  endpoints: EndpointTarget[];
}

/**
 * Parses the positional targets and the lines of `--targets FILE`. A text naming an existing
 * file or folder is that path even when it looks like `host:port` (write `tls://` to mean the
 * endpoint). Bad endpoints and an unreadable targets file are usage errors (exit 2).
 */
export async function resolveTargets(
  positional: readonly string[],
  targetsFile: string | undefined,
): Promise<ResolvedTargets> {
  const texts: { text: string; where: string }[] = positional.map((text) => ({
    text,
    where: 'argument',
  }));
  if (targetsFile !== undefined) {
    let contents: string;
    try {
      contents = await readFile(targetsFile, 'utf8');
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new CliError(
        'ERR_USAGE',
        `--targets ${targetsFile}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
        EXIT.USAGE,
      );
    }
    try {
      for (const t of parseTargetsFile(contents))
        texts.push({ text: t.text, where: `${targetsFile} line ${t.line}` });
    } catch (e) {
      throw new CliError(
        'ERR_USAGE',
        `--targets ${targetsFile}: ${(e as Error).message}`,
        EXIT.USAGE,
      );
    }
  }
  const all: Target[] = [];
  for (const { text, where } of texts) {
    try {
      all.push(parseTarget(text, { isPath: (p) => existsSync(p) }));
    } catch (e) {
      if (!NodeIdError.isInstance(e)) throw e;
      throw new CliError(
        'ERR_USAGE',
        where === 'argument' ? e.message : `${where}: ${e.message}`,
        EXIT.USAGE,
      );
    }
  }
  return {
    all,
    files: all.flatMap((t) => (t.kind === 'file' ? [t.path] : [])),
    endpoints: all.flatMap((t) => (t.kind === 'endpoint' ? [t] : [])),
  };
}

/** yargs options of the commands that connect to endpoints. */
export const ENDPOINT_OPTIONS = {
  targets: {
    type: 'string',
    describe: 'read more targets from this file: one a line, # comments',
  },
  sni: {
    type: 'string',
    describe:
      'server name to send (SNI) and to verify with --ca; default the host of each endpoint (none for an IP)',
  },
  timeout: {
    type: 'string',
    default: '5s',
    describe: 'connect + TLS handshake timeout per endpoint: 5s, 500ms, 1m',
  },
  concurrency: {
    type: 'number',
    default: DEFAULT_TLS_CONCURRENCY,
    describe: 'endpoints contacted at once',
  },
  ...CLIENT_CERTIFICATE_OPTIONS,
} as const;

/** The timeout in ms of `--timeout` (usage error when it is no positive duration). */
export function timeoutMs(flag: string): number {
  let ms: number;
  try {
    ms = parseDuration(flag);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms > 0))
    throw new CliError(
      'ERR_USAGE',
      `--timeout "${flag}" is not a duration such as 5s or 500ms`,
      EXIT.USAGE,
    );
  return ms;
}

/** The name an endpoint was reached by: `--sni`, else its host. */
export function reachedName(endpoint: EndpointTarget, sni: string | undefined): string {
  return sni ?? endpoint.host;
}

/**
 * Connects to every endpoint, at most `--concurrency` at once, and returns what each presented,
 * in the order given. When there are many, progress goes to stderr (a TTY only).
 */
export async function contactEndpoints(
  endpoints: readonly EndpointTarget[],
  flags: EndpointFlags,
): Promise<PresentedChainResult[]> {
  if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1)
    throw new CliError(
      'ERR_USAGE',
      `--concurrency ${flags.concurrency} must be a whole number of at least 1`,
      EXIT.USAGE,
    );
  const ms = timeoutMs(flags.timeout);
  const clientCertificate = await readClientCertificate(flags);
  if (endpoints.length === 0) return [];
  const progress = process.stderr.isTTY && endpoints.length > flags.concurrency;
  let done = 0;
  const results = await readPresentedChains(
    endpoints.map((e) => ({
      host: e.host,
      port: e.port,
      ...(flags.sni !== undefined && { servername: flags.sni }),
    })),
    {
      concurrency: flags.concurrency,
      timeoutMs: ms,
      ...(clientCertificate && { clientCertificate }),
      onResult: () => {
        done++;
        if (progress) process.stderr.write(`\rchecked ${done}/${endpoints.length} endpoints`);
      },
    },
  );
  if (progress) process.stderr.write('\n');
  return results;
}

/** What an endpoint did beside presenting certificates: for JSON, and as notes for text. */
export interface EndpointFacts {
  target: string;
  reachable: boolean;
  protocol?: string;
  /** `handshake`: the chain is the server's, as sent; `node`: Node's reordered view. */
  chainSource?: 'handshake' | 'node';
  /** When the server asked for a client certificate: what it did about it. */
  clientAuthentication?: ClientAuthentication;
  /** How the presented chain is arranged: `chain-order`, `chain-extra` (SDK checkPresentedChain). */
  chainProblems: PresentedChainProblem[];
}

/** The facts of one endpoint's result. */
export function endpointFacts(target: EndpointTarget, result: PresentedChainResult): EndpointFacts {
  if (!result.ok) return { target: target.text, reachable: false, chainProblems: [] };
  return {
    target: target.text,
    reachable: true,
    ...(result.protocol && { protocol: result.protocol }),
    chainSource: result.chainSource,
    ...(result.clientAuthentication && { clientAuthentication: result.clientAuthentication }),
    chainProblems: checkPresentedChain(result.chain).problems,
  };
}

/** One line per fact worth telling: `note: <target>: ...`. */
export function endpointNotes(facts: readonly EndpointFacts[]): string[] {
  return facts.flatMap((f) => [
    ...(f.clientAuthentication ? [`note: ${f.clientAuthentication.message}`] : []),
    ...f.chainProblems.map((p) => `note: ${f.target}: ${p.kind}: ${p.message}`),
    ...(f.chainSource === 'node'
      ? [
          `note: ${f.target}: the handshake could not be read as sent; the chain is in issuer order, and certificates that issue none of the others are left out`,
        ]
      : []),
  ]);
}

/** A report row of an endpoint: a `note` says how the certificate sits in the chain sent. */
export type EndpointRow = ExpiryRow & { note?: string };

/**
 * The report rows of one endpoint, exactly as a file's: one per presented certificate (leaf
 * first), `file` and `target` being the target as given; an unreachable endpoint is one
 * `unreachable` row with the reason.
 */
export function endpointRows(
  target: EndpointTarget,
  result: PresentedChainResult,
  now: Date,
  warnWithinMs: number,
  caWarnWithinMs: number,
): EndpointRow[] {
  const base = { file: target.text, target: target.text };
  if (!result.ok) {
    return [
      {
        ...base,
        index: 1,
        count: 1,
        names: [],
        status: 'unreachable',
        alert: 'unreachable',
        message: result.message,
      },
    ];
  }
  const arrangement = new Map(
    checkPresentedChain(result.chain).problems.map((p) => [p.depth, `${p.kind}: ${p.message}`]),
  );
  return result.chain.map((der, i) => {
    let certificate: Certificate | undefined;
    let error: string | undefined;
    try {
      certificate = parseCertificate(der);
    } catch (e) {
      error = (e as Error).message;
    }
    const row = judge(
      {
        file: target.text,
        index: i + 1,
        count: result.chain.length,
        ...(certificate ? { certificate } : { error: error ?? 'not a certificate' }),
      },
      now,
      warnWithinMs,
      caWarnWithinMs,
    );
    const note = arrangement.get(i);
    return { ...row, target: target.text, ...(note && { note }) };
  });
}
