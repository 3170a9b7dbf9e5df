/** A per-client token bucket: `burst` requests at once, refilled at `perMinute`. */
import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  perMinute: number;
  burst: number;
  /** Who a request counts against; default the client address. */
  key: (c: Parameters<MiddlewareHandler>[0]) => string;
  now?: () => number;
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const now = options.now ?? Date.now;
  return async function rateLimitMiddleware(c, next) {
    const key = options.key(c);
    const t = now();
    const b = buckets.get(key) ?? { tokens: options.burst, at: t };
    b.tokens = Math.min(options.burst, b.tokens + ((t - b.at) / 60_000) * options.perMinute);
    b.at = t;
    if (b.tokens < 1) {
      buckets.set(key, b);
      c.header('Retry-After', String(Math.ceil(((1 - b.tokens) * 60) / options.perMinute)));
      throw new HttpError(429, 'ERR_RATE_LIMITED', 'too many requests; retry later');
    }
    b.tokens -= 1;
    buckets.set(key, b);
    if (buckets.size > 10_000) buckets.clear();
    await next();
  };
}
