/**
 * What the store keeps for an ACME server (RFC 8555 §7.1): accounts, orders, authorizations
 * and External Account Binding keys as versioned JSON objects, and the anti-replay nonces
 * (§6.5), so that several nodeid-server instances on one PostgreSQL serve one ACME service: a
 * nonce issued by one is accepted once by any, and a token makes one account whatever the race.
 * The ACME meaning of the objects belongs to the server; the store only guarantees atomic,
 * compare-and-set writes.
 */
import type { AuditInput, CertificateInput } from '../store.js';

/** The kinds of ACME object the store holds. `eab`: the MAC key of an enrollment token (id = token id). */
export type AcmeKind = 'account' | 'order' | 'authorization' | 'eab';

/** An ACME object as stored. */
export interface AcmeObject {
  kind: AcmeKind;
  /** Unique per kind. */
  id: string;
  /** The account it belongs to (an account's own id for accounts); none for `eab`. */
  accountId?: string;
  status: string;
  /** A second unique key per kind, for lookups: an account's key thumbprint. */
  lookup?: string;
  /** 1 when created, +1 on each update; an update names the version it read (compare-and-set). */
  version: number;
  /** The object itself: any JSON object. */
  data: Record<string, unknown>;
  createdAt: Date;
}

/** A new ACME object (version 1). */
export type AcmeObjectInput = Omit<AcmeObject, 'version' | 'createdAt'> & { createdAt?: Date };

/** An update of an ACME object read at `version`. */
export interface AcmeObjectUpdate {
  kind: AcmeKind;
  id: string;
  /** The version read; the write fails when the object has changed since. */
  version: number;
  status: string;
  data: Record<string, unknown>;
  /** A new lookup key (an account's key after keyChange); unchanged when absent. */
  lookup?: string;
}

/**
 * One atomic write of {@link AcmeStore.writeAcme}: every part happens or none. Nothing is
 * written, and the answer is `false`, when an update's object is not at its version any more,
 * or the token to consume is not pending. An id or lookup key already taken, or a certificate
 * serial already recorded: `ERR_STORE_CONFLICT`, and nothing written either.
 */
export interface AcmeWrite {
  insert?: AcmeObjectInput[];
  update?: AcmeObjectUpdate[];
  remove?: { kind: AcmeKind; id: string }[];
  /** An enrollment token (by id) to consume: only a pending one is. */
  consumeTokenId?: string;
  /** A certificate to record with it (finalize). */
  certificate?: CertificateInput;
  audit?: AuditInput[];
  /** Default now: when a consumed token is judged. */
  now?: Date;
}

/** The ACME part of the {@link Store}. */
export interface AcmeStore {
  /**
   * Remembers nonces to hand out, until `expiresAt`: one, or a batch in one write (a server
   * keeps a batch at hand, so issuing a nonce does not cost a disk commit each time).
   */
  createAcmeNonce(nonce: string | readonly string[], expiresAt: Date): Promise<void>;
  /**
   * Uses up a nonce: `true` once for a nonce handed out and not expired at `now`, `false` for
   * anything else (unknown, used, expired). Of concurrent calls for one nonce, one gets `true`.
   */
  useAcmeNonce(nonce: string, now?: Date): Promise<boolean>;
  /** The object of that kind and id, or `undefined`. */
  getAcmeObject(kind: AcmeKind, id: string): Promise<AcmeObject | undefined>;
  /** The object of that kind with that lookup key, or `undefined`. */
  findAcmeObject(kind: AcmeKind, lookup: string): Promise<AcmeObject | undefined>;
  /** The objects of that kind of one account, newest first, at most `limit` (default 1000). */
  listAcmeObjects(kind: AcmeKind, accountId: string, limit?: number): Promise<AcmeObject[]>;
  /** See {@link AcmeWrite}. */
  writeAcme(write: AcmeWrite): Promise<boolean>;
}
