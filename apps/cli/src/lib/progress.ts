/**
 * Progress of a long command on stderr, for any command that works through many items (bulk
 * issuance, fleet checks): on a terminal a bar redrawn in place; otherwise (cron, CI, ssh
 * without a tty, a pipe) one plain line every few seconds with the count, the rate and the time
 * left, so a 10,000-node run is never silent until the end. `quiet` silences both; the caller
 * prints its own summary either way.
 */

/** How often a plain progress line is printed when stderr is not a terminal, by default. */
export const PROGRESS_INTERVAL_MS = 5_000;

/**
 * Overrides the interval between plain progress lines, in milliseconds: for tests and for
 * scripts that want a denser log. Not a flag, so `--help` stays short.
 */
export const PROGRESS_INTERVAL_ENV = 'NODEID_PROGRESS_INTERVAL_MS';

/** The stream progress goes to: `process.stderr` or anything with `write` (tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** What is counted, plural: `nodes`, `hosts`. */
  unit: string;
  /** The verb of a done item, for the plain line: `issued`, `checked`. */
  verb: string;
  /** How many items there are, when known (else no bar, no ETA). */
  total?: number;
  /** Print nothing. */
  quiet?: boolean;
  /** Default `process.stderr`. */
  stream?: ProgressStream;
  /** Between plain lines; default {@link PROGRESS_INTERVAL_ENV} or {@link PROGRESS_INTERVAL_MS}. */
  intervalMs?: number;
  /** Milliseconds now; default `performance.now()`. */
  now?: () => number;
}

/** A running progress display. */
export interface Progress {
  /** Counts `done` more items, `failed` of them failed. */
  add(done: number, failed?: number): void;
  /** Clears the bar (a terminal) and stops the timer; answers the totals and the rate. */
  finish(): ProgressTotals;
}

/** The counts and the rate at the end. */
export interface ProgressTotals {
  done: number;
  failed: number;
  seconds: number;
  /** Items per second over the whole run. */
  rate: number;
}

/** Starts showing progress. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const fromEnv = Number(process.env[PROGRESS_INTERVAL_ENV]);
  const interval = Math.max(
    10,
    options.intervalMs ?? (fromEnv > 0 ? fromEnv : tty ? 100 : PROGRESS_INTERVAL_MS),
  );
  const started = now();
  let done = 0;
  let failed = 0;
  let drawn = false;
  const show = !options.quiet;

  const line = (): string => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const total = options.total;
    const count = total === undefined ? `${done}` : `${done}/${total}`;
    const eta =
      total !== undefined && rate > 0 && done < total
        ? `, ETA ${formatDuration((total - done) / rate)}`
        : '';
    const failures = failed ? `, ${failed} failed` : '';
    return `${count} ${options.unit}${failures}, ${formatRate(rate)} ${options.unit}/s${eta}`;
  };
  const draw = (): void => {
    if (!show) return;
    if (tty) {
      const bar =
        options.total !== undefined && options.total > 0
          ? `${renderBar(done / options.total, 30)} `
          : '';
      const text = `${bar}${line()}`;
      const width = (stream.columns ?? 100) - 1;
      stream.write(`\r${text.slice(0, width).padEnd(Math.min(width, text.length + 2))}`);
      drawn = true;
    } else stream.write(`${options.verb} ${line()}\n`);
  };
  const timer = show ? setInterval(draw, interval) : undefined;
  timer?.unref();

  return {
    add(n, f = 0) {
      done += n;
      failed += f;
    },
    finish() {
      if (timer) clearInterval(timer);
      if (drawn) stream.write('\r\u001b[K');
      // a log ends with where the run got to, however short it was
      else if (show && !tty) draw();
      const seconds = (now() - started) / 1000;
      return { done, failed, seconds, rate: seconds > 0 ? done / seconds : 0 };
    },
  };
}

/** `[#######.......]` for a fraction from 0 to 1. */
export function renderBar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** `1,234` or `12.5`: a rate people read at a glance. */
export function formatRate(rate: number): string {
  return rate >= 100
    ? Math.round(rate).toLocaleString('en-US')
    : rate.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** `42s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
