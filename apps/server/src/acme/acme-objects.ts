/**
 * The ACME resources (RFC 8555 §7.1.2-§7.1.5) as nodeid keeps them in the store's versioned
 * objects, and as they are answered (absolute URLs under the server's `/acme`).
 */
import type { AccountJwk, AcmeIdentifier } from '@nodeid/sdk';
import type { AcmeObject } from '@nodeid/store';

/** What an account stands on: its key, and the enrollment token it was made with (a snapshot of its names). */
export interface AccountData {
  jwk: AccountJwk;
  contact: string[];
  /** Set when newAccount agreed to the terms of service (§7.1.2). */
  termsOfServiceAgreed?: boolean;
  /** The terms of service URL agreed to (§7.3.3), when the server had terms. */
  termsOfService?: string;
  /** The enrollment token that paid for the account (absent for accounts made under --acme-open). */
  tokenId?: string;
  token?: {
    name: string;
    profile: string;
    dns: string[];
    ips: string[];
    uris: string[];
    validityDays?: number;
    /** The wildcard DNS names granted explicitly (`--wildcard`), ordered with dns-01 only. */
    wildcards?: string[];
  };
  [k: string]: unknown;
}

export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

export interface ChallengeData {
  type: ChallengeType;
  token: string;
  status: 'pending' | 'processing' | 'valid' | 'invalid';
  validated?: string;
  /** The last failure; while "processing", of a query to be retried (§8.2). */
  error?: Record<string, unknown>;
  /** When the next validation query is made, while retrying (§8.2). */
  retryAt?: string;
}

export interface AuthorizationData {
  /** For a wildcard, the domain below the `*.` (§7.1.4). */
  identifier: AcmeIdentifier;
  /** True for the authorization of a wildcard identifier (§7.1.4); absent otherwise. */
  wildcard?: true;
  expires: string;
  orderId: string;
  challenges: ChallengeData[];
  [k: string]: unknown;
}

export interface OrderData {
  identifiers: AcmeIdentifier[];
  authorizations: string[];
  expires: string;
  /** Serial of the certificate issued for it. */
  certificate?: string;
  /** The issued certificate, PEM, with its chain. */
  certificatePem?: string;
  error?: Record<string, unknown>;
  [k: string]: unknown;
}

export const accountData = (o: AcmeObject) => o.data as AccountData;
export const orderData = (o: AcmeObject) => o.data as OrderData;
export const authorizationData = (o: AcmeObject) => o.data as AuthorizationData;

/** The account resource (§7.1.2). */
export function accountJson(o: AcmeObject, base: string) {
  const a = accountData(o);
  return {
    status: o.status,
    contact: a.contact,
    ...(a.termsOfServiceAgreed && { termsOfServiceAgreed: true }),
    orders: `${base}/account/${o.id}/orders`,
    ...(a.tokenId && {
      externalAccountBinding: { kid: a.tokenId },
    }),
  };
}

/** The challenge resource (§7.1.5, §8). */
export function challengeJson(authzId: string, ch: ChallengeData, base: string) {
  return {
    type: ch.type,
    url: `${base}/challenge/${authzId}/${ch.type}`,
    token: ch.token,
    status: ch.status,
    ...(ch.validated && { validated: ch.validated }),
    ...(ch.error && { error: ch.error }),
  };
}

/** An authorization's status at `now`: a pending or valid one past its expiry is `expired` (§7.1.6). */
export function authorizationStatus(o: AcmeObject, now: Date): string {
  return (o.status === 'pending' || o.status === 'valid') &&
    new Date(authorizationData(o).expires) <= now
    ? 'expired'
    : o.status;
}

/** The authorization resource (§7.1.4). */
export function authorizationJson(o: AcmeObject, base: string, now: Date) {
  const a = authorizationData(o);
  return {
    identifier: a.identifier,
    status: authorizationStatus(o, now),
    expires: a.expires,
    challenges: a.challenges.map((ch) => challengeJson(o.id, ch, base)),
    // §7.1.4: "MUST be present and true" for a wildcard's authorization, absent for the others
    ...(a.wildcard === true && { wildcard: true }),
  };
}

/** The order resource (§7.1.3), with the status it has given its authorizations. */
export function orderJson(o: AcmeObject, status: string, base: string) {
  const d = orderData(o);
  return {
    status,
    expires: d.expires,
    identifiers: d.identifiers,
    authorizations: d.authorizations.map((id) => `${base}/authz/${id}`),
    finalize: `${base}/order/${o.id}/finalize`,
    ...(d.certificate && { certificate: `${base}/certificate/${o.id}` }),
    // RFC 9773 §5: the certificate this order replaces
    ...(typeof d['replaces'] === 'string' && { replaces: d['replaces'] }),
    ...(d.error && { error: d.error }),
  };
}
