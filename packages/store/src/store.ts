/**
 * The store interface shared by the CLI and the server, and the records it holds. Every
 * implementation (memory, SQLite, PostgreSQL) behaves the same way; `test/conformance.ts`
 * checks that it does.
 */
import type { CrlReason } from '@nodeid/sdk';
import type { AcmeStore } from './acme/acme-store.js';

/**
 * Where a certificate stands at a given time, judged in this order: `revoked` once revoked;
 * else `superseded` once renewed (see {@link Store.markSuperseded}), also after its `notAfter`;
 * else `expired` once `notAfter` has passed; else `valid`. A superseded certificate is not
 * revoked: it is not listed in the CRL and still verifies until it expires, it is only no
 * longer the current one (and not renewable again).
 */
export type CertificateStatus = 'valid' | 'superseded' | 'revoked' | 'expired';

/** An issued certificate as the CA records it. */
export interface CertificateInput {
  /**
   * Serial number in hex, in any case, colons allowed. The store keeps it as lower-case hex
   * with an even number of digits and no leading zero byte, so `00ab12`, `AB:12` and `ab12`
   * are the same serial.
   */
  serialNumber: string;
  /** Subject distinguished name as text (RFC 4514). */
  subject: string;
  /**
   * The names the certificate is for, from its subjectAltNames, typed as `DNS:x`, `IP:x`,
   * `URI:x` or `email:x` (anything else: `ERR_STORE_INVALID`). {@link certificateRecordOf}
   * builds them from the certificate.
   */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** The issuance profile (`node`, `server`, `client`, `control`…). */
  profile?: string;
  /** The certificate itself, PEM. */
  pem: string;
  /** Who or what issued it (`cli`, `server`, an admin's name…); never a secret. */
  issuedBy?: string;
  /** When it was recorded; default now. */
  recordedAt?: Date;
}

/** A certificate of the inventory, with its revocation state. */
export interface CertificateRecord {
  /** Lower-case hex, even length, no leading zero byte. */
  serialNumber: string;
  subject: string;
  /** Typed names: `DNS:x`, `IP:x`, `URI:x`, `email:x` (see {@link CertificateInput.names}). */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  profile?: string;
  pem: string;
  issuedBy?: string;
  recordedAt: Date;
  /** When it was revoked, if it was. */
  revokedAt?: Date;
  /** Why it was revoked, if a reason was given. */
  revocationReason?: CrlReason;
  /** The serial of the certificate that renewed this one, once superseded. */
  supersededBy?: string;
  /** When it was superseded. */
  supersededAt?: Date;
  /** See {@link CertificateStatus}. */
  status: CertificateStatus;
}

/** Filters of {@link Store.listCertificates}; they combine with AND. */
export interface ListCertificatesOptions {
  status?: CertificateStatus;
  /**
   * Only certificates for this name: a typed name (`DNS:node1.example.net`) matches that name
   * only, a bare value (`node1.example.net`, `10.0.0.1`) a name of any type with that value.
   * ASCII letters compare case-insensitively.
   */
  name?: string;
  /** Only certificates whose `notAfter` is before this time (revoked ones included unless `status` says otherwise). */
  expiringBefore?: Date;
  /**
   * Only certificates one of whose typed names contains this text (`node1`, `DNS:node1.`,
   * `10.0.0.`), ASCII letters compared case-insensitively, or whose serial contains it as hex
   * (colons and case ignored, so `AB:12` finds `00ab12…`). For a search box; `name` is the
   * exact match.
   */
  search?: string;
  /** Only certificates issued under this profile (`node`, `server`…). */
  profile?: string;
  /** The time that decides `valid` and `expired`; default now. */
  now?: Date;
  /**
   * The order: by `notAfter` (the default), `notBefore`, `serialNumber`, or `name` (the first
   * typed name, byte order); ties by serial. `order` reverses it with `desc`.
   */
  sort?: CertificateSortKey;
  /** `asc` (the default) or `desc`. */
  order?: 'asc' | 'desc';
  /** Skip this many records first (paging: `offset` then `limit`); default 0. */
  offset?: number;
  /** At most this many records. */
  limit?: number;
}

/** What {@link ListCertificatesOptions.sort} accepts. */
export type CertificateSortKey = 'notAfter' | 'notBefore' | 'serialNumber' | 'name';

/**
 * The inventory at a glance, as monitoring wants it: how many certificates per status, and when
 * each valid one expires. Read without the PEMs, so it stays cheap with many certificates.
 */
export interface CertificateSummary {
  counts: Record<CertificateStatus, number>;
  /** Every valid certificate, soonest `notAfter` first (then by serial). */
  valid: { serialNumber: string; subject: string; notAfter: Date }[];
}

/** Options of {@link Store.revokeCertificate}. */
export interface RevokeOptions {
  /** A CRL reason name; `removeFromCRL` is refused. */
  reason?: CrlReason;
  /** Default now. */
  revokedAt?: Date;
}

/** The result of {@link Store.revokeCertificate}. */
export interface RevokeResult extends CertificateRecord {
  /** True when the certificate had already been revoked; the first revocation is kept. */
  alreadyRevoked: boolean;
}

/** One entry of the CRL: the shape `createCrl` of `@nodeid/sdk` takes as `entries`. */
export interface RevocationEntry {
  serialNumber: string;
  revokedAt: Date;
  reason?: CrlReason;
}

/** Where an enrollment token stands at a given time. */
export type TokenStatus = 'pending' | 'used' | 'cancelled' | 'expired';

/** A new one-time enrollment token. The store only ever sees its hash. */
export interface TokenInput {
  /** Public identifier (for listing and cancelling); not the token. */
  id: string;
  /** SHA-256 of the token as 64 hex digits: see {@link hashToken}. */
  tokenHash: string;
  /** The node name the token is for. */
  name: string;
  profile: string;
  /** Names the certificate may carry. */
  dns: string[];
  ips: string[];
  uris: string[];
  expiresAt: Date;
  /** Lifetime of the certificate in days, when the token fixes it. */
  validityDays?: number;
  /** Default now. */
  createdAt?: Date;
}

/** An enrollment token as the store keeps it (without its hash). */
export interface TokenRecord {
  id: string;
  name: string;
  profile: string;
  dns: string[];
  ips: string[];
  uris: string[];
  expiresAt: Date;
  validityDays?: number;
  createdAt: Date;
  usedAt?: Date;
  cancelledAt?: Date;
  status: TokenStatus;
}

/** A new line of the audit trail. */
/** What {@link Store.redeemToken} commits together. */
export interface RedeemTokenInput {
  tokenHash: string;
  now?: Date;
  certificate: CertificateInput;
  audit: AuditInput;
}

export interface AuditInput {
  at: Date;
  /** What happened: `enroll`, `issue`, `renew`, `revoke`, `token.create`… */
  action: string;
  /** Who did it; never a secret. */
  actor?: string;
  serialNumber?: string;
  /** JSON-serialisable details; never a secret. */
  detail?: Record<string, unknown>;
}

/** A line of the audit trail. */
export interface AuditRecord {
  /** Increasing with every append. */
  id: number;
  at: Date;
  action: string;
  actor?: string;
  serialNumber?: string;
  detail?: Record<string, unknown>;
}

/**
 * The CA's inventory: issued certificates, revocations, CRL numbers, enrollment tokens and an
 * audit trail. The CLI and the server use it the same way, whatever the database behind it.
 * Every method rejects with a `StoreError`, never with another error.
 *
 * @example
 * ```ts
 * const store = await openStore('ca/inventory.db');
 * try {
 *   await store.recordCertificate(certificateRecordOf(identity.certificatePem, { profile: 'node' }));
 *   const expiring = await store.listCertificates({ status: 'valid', expiringBefore: inThirtyDays });
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export interface Store extends AcmeStore {
  /** Which implementation this is. */
  readonly kind: 'memory' | 'sqlite' | 'postgres';

  /** Records an issued certificate. A serial already recorded: `ERR_STORE_CONFLICT`, and the first record stays. */
  recordCertificate(input: CertificateInput): Promise<void>;
  /**
   * Records many certificates in one transaction (one disk sync), all or none: a serial already
   * recorded, or given twice, gives `ERR_STORE_CONFLICT` and records nothing. For bulk issuance.
   * The `audit` lines, when given, are appended in the same transaction: all of it or none.
   */
  recordCertificates(inputs: CertificateInput[], audit?: AuditInput[]): Promise<void>;
  /** The certificate with that serial (any case, colons allowed), or `undefined`. */
  getCertificate(
    serialNumber: string,
    options?: { now?: Date },
  ): Promise<CertificateRecord | undefined>;
  /** Certificates matching every filter given, soonest `notAfter` first unless `sort` says otherwise. */
  listCertificates(options?: ListCertificatesOptions): Promise<CertificateRecord[]>;
  /**
   * How many certificates match the filters of `options` (`sort`, `order`, `offset` and `limit`
   * ignored): the total of a paged listing.
   */
  countCertificates(options?: ListCertificatesOptions): Promise<number>;
  /** Counts by status and the expiry of each valid certificate at `now` (default now). */
  certificateSummary(options?: { now?: Date }): Promise<CertificateSummary>;
  /**
   * Marks a certificate revoked. Unknown serial: `ERR_STORE_NOT_FOUND`. Revoking again keeps
   * the first revocation's time and reason and answers `alreadyRevoked: true`.
   */
  revokeCertificate(serialNumber: string, options?: RevokeOptions): Promise<RevokeResult>;
  /**
   * Marks the certificate `serialNumber` superseded by its renewal `bySerialNumber` (already
   * recorded), at `at` (default now), in one atomic step, and answers its record. A superseded
   * certificate is not revoked: it is not listed in the CRL (`listRevocations`) and stays
   * valid for TLS until its `notAfter`; the CA only no longer renews it. Refuses, changing
   * nothing: an unknown serial or renewal (`ERR_STORE_NOT_FOUND`), a certificate already
   * superseded or revoked (`ERR_STORE_CONFLICT`: of concurrent calls for one certificate
   * exactly one succeeds), a certificate superseded by itself (`ERR_STORE_INVALID`).
   * A superseded certificate can still be revoked.
   *
   * @example
   * ```ts
   * await store.recordCertificate(certificateRecordOf(renewed.certificate, { profile: 'node' }));
   * await store.markSuperseded(current.serialNumber, renewed.certificate.serialNumber);
   * ```
   */
  markSuperseded(
    serialNumber: string,
    bySerialNumber: string,
    at?: Date,
  ): Promise<CertificateRecord>;
  /** Every revocation, oldest first: the entries of the next CRL (never a superseded certificate). */
  listRevocations(): Promise<RevocationEntry[]>;
  /** The next CRL number (1, 2, 3…), handed out once each, atomically. */
  nextCrlNumber(): Promise<bigint>;

  /** Stores a new enrollment token. An id or hash already stored: `ERR_STORE_CONFLICT`. */
  createToken(input: TokenInput): Promise<void>;
  /**
   * Uses up a token in one atomic step: only a pending token (unused, not cancelled, expiring
   * after `now`) is consumed, and of concurrent calls for one token exactly one gets it.
   * `undefined` when there is no such token.
   */
  consumeToken(tokenHash: string, now?: Date): Promise<TokenRecord | undefined>;
  /**
   * Consumes a token, records the certificate it paid for and appends the audit line, in one
   * transaction: either all three happen or none (a token not pending, or a serial already
   * recorded, changes nothing). One disk commit per issuance instead of three.
   * `undefined` when the token is not pending.
   */
  redeemToken(input: RedeemTokenInput): Promise<TokenRecord | undefined>;
  /** Every token, newest first. */
  listTokens(options?: { now?: Date }): Promise<TokenRecord[]>;
  /**
   * One token by its id (never its hash), or `undefined`. With `tokenHash`, only when the
   * token's stored hash is that one, compared in constant time: a caller that holds a token
   * (`<id>.<secret>`) checks its secret before doing any work for it.
   */
  getToken(
    id: string,
    options?: { now?: Date; tokenHash?: string },
  ): Promise<TokenRecord | undefined>;
  /**
   * Cancels a token so it can no longer be used. Unknown id: `ERR_STORE_NOT_FOUND`; a token
   * already used: `ERR_STORE_CONFLICT`; cancelling again changes nothing.
   */
  cancelToken(id: string, options?: { now?: Date }): Promise<TokenRecord>;

  /** Appends a line to the audit trail. */
  appendAudit(event: AuditInput): Promise<void>;
  /**
   * The latest `limit` lines of the audit trail (default 100), newest first; with `action`,
   * only the lines of that action (`certificate.revoke`, `enrollment.create`…).
   */
  listAudit(limit?: number, options?: { action?: string }): Promise<AuditRecord[]>;

  /**
   * Resolves when the database is there and writable; otherwise rejects with `ERR_STORE_IO`
   * saying why: an SQLite file deleted, replaced (another file at its path since the store
   * opened it) or read-only, a PostgreSQL server unreachable or read-only. Changes nothing.
   * For health checks: a store whose file was deleted still "works" on the deleted file,
   * and everything written there is lost on the next restart.
   */
  checkHealth(): Promise<void>;

  /** Releases the database; later calls reject with `ERR_STORE_IO`. Closing twice is harmless. */
  close(): Promise<void>;
}
