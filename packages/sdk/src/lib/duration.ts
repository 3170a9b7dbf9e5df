/**
 * Human durations (`30d`, `12h`, `1h30m`, `2w`) and renewal thresholds (`66%` of the lifetime
 * elapsed, or a duration before expiry), as the CLI, the server and `needsRenewal` accept them.
 */
import { NodeIdError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Largest duration accepted: 1000 years, far beyond any certificate lifetime. */
const MAX_MS = 1000 * 366 * 86_400_000;

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

function invalid(message: string): never {
  throw new NodeIdError('ERR_INVALID_ARGUMENT', message);
}

/**
 * Parses a duration into milliseconds. Accepts a non-negative number of milliseconds, or text
 * made of one or more `<number><unit>` parts with units `ms`, `s`, `m` (minutes), `h`, `d`, `w`
 * (weeks): `'45s'`, `'90m'`, `'12h'`, `'30d'`, `'2w'`, `'1h30m'`, `'1.5h'`. Whitespace around
 * the value is ignored; units are case-insensitive. A bare number without a unit is refused, as
 * it is ambiguous; so is a percentage (use {@link parseRenewalThreshold} for `'66%'`).
 * Throws `ERR_INVALID_ARGUMENT` for anything else.
 *
 * @example
 * ```ts
 * parseDuration('30d'); // 2592000000
 * parseDuration('1h30m'); // 5400000
 * ```
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0 || value > MAX_MS)
      invalid(`a duration must be a non-negative finite number of milliseconds, got ${value}`);
    return value;
  }
  if (typeof value !== 'string') invalid('a duration must be text like "30d" or a number of ms');
  const text = value.trim().toLowerCase();
  if (text.endsWith('%'))
    invalid(`"${short(value)}" is a percentage, not a duration; expected e.g. "30d" or "12h"`);
  if (text === '' || text.length > 64)
    invalid(`"${short(value)}" is not a duration; expected e.g. "30d", "12h", "90m", "45s", "2w"`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const m = PART.exec(text);
    if (!m) {
      const hint = /^\d+(\.\d+)?$/.test(text) ? ' (add a unit: ms, s, m, h, d or w)' : '';
      invalid(
        `"${short(value)}" is not a duration${hint}; expected e.g. "30d", "12h", "90m", "45s", "2w"`,
      );
    }
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (!Number.isFinite(total) || total > MAX_MS) invalid(`duration "${short(value)}" is too long`);
  return Math.round(total);
}

/** When a certificate is due for renewal. */
export type RenewalThreshold =
  /** Renew once this fraction (0 < fraction ≤ 1) of the lifetime has elapsed. */
  | { type: 'elapsed'; fraction: number }
  /** Renew once this many milliseconds or fewer remain before notAfter. */
  | { type: 'remaining'; ms: number };

/**
 * Parses a renewal threshold: a percentage of the lifetime elapsed (`'66%'`, `'75.5%'`, from
 * above 0 up to 100), a duration before expiry (`'30d'`, see {@link parseDuration}), or a number
 * of milliseconds before expiry. Throws `ERR_INVALID_ARGUMENT` otherwise.
 *
 * @example
 * ```ts
 * parseRenewalThreshold('66%'); // { type: 'elapsed', fraction: 0.66 }
 * parseRenewalThreshold('30d'); // { type: 'remaining', ms: 2592000000 }
 * ```
 */
export function parseRenewalThreshold(value: string | number): RenewalThreshold {
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (m) {
      const pct = Number(m[1]);
      if (!(pct > 0 && pct <= 100))
        invalid(`a renewal percentage must be above 0% and at most 100%, got "${short(value)}"`);
      return { type: 'elapsed', fraction: pct / 100 };
    }
    if (value.trim().endsWith('%'))
      invalid(`"${short(value)}" is not a percentage; expected e.g. "66%"`);
  }
  return { type: 'remaining', ms: parseDuration(value) };
}

/**
 * Formats milliseconds as a short readable duration with at most two units, e.g. `29d 23h`,
 * `5h 0m`, `42s`. Negative values are formatted by magnitude.
 *
 * @example
 * ```ts
 * formatDuration(90 * 60_000); // '1h 30m'
 * ```
 */
export function formatDuration(ms: number): string {
  let rest = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(rest / 86_400);
  rest -= d * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function short(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
