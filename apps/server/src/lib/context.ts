/** Services shared by the routes of one app. */
import type { AppDeps } from '../deps.js';
import { CrlCache } from './crl-cache.js';
import { Metrics } from './metrics.js';

export interface Services {
  deps: AppDeps;
  now: () => Date;
  crl: CrlCache;
  metrics: Metrics;
  audit: (action: string, fields: Record<string, unknown>) => Promise<void>;
}

export function createServices(deps: AppDeps): Services {
  const now = deps.now ?? (() => new Date());
  return {
    deps,
    now,
    crl: new CrlCache(deps),
    metrics: new Metrics(),
    async audit(action, fields) {
      const at = now();
      const { serialNumber, ...detail } = fields;
      await deps.store.appendAudit({
        at,
        action,
        ...(typeof serialNumber === 'string' && { serialNumber }),
        detail,
      });
      deps.audit?.({ at: at.toISOString(), action, ...fields });
    },
  };
}
