/**
 * ACME problem documents (RFC 8555 §6.7, RFC 7807): every failure of the ACME routes is answered
 * as `application/problem+json` with an `urn:ietf:params:acme:error:*` type, never as the API's
 * `{ code, message }` body and never as an anonymous 500 with a stack trace.
 */
import { type AcmeProblemType, acmeProblemTypeOf, acmeProblemUrn, NodeIdError } from '@nodeid/sdk';
import { StoreError } from '@nodeid/store/errors';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HttpError } from '../lib/http-error.js';

/** A subproblem: one identifier's own failure (RFC 8555 §6.7.1). */
export interface Subproblem {
  type: AcmeProblemType;
  detail: string;
  identifier: { type: string; value: string };
}

/** The HTTP status each problem type is answered with (as Boulder and pebble answer them). */
const STATUS: Record<AcmeProblemType, ContentfulStatusCode> = {
  accountDoesNotExist: 400,
  // RFC 9773 §5: the certificate "replaces" names was already replaced (409 as Boulder)
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  caa: 403,
  compound: 403,
  connection: 400,
  dns: 400,
  externalAccountRequired: 400,
  incorrectResponse: 403,
  invalidContact: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
  userActionRequired: 403,
};

/** An ACME failure, thrown by the ACME routes and answered by {@link problemResponse}. */
export class AcmeProblem extends Error {
  constructor(
    readonly type: AcmeProblemType,
    detail: string,
    readonly options: {
      status?: ContentfulStatusCode;
      subproblems?: Subproblem[];
      /** Extra members, e.g. `algorithms` for badSignatureAlgorithm (RFC 8555 §6.2). */
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
  }

  get status(): ContentfulStatusCode {
    return this.options.status ?? STATUS[this.type];
  }

  /** The problem document. */
  toJSON(): Record<string, unknown> {
    return {
      type: acmeProblemUrn(this.type),
      detail: this.message,
      status: this.status,
      ...(this.options.subproblems?.length && {
        subproblems: this.options.subproblems.map((p) => ({
          ...p,
          type: acmeProblemUrn(p.type),
        })),
      }),
      ...this.options.extra,
    };
  }
}

/** The ACME problem for anything thrown: an SDK ACME check keeps its type; the store's faults are serverInternal (503). */
export function toAcmeProblem(e: unknown): AcmeProblem {
  if (e instanceof AcmeProblem) return e;
  const type = acmeProblemTypeOf(e);
  if (type) {
    const extra =
      type === 'badSignatureAlgorithm'
        ? { algorithms: ['ES256', 'ES384', 'RS256', 'EdDSA'] }
        : undefined;
    return new AcmeProblem(type, (e as Error).message, extra && { extra });
  }
  if (e instanceof HttpError)
    return new AcmeProblem(e.status === 429 ? 'rateLimited' : 'malformed', e.message, {
      status: e.status,
    });
  if (StoreError.isInstance(e)) {
    if (
      e.code === 'ERR_STORE_IO' ||
      e.code === 'ERR_STORE_CORRUPT' ||
      e.code === 'ERR_STORE_VERSION'
    )
      return new AcmeProblem('serverInternal', `the inventory is unavailable: ${e.message}`, {
        status: 503,
      });
    return new AcmeProblem('malformed', e.message);
  }
  if (NodeIdError.isInstance(e)) return new AcmeProblem('malformed', e.message);
  return new AcmeProblem('serverInternal', 'internal error');
}

/** Answers `e` as a problem document. */
export function problemResponse(c: Context, e: unknown): Response {
  const problem = toAcmeProblem(e);
  if (problem.type === 'serverInternal' && problem.status === 500)
    console.error(
      `internal error on ${c.req.method} ${c.req.path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  for (const [k, v] of Object.entries(problem.options.headers ?? {})) c.header(k, v);
  return c.body(JSON.stringify(problem.toJSON()), problem.status, {
    'Content-Type': 'application/problem+json',
  });
}
