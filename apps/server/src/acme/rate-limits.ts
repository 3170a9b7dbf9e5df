/**
 * Rate limits of the ACME server: token buckets per client address (every ACME POST; newAccount
 * on its own, lower) and per account (every request it signs), each answered as a `rateLimited`
 * problem with Retry-After (RFC 8555 §6.6). Per process, like the API's limits.
 */
import { AcmeProblem } from './problem.js';

/** Limits per minute and bursts; the defaults suit a cluster's nodes renewing behind one NAT. */
export interface AcmeLimits {
  /** ACME POSTs per client address; default 600 a minute, burst 200. */
  perAddressPerMinute?: number;
  perAddressBurst?: number;
  /** newAccount requests per client address; default 60 a minute, burst 30 (a cluster enrolling at once behind one address). */
  newAccountPerMinute?: number;
  newAccountBurst?: number;
  /** Requests signed by one account; default 300 a minute, burst 100. */
  perAccountPerMinute?: number;
  perAccountBurst?: number;
}

/** Token buckets by key, the least recently seen forgotten past `maxKeys`. */
export class Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
    private readonly what: string,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`, or throws `rateLimited` with the seconds to wait. */
  take(key: string, now = Date.now()): void {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens < 1) {
      const wait = Math.ceil(((1 - b.tokens) * 60) / this.perMinute);
      throw new AcmeProblem('rateLimited', `too many requests ${this.what}; retry in ${wait} s`, {
        headers: { 'Retry-After': String(wait) },
      });
    }
    b.tokens -= 1;
  }
}

/** The three limits of one ACME server. */
export function acmeBuckets(limits: AcmeLimits = {}) {
  return {
    address: new Buckets(
      limits.perAddressPerMinute ?? 600,
      limits.perAddressBurst ?? 200,
      'from this address',
    ),
    newAccount: new Buckets(
      limits.newAccountPerMinute ?? 60,
      limits.newAccountBurst ?? 30,
      'to make accounts from this address',
    ),
    account: new Buckets(
      limits.perAccountPerMinute ?? 300,
      limits.perAccountBurst ?? 100,
      'by this account',
    ),
  };
}
