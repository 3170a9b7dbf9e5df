/**
 * The things `expiry check`, `expiry watch` and `fleet check` look at, as the admin names them:
 * certificate files and folders beside TLS endpoints (`kms1:5696`, `tls://[fd00::5]:5696`,
 * `https://node1`), on the command line and from `--targets FILE`. Parsing is the SDK's
 * (`parseTarget`); this module does the I/O: whether a path exists, reading the targets file,
 * connecting (bounded, with progress on stderr) and turning each presented chain into report rows.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  type Certificate,
  type EndpointTarget,
  NodeIdError,
  parseCertificate,
  parseDuration,
  parseTarget,
  parseTargetsFile,
  type Target,
} from '@nodeid/sdk';
import {
  DEFAULT_TLS_CONCURRENCY,
  type PresentedChainResult,
  readPresentedChains,
} from '@nodeid/sdk/node';
import { CliError, EXIT } from './cli-error.js';
import { type ExpiryRow, judge } from './expiry-report.js';

/** The endpoint flags shared by the commands that connect. */
export interface EndpointFlags {
  targets?: string;
  sni?: string;
  timeout: string;
  concurrency: number;
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
      onResult: () => {
        done++;
        if (progress) process.stderr.write(`\rchecked ${done}/${endpoints.length} endpoints`);
      },
    },
  );
  if (progress) process.stderr.write('\n');
  return results;
}

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
): ExpiryRow[] {
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
    return { ...row, target: target.text };
  });
}
