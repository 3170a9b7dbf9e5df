/** The per-client token bucket, driven by a fixed clock. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { HttpError } from '../src/lib/http-error.js';
import { rateLimit } from '../src/lib/rate-limit.js';

function limitedApp(maxClients: number) {
  const app = new Hono();
  app.onError((e, c) => c.json({ code: (e as HttpError).code }, (e as HttpError).status));
  app.use(
    '*',
    rateLimit({
      perMinute: 1,
      burst: 2,
      maxClients,
      key: (c) => c.req.header('x-client') ?? 'none',
      now: () => 0,
    }),
  );
  app.get('/', (c) => c.text('ok'));
  return (client: string) => app.request('/', { headers: { 'x-client': client } });
}

describe('rate limit buckets', () => {
  it('a flood of 10,001 new addresses does not reset a limited client (the oldest are evicted instead)', async () => {
    const hit = limitedApp(10_000);
    expect([(await hit('victim')).status, (await hit('victim')).status]).toEqual([200, 200]);
    const limited = await hit('victim');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    // a flood that fills the table up to its size, while the victim stays recently seen
    for (let i = 0; i < 9_998; i++) await hit(`flood-${i}`);
    expect((await hit('victim')).status).toBe(429);
    for (let i = 9_998; i < 10_001; i++) await hit(`flood-${i}`);
    // the table is over its size: the least recently seen (flood-0…) went, not the victim's bucket
    expect((await hit('victim')).status).toBe(429);
    // flood-0 was evicted, so it starts with a full bucket again, as a new client would
    expect((await hit('flood-0')).status).toBe(200);
  });

  it('evicts the least recently seen client first', async () => {
    const hit = limitedApp(2);
    await hit('a');
    await hit('a');
    await hit('b');
    await hit('a'); // a is limited and most recently seen
    await hit('c'); // over the size: b goes
    expect((await hit('a')).status).toBe(429);
    expect((await hit('b')).status).toBe(200);
  });
});
