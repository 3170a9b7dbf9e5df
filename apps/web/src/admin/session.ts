/**
 * The admin session: the admin token in this module's memory only (never storage, never a URL),
 * sent only as `Authorization: Bearer` to the page's own API origin (or the one the page was
 * built for with NODEID_API, which its Content-Security-Policy allows). A reload forgets it,
 * as does {@link signOut}.
 */
import { ApiError, callApi } from '../lib/api.js';

let token: string | undefined;
/** True once the server accepted the token (a refused sign-in is not a session that ended). */
let accepted = false;
let onSignedOut: ((message: string) => void) | undefined;

/** The origin of the API the admin views talk to. */
export function apiOrigin(): string {
  return __NODEID_API__ || location.origin;
}

/** What a bearer token may hold (RFC 6750 §2.1 b64token), checked before anything is sent. */
export function isBearerToken(text: string): boolean {
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(text);
}

/** Keeps `value` as the admin token of this page's memory. */
export function signIn(value: string): void {
  token = value;
  accepted = false;
}

/** Marks the token as accepted by the server (after the first successful call). */
export function signedIn(): void {
  accepted = token !== undefined;
}

/** Forgets the admin token; `message` tells the person why when it was not asked for. */
export function signOut(message = 'Signed out: the admin token is forgotten.'): void {
  token = undefined;
  accepted = false;
  onSignedOut?.(message);
}

/** Called whenever the session ends (sign-out, or the server refusing the token). */
export function whenSignedOut(listener: (message: string) => void): void {
  onSignedOut = listener;
}

/**
 * An admin call: `path` on the API origin with the admin token. A 401 ends the session (the
 * token was removed from the server's file) and is rethrown.
 */
export async function adminCall<T>(
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ body: T; headers: Headers }> {
  if (token === undefined) throw new ApiError(401, 'ERR_UNAUTHORIZED', 'sign in first');
  try {
    return await callApi<T>(`${apiOrigin()}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && accepted)
      signOut(`The server no longer accepts this admin token: ${e.message}. Sign in again.`);
    throw e;
  }
}

/** The server's OpenAPI document (public), to show only the options the server offers. */
export async function serverOffers(): Promise<{ acme: boolean; fleet: boolean }> {
  try {
    const { body } = await callApi<{
      paths?: Record<string, Record<string, { requestBody?: unknown }>>;
    }>(`${apiOrigin()}/openapi.json`, { method: 'GET', headers: { accept: 'application/json' } });
    const enroll = JSON.stringify(body.paths?.['/v1/enrollments']?.['post']?.requestBody ?? {});
    return {
      acme: /"acme"\s*:/.test(enroll),
      fleet: body.paths?.['/v1/admin/fleet-check'] !== undefined,
    };
  } catch {
    return { acme: false, fleet: false };
  }
}
