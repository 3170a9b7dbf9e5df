/**
 * Admin views of the inventory for the web page and scripts, under `/v1/admin/` (the admin
 * token guards the whole prefix): the overview (counts, the next certificates to expire, the
 * CA's and the CRLs' dates with the SDK's alert names, expiries per week over the next year)
 * the audit trail, filterable by event, and the fleet check (`fleet.ts`). Every judgement (expiring, expired, the alert) is the
 * SDK's `expiryStatus`; this file only reads, counts and answers.
 */
import {
  type CrlExpiryAlert,
  type CrlExpiryState,
  crlExpiryStatus,
  DEFAULT_WARN_WITHIN_MS,
  type ExpiryAlert,
  type ExpiryState,
  expiryStatus,
  parseCrl,
  parseDuration,
} from '@nodeid/sdk';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { fleetRoutes } from './fleet.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** The chart's horizon: 52 weeks from now. */
const WEEKS = 52;
/** How many of the next certificates to expire the overview lists. */
const NEXT = 10;

/** `?warn=` as a duration (`30d`, `2w`), from 1 hour to 1 year; default the SDK's 30 days. */
function warnWithinOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WARN_WITHIN_MS;
  const ms = parseDuration(text);
  if (ms < 3_600_000 || ms > 366 * DAY_MS)
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', '"warn" must be from 1h to 366d');
  return ms;
}

/** `?limit=` as an integer from 1 to `max`, or `fallback`. */
export function limitOf(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', `"limit" must be an integer from 1 to ${max}`);
  return Number(text);
}

/** The part of an expiry verdict the overview shows. */
function verdict(s: {
  status: ExpiryState | CrlExpiryState;
  alert?: ExpiryAlert | CrlExpiryAlert;
  message: string;
  remainingMs?: number;
}) {
  return {
    status: s.status,
    ...(s.alert && { alert: s.alert }),
    message: s.message,
    ...(s.remainingMs !== undefined && { daysLeft: Math.floor(s.remainingMs / DAY_MS) }),
  };
}

/**
 * A CRL's dates with the SDK's verdict on its nextUpdate (RFC 5280 §5.1.2.5), the same status
 * and alert names as `nodeid expiry check` gives for a CRL file: `crl-will-soon-expire` within
 * the smaller of the window and a quarter of its lifetime, `crl-expired` after nextUpdate.
 */
function crlView(der: Uint8Array, now: Date, warnWithin: number) {
  const parsed = parseCrl(der);
  return {
    thisUpdate: parsed.thisUpdate.toISOString(),
    ...(parsed.nextUpdate && { nextUpdate: parsed.nextUpdate.toISOString() }),
    ...(parsed.crlNumber !== undefined && { crlNumber: parsed.crlNumber.toString() }),
    revoked: parsed.entries.length,
    ...verdict(crlExpiryStatus(parsed, { now, warnWithin })),
  };
}

/** A CRL that cannot be read or made now: `unavailable`, with the error's code. */
function crlUnavailable(e: unknown) {
  return {
    status: 'unavailable' as const,
    code: (e as { code?: string }).code ?? 'ERR_CRL_UNAVAILABLE',
    message: (e as Error).message,
  };
}

export function adminRoutes(s: Services): Hono {
  const app = new Hono();

  /**
   * The inventory at a glance. `counts.valid` are the valid certificates outside the warning
   * window and `counts.expiring` those inside it (together the store's `valid`), so the five
   * counts add up to `counts.total`.
   */
  app.get('/v1/admin/overview', async (c) => {
    const warnWithin = warnWithinOf(c.req.query('warn'));
    const now = s.now();
    const store = s.deps.store;
    const [summary, next] = await Promise.all([
      store.certificateSummary({ now }),
      store.listCertificates({ now, status: 'valid', limit: NEXT }),
    ]);
    const horizon = now.getTime() + warnWithin;
    const expiring = summary.valid.filter((v) => v.notAfter.getTime() <= horizon).length;
    const weeks = Array.from({ length: WEEKS }, (_, i) => ({
      start: new Date(now.getTime() + i * WEEK_MS).toISOString(),
      count: 0,
    }));
    for (const v of summary.valid) {
      const week = Math.floor((v.notAfter.getTime() - now.getTime()) / WEEK_MS);
      if (week >= 0 && week < WEEKS) weeks[week]!.count++;
    }
    const ca = s.deps.ca.certificate;
    const [crl, rootCrl] = await Promise.all([
      s.crl
        .get()
        .then((made) => crlView(made.der, now, warnWithin))
        .catch(crlUnavailable),
      // an intermediate's root CRL (--root-crl) is signed offline, so it is the one that goes
      // stale when nobody re-signs it
      s.deps.rootCrl
        ?.read()
        .then((made) => crlView(made.der, now, warnWithin))
        .catch(crlUnavailable),
    ]);
    return c.json({
      now: now.toISOString(),
      warnWithinDays: warnWithin / DAY_MS,
      counts: {
        valid: summary.counts.valid - expiring,
        expiring,
        expired: summary.counts.expired,
        revoked: summary.counts.revoked,
        superseded: summary.counts.superseded,
        total:
          summary.counts.valid +
          summary.counts.expired +
          summary.counts.revoked +
          summary.counts.superseded,
      },
      nextToExpire: next.map((r) => ({
        serialNumber: r.serialNumber,
        subject: r.subject,
        names: r.names,
        ...(r.profile && { profile: r.profile }),
        notAfter: r.notAfter.toISOString(),
        ...verdict(expiryStatus(r.pem, { now, warnWithin })),
      })),
      ca: {
        subject: ca.subject.text,
        notAfter: ca.notAfter.toISOString(),
        ...verdict(expiryStatus(ca, { now, warnWithin })),
      },
      crl,
      ...(rootCrl && { rootCrl }),
      expiriesPerWeek: weeks,
    });
  });

  /** The latest audit lines, newest first; `?event=` keeps one action, `?limit=` (default 100, at most 1000). */
  app.get('/v1/admin/audit', async (c) => {
    const event = c.req.query('event')?.trim();
    if (event !== undefined && !/^[a-z][a-z0-9.-]{0,63}$/.test(event))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        '"event" must be an audit action such as certificate.revoke',
      );
    const limit = limitOf(c.req.query('limit'), 100, 1000);
    const lines = await s.deps.store.listAudit(limit, event ? { action: event } : {});
    return c.json(lines);
  });

  app.route('/', fleetRoutes(s));
  return app;
}
