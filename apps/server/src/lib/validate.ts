/** Request validation: small explicit checks with messages that name the field. */
import type { Context } from 'hono';
import { readBodyText } from './body.js';
import { HttpError } from './http-error.js';

type Json = Record<string, unknown>;

/** A JSON object from text, or a 400. */
export function parseJsonObject(text: string): Json {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'ERR_INVALID_JSON', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'the request body must be a JSON object');
  return body as Json;
}

/** The request's JSON body as an object (at most `limit` bytes, else a 413), or a 400. */
export async function jsonBody(c: Context, limit: number): Promise<Json> {
  return parseJsonObject(await readBodyText(c, limit));
}

/** A required string field. */
export function str(body: Json, field: string, max = 65_536): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length === 0)
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', `"${field}" must be a non-empty string`);
  if (v.length > max)
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', `"${field}" is longer than ${max} characters`);
  return v;
}

/** An optional string field. */
export function optStr(body: Json, field: string, max = 1024): string | undefined {
  return body[field] === undefined ? undefined : str(body, field, max);
}

/** An optional list of strings (at most 100). */
export function strList(body: Json, field: string): string[] {
  const v = body[field];
  if (v === undefined) return [];
  if (
    !Array.isArray(v) ||
    v.length > 100 ||
    v.some((x) => typeof x !== 'string' || x.length === 0 || x.length > 1024)
  ) {
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      `"${field}" must be a list of at most 100 non-empty strings`,
    );
  }
  return v as string[];
}

/** An optional positive integer. */
export function optInt(body: Json, field: string, min: number, max: number): number | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new HttpError(
      400,
      'ERR_INVALID_ARGUMENT',
      `"${field}" must be a whole number from ${min} to ${max}`,
    );
  return v;
}

/** A serial number from a path: hex, case-insensitive, colons allowed. */
export function serialParam(value: string): string {
  const s = value.toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{1,64}$/.test(s))
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'the serial number must be hex');
  return s.replace(/^0+(?=.)/, '');
}
