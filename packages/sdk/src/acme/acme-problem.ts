/**
 * ACME problem types (RFC 8555 §6.7): the SDK's ACME checks throw a `NodeIdError` with code
 * `ERR_ACME` and the problem type in `check`, so a server answers it as the problem document
 * `urn:ietf:params:acme:error:<type>` without guessing.
 */
import { NodeIdError } from '../errors.js';

/** The error types of RFC 8555 §6.7 (table) a nodeid ACME server uses, and RFC 9773 §7.4's `alreadyReplaced`. */
export type AcmeProblemType =
  | 'accountDoesNotExist'
  | 'alreadyReplaced'
  | 'alreadyRevoked'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'caa'
  | 'compound'
  | 'connection'
  | 'dns'
  | 'externalAccountRequired'
  | 'incorrectResponse'
  | 'invalidContact'
  | 'malformed'
  | 'orderNotReady'
  | 'rateLimited'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedContact'
  | 'unsupportedIdentifier'
  | 'userActionRequired';

/** The URN of a problem type (RFC 8555 §6.7: `urn:ietf:params:acme:error:` + type). */
export function acmeProblemUrn(type: AcmeProblemType): string {
  return `urn:ietf:params:acme:error:${type}`;
}

/** A `NodeIdError` carrying an ACME problem type (code `ERR_ACME`, the type in `check`). */
export function acmeError(type: AcmeProblemType, message: string, cause?: unknown): NodeIdError {
  return new NodeIdError('ERR_ACME', message, { check: type, cause });
}

/** The ACME problem type of an error the SDK threw, when it has one. */
export function acmeProblemTypeOf(e: unknown): AcmeProblemType | undefined {
  return NodeIdError.isInstance(e) && e.code === 'ERR_ACME'
    ? (e.check as AcmeProblemType)
    : undefined;
}
