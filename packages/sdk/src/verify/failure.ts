/** The outcome of one verification check: `undefined` when it passed, else what failed and where. */
import type { NodeIdErrorCode } from '../errors.js';

/** Why a check failed. `depth` is the position in the chain (0 = the leaf). */
export interface Failure {
  code: NodeIdErrorCode;
  message: string;
  depth?: number;
}

/** Builds a {@link Failure}. */
export function failure(code: NodeIdErrorCode, message: string, depth?: number): Failure {
  return depth === undefined ? { code, message } : { code, message, depth };
}

/** A time as RFC 3339 text without milliseconds, as messages print it. */
export function formatTime(d: Date): string {
  return Number.isNaN(d.getTime()) ? String(d) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Which certificate a message talks about: the leaf, an intermediate, a trust anchor. */
export function describeCertificate(subjectText: string, depth: number): string {
  const who = depth === 0 ? 'certificate' : `issuer certificate at depth ${depth}`;
  return subjectText ? `${who} "${subjectText}"` : who;
}
