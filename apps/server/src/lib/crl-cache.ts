/** The CA's CRL, made again after each revocation and before its next update. */
import { type CrlReason, createCrlsByIssuer } from '@nodeid/sdk';
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

/** A signed CRL, DER and PEM. */
export interface MadeCrl {
  der: Uint8Array;
  pem: string;
}

/**
 * The CRL of the CA's current key and, during a rotation (until `ca retire-old`), `previous`:
 * the CRL the old key signs for the certificates it issued (RFC 5280 §6.3.3 (f): a relying
 * party checks an old-key leaf against a CRL signed by the old key).
 */
export interface CaCrls extends MadeCrl {
  previous?: MadeCrl;
}

const sameIssuers = (a: readonly AppDeps['ca'][], b: readonly AppDeps['ca'][]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** CRLs are valid a week; a new one is made once half of that has passed. */
const VALIDITY_MS = 7 * 86_400_000;

export class CrlCache {
  private current:
    | (CaCrls & { refreshAfter: number; key: string; issuers: AppDeps['ca'][] })
    | undefined;
  private pending: { issuers: AppDeps['ca'][]; made: Promise<CaCrls> } | undefined;

  constructor(private readonly deps: AppDeps) {}

  /** Forgets the cached CRL (after a revocation). */
  invalidate(): void {
    this.current = undefined;
  }

  /**
   * The current CRL, made now if it is missing, due, or the revocations in the store differ from
   * the ones it lists: another instance on the same database may have revoked since.
   */
  async get(): Promise<CaCrls> {
    try {
      return await this.currentOrNew();
    } catch (e) {
      throw crlUnavailable(e);
    }
  }

  private async currentOrNew(): Promise<CaCrls> {
    const now = this.deps.now?.() ?? new Date();
    const revoked = await this.deps.store.listRevocations();
    const key = revoked.map((r) => r.serialNumber).join(',');
    // the CA in service, read once: a CA folder reloaded (ca-reload.ts) makes new CRLs at once
    const issuers = this.issuers();
    if (
      this.current &&
      this.current.key === key &&
      now.getTime() < this.current.refreshAfter &&
      sameIssuers(this.current.issuers, issuers)
    )
      return this.current;
    if (this.pending && !sameIssuers(this.pending.issuers, issuers)) this.pending = undefined;
    if (!this.pending) {
      const made = this.make(now, issuers).finally(() => {
        if (this.pending?.made === made) this.pending = undefined;
      });
      this.pending = { issuers, made };
    }
    return this.pending.made;
  }

  /** The current key's CA and, during a rotation, the old root: the signers of the CRLs. */
  private issuers(): AppDeps['ca'][] {
    return this.deps.previousCa ? [this.deps.ca, this.deps.previousCa] : [this.deps.ca];
  }

  private async make(now: Date, issuers: AppDeps['ca'][]): Promise<CaCrls> {
    const revoked = await this.deps.store.listRevocations();
    const previousCa = issuers[1];
    // one cRLNumber for the generation, in both CRLs: a shared counter is monotonic per key
    // (RFC 5280 §5.2.3); the current key's CRL lists every revocation, the old key's those of
    // the certificates it issued (their authorityKeyIdentifier, read from the inventory)
    const revocations = await Promise.all(
      revoked.map(async (r) => ({
        serialNumber: r.serialNumber,
        revokedAt: r.revokedAt,
        reason: r.reason as CrlReason | undefined,
        ...(previousCa && {
          certificate: (await this.deps.store.getCertificate(r.serialNumber))?.pem,
        }),
      })),
    );
    const [made, old] = await createCrlsByIssuer({
      issuers,
      revocations,
      crlNumber: await this.deps.store.nextCrlNumber(),
      now,
      nextUpdate: new Date(now.getTime() + VALIDITY_MS),
      crypto: this.deps.crypto,
    });
    const crls = {
      der: made!.der,
      pem: made!.pem,
      ...(old && { previous: { der: old.der, pem: old.pem } }),
      refreshAfter: now.getTime() + VALIDITY_MS / 2,
      key: revoked.map((r) => r.serialNumber).join(','),
      issuers,
    };
    // a CRL of a CA no longer in service is answered to its caller but never cached
    if (sameIssuers(issuers, this.issuers())) this.current = crls;
    return crls;
  }
}
