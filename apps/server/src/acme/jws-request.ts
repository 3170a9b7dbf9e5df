/**
 * Reading one ACME request (RFC 8555 §6): the `application/jose+json` body as a JWS, its `url`
 * against the URL it was sent to (§6.4), the account key (`jwk` for newAccount and revokeCert,
 * else the account its `kid` names, which must exist and be valid), the signature, and last the
 * nonce, used up once in the store (§6.5), so a request replayed to any instance fails.
 */
import { type AccountJwk, type AcmeJws, parseAcmeJws, verifyAcmeJws } from '@nodeid/sdk';
import type { AcmeObject, Store } from '@nodeid/store';
import type { Context } from 'hono';
import { readBodyText } from '../lib/body.js';
import { AcmeProblem } from './problem.js';

/** A request that passed every JWS check. */
export interface AcmeRequest {
  jws: AcmeJws;
  /** The verifying key. */
  jwk: AccountJwk;
  /** The account named by `kid` (absent for `jwk` requests). */
  account?: AcmeObject;
  /** The payload; `undefined` for POST-as-GET. */
  payload: Record<string, unknown> | undefined;
}

export interface ReadJwsOptions {
  store: Store;
  /** `https://host:port/acme`. */
  base: string;
  bodyBytes: number;
  now: Date;
  crypto?: Crypto;
  /** Which key form the route takes (RFC 8555 §6.2). */
  key: 'jwk' | 'kid' | 'either';
}

/** The account id in an account URL of this server, or undefined. */
export function accountIdOf(kid: string, base: string): string | undefined {
  const prefix = `${base}/account/`;
  if (!kid.startsWith(prefix)) return undefined;
  const id = kid.slice(prefix.length);
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

export async function readAcmeRequest(c: Context, o: ReadJwsOptions): Promise<AcmeRequest> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/jose+json')
    throw new AcmeProblem(
      'malformed',
      'ACME requests must be application/jose+json (RFC 8555 §6.2)',
      {
        status: 415,
      },
    );
  const text = await readBodyText(c, o.bodyBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AcmeProblem('malformed', 'the request body is not JSON');
  }
  const jws = parseAcmeJws(body);
  // §6.4: "url" is the whole URL the request was sent to, query included (the orders list's
  // "next" page, §7.1.2.1, is the same path with a cursor)
  const url = new URL(c.req.url);
  const requestUrl = `${url.origin}${url.pathname}${url.search}`;
  if (jws.header.url !== requestUrl)
    throw new AcmeProblem(
      'unauthorized',
      `the JWS url "${jws.header.url.slice(0, 200)}" is not the URL the request was sent to (RFC 8555 §6.4)`,
    );
  let jwk: AccountJwk;
  let account: AcmeObject | undefined;
  if (jws.header.jwk) {
    if (o.key === 'kid')
      throw new AcmeProblem(
        'malformed',
        'this request must name its account with "kid", not "jwk"',
      );
    jwk = jws.header.jwk;
  } else {
    if (o.key === 'jwk')
      throw new AcmeProblem('malformed', 'this request must carry its key as "jwk", not "kid"');
    const id = accountIdOf(jws.header.kid!, o.base);
    account = id ? await o.store.getAcmeObject('account', id) : undefined;
    if (!account) throw new AcmeProblem('accountDoesNotExist', 'no such account');
    // §7.3.6: a request from a deactivated account is a 401 unauthorized
    if (account.status !== 'valid')
      throw new AcmeProblem('unauthorized', `the account is ${account.status}`, { status: 401 });
    jwk = account.data['jwk'] as AccountJwk;
  }
  await verifyAcmeJws(jws, jwk, { crypto: o.crypto });
  if (!(await o.store.useAcmeNonce(jws.header.nonce, o.now)))
    throw new AcmeProblem(
      'badNonce',
      'the nonce is unknown, used or expired; retry with the one in Replay-Nonce',
    );
  return {
    jws,
    jwk,
    ...(account && { account }),
    payload: jws.payload as Record<string, unknown> | undefined,
  };
}
