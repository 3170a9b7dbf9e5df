/**
 * `nodeid agent`: keeps a node's certificate fresh. It renews at two thirds of the lifetime (with
 * jitter, so a cluster enrolled at once does not renew at once) over mutual TLS with the current
 * certificate, with a fresh key by default; replaces the files atomically; runs a reload command;
 * and, while the server is down or busy, retries with capped exponential backoff. One log line
 * per event. `--once` renews now if due and exits, for cron jobs and tests. Beside the certificate
 * it keeps the CA file current from the server's CA bundle (accepted only when continuous with
 * what the node trusts now) and, with `--crl-out`, the CRLs of the node's chain
 * (lib/agent-follow.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { basename, dirname, resolve } from 'node:path';
import {
  bundleFiles,
  type Certificate,
  createCsr,
  DEFAULT_RENEWAL_THRESHOLD,
  exportPrivateKeyPem,
  formatDuration,
  importPrivateKeyPem,
  type KeyPair,
  keyAlgorithmOf,
  keyMatchesCertificate,
  needsRenewal,
  parseCertificate,
  parseCertificates,
  parseDuration,
  parseRenewalThreshold,
  type RenewalThreshold,
  renewalDueAt,
  renewalRequestOf,
  verifyCertificate,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { type Log, refreshCaBundle, refreshCrls } from '../lib/agent-follow.js';
import { CliError, describeError, EXIT } from '../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs } from '../lib/command.js';
import { readInput, readPemOrDer } from '../lib/files.js';
import { callApi, isRetryable, parseServerUrl, type TlsTrust } from '../lib/http-client.js';
import type { Format } from '../lib/output.js';
import { readPassphrase } from '../lib/passphrase.js';
import {
  checkPkcs12Flags,
  PKCS12_WRITE_OPTIONS,
  type Pkcs12WriteFlags,
  pkcs12PassphraseOf,
} from '../lib/pkcs12-options.js';

interface Args extends GlobalArgs, Pkcs12WriteFlags {
  server: string;
  cert: string;
  key: string;
  ca: string;
  exec?: string;
  renewAt?: string;
  jitter: string;
  once: boolean;
  forceRenew: boolean;
  keepKey: boolean;
  minInterval: string;
  retryMin: string;
  retryMax: string;
  keyPassphraseFile?: string;
  followCa: boolean;
  caRefresh: string;
  crlOut?: string;
  crlRefresh: string;
}

/** What the server answers to POST /v1/renew. */
interface RenewResponse {
  certificate: string;
  chain: string[];
  serialNumber: string;
  notAfter: string;
}

/** The agent wakes at least this often to read the files again (they may be replaced by hand). */
const MAX_SLEEP_MS = 3_600_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function parsePercent(text: string, flag: string, max: number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  const value = m ? Number(m[1]) / 100 : Number.NaN;
  if (!(value >= 0 && value <= max))
    throw new CliError(
      'ERR_USAGE',
      `${flag} "${text}" must be a percentage from 0% to ${max * 100}%`,
      EXIT.USAGE,
    );
  return value;
}

function durationFlag(text: string, flag: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw new CliError('ERR_USAGE', `${flag}: ${(e as Error).message}`, EXIT.USAGE);
  }
}

/** Settings parsed from the flags, before any file or network work. */
interface Settings {
  server: URL;
  certPath: string;
  keyPath: string;
  caPath: string;
  exec?: string;
  threshold: RenewalThreshold;
  jitter: number;
  keepKey: boolean;
  minIntervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
  format: Format;
  /** Passphrase of an encrypted key; renewed keys are written encrypted with it too. */
  keyPassphrase?: string;
  /** With --layout pkcs12: the passphrase of the .p12 files written beside --cert. */
  pkcs12Passphrase?: string;
  /** Keep the CA file current from the server's CA bundle, looking every `caRefreshMs`. */
  followCa: boolean;
  caRefreshMs: number;
  /** Where to keep the chain's CRLs, fetched at least every `crlRefreshMs`. */
  crlOut?: string;
  crlRefreshMs: number;
}

function settingsOf(args: Args): Settings {
  let threshold = DEFAULT_RENEWAL_THRESHOLD;
  if (args.renewAt !== undefined) {
    try {
      threshold = parseRenewalThreshold(args.renewAt);
    } catch (e) {
      throw new CliError('ERR_USAGE', `--renew-at: ${(e as Error).message}`, EXIT.USAGE);
    }
  }
  const retryMinMs = durationFlag(args.retryMin, '--retry-min');
  const retryMaxMs = durationFlag(args.retryMax, '--retry-max');
  if (retryMinMs <= 0 || retryMaxMs < retryMinMs)
    throw new CliError(
      'ERR_USAGE',
      '--retry-min must be above 0 and --retry-max at least --retry-min',
      EXIT.USAGE,
    );
  return {
    server: parseServerUrl(args.server),
    certPath: resolve(args.cert),
    keyPath: resolve(args.key),
    caPath: resolve(args.ca),
    exec: args.exec,
    threshold,
    jitter: parsePercent(args.jitter, '--jitter', 0.5),
    keepKey: args.keepKey,
    minIntervalMs: durationFlag(args.minInterval, '--min-interval'),
    retryMinMs,
    retryMaxMs,
    format: args.format,
    followCa: args.followCa,
    caRefreshMs: atLeastAMinute(args.caRefresh, '--ca-refresh'),
    ...(args.crlOut !== undefined && { crlOut: resolve(args.crlOut) }),
    crlRefreshMs: atLeastAMinute(args.crlRefresh, '--crl-refresh'),
  };
}

function atLeastAMinute(text: string, flag: string): number {
  const ms = durationFlag(text, flag);
  if (ms < 60_000) throw new CliError('ERR_USAGE', `${flag} must be at least 1m`, EXIT.USAGE);
  return ms;
}

/** What changed, for --exec's $NODEID_CHANGED. */
type Change = 'certificate' | 'ca' | 'crl';

/** The certificate, key and CA on disk now. */
interface Current {
  certificate: Certificate;
  certPem: string;
  keyPem: string;
  keyPair: KeyPair;
  caPem: string;
  anchors: Certificate[];
}

async function readCurrent(s: Settings): Promise<Current> {
  const certs = parseCertificates(await readPemOrDer(s.certPath));
  if (certs.length === 0)
    throw new CliError('ERR_CERTIFICATE_INVALID', `${s.certPath} holds no certificate`);
  const anchors = parseCertificates(await readPemOrDer(s.caPath));
  if (anchors.length === 0)
    throw new CliError('ERR_CERTIFICATE_INVALID', `${s.caPath} holds no CA certificate`);
  const filePem = Buffer.from(await readInput(s.keyPath)).toString('utf8');
  const keyPair = await importPrivateKeyPem(filePem, {
    extractable: true,
    ...(s.keyPassphrase !== undefined && { passphrase: s.keyPassphrase }),
  });
  return {
    certificate: certs[0]!,
    certPem: certs.map((c) => c.pem).join(''),
    // the TLS client takes the key decrypted, in memory only; the file stays encrypted
    keyPem: s.keyPassphrase === undefined ? filePem : await exportPrivateKeyPem(keyPair.privateKey),
    keyPair,
    caPem: anchors.map((c) => c.pem).join(''),
    anchors,
  };
}

/**
 * Renews over mutual TLS with the current certificate: a CSR for exactly the same names, with a
 * fresh key of the same algorithm unless `keepKey`; checks the answer; replaces the files.
 */
async function renew(
  s: Settings,
  cur: Current,
  signal?: AbortSignal,
): Promise<{ serialNumber: string; notAfter: string; replaces: string; newKey: boolean }> {
  // the SDK's reading of what renewing this certificate asks for; profile "client" puts the
  // name in the CN only, so the CSR lists exactly the current certificate's names and nothing
  // the renewal policy would deny
  const wanted = renewalRequestOf(cur.certificate);
  const csr = await createCsr({
    name: wanted.commonName ?? wanted.name,
    profile: 'client',
    dns: wanted.dns,
    ips: wanted.ips,
    uris: wanted.uris,
    ...(s.keepKey
      ? { keyPair: cur.keyPair }
      : { algorithm: keyAlgorithmOf(cur.keyPair.publicKey) }),
  });
  const trust: TlsTrust = { ca: cur.caPem, cert: cur.certPem, key: cur.keyPem };
  const res = await callApi<RenewResponse>(s.server, '/v1/renew', {
    method: 'POST',
    trust,
    json: { csr: csr.pem },
    signal,
  });
  const certificate = parseCertificate(res.certificate);
  const chain = res.chain.map((p) => parseCertificate(p));
  if (!(await keyMatchesCertificate(csr.keyPair, certificate)))
    throw new CliError('ERR_BAD_RESPONSE', 'the server returned a certificate for another key');
  const verified = await verifyCertificate({
    certificate,
    trustAnchors: cur.anchors,
    intermediates: chain,
  });
  if (!verified.ok)
    throw new CliError(
      'ERR_BAD_RESPONSE',
      `the renewed certificate does not verify against ${s.caPath}: ${verified.message} (${verified.code})`,
    );
  const certFile = {
    path: basename(s.certPath),
    contents: [certificate, ...chain.slice(0, -1)].map((c) => c.pem).join(''),
    mode: 0o644,
  };
  const written = { force: true, fixDirMode: false };
  if (s.keepKey) await writeBundle(dirname(s.certPath), [certFile], written);
  else {
    const keyFile = {
      path: basename(s.keyPath),
      contents: await exportPrivateKeyPem(
        csr.keyPair.privateKey,
        s.keyPassphrase === undefined ? {} : { passphrase: s.keyPassphrase },
      ),
      mode: 0o600,
    };
    if (dirname(s.keyPath) === dirname(s.certPath))
      await writeBundle(dirname(s.certPath), [keyFile, certFile], written);
    else {
      await writeBundle(dirname(s.keyPath), [keyFile], written);
      await writeBundle(dirname(s.certPath), [certFile], written);
    }
  }
  if (s.pkcs12Passphrase !== undefined) {
    // The PEM files stay (the agent renews with them); the keystore mirrors them for Java.
    const keys = s.keepKey ? cur.keyPair : csr.keyPair;
    const identity = { ...keys, certificate, chain, warnings: [] };
    const name = basename(s.certPath).replace(/\.(crt|pem|cer)$/i, '');
    const p12 = await bundleFiles(identity, 'pkcs12', {
      pkcs12Passphrase: s.pkcs12Passphrase,
      name,
    });
    await writeBundle(dirname(s.certPath), p12, written);
  }
  return {
    serialNumber: certificate.serialNumber,
    notAfter: certificate.notAfter.toISOString(),
    replaces: cur.certificate.serialNumber,
    newKey: !s.keepKey,
  };
}

/** One log line per event: `<time> <event> <message>`, or a JSON object with --format json. */
function logger(format: Format) {
  return (event: string, message: string, fields: Record<string, unknown> = {}) => {
    const time = new Date().toISOString();
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify({ time, event, message, ...fields })}\n`
        : `${time} ${event} ${message}\n`,
    );
  };
}

/** Runs the reload command; resolves with its exit code (null when it could not start or was stopped). */
function runExec(
  s: Settings,
  serialNumber: string,
  log: ReturnType<typeof logger>,
  track: (child: ChildProcess | undefined) => void,
  changed: readonly Change[] = ['certificate'],
): Promise<number | null> {
  // one command at a time: the renewal and the CA and CRL followers may change files together
  const run = execChain.then(() => execOnce(s, serialNumber, log, track, changed));
  execChain = run.then(() => undefined);
  return run;
}
let execChain: Promise<void> = Promise.resolve();

function execOnce(
  s: Settings,
  serialNumber: string,
  log: ReturnType<typeof logger>,
  track: (child: ChildProcess | undefined) => void,
  changed: readonly Change[],
): Promise<number | null> {
  const command = s.exec!;
  log('exec', `running: ${command}`, { command, changed });
  return new Promise((done) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['ignore', s.format === 'json' ? 'pipe' : 'inherit', 'inherit'],
      env: {
        ...process.env,
        NODEID_CERT_FILE: s.certPath,
        NODEID_KEY_FILE: s.keyPath,
        NODEID_SERIAL: serialNumber,
        NODEID_CA_FILE: s.caPath,
        NODEID_CHANGED: changed.join(','),
        ...(s.crlOut && { NODEID_CRL_FILE: s.crlOut }),
      },
    });
    // with --format json, standard output is one object a line: the command's output goes to stderr
    child.stdout?.pipe(process.stderr, { end: false });
    track(child);
    let finished = false;
    const finish = (code: number | null, how: string) => {
      if (finished) return;
      finished = true;
      track(undefined);
      log('exec', `${command} ${how}`, { command, exitCode: code });
      done(code);
    };
    child.on('error', (e) => finish(null, `could not start: ${e.message}`));
    child.on('exit', (code, sig) =>
      finish(code, sig ? `was stopped by ${sig}` : `exited with ${code}`),
    );
  });
}

/** Sleeps `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(finish, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    function finish() {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish);
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

const followOptions = (s: Settings, log: Log, signal?: AbortSignal) => ({
  server: s.server,
  caPath: s.caPath,
  certPath: s.certPath,
  log,
  signal,
});

/**
 * `--once`: the CA bundle first (a renewed certificate may chain to a new root only the bundle
 * brings), then renew now if due (or forced), then the CRLs; --exec once if anything changed.
 */
async function runOnce(s: Settings, force: boolean): Promise<number> {
  const log = logger(s.format);
  const changed: Change[] = [];
  let refused = false;
  if (s.followCa) {
    const outcome = await refreshCaBundle(followOptions(s, log));
    if (outcome === 'changed') changed.push('ca');
    refused ||= outcome === 'refused';
  }
  const cur = await readCurrent(s);
  let serial = cur.certificate.serialNumber;
  if (!force && !needsRenewal(cur.certificate, { threshold: s.threshold })) {
    log(
      'not-due',
      `${s.certPath} (${cur.certificate.serialNumber}) is not due for renewal; valid until ${cur.certificate.notAfter.toISOString()}`,
      { serialNumber: cur.certificate.serialNumber },
    );
  } else {
    const r = await renew(s, cur);
    log(
      'renewed',
      `${s.certPath}: certificate ${r.serialNumber} (was ${r.replaces}) until ${r.notAfter}${r.newKey ? ', new key' : ''}`,
      r,
    );
    serial = r.serialNumber;
    changed.push('certificate');
  }
  if (s.crlOut) {
    const r = await refreshCrls({
      ...followOptions(s, log),
      out: s.crlOut,
      maxIntervalMs: s.crlRefreshMs,
    });
    if (r.outcome === 'changed') changed.push('crl');
    refused ||= r.outcome === 'refused';
  }
  if (s.exec && changed.length > 0) {
    const code = await runExec(s, serial, log, () => {}, changed);
    if (code !== 0) return EXIT.FAILED;
  }
  return refused ? EXIT.FAILED : EXIT.OK;
}

/**
 * The CA and CRL followers of the long-running agent, each on its own schedule until `signal`
 * aborts: the CA bundle every --ca-refresh, the CRLs on the SDK's schedule (half the time left
 * before nextUpdate, at most every --crl-refresh). A failed fetch is retried with the same
 * backoff as renewals, never later than the regular schedule.
 */
async function follow(
  s: Settings,
  log: Log,
  signal: AbortSignal,
  onChange: (what: Change) => Promise<void>,
): Promise<void> {
  const loop = async (
    task: string,
    once: () => Promise<{ changed: boolean; nextInMs: number }>,
    regularMs: number,
  ) => {
    let failures = 0;
    while (!signal.aborted) {
      let delay: number;
      try {
        const r = await once();
        failures = 0;
        delay = r.nextInMs;
        if (r.changed && !signal.aborted) await onChange(task === 'ca' ? 'ca' : 'crl');
      } catch (e) {
        if (signal.aborted) break;
        failures++;
        const { code, message } = describeError(e);
        const backoff = Math.min(s.retryMinMs * 2 ** Math.min(failures - 1, 30), s.retryMaxMs);
        delay = Math.min(regularMs, Math.round(backoff * (0.8 + Math.random() * 0.4)));
        log(
          `${task}-retry`,
          `${task}: ${message} (${code}); attempt ${failures} failed, next in ${(delay / 1000).toFixed(1)} s`,
          {
            task,
            code,
            attempt: failures,
            delayMs: delay,
          },
        );
      }
      await sleep(delay, signal);
    }
  };
  const tasks: Promise<void>[] = [];
  if (s.followCa) {
    let announced = false;
    tasks.push(
      loop(
        'ca',
        async () => {
          const outcome = await refreshCaBundle(followOptions(s, log, signal));
          if (outcome === 'no-endpoint' && !announced)
            log(
              'ca-bundle-unavailable',
              `${s.server.origin} serves no CA bundle (GET /v1/ca/bundle: 404); ${s.caPath} stays as it is, looking again every ${formatDuration(s.caRefreshMs)}`,
            );
          announced ||= outcome === 'no-endpoint';
          return { changed: outcome === 'changed', nextInMs: s.caRefreshMs };
        },
        s.caRefreshMs,
      ),
    );
  }
  const crlOut = s.crlOut;
  if (crlOut)
    tasks.push(
      loop(
        'crl',
        async () => {
          const r = await refreshCrls({
            ...followOptions(s, log, signal),
            out: crlOut,
            maxIntervalMs: s.crlRefreshMs,
          });
          return { changed: r.outcome === 'changed', nextInMs: r.nextInMs };
        },
        s.crlRefreshMs,
      ),
    );
  await Promise.all(tasks);
}

/** The long-running loop, until SIGINT or SIGTERM. */
async function runLoop(s: Settings, force: boolean): Promise<number> {
  const log = logger(s.format);
  const stop = new AbortController();
  let child: ChildProcess | undefined;
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    stoppedBy = signal;
    stop.abort();
    child?.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  log(
    'start',
    `keeping ${s.certPath} renewed from ${s.server.origin} (renew at ${s.threshold.type === 'elapsed' ? `${Math.round(s.threshold.fraction * 1000) / 10}% of the lifetime` : `${formatDuration(s.threshold.ms)} before the end`}, jitter ±${s.jitter * 100}%)${s.followCa ? `; ${s.caPath} follows the server's CA bundle` : ''}${s.crlOut ? `; CRLs kept in ${s.crlOut}` : ''}`,
  );
  let schedule: { serial: string; due: number } | undefined;
  let lastRenewal = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let renewNow = force;
  const followers = follow(s, log, stop.signal, async (what) => {
    if (s.exec && !stop.signal.aborted)
      await runExec(
        s,
        schedule?.serial ?? '',
        log,
        (c) => {
          child = c;
        },
        [what],
      );
  });
  try {
    while (!stop.signal.aborted) {
      let cur: Current;
      try {
        cur = await readCurrent(s);
      } catch (e) {
        const { code, message } = describeError(e);
        log(
          'error',
          `cannot read the files: ${message} (${code}); looking again in ${Math.round(s.retryMaxMs / 1000)} s`,
          { code },
        );
        await sleep(s.retryMaxMs, stop.signal);
        continue;
      }
      const serial = cur.certificate.serialNumber;
      if (schedule?.serial !== serial) {
        schedule = {
          serial,
          // the SDK's due time: the threshold, moved by up to ±jitter of the lifetime
          due: renewalDueAt(cur.certificate, {
            threshold: s.threshold,
            jitter: s.jitter,
          }).getTime(),
        };
        log(
          'scheduled',
          `certificate ${serial} valid until ${cur.certificate.notAfter.toISOString()}; renewal due ${iso(schedule.due)}`,
          { serialNumber: serial, due: iso(schedule.due) },
        );
      }
      const now = Date.now();
      const wait = renewNow ? 0 : Math.max(schedule.due - now, lastRenewal + s.minIntervalMs - now);
      if (wait > 0) {
        await sleep(Math.min(wait, MAX_SLEEP_MS), stop.signal);
        continue;
      }
      try {
        log('renewing', `renewing certificate ${serial}`, { serialNumber: serial });
        const r = await renew(s, cur, stop.signal);
        failures = 0;
        renewNow = false;
        lastRenewal = Date.now();
        log(
          'renewed',
          `${s.certPath}: certificate ${r.serialNumber} (was ${r.replaces}) until ${r.notAfter}${r.newKey ? ', new key' : ''}`,
          r,
        );
        if (s.exec && !stop.signal.aborted)
          await runExec(s, r.serialNumber, log, (c) => {
            child = c;
          });
      } catch (e) {
        if (stop.signal.aborted) break;
        failures++;
        const { code, message } = describeError(e);
        const retryable = isRetryable(e);
        const backoff = retryable
          ? Math.min(s.retryMinMs * 2 ** Math.min(failures - 1, 30), s.retryMaxMs)
          : s.retryMaxMs;
        const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
        log(
          retryable ? 'retry' : 'refused',
          `${message} (${code}); attempt ${failures} failed, next in ${(delay / 1000).toFixed(1)} s`,
          { code, attempt: failures, delayMs: delay },
        );
        await sleep(delay, stop.signal);
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop.abort();
    await followers;
  }
  // an attempt under way when the signal came has finished (or was cut off) by now
  log('stopped', `stopped (${stoppedBy})`, { signal: stoppedBy });
  return EXIT.OK;
}

export const agentCommand = defineCommand<Args>({
  command: 'agent',
  describe:
    "keep this node's certificate renewed from nodeid-server over mutual TLS (long-running, or --once)",
  builder: (y) =>
    y
      .option('server', {
        type: 'string',
        demandOption: true,
        describe: 'nodeid-server URL, https://host:port',
      })
      .option('cert', {
        type: 'string',
        demandOption: true,
        describe: 'the certificate file to keep fresh (replaced atomically)',
      })
      .option('key', {
        type: 'string',
        demandOption: true,
        describe:
          'its private key file (replaced by a fresh key at each renewal unless --keep-key)',
      })
      .option('ca', {
        type: 'string',
        demandOption: true,
        describe: "the cluster CA file: the server's certificate must chain to it",
      })
      .option('exec', {
        type: 'string',
        describe:
          'run this with /bin/sh -c after each renewal (e.g. a reload); $NODEID_CERT_FILE, $NODEID_KEY_FILE, $NODEID_SERIAL are set',
      })
      .option('renew-at', {
        type: 'string',
        describe:
          'when to renew: share of the lifetime elapsed (66%) or time left (30d); default two thirds',
      })
      .option('jitter', {
        type: 'string',
        default: '5%',
        describe: 'move the renewal time randomly by up to this share of the lifetime, either way',
      })
      .option('once', {
        type: 'boolean',
        default: false,
        describe: 'renew now if due, run --exec, and exit',
      })
      .option('force-renew', {
        type: 'boolean',
        default: false,
        describe: 'renew now even if not due (then, without --once, keep going)',
      })
      .option('keep-key', {
        type: 'boolean',
        default: false,
        describe: 'renew with the same key instead of a fresh one',
      })
      .option('min-interval', {
        type: 'string',
        default: '1m',
        describe:
          'least time between two renewals (guards the CA when every certificate looks due)',
      })
      .option('retry-min', {
        type: 'string',
        default: '5s',
        describe: 'first wait after a failed attempt; doubled after each failure',
      })
      .option('key-passphrase-file', {
        type: 'string',
        describe: 'passphrase of an encrypted --key; renewed keys are written encrypted with it',
      })
      .option('layout', {
        choices: ['plain', 'pkcs12'],
        default: 'plain',
        describe:
          'pkcs12: after each renewal also write <name>.p12 (key, certificate, chain) and truststore.p12 beside --cert, for Java; the PEM files stay',
      })
      .options(PKCS12_WRITE_OPTIONS)
      .option('follow-ca', {
        type: 'boolean',
        default: true,
        describe:
          "keep --ca current from the server's CA bundle (GET /v1/ca/bundle), accepted only when each new root is cross-signed by one trusted now; --no-follow-ca to keep it as it is",
      })
      .option('ca-refresh', {
        type: 'string',
        default: '1h',
        describe: 'how often to look at the CA bundle',
      })
      .option('crl-out', {
        type: 'string',
        describe:
          "keep the CRLs of this node's chain in FILE (PEM, e.g. for nginx's ssl_crl): from the certificates' CRL addresses, else the server's /v1/crl; each verified against the CA",
      })
      .option('crl-refresh', {
        type: 'string',
        default: '1h',
        describe:
          'longest wait between two CRL fetches (earlier near nextUpdate: at half the time left)',
      })
      .option('retry-max', {
        type: 'string',
        default: '5m',
        describe: 'longest wait between attempts (also the wait after a refusal)',
      })
      .check((a) => {
        settingsOf(a as unknown as Args);
        return checkPkcs12Flags(a as unknown as Args);
      })
      .example(
        '$0 agent --server https://head:8443 --cert /etc/nodeid/node1.example.net.crt --key /etc/nodeid/node1.example.net.key --ca /etc/nodeid/ca.crt --exec "systemctl reload nginx"',
        'as a service: renew at ~2/3 of the lifetime, reload nginx after each renewal',
      )
      .example(
        '$0 agent --once --server https://head:8443 --cert n.crt --key n.key --ca ca.crt',
        'from cron: renew only if due',
      )
      .example(
        '$0 agent --server https://head:8443 --cert n.crt --key n.key --ca ca.crt --crl-out /etc/nginx/nodeid.crl --exec "systemctl reload nginx"',
        'also keep the CRLs for nginx (ssl_crl) and reload it when the certificate, the CA file or a CRL changes',
      )
      .epilog(
        `Each line: time, event (start, scheduled, renewing, renewed, retry, refused, exec, error, stopped, not-due, ca-updated, ca-refused, ca-bundle-unavailable, ca-retry, crl-updated, crl-refused, crl-retry), message; with --format json one object a line. --exec also runs after the CA file or the CRL file changed; $NODEID_CHANGED says what (certificate, ca, crl), $NODEID_CA_FILE and $NODEID_CRL_FILE name the files. A CA bundle that is not continuous with --ca (a new root no root trusted now cross-signed) is refused and --ca is left as it is; so is a CRL that does not verify against the CA, is not current or is older than the one held. The server is trusted only through --ca. While the server cannot be reached, is rate limiting or failing, attempts are retried after --retry-min, doubling up to --retry-max (±20%); a refusal (e.g. a revoked certificate) is retried after --retry-max. The files are replaced atomically (write, sync, rename); the folder's mode is left as it is.\n\n${exitCodes(
          {
            0: 'stopped by SIGINT or SIGTERM; with --once: renewed (and --exec succeeded), or not due',
            1: 'with --once: the server refused (e.g. the certificate is revoked or expired), the CA bundle or a CRL was refused, or --exec failed',
            2: 'bad arguments',
            3: 'with --once: cannot reach the server, or a file cannot be read or written',
            4: "with --once: the server's certificate does not chain to --ca",
          },
        )}`,
      ),
  handler: action(async (args) => {
    const s = settingsOf(args);
    if (args.keyPassphraseFile)
      s.keyPassphrase = await readPassphrase({ passphraseFile: args.keyPassphraseFile });
    if (args.layout === 'pkcs12')
      s.pkcs12Passphrase = (await pkcs12PassphraseOf(args)) ?? s.keyPassphrase;
    return args.once ? runOnce(s, args.forceRenew) : runLoop(s, args.forceRenew);
  }),
});
