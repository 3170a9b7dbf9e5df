/**
 * Admin authentication as an attacker and a careless admin try it: guessing, weak tokens,
 * readable token files, tokens removed while the server runs. Through `app.request()` (no
 * socket; the client address is passed as Node's would be) and the module's own functions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, type Identity, NodeIdError } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import {
  estimateTokenBits,
  MIN_TOKEN_BITS,
  openAdminTokenFile,
  parseAdminTokens,
} from '../src/lib/admin-auth.js';

const GOOD = randomBytes(32).toString('base64url');
const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let ca: Identity;
let work: string;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'auth.cluster' });
  work = mkdtempSync(join(tmpdir(), 'nodeid-admin-auth-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function appWith(store: Store, audit: Record<string, unknown>[], now?: () => Date) {
  return createApp({
    ca,
    clusterName: 'auth.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(GOOD).digest()],
    audit: (e) => audit.push(e),
    ...(now && { now }),
  });
}

describe('admin token strength', () => {
  it('estimates entropy as length x log2(alphabet) and draws the line at 128 bits', () => {
    expect(estimateTokenBits('zq')).toBeCloseTo(2 * Math.log2(26)); // two letters: 676 guesses
    expect(estimateTokenBits('ab')).toBe(8); // also hex digits: 256 guesses
    expect(estimateTokenBits('0123456789abcdef'.repeat(2))).toBe(128); // 32 hex digits
    expect(estimateTokenBits('0123456789abcdef0123456789abcde')).toBe(124); // 31
    expect(estimateTokenBits('A'.repeat(21) + '_')).toBe(132); // 22 base64url characters
    expect(estimateTokenBits(`${'Ab1'.repeat(14)}-`)).toBe(43 * 6); // a 256-bit base64url token
    // a random one may not use - or _ and count as letters and digits: 43 x log2(62)
    expect(estimateTokenBits(GOOD)).toBeGreaterThan(256);
    expect(MIN_TOKEN_BITS).toBe(128);
  });

  it('a two-letter token file is refused with ERR_SECRET_WEAK, naming the line, never the token', () => {
    let error: unknown;
    try {
      parseAdminTokens(`# admins\n${GOOD}\nzz\n`, 'admin.token');
    } catch (e) {
      error = e;
    }
    expect(NodeIdError.isInstance(error)).toBe(true);
    expect((error as NodeIdError).code).toBe('ERR_SECRET_WEAK');
    expect((error as Error).message).toContain('line 2');
    expect((error as Error).message).not.toContain('zz');
    expect(() => parseAdminTokens('# nothing\n\n', 'admin.token')).toThrow(/no admin token/);
    // 30 printable characters with a space inside: strong enough, but no client can send it
    expect(() =>
      parseAdminTokens(`${GOOD}\nkT9#q!vL2 pX7@wZ4$mR8%nB3^cF6&`, 'admin.token'),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: expect.stringContaining('line 2'),
      }),
    );
  });

  it('a token file readable by group or others is refused at start with ERR_FILE_PERMISSIONS', async () => {
    const file = join(work, 'readable.token');
    writeFileSync(file, `${GOOD}\n`, { mode: 0o600 });
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      chmodSync(file, mode);
      await expect(openAdminTokenFile(file)).rejects.toMatchObject({
        code: 'ERR_FILE_PERMISSIONS',
      });
    }
    chmodSync(file, 0o600);
    const tokens = await openAdminTokenFile(file);
    expect(await tokens.hashes()).toHaveLength(1);
  });
});

describe('guessing the admin token', () => {
  it('676 guesses from one address: 10 get 401, the rest 429 with Retry-After; another client still gets in', async () => {
    const store = await openMemoryStore();
    const audit: Record<string, unknown>[] = [];
    const app = appWith(store, audit);
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (const a of letters)
      for (const b of letters) {
        const res = await app.request(
          '/v1/certificates',
          { headers: bearer(a + b) },
          from('203.0.113.7'),
        );
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          expect(await res.json()).toMatchObject({ code: 'ERR_RATE_LIMITED' });
        }
      }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 10, 429: 666 });
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // the right token from the throttled address is refused too: a 200 would tell the guesser
    const right = await app.request(
      '/v1/certificates',
      { headers: bearer(GOOD) },
      from('203.0.113.7'),
    );
    expect(right.status).toBe(429);
    // another client with the right token is not affected
    const other = await app.request(
      '/v1/certificates',
      { headers: bearer(GOOD) },
      from('198.51.100.2'),
    );
    expect(other.status).toBe(200);
    // the failures are audited with actor and address, never the token presented
    const failed = audit.filter((e) => String(e.action).startsWith('admin.auth-'));
    expect(failed).toHaveLength(10);
    expect(failed[0]).toMatchObject({
      action: 'admin.auth-failed',
      actor: 'anonymous',
      client: '203.0.113.7',
    });
    expect(failed[9]).toMatchObject({ action: 'admin.auth-throttled', client: '203.0.113.7' });
    expect(JSON.stringify(failed)).not.toMatch(/"aa"|"ab"/);
    const stored = await store.listAudit(50);
    expect(stored.filter((r) => r.action === 'admin.auth-failed')).toHaveLength(9);
    expect(stored[0]).toMatchObject({ actor: 'anonymous', detail: { client: '203.0.113.7' } });
  });

  it('the count is per sliding minute: once the oldest failure is a minute old, one more try', async () => {
    const store = await openMemoryStore();
    let t = Date.UTC(2030, 0, 1);
    const app = appWith(store, [], () => new Date(t));
    const attempt = (token: string) =>
      app.request('/v1/enrollments', { headers: bearer(token) }, from('203.0.113.9'));
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`wrong-${i}`)).status).toBe(401);
      t += 1000;
    }
    const limited = await attempt(GOOD);
    expect(limited.status).toBe(429);
    // the first failure was at t0; 10 s have passed, so 50 s remain
    expect(limited.headers.get('retry-after')).toBe('50');
    t += 49_000;
    expect((await attempt(GOOD)).status).toBe(429);
    t += 1000;
    expect((await attempt(GOOD)).status).toBe(200);
    // one failure frees one slot only: the next wrong guess fills it again
    expect((await attempt('wrong-again')).status).toBe(401);
    expect((await attempt(GOOD)).status).toBe(429);
  });

  it('a token removed from the file stops working without a restart; a weakened file accepts none', async () => {
    const file = join(work, 'reload.token');
    const second = randomBytes(16).toString('hex');
    writeFileSync(file, `${GOOD}\n${second}\n`, { mode: 0o600 });
    const events: string[] = [];
    const tokens = await openAdminTokenFile(file, { onEvent: (e) => events.push(e.event) });
    const store = await openMemoryStore();
    const app = createApp({ ca, clusterName: 'auth.cluster', store, adminTokenHashes: tokens });
    const get = (token: string) =>
      app.request('/v1/enrollments', { headers: bearer(token) }, from('192.0.2.1'));
    expect((await get(second)).status).toBe(200);
    writeFileSync(file, `${GOOD}\n`);
    expect((await get(second)).status).toBe(401);
    expect((await get(GOOD)).status).toBe(200);
    // made world-readable: refused, and no token is accepted until it is fixed
    chmodSync(file, 0o644);
    expect((await get(GOOD)).status).toBe(401);
    chmodSync(file, 0o600);
    expect((await get(GOOD)).status).toBe(200);
    // a weak token added: the whole file is refused
    writeFileSync(file, `${GOOD}\nabc\n`);
    expect((await get(GOOD)).status).toBe(401);
    rmSync(file);
    expect((await get(GOOD)).status).toBe(401);
    expect(events).toEqual([
      'admin-tokens-reloaded',
      'admin-tokens-refused',
      'admin-tokens-reloaded',
      'admin-tokens-refused',
      'admin-tokens-refused',
    ]);
  });
});
