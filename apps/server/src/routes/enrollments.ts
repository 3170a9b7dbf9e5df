/** Admin routes for one-time enrollment tokens. */
import { isProfile, parseDuration, tokenNames } from '@nodeid/sdk';
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
    await s.audit('enrollment.create', {
      id,
      name,
      profile,
      dns: record.dns,
      ips: record.ips,
      uris: record.uris,
      expiresAt: record.expiresAt.toISOString(),
    });
    return c.json({ ...record, token, expiresAt: record.expiresAt.toISOString() }, 201);
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
