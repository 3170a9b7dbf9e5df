/** Admin routes for one-time enrollment tokens. */
import { randomBytes } from 'node:crypto';
import {
  isProfile,
  loadPublicSuffixList,
  parseDuration,
  tokenNames,
  tokenWildcards,
} from '@nodeid/sdk';
import { hashToken } from '@nodeid/store';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { newEnrollmentToken } from '../lib/tokens.js';
import { jsonBody, optInt, optStr, str, strList } from '../lib/validate.js';

/** Tokens expire after an hour unless told otherwise, and never live longer than a week. */
const DEFAULT_TTL_MS = 3_600_000;
const MAX_TTL_MS = 7 * 86_400_000;

/** `validity` as a duration (`90d`, `2w`) in whole days, rounded up; 1 to 3650. */
function validityFromDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = Math.ceil(parseDuration(text) / 86_400_000);
  if (days < 1 || days > 3650)
    throw new HttpError(400, 'ERR_INVALID_ARGUMENT', '"validity" must be from 1d to 3650d');
  return days;
}

export function enrollmentRoutes(s: Services): Hono {
  const app = new Hono();

  app.post('/v1/enrollments', async (c) => {
    const body = await jsonBody(c, s.bodyBytes);
    const profile = optStr(body, 'profile', 16) ?? 'node';
    if (!isProfile(profile))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        '"profile" must be node, server, client or control',
      );
    // exact names only, validated by the SDK's one token-name builder: a pattern, suffix or range
    // ("." "*.example.net" "0.0.0.0/0" "*") is a 400 ERR_NAME_INVALID, never a grant
    const names = tokenNames({
      name: str(body, 'name', 253),
      profile,
      dns: strList(body, 'dns'),
      ips: strList(body, 'ips'),
      uris: strList(body, 'uris'),
    });
    const name = names.name;
    const ttlText = optStr(body, 'ttl', 32);
    const ttl = ttlText === undefined ? DEFAULT_TTL_MS : parseDuration(ttlText);
    if (ttl <= 0 || ttl > MAX_TTL_MS)
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', '"ttl" must be more than 0 and at most 7d');
    const validityDays =
      optInt(body, 'validityDays', 1, 3650) ?? validityFromDuration(optStr(body, 'validity', 32));
    const acme = body['acme'] ?? false;
    if (typeof acme !== 'boolean')
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', '"acme" must be true or false');
    // an ACME certificate is for the identifiers it orders (dns, ip): a client user name is not one
    if (acme && profile === 'client')
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        'a client token cannot be used with ACME; use the node, server or control profile',
      );
    // wildcards are granted apart from the exact names, explicitly, and only to ACME tokens:
    // each one is then proven by dns-01 (RFC 8555 §8.4); the SDK refuses one over a public suffix
    const asked = strList(body, 'wildcards');
    if (asked?.length && !acme)
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        '"wildcards" are granted only to ACME tokens ("acme": true), where dns-01 proves each one',
      );
    const wildcards = asked?.length ? tokenWildcards(asked, await loadPublicSuffixList()) : [];
    const { id, token } = newEnrollmentToken();
    const now = s.now();
    const record = {
      id,
      name,
      profile,
      dns: names.dns,
      ips: names.ips,
      uris: names.uris,
      expiresAt: new Date(now.getTime() + ttl),
      ...(validityDays && { validityDays }),
    };
    await s.deps.store.createToken({ ...record, tokenHash: hashToken(token), createdAt: now });
    // External Account Binding (RFC 8555 §7.3.4): kid = the token's id and a MAC key of its own,
    // 256 random bits. HS256 is symmetric, so the server must hold the key to verify it: the store
    // keeps it (not the token, which stays a hash) only while the token is pending, and the key
    // deleted with the token's use buys one account, for the token's names, before it expires
    const eab = acme ? { kid: id, hmacKey: randomBytes(32).toString('base64url') } : undefined;
    if (eab)
      await s.deps.store.writeAcme({
        insert: [
          {
            kind: 'eab',
            id,
            status: 'pending',
            data: { hmacKey: eab.hmacKey, ...(wildcards.length && { wildcards }) },
          },
        ],
        now,
      });
    await s.audit('enrollment.create', {
      id,
      name,
      profile,
      dns: record.dns,
      ips: record.ips,
      uris: record.uris,
      expiresAt: record.expiresAt.toISOString(),
      ...(eab && { acme: true }),
      ...(wildcards.length && { wildcards }),
    });
    return c.json(
      {
        ...record,
        token,
        expiresAt: record.expiresAt.toISOString(),
        ...(eab && { eab }),
        ...(wildcards.length && { wildcards }),
      },
      201,
    );
  });

  app.get('/v1/enrollments', async (c) => c.json(await s.deps.store.listTokens({ now: s.now() })));

  app.delete('/v1/enrollments/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f]{16}$/.test(id))
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'bad enrollment id');
    const record = await s.deps.store.cancelToken(id, { now: s.now() });
    await s.audit('enrollment.cancel', { id });
    return c.json(record);
  });
  return app;
}
