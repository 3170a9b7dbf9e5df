/**
 * `nodeid expiry watch <paths...>`: a long-running watcher that behaves like AIStore's certificate
 * loader. It prints the validity bounds of every certificate on start and whenever a file changes,
 * raises AIStore's alerts (`tls-cert-will-soon-expire`, `tls-cert-expired`, `tls-cert-invalid`),
 * looks again on AIStore's polling schedule (6 h down to 1 min as expiry nears), and can run a
 * command after a change, e.g. to reload a daemon that does not reload certificates itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  caWarnWindow,
  type EndpointTarget,
  nextCheckIn,
  parseCertificate,
  parseDuration,
} from '@nodeid/sdk';
import type { Argv, CommandModule } from 'yargs';
import { action, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { type ExpiryRow, exitCodeOf, judge } from '../../lib/expiry-report.js';
import { painter, useColor } from '../../lib/output.js';
import {
  PKCS12_READ_OPTIONS,
  type Pkcs12ReadFlags,
  scanOptionsOf,
} from '../../lib/pkcs12-options.js';
import { type ScannedFile, type ScanOptions, scanCertificates } from '../../lib/scan-files.js';
import {
  contactEndpoints,
  ENDPOINT_OPTIONS,
  type EndpointFlags,
  endpointRows,
  resolveTargets,
} from '../../lib/targets.js';

interface Args extends GlobalArgs, EndpointFlags, Pkcs12ReadFlags {
  paths: string[];
  warn: string;
  caWarn: string;
  exec?: string;
  once: boolean;
}

/** An endpoint that presented no chain is tried again after this long. */
const UNREACHABLE_RETRY_MS = 60_000;

/** Why the files are being looked at. */
type Trigger = 'start' | 'change' | 'poll';

/** Quiet time after a file event before rescanning, so a write and its rename count as one change. */
const SETTLE_MS = 300;
const HOUR = 3_600_000;

const iso = (d: Date | string) =>
  (typeof d === 'string' ? d : d.toISOString()).replace(/\.\d{3}Z$/, 'Z');

export const expiryWatchCommand: CommandModule<GlobalArgs, Args> = {
  command: 'watch [paths...]',
  describe:
    'watch certificate files and TLS endpoints: alerts and validity bounds on start, on each change and on a polling schedule',
  builder: (y) =>
    y
      .positional('paths', {
        type: 'string',
        array: true,
        default: [],
        describe:
          'certificate files and folders (searched recursively), and TLS endpoints: tls://host:port, host:port, https://host[:port], [v6]:port',
      })
      .options(ENDPOINT_OPTIONS)
      .options(PKCS12_READ_OPTIONS)
      .option('ca-warn', {
        type: 'string',
        default: '180d',
        describe: 'the warning window for CA certificates',
      })
      .check((a) => {
        if ((a.paths as string[]).length === 0 && a.targets === undefined)
          throw new Error('give at least one file, folder or endpoint, or --targets FILE');
        return true;
      })
      .option('warn', {
        type: 'string',
        default: '3d',
        describe: 'raise tls-cert-will-soon-expire when this little time is left (AIStore: 3 days)',
      })
      .option('exec', {
        type: 'string',
        describe:
          'run this command with /bin/sh -c after a change (e.g. a reload); $NODEID_CHANGED_FILES lists the files, one a line',
      })
      .option('once', {
        type: 'boolean',
        default: false,
        describe: 'look once, print, and exit with the codes of "expiry check"',
      })
      .example('$0 expiry watch /etc/ais/server.crt', "AIStore's alerts for its server certificate")
      .example(
        '$0 expiry watch 192.168.9.135:5696 --warn 30d',
        "the key server's certificate as it presents it, on AIStore's schedule",
      )
      .example(
        '$0 expiry watch /etc/nginx/tls --warn 7d --exec "systemctl reload nginx"',
        'reload nginx whenever a certificate under the folder is replaced',
      )
      .epilog(
        `Each line: time, event (loaded, changed, removed, poll), file[notBefore, notAfter] (file#2/3[...] for the second certificate of three), then the alert or "ok" and a sentence; the --exec runs are "exec" lines. With --format json, one JSON object a line. Endpoints are read (without trusting them) at start and on each poll; a change of the presented chain is a "changed" line, an endpoint that cannot be reached an "unreachable" alert (tried again every minute); --exec is run for file changes only. Files and endpoints are checked again on AIStore's schedule: every 6 h while more than 24 h are left, 1 h (more than 6 h left), 10 min (more than 1 h), 1 min (less), 1 h once expired. --exec is not run while a changed file cannot be read (a copy in progress): the next change runs it.\n\n${exitCodes({ 0: 'stopped by SIGINT or SIGTERM (or, with --once, every certificate valid)', 1: 'with --once: a certificate expires within --warn', 2: 'bad arguments; with --once: a certificate expired, is not valid yet, or cannot be read' })}`,
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const warnWithinMs = parseDuration(args.warn);
    const targets = await resolveTargets(args.paths, args.targets);
    const watcher = new ExpiryWatcher(targets.files, warnWithinMs, args.format, args.exec, {
      endpoints: targets.endpoints,
      flags: args,
      caWarnWithinMs: caWarnWindow(args.caWarn),
      scan: await scanOptionsOf(args),
    });
    if (args.once) return watcher.once();
    await watcher.run();
    return 0;
  }),
};

/** The watcher's state: what each file held last time, the folder watchers, the poll timer. */
class ExpiryWatcher {
  private known = new Map<string, { digest?: string; rows: ExpiryRow[] }>();
  private watchers = new Map<string, FSWatcher>();
  private settleTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private scanning = false;
  private rescanAgain = false;
  private child?: ChildProcess;
  private execAgain?: string[];
  private stopped = false;
  private readonly paint: ReturnType<typeof painter>;
  /** Rows of the endpoints at the last look, by target; they bypass `judge` in `compare`. */
  private endpointRows = new Map<string, ExpiryRow[]>();

  constructor(
    private readonly paths: string[],
    private readonly warnWithinMs: number,
    private readonly format: 'text' | 'json',
    private readonly exec: string | undefined,
    private readonly remote: {
      endpoints: EndpointTarget[];
      flags: EndpointFlags;
      caWarnWithinMs: number;
      /** How to open PKCS#12 files (their passphrase). */
      scan?: ScanOptions;
    },
  ) {
    this.paint = painter(useColor(format));
  }

  private judgeFound(e: Parameters<typeof judge>[0], now: Date): ExpiryRow {
    return judge(e, now, this.warnWithinMs, this.remote.caWarnWithinMs);
  }

  /** Files and endpoints as scanned files: an endpoint's digest is that of its presented chain. */
  private async scan(now: Date): Promise<{ files: ScannedFile[]; dirs: string[] }> {
    const { files, dirs } = this.paths.length
      ? await scanCertificates(this.paths, this.remote.scan)
      : { files: [], dirs: [] };
    const results = await contactEndpoints(this.remote.endpoints, this.remote.flags);
    this.endpointRows.clear();
    for (const [i, target] of this.remote.endpoints.entries()) {
      const r = results[i]!;
      const rows = endpointRows(target, r, now, this.warnWithinMs, this.remote.caWarnWithinMs);
      this.endpointRows.set(target.text, rows);
      const hash = createHash('sha256');
      if (r.ok) for (const der of r.chain) hash.update(der);
      files.push({
        path: target.text,
        ...(r.ok && { digest: hash.digest('hex') }),
        entries: r.ok
          ? r.chain.map((der, index) => {
              const base = { file: target.text, index: index + 1, count: r.chain.length };
              try {
                return { ...base, certificate: parseCertificate(der) };
              } catch (e) {
                return { ...base, error: (e as Error).message };
              }
            })
          : [{ file: target.text, index: 1, count: 1, error: r.message }],
      });
    }
    return { files, dirs };
  }

  /** Scans once, prints every certificate, and returns the exit code of `expiry check`. */
  async once(): Promise<number> {
    const now = new Date();
    const { files } = await this.scan(now);
    const rows = files.flatMap(
      (f) => this.endpointRows.get(f.path) ?? f.entries.map((e) => this.judgeFound(e, now)),
    );
    for (const r of rows) this.print(now, 'loaded', r);
    if (rows.length === 0)
      process.stderr.write(
        `error: no certificate found in ${this.paths.join(', ')} (ERR_NOT_FOUND)\n`,
      );
    return rows.length === 0 ? 2 : exitCodeOf(rows);
  }

  /** Watches until SIGINT or SIGTERM. */
  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        if (this.stopped) return;
        this.stopped = true;
        clearTimeout(this.settleTimer);
        clearTimeout(this.pollTimer);
        for (const w of this.watchers.values()) w.close();
        this.watchers.clear();
        this.child?.kill('SIGTERM');
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.stderr.write(`stopped (${signal})\n`);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      void this.rescan('start');
    });
  }

  private async rescan(trigger: Trigger): Promise<void> {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescanAgain = true;
      return;
    }
    this.scanning = true;
    try {
      const now = new Date();
      const { files, dirs } = await this.scan(now);
      if (this.stopped) return;
      const changed = this.compare(files, now, trigger);
      await this.watchFolders(dirs);
      if (trigger === 'start') {
        const total = files.reduce((n, f) => n + f.entries.filter((e) => e.certificate).length, 0);
        const endpoints = this.remote.endpoints.length;
        const local = files.length - endpoints;
        const where = [
          ...(local || !endpoints ? [`${local} file${local === 1 ? '' : 's'}`] : []),
          ...(endpoints ? [`${endpoints} endpoint${endpoints === 1 ? '' : 's'}`] : []),
        ].join(' and ');
        const names = [...this.paths, ...this.remote.endpoints.map((t) => t.text)];
        process.stderr.write(
          `watching ${names.join(', ')}: ${total} certificate${total === 1 ? '' : 's'} in ${where}\n`,
        );
      }
      this.schedulePoll(files, now);
      if (changed.length && trigger !== 'start') this.runExec(changed, now);
    } catch (e) {
      process.stderr.write(`error: the scan failed: ${(e as Error).message} (ERR_FILE_IO)\n`);
      if (!this.stopped) this.pollTimer = setTimeout(() => void this.rescan('poll'), HOUR);
    } finally {
      this.scanning = false;
      if (this.rescanAgain && !this.stopped) {
        this.rescanAgain = false;
        void this.rescan('change');
      }
    }
  }

  /** Prints what changed since the last scan (everything on start) and returns the changed files. */
  private compare(
    files: ScannedFile[],
    now: Date,
    trigger: Trigger,
  ): { path: string; readable: boolean }[] {
    const changed: { path: string; readable: boolean }[] = [];
    const seen = new Set<string>();
    for (const f of files) {
      seen.add(f.path);
      const rows = this.endpointRows.get(f.path) ?? f.entries.map((e) => this.judgeFound(e, now));
      const before = this.known.get(f.path);
      this.known.set(f.path, { digest: f.digest, rows });
      if (
        !before ||
        before.digest !== f.digest ||
        (f.digest === undefined && !sameStates(before.rows, rows))
      ) {
        const event = trigger === 'start' ? 'loaded' : 'changed';
        for (const r of rows) this.print(now, event, r);
        if ((!before || before.digest !== f.digest) && !this.endpointRows.has(f.path))
          changed.push({ path: f.path, readable: rows.every((r) => r.status !== 'invalid') });
        continue;
      }
      // Same contents: say something when time moved a certificate into another state, and
      // repeat the alerts on each poll, as AIStore keeps an alert raised until it is fixed.
      rows.forEach((r, i) => {
        if (r.status !== before.rows[i]?.status || (trigger === 'poll' && r.alert))
          this.print(now, 'poll', r);
      });
    }
    for (const [path, before] of this.known) {
      if (seen.has(path)) continue;
      this.known.delete(path);
      if (before.digest === undefined || this.endpointRows.has(path)) continue;
      this.print(now, 'removed', {
        file: path,
        index: 1,
        count: 1,
        names: [],
        status: 'invalid',
        alert: 'tls-cert-invalid',
        message: 'the file was removed',
      });
      changed.push({ path, readable: false });
    }
    return changed;
  }

  private print(now: Date, event: string, r: ExpiryRow): void {
    if (this.format === 'json') {
      process.stdout.write(`${JSON.stringify({ time: now.toISOString(), event, ...r })}\n`);
      return;
    }
    const bounds = r.notBefore && r.notAfter ? `[${iso(r.notBefore)}, ${iso(r.notAfter)}]` : '';
    const label = r.alert
      ? this.paint(r.status === 'expiring' ? 'yellow' : 'red', r.alert)
      : this.paint('green', 'ok');
    process.stdout.write(
      `${iso(now)} ${event} ${r.count > 1 ? `${r.file}#${r.index}/${r.count}` : r.file}${bounds} ${label}: ${r.message}\n`,
    );
  }

  /** Watches each folder scanned and the folder of each file named, so replaced files are seen. */
  private async watchFolders(dirs: string[]): Promise<void> {
    const wanted = new Set(dirs);
    for (const p of this.paths) {
      const info = await stat(p).catch(() => undefined);
      if (!info?.isDirectory()) wanted.add(dirname(p));
    }
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: true }, () => this.settle());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.settle();
        });
        this.watchers.set(dir, w);
      } catch {
        // The folder does not exist (yet): the poll finds the files when it appears.
      }
    }
  }

  private settle(): void {
    if (this.stopped) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.rescan('change'), SETTLE_MS);
  }

  /** The next poll, on AIStore's schedule for the certificate that needs it soonest. */
  private schedulePoll(files: ScannedFile[], now: Date): void {
    clearTimeout(this.pollTimer);
    let delay = Number.POSITIVE_INFINITY;
    for (const f of files) {
      const remote = this.endpointRows.get(f.path);
      if (remote?.[0]?.status === 'unreachable') delay = Math.min(delay, UNREACHABLE_RETRY_MS);
      for (const e of f.entries)
        delay = Math.min(delay, e.certificate ? nextCheckIn(e.certificate, { now }) : HOUR);
    }
    if (!Number.isFinite(delay)) delay = HOUR;
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => void this.rescan('poll'), Math.max(1000, delay));
  }

  private runExec(changed: { path: string; readable: boolean }[], now: Date): void {
    if (!this.exec) return;
    const unreadable = changed.filter((c) => !c.readable);
    if (unreadable.length) {
      this.note(
        now,
        `not run: ${unreadable.map((c) => c.path).join(', ')} cannot be read; the next change will run the command`,
      );
      return;
    }
    const paths = changed.map((c) => c.path);
    if (this.child) {
      this.execAgain = [...(this.execAgain ?? []), ...paths];
      return;
    }
    const command = this.exec;
    const json = this.format === 'json';
    this.note(now, `running: ${command}`);
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'],
      env: { ...process.env, NODEID_CHANGED_FILES: paths.join('\n') },
    });
    // In JSON mode standard output is one object a line: the command's output goes to stderr.
    child.stdout?.pipe(process.stderr, { end: false });
    this.child = child;
    const done = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      this.child = undefined;
      const how = error
        ? `could not start: ${error.message}`
        : signal
          ? `was stopped by ${signal}`
          : `exited with ${code}`;
      this.note(new Date(), how, {
        command,
        exitCode: code,
        signal,
        ...(error && { error: error.message }),
      });
      const again = this.execAgain;
      this.execAgain = undefined;
      if (again && !this.stopped)
        this.runExec(
          again.map((path) => ({ path, readable: true })),
          new Date(),
        );
    };
    child.on('error', (e) => done(null, null, e));
    child.on('exit', (code, signal) => done(code, signal));
  }

  private note(now: Date, text: string, extra: Record<string, unknown> = {}): void {
    if (this.format === 'json')
      process.stdout.write(
        `${JSON.stringify({ time: now.toISOString(), event: 'exec', message: text, ...extra })}\n`,
      );
    else process.stdout.write(`${iso(now)} exec ${text}\n`);
  }
}

function sameStates(a: ExpiryRow[], b: ExpiryRow[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => r.status === b[i]!.status && r.message === b[i]!.message)
  );
}
