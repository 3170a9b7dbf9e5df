/** Certificate lifetimes: defaults, backdating, and clamping to the issuer's validity. */
import { NodeIdError } from '../errors.js';

/** One day in milliseconds. */
export const DAY = 86_400_000;

/** notBefore is set this far in the past, so nodes with a slightly slow clock accept a new certificate. */
export const BACKDATE_MS = 5 * 60_000;

/** Options every issuing function takes for the lifetime. */
export interface ValidityOptions {
  /** Lifetime in days from `now`. Ignored when `notAfter` is given. */
  days?: number;
  /** Explicit start; default `now` minus five minutes. */
  notBefore?: Date;
  /** Explicit end. */
  notAfter?: Date;
  /** The current time; default the system clock. */
  now?: Date;
}

function seconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

/**
 * Computes the validity window. With an issuer, the end is clamped to the issuer's notAfter and
 * a warning is returned, and issuing from an expired issuer is refused.
 */
export function computeValidity(
  options: ValidityOptions,
  defaultDays: number,
  issuer?: { notBefore: Date; notAfter: Date; subject: string },
): { notBefore: Date; notAfter: Date; warnings: string[] } {
  const now = options.now ?? new Date();
  const days = options.days ?? defaultDays;
  if (options.notAfter === undefined && (!Number.isFinite(days) || days <= 0 || days > 36_500)) {
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `lifetime must be between 1 and 36500 days, got ${days}`,
    );
  }
  let notBefore = seconds(options.notBefore ?? new Date(now.getTime() - BACKDATE_MS));
  let notAfter = seconds(options.notAfter ?? new Date(now.getTime() + days * DAY));
  const warnings: string[] = [];
  if (issuer) {
    if (issuer.notAfter.getTime() < now.getTime()) {
      throw new NodeIdError(
        'ERR_CA_EXPIRED',
        `the CA "${issuer.subject}" expired at ${issuer.notAfter.toISOString()}; renew the CA before issuing`,
      );
    }
    if (issuer.notBefore.getTime() > now.getTime()) {
      throw new NodeIdError(
        'ERR_CA_INVALID',
        `the CA "${issuer.subject}" is not valid before ${issuer.notBefore.toISOString()}`,
      );
    }
    if (notAfter.getTime() > issuer.notAfter.getTime()) {
      notAfter = issuer.notAfter;
      warnings.push(`lifetime shortened to end with the CA's at ${issuer.notAfter.toISOString()}`);
    }
    if (notBefore.getTime() < issuer.notBefore.getTime()) notBefore = issuer.notBefore;
  }
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'notAfter must be later than notBefore');
  }
  return { notBefore, notAfter, warnings };
}
