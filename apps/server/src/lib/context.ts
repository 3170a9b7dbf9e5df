/** Services shared by the routes of one app. */
import type { AuditInput } from '@nodeid/store';
import type { AppDeps } from '../deps.js';
import { DEFAULT_BODY_BYTES } from './body.js';
import { CrlCache } from './crl-cache.js';
import { Metrics } from './metrics.js';

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
  const auditEvent = (action: string, fields: Record<string, unknown>) => {
    const at = now();
    const { serialNumber, ...detail } = fields;
    return {
      record: { at, action, ...(typeof serialNumber === 'string' && { serialNumber }), detail },
      emit: () => deps.audit?.({ at: at.toISOString(), action, ...fields }),
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
