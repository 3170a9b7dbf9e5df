/**
 * A per-client token bucket: `burst` requests at once, refilled at `perMinute`. At most
 * `maxClients` buckets are kept; past that the least recently seen client is forgotten (a Map
 * keeps insertion order, and a bucket is moved to the end on each request), so a flood of new
 * addresses costs the attacker its own buckets, not everyone else's.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  perMinute: number;
  burst: number;
  /** Who a request counts against; default the client address. */
  key: (c: Parameters<MiddlewareHandler>[0]) => string;
  /** Clients remembered at most; default 10,000. */
  maxClients?: number;
  now?: () => number;
}

/**
 * Middleware answering 429 `ERR_RATE_LIMITED` with `Retry-After` once a client has used its
 * bucket.
 *
 * @example
 * ```ts
 * app.on('POST', '/v1/sign', rateLimit({ perMinute: 60, burst: 30, key: clientAddress }));
 * ```
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 10_000;
  return async function rateLimitMiddleware(c, next) {
    const key = options.key(c);
    const t = now();
    const b = buckets.get(key) ?? { tokens: options.burst, at: t };
    b.tokens = Math.min(options.burst, b.tokens + ((t - b.at) / 60_000) * options.perMinute);
    b.at = t;
    buckets.delete(key);
    buckets.set(key, b);
    while (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
    if (b.tokens < 1) {
      c.header('Retry-After', String(Math.ceil(((1 - b.tokens) * 60) / options.perMinute)));
      throw new HttpError(429, 'ERR_RATE_LIMITED', 'too many requests; retry later');
    }
    b.tokens -= 1;
    await next();
  };
}
