/** Services shared by the routes of one app. */
import type { AuditInput } from '@nodeid/store';
import type { Context } from 'hono';
import { tryGetContext } from 'hono/context-storage';
import type { AppDeps } from '../deps.js';
import { DEFAULT_BODY_BYTES } from './body.js';
import { CrlCache } from './crl-cache.js';
import { Metrics } from './metrics.js';

/**
 * What a request carries for its audit lines: `actor` is set by whoever authenticated it
 * (`requireAdmin`: `admin:<digest prefix>`; `/v1/sign`: `enrollment:<id>`; `/v1/renew`:
 * `certificate:<serial>`).
 */
export type AuditEnv = { Variables: { actor: string } };

/**
 * The address a request came from: the socket's peer on Node, `local` elsewhere (tests through
 * `app.request()` may pass `{ incoming: { socket: { remoteAddress } } }` as the env). Headers such
 * as X-Forwarded-For are not trusted: nodeid-server is not meant to sit behind a proxy.
 */
export function clientAddress(c: { env: unknown }): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}

/** Names who made this request, for its audit lines (see {@link AuditEnv}). */
export function setActor(c: Context, actor: string): void {
  (c as unknown as Context<AuditEnv>).set('actor', actor);
}

export interface Services {
  deps: AppDeps;
  now: () => Date;
  crl: CrlCache;
  metrics: Metrics;
  /** Largest request body in bytes. */
  bodyBytes: number;
  /** Stores an audit event and prints its line. */
  audit: (action: string, fields: Record<string, unknown>) => Promise<void>;
  /**
   * An audit event in two halves: `record` for the store (to commit with other writes) and
   * `emit`, which prints the line once the commit is done.
   */
  auditEvent: (
    action: string,
    fields: Record<string, unknown>,
  ) => { record: AuditInput; emit: () => void };
}

export function createServices(deps: AppDeps): Services {
  const now = deps.now ?? (() => new Date());
  // the request comes from hono's context storage (set up in createApp), so every audit line
  // gets its actor and client address without each route passing its context along
  const auditEvent = (action: string, fields: Record<string, unknown>) => {
    const at = now();
    const c = tryGetContext<AuditEnv>() as Context<AuditEnv> | undefined;
    const actor = c?.var.actor ?? 'anonymous';
    const client = c ? clientAddress(c) : 'local';
    const { serialNumber, ...detail } = fields;
    return {
      record: {
        at,
        action,
        actor,
        ...(typeof serialNumber === 'string' && { serialNumber }),
        detail: { client, ...detail },
      },
      emit: () => deps.audit?.({ at: at.toISOString(), action, actor, client, ...fields }),
    };
  };
  return {
    deps,
    now,
    crl: new CrlCache(deps),
    metrics: new Metrics(),
    bodyBytes: deps.limits?.bodyBytes ?? DEFAULT_BODY_BYTES,
    auditEvent,
    async audit(action, fields) {
      const event = auditEvent(action, fields);
      await deps.store.appendAudit(event.record);
      event.emit();
    },
  };
}
