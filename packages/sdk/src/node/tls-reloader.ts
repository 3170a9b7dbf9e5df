/**
 * Keeps a running Node TLS server on the current certificate, as AIStore nodes do: it watches the
 * certificate and key files, swaps a valid replacement into the server with `setSecureContext`
 * (no restart, open connections untouched), keeps serving the old pair when a replacement is
 * broken, and raises AIStore's alerts (`tls-cert-will-soon-expire`, `tls-cert-expired`,
 * `tls-cert-invalid`). Besides file events it polls on AIStore's schedule (`nextCheckIn`), which
 * also catches changes that file events miss (network file systems, renamed folders).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createSecureContext, type Server } from 'node:tls';
import { type Certificate, parseCertificates } from '../certificate/parse-certificate.js';
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import {
  type ExpiryAlert,
  type ExpiryState,
  type ExpiryStatus,
  expiryStatus,
} from '../expiry/expiry-status.js';
import { nextCheckIn } from '../expiry/next-check-in.js';
import { parseDuration } from '../lib/duration.js';

/** AIStore warns when less than 3 days remain. */
export const RELOADER_WARN_WITHIN = '3d';

/** An alert about the certificate in service or about a replacement that could not be loaded. */
export interface TlsAlert {
  alert: ExpiryAlert;
  status: ExpiryState;
  /** One sentence for the admin. */
  message: string;
  /** The certificate file the alert is about. */
  certFile: string;
  /** Validity bounds of the certificate the alert is about, when it could be read. */
  notBefore?: Date;
  notAfter?: Date;
}

/** A certificate was put into service (at start or as a replacement). */
export interface TlsReloadEvent {
  certificate: Certificate;
  /** Serial number, lower-case hex. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** False for the first load. */
  replaced: boolean;
  /** A log line in AIStore's style: `server.crt[2024-08-26T18:18:00Z, 2025-08-26T18:18:00Z]`. */
  message: string;
}

/** What `setSecureContext` and `tls.createServer` take. */
export interface TlsContextOptions {
  cert: string;
  key: string;
  ca?: string;
  passphrase?: string;
}

/** Options for {@link createTlsReloader}. */
export interface TlsReloaderOptions {
  /** Certificate file: the leaf, then any intermediates. */
  certFile: string;
  /** Private key file (PEM; encrypted with `passphrase`). */
  keyFile: string;
  /** CA certificates used to verify clients (for servers that request client certificates). */
  caFile?: string;
  /** Passphrase of an encrypted key file. */
  passphrase?: string;
  /** The server to keep up to date; or call `attach` later. */
  server?: Server;
  /** How long before expiry `tls-cert-will-soon-expire` is raised; default `'3d'` as AIStore. */
  warnWithin?: number | string;
  /** Called with each alert: at every check while the certificate is expiring, expired or invalid. */
  onAlert?: (alert: TlsAlert) => void;
  /** Called when a certificate is put into service. */
  onReload?: (event: TlsReloadEvent) => void;
  /** Called when a replacement cannot be loaded or a folder cannot be watched. */
  onError?: (error: NodeIdError) => void;
  /** The clock: a function (or a fixed date, for tests); default the system clock. */
  now?: Date | (() => Date);
  /** Poll every this many ms instead of AIStore's schedule. */
  pollInterval?: number;
  /** Wait this many ms after the last file event before reloading; default 200. */
  debounce?: number;
  /** Watch the files' folders for changes; default `true`. Polling runs either way. */
  watch?: boolean;
}

/** A running reloader. */
export interface TlsReloader {
  /** The certificate in service. */
  readonly certificate: Certificate;
  /** The alert currently raised, if any. */
  readonly alert: ExpiryAlert | undefined;
  /** Milliseconds until the next scheduled check (from the last check). */
  readonly nextCheckInMs: number;
  /** The current PEM texts, to create a server with: `https.createServer(reloader.secureContextOptions())`. */
  secureContextOptions(): TlsContextOptions;
  /** Keeps `server` up to date too, starting with the current certificate. */
  attach(server: Server): void;
  /**
   * Checks the files now. Resolves `true` when a new certificate was put into service, `false`
   * when the files had not changed; rejects with the `NodeIdError` when they cannot be loaded
   * (the old certificate stays in service).
   */
  reload(): Promise<boolean>;
  /** Stops watching and polling. Attached servers keep their current certificate. */
  close(): void;
}

interface Loaded extends TlsContextOptions {
  certificate: Certificate;
}

const DEFAULT_DEBOUNCE_MS = 200;
/** Node's timers cannot wait longer than 2^31 - 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Loads the certificate and key (and CA) files and keeps them in service: on a file change
 * (debounced) and on AIStore's polling schedule it reads them again and, when they changed, parse
 * and the key matches the certificate, swaps them into every attached server with
 * `server.setSecureContext`. A broken replacement (garbage, a key that does not match, a missing
 * file) leaves the old certificate in service, calls `onError` and raises `tls-cert-invalid`.
 * After each check the certificate in service is judged with `expiryStatus` and any alert goes to
 * `onAlert` with its validity bounds. Like AIStore, an expired replacement is still loaded (and
 * alerted on). Rejects when the first load fails: there is nothing to serve.
 *
 * @example
 * ```ts
 * import https from 'node:https';
 * import { createTlsReloader } from '@nodeid/sdk/node';
 *
 * const reloader = await createTlsReloader({
 *   certFile: 'server.crt',
 *   keyFile: 'server.key',
 *   onAlert: (a) => console.warn(`${a.alert}: ${a.message}`),
 *   onReload: (e) => console.info(e.message),
 *   onError: (e) => console.error(e.message),
 * });
 * const server = https.createServer(reloader.secureContextOptions(), app);
 * reloader.attach(server);
 * server.listen(8080);
 * ```
 */
export async function createTlsReloader(options: TlsReloaderOptions): Promise<TlsReloader> {
  if (!options || typeof options.certFile !== 'string' || typeof options.keyFile !== 'string')
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'certFile and keyFile are required');
  const debounceMs = options.debounce ?? DEFAULT_DEBOUNCE_MS;
  if (!Number.isFinite(debounceMs) || debounceMs < 0)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'debounce must be a number of ms, 0 or more');
  if (
    options.pollInterval !== undefined &&
    !(Number.isFinite(options.pollInterval) && options.pollInterval > 0)
  )
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'pollInterval must be a positive number of ms');
  const files = {
    cert: resolve(options.certFile),
    key: resolve(options.keyFile),
    ca: options.caFile === undefined ? undefined : resolve(options.caFile),
  };
  const warnWithin = options.warnWithin ?? RELOADER_WARN_WITHIN;
  const clock = (): Date => {
    const n = options.now;
    return n === undefined ? new Date() : typeof n === 'function' ? n() : n;
  };
  // Bad options fail here, not later in a timer callback.
  parseDuration(warnWithin);
  const first = clock();
  if (!(first instanceof Date) || Number.isNaN(first.getTime()))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', '`now` must be a valid Date or return one');

  let current = await load(files, options.passphrase);
  const servers = new Set<Server>();
  let alert: ExpiryAlert | undefined;
  let nextMs = 0;
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let again = false;
  const watchers: FSWatcher[] = [];

  const safely = (fn: () => void) => {
    try {
      fn();
    } catch {
      // A throwing callback must not stop the reloader.
    }
  };
  const reportError = (e: NodeIdError) => {
    if (options.onError) safely(() => options.onError!(e));
  };
  const raise = (a: TlsAlert) => {
    alert = a.alert;
    if (options.onAlert) safely(() => options.onAlert!(a));
  };
  const judge = () => {
    const s: ExpiryStatus = expiryStatus(current.certificate, { now: clock(), warnWithin });
    if (!s.alert) {
      alert = undefined;
      return;
    }
    raise({
      alert: s.alert,
      status: s.status,
      message: `${basename(files.cert)}: ${s.message}`,
      certFile: files.cert,
      notBefore: s.notBefore,
      notAfter: s.notAfter,
    });
  };
  const announce = (replaced: boolean) => {
    const c = current.certificate;
    const event: TlsReloadEvent = {
      certificate: c,
      serialNumber: c.serialNumber,
      notBefore: c.notBefore,
      notAfter: c.notAfter,
      replaced,
      message: `${basename(files.cert)}[${iso(c.notBefore)}, ${iso(c.notAfter)}] serial ${c.serialNumber}`,
    };
    if (options.onReload) safely(() => options.onReload!(event));
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(pollTimer);
    nextMs = Math.min(
      options.pollInterval ?? nextCheckIn(current.certificate, { now: clock() }),
      MAX_TIMER_MS,
    );
    pollTimer = setTimeout(() => void check().catch(reportError), nextMs);
    pollTimer.unref();
  };

  /** One check; calls made while one runs are folded into one more run after it. */
  const check = async (): Promise<boolean> => {
    if (closed) return false;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let next: Loaded;
        try {
          next = await load(files, options.passphrase);
        } catch (e) {
          const err = NodeIdError.isInstance(e)
            ? e
            : new NodeIdError('ERR_INTERNAL', 'reload failed', { cause: e });
          raise({
            alert: 'tls-cert-invalid',
            status: 'invalid',
            message: `${basename(files.cert)}: the new certificate cannot be used (${err.message}); still serving serial ${current.certificate.serialNumber}`,
            certFile: files.cert,
          });
          throw err;
        }
        if (closed) return false;
        const changed =
          next.cert !== current.cert || next.key !== current.key || next.ca !== current.ca;
        if (changed) {
          for (const server of servers) server.setSecureContext(contextOf(next));
          current = next;
          announce(true);
        }
        judge();
        return changed;
      } finally {
        schedule();
      }
    })();
    try {
      return await running;
    } finally {
      running = undefined;
      if (again && !closed) {
        again = false;
        void check().catch(reportError);
      }
    }
  };

  const onFileEvent = () => {
    if (closed) return;
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => void check().catch(reportError), debounceMs);
    debounceTimer.unref();
  };

  if (options.watch ?? true) {
    // Watch folders, not files: an atomic replace (rename over the file, or Kubernetes swapping
    // its `..data` link) ends a watch on the old file but shows up as an event in its folder.
    const dirs = new Set(
      [files.cert, files.key, files.ca].filter((f) => f).map((f) => dirname(f!)),
    );
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, onFileEvent);
        w.on('error', (e) =>
          reportError(
            new NodeIdError('ERR_FILE_IO', `stopped watching ${dir}; polling continues`, {
              cause: e,
            }),
          ),
        );
        watchers.push(w);
      } catch (e) {
        reportError(
          new NodeIdError('ERR_FILE_IO', `cannot watch ${dir}; relying on polling`, { cause: e }),
        );
      }
    }
  }

  if (options.server) servers.add(options.server);
  for (const server of servers) server.setSecureContext(contextOf(current));
  announce(false);
  judge();
  schedule();

  return {
    get certificate() {
      return current.certificate;
    },
    get alert() {
      return alert;
    },
    get nextCheckInMs() {
      return nextMs;
    },
    secureContextOptions: () => contextOf(current),
    attach(server: Server) {
      if (typeof server?.setSecureContext !== 'function')
        throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected a tls.Server or https.Server');
      server.setSecureContext(contextOf(current));
      servers.add(server);
    },
    reload: check,
    close() {
      closed = true;
      clearTimeout(pollTimer);
      clearTimeout(debounceTimer);
      for (const w of watchers) w.close();
      watchers.length = 0;
      servers.clear();
    },
  };
}

function contextOf(l: Loaded): TlsContextOptions {
  const o: TlsContextOptions = { cert: l.cert, key: l.key };
  if (l.ca !== undefined) o.ca = l.ca;
  if (l.passphrase !== undefined) o.passphrase = l.passphrase;
  return o;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new NodeIdError(
      'ERR_FILE_IO',
      `cannot read the ${what} ${path}${code ? ` (${code})` : ''}`,
      {
        cause: e,
      },
    );
  }
}

function fail(code: NodeIdErrorCode, message: string, fn: () => void): void {
  try {
    fn();
  } catch (cause) {
    if (NodeIdError.isInstance(cause)) throw cause;
    throw new NodeIdError(code, message, { cause });
  }
}

/** Reads and checks a certificate, key and CA set; throws a NodeIdError saying what is wrong. */
async function load(
  files: { cert: string; key: string; ca?: string },
  passphrase: string | undefined,
): Promise<Loaded> {
  const [cert, key, ca] = await Promise.all([
    readText(files.cert, 'certificate file'),
    readText(files.key, 'key file'),
    files.ca === undefined ? undefined : readText(files.ca, 'CA file'),
  ]);
  let certificate: Certificate | undefined;
  fail('ERR_CERTIFICATE_INVALID', `${files.cert} does not hold a certificate`, () => {
    certificate = parseCertificates(cert)[0];
  });
  if (ca !== undefined)
    fail('ERR_CERTIFICATE_INVALID', `${files.ca} does not hold CA certificates`, () => {
      parseCertificates(ca);
    });
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  fail(
    'ERR_KEY_INVALID',
    `${files.key} does not hold a private key${passphrase === undefined ? '' : ' that opens with the passphrase'}`,
    () => {
      privateKey = createPrivateKey(passphrase === undefined ? key : { key, passphrase });
    },
  );
  let matches = false;
  fail('ERR_CERTIFICATE_INVALID', `${files.cert} cannot be read by Node`, () => {
    matches = new X509Certificate(certificate!.der).checkPrivateKey(privateKey!);
  });
  if (!matches)
    throw new NodeIdError(
      'ERR_KEY_MISMATCH',
      `the key in ${files.key} does not belong to the certificate in ${files.cert}`,
    );
  const loaded: Loaded = { cert, key, certificate: certificate! };
  if (ca !== undefined) loaded.ca = ca;
  if (passphrase !== undefined) loaded.passphrase = passphrase;
  // What setSecureContext will do, done first so a failure cannot leave a server half-updated.
  fail('ERR_CERTIFICATE_INVALID', 'OpenSSL refuses the certificate, key or CA files', () => {
    createSecureContext(contextOf(loaded));
  });
  return loaded;
}
