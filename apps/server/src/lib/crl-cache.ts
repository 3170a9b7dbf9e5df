/** The CA's CRL, made again after each revocation and before its next update. */
import { type CrlReason, createCrl } from '@nodeid/sdk';
import { StoreError } from '@nodeid/store';
import type { AppDeps } from '../deps.js';
import { HttpError } from './http-error.js';

/**
 * A CRL that cannot be made because the inventory cannot be read or written: a 503 with its own
 * code, which a client or a monitor can act on (never a bare 500). Publishing an empty or stale
 * CRL instead would un-revoke certificates.
 */
function crlUnavailable(cause: unknown): unknown {
  if (!StoreError.isInstance(cause)) return cause;
  return new HttpError(
    503,
    'ERR_CRL_UNAVAILABLE',
    `the CRL cannot be made: the inventory failed (${cause.code}: ${cause.message})`,
  );
}

/** CRLs are valid a week; a new one is made once half of that has passed. */
const VALIDITY_MS = 7 * 86_400_000;

export class CrlCache {
  private current: { der: Uint8Array; pem: string; refreshAfter: number; key: string } | undefined;
  private pending: Promise<{ der: Uint8Array; pem: string }> | undefined;

  constructor(private readonly deps: AppDeps) {}

  /** Forgets the cached CRL (after a revocation). */
  invalidate(): void {
    this.current = undefined;
  }

  /**
   * The current CRL, made now if it is missing, due, or the revocations in the store differ from
   * the ones it lists: another instance on the same database may have revoked since.
   */
  async get(): Promise<{ der: Uint8Array; pem: string }> {
    try {
      return await this.currentOrNew();
    } catch (e) {
      throw crlUnavailable(e);
    }
  }

  private async currentOrNew(): Promise<{ der: Uint8Array; pem: string }> {
    const now = this.deps.now?.() ?? new Date();
    const revoked = await this.deps.store.listRevocations();
    const key = revoked.map((r) => r.serialNumber).join(',');
    if (this.current && this.current.key === key && now.getTime() < this.current.refreshAfter)
      return this.current;
    this.pending ??= this.make(now).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async make(now: Date) {
    const revoked = await this.deps.store.listRevocations();
    const { der, pem } = await createCrl({
      issuer: this.deps.ca,
      entries: revoked.map((r) => ({
        serialNumber: r.serialNumber,
        revokedAt: r.revokedAt,
        reason: r.reason as CrlReason | undefined,
      })),
      crlNumber: await this.deps.store.nextCrlNumber(),
      now,
      nextUpdate: new Date(now.getTime() + VALIDITY_MS),
      crypto: this.deps.crypto,
    });
    this.current = {
      der,
      pem,
      refreshAfter: now.getTime() + VALIDITY_MS / 2,
      key: revoked.map((r) => r.serialNumber).join(','),
    };
    return this.current;
  }
}
