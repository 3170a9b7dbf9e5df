/**
 * RFC 8555 section by section, through `app.request()` with a client that can misbehave: each
 * `describe` is a section, each test a MUST or SHOULD of its text (quoted where it decides the
 * answer). apps/server/ACME.md lists the sections and the test of each. Challenges are validated
 * for real over loopback, for the IP identifier 127.0.0.1 (RFC 8738).
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import {
  createCa,
  createCsr,
  type Identity,
  parseCertificate,
  renewalInfoId,
  toBase64Url,
} from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acmeOptionsOf } from '../src/acme/acme-flags.js';
import type { AcmeOptions } from '../src/acme/acme-routes.js';
import { createApp } from '../src/app.js';
import { type Signer, signJob } from '../src/lib/issuance.js';
import {
  type AcmeResponse,
  AcmeTestClient,
  createAcmeToken,
  expectAcmeProblem,
  keyAuthOf,
  ACME_URN as URN,
} from './helpers/acme-client.js';
import { startChallTestSrv } from './helpers/challtestsrv.js';
import { opensslReq } from './helpers/openssl-req.js';
import { killStarted } from './helpers/processes.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const BASE = 'https://ca.test/acme';

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
let clock: Date | undefined;
/** What the loopback http-01 responder answers, by token. */
const answers = new Map<string, string>();
/** Where it redirects a request path to (a Location value). */
const redirects = new Map<string, string>();
/** The paths it was asked for, in order. */
const asked: string[] = [];
let responder: Server;
let httpPort: number;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'acme.cluster', organization: 'Example' });
  responder = createServer((req, res) => {
    asked.push(req.url ?? '');
    const location = redirects.get(req.url ?? '');
    if (location !== undefined) {
      res.writeHead(302, { location });
      res.end();
      return;
    }
    const answer = answers.get(req.url?.split('/').pop() ?? '');
    res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(answer ?? 'no');
  });
  await new Promise<void>((resolve) => responder.listen(0, '127.0.0.1', resolve));
  httpPort = (responder.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => responder.close(() => resolve())));

/** A fresh app (and store, unless `keepStore`: the same inventory under new flags). */
async function makeApp(acme: AcmeOptions = {}, signer?: Signer, keepStore = false) {
  if (!keepStore) store = await openMemoryStore();
  clock = undefined;
  app = createApp({
    ...(signer && { signer }),
    ca,
    clusterName: 'acme.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    now: () => clock ?? new Date(),
    // no §8.2 retries unless a test asks for them: a wrong answer is invalid at once
    acme: { httpPort, timeoutMs: 5000, retryDelaysMs: [], ...acme },
  });
}

beforeEach(async () => {
  answers.clear();
  redirects.clear();
  asked.length = 0;
  await makeApp();
});

const acmeToken = (body: Record<string, unknown> = { name: 'node9.test', ips: ['127.0.0.1'] }) =>
  createAcmeToken(app, ADMIN, body);

/** A problem document of `type` (§6.7) with a fresh nonce (§6.5) and the index link (§7.1). */
const expectProblem = (res: AcmeResponse, type: string, status?: number) =>
  expectAcmeProblem(res, type, status, BASE);

async function registered(tokenBody?: Record<string, unknown>) {
  const token = await acmeToken(tokenBody);
  const client = await AcmeTestClient.create(app);
  const res = await client.register(token.eab.kid, token.eab.hmacKey);
  expect(res.status).toBe(201);
  return client;
}

/** The same account's client on the current app (after makeApp with keepStore). */
async function sameAccount(client: AcmeTestClient) {
  const again = await AcmeTestClient.create(app, undefined, client.keys);
  again.kid = client.kid;
  return again;
}

/** Polls until `check` holds (validation runs in the background), at most 100 rounds. */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await read();
    if (check(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the state was never reached');
}

/** An order for 127.0.0.1; with `answer`, its http-01 challenge answered and validated. */
async function order(client: AcmeTestClient, answer?: (keyAuth: string) => string) {
  const made = await client.post('/new-order', {
    identifiers: [{ type: 'ip', value: '127.0.0.1' }],
  });
  expect(made.status).toBe(201);
  const url = made.headers.get('location')!;
  const authzUrl = made.body.authorizations[0] as string;
  if (answer) {
    const authz = await client.post(authzUrl, '');
    const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
    answers.set(http01.token, answer(await keyAuthOf(client, http01.token)));
    expect((await client.post(http01.url, {})).status).toBe(200);
    await until(
      () => client.post(authzUrl, ''),
      (r) => r.body.status !== 'pending',
    );
  }
  return { url, authzUrl, body: made.body };
}

/**
 * A new order for `client` whose http-01 challenge is asked for validation (after `prepare` with
 * its token) and expected to fail: answers the challenge once it is invalid (RFC 8555 §7.5.1).
 */
async function invalidHttp01(
  client: AcmeTestClient,
  prepare?: (token: string) => Promise<void>,
): Promise<AcmeResponse> {
  const o = await order(client);
  const a = await client.post(o.authzUrl, '');
  const ch = a.body.challenges.find((c: { type: string }) => c.type === 'http-01');
  await prepare?.(ch.token);
  await client.post(ch.url, {});
  return until(
    () => client.post(ch.url, ''),
    (r) => r.body.status === 'invalid',
  );
}

const csrB64 = async (name = '127.0.0.1', extra: Partial<Parameters<typeof createCsr>[0]> = {}) => {
  const csr = await createCsr({ profile: 'server', ...extra, name });
  return { csr, b64: Buffer.from(csr.der).toString('base64url') };
};

/** A raw POST of `body` (already a string) to `path`. */
async function rawPost(path: string, body: string, contentType = 'application/jose+json') {
  const res = await app.request(`${BASE}${path}`, {
    method: 'POST',
    headers: contentType ? { 'content-type': contentType } : {},
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

describe('§6.2 request authentication (JWS)', () => {
  it('refuses alg none and MACs with badSignatureAlgorithm and the "algorithms" list', async () => {
    const client = await AcmeTestClient.create(app);
    for (const alg of ['none', 'HS256', 'PS256']) {
      const res = await client.post('/new-account', {}, { header: { alg } });
      expectProblem(res, 'badSignatureAlgorithm', 400);
      expect(res.body.algorithms).toEqual(expect.arrayContaining(['ES256', 'RS256', 'EdDSA']));
      expect(res.body.algorithms).not.toContain(alg);
    }
  });

  it('needs exactly one of "jwk" and "kid", "jwk" only for newAccount and revokeCert', async () => {
    const client = await registered();
    const both = await client.post('/new-order', {}, { header: { jwk: client.jwk } });
    expectProblem(both, 'malformed', 400);
    const neither = await client.post('/new-order', {}, { header: { kid: undefined } });
    expectProblem(neither, 'malformed', 400);
    // newOrder signed with a jwk: it must name its account by kid
    const kid = client.kid;
    client.kid = undefined;
    const jwkOrder = await client.post('/new-order', {
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
    });
    expectProblem(jwkOrder, 'malformed', 400);
    expect(jwkOrder.body.detail).toContain('kid');
    client.kid = kid;
    // newAccount signed with a kid: it must carry its key
    const kidAccount = await client.post('/new-account', { onlyReturnExisting: true });
    expectProblem(kidAccount, 'malformed', 400);
  });

  it('allows only the flattened JSON serialization with a protected header: no unprotected header, no general or compact form, no b64:false, no crit', async () => {
    const client = await registered();
    const good = await client.jws(`${BASE}/new-order`, {});
    const cases: [string, string][] = [
      ['unprotected header', JSON.stringify({ ...good, header: { kid: client.kid } })],
      [
        'general serialization',
        JSON.stringify({
          payload: good.payload,
          signatures: [{ protected: good.protected, signature: good.signature }],
        }),
      ],
      [
        'compact serialization',
        JSON.stringify(`${good.protected}.${good.payload}.${good.signature}`),
      ],
      [
        'detached payload',
        JSON.stringify({ protected: good.protected, signature: good.signature }),
      ],
    ];
    for (const [what, body] of cases) {
      const res = await rawPost('/new-order', body);
      expect(res.status, what).toBe(400);
      expect(res.body.type, what).toBe(`${URN}malformed`);
    }
    expectProblem(await client.post('/new-order', {}, { header: { b64: false } }), 'malformed');
    expectProblem(await client.post('/new-order', {}, { header: { crit: ['exp'] } }), 'malformed');
  });

  it('a signature that does not verify is malformed, and nothing is done', async () => {
    const client = await registered();
    const body = await client.jws(`${BASE}/new-order`, {
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
    });
    const forged = { ...body, signature: toBase64Url(new Uint8Array(64).fill(7)) };
    const res = await rawPost('/new-order', JSON.stringify(forged));
    expect(res.status).toBe(400);
    expect(res.body.type).toBe(`${URN}malformed`);
    expect(await store.listAcmeObjects('order', client.kid!.split('/').pop()!)).toEqual([]);
  });

  it('"Content-Type: application/jose+json" or 415 (malformed)', async () => {
    const client = await AcmeTestClient.create(app);
    const body = JSON.stringify(await client.jws(`${BASE}/new-account`, {}));
    for (const type of ['application/json', 'text/plain', '']) {
      const res = await rawPost('/new-account', body, type);
      expect(res.status, type).toBe(415);
      expect(res.body.type).toBe(`${URN}malformed`);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('§6.3 GET and POST-as-GET', () => {
  it('takes POST-as-GET on the directory and newNonce as well as GET (200)', async () => {
    const client = await registered();
    const get = (await (await app.request(`${BASE}/directory`)).json()) as Record<string, unknown>;
    const post = await client.post('/directory', '');
    expect(post.status).toBe(200);
    expect(post.body).toEqual(get);
    const nonce = await client.post('/new-nonce', '');
    expect(nonce.status).toBe(200);
    expect(nonce.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(nonce.headers.get('cache-control')).toBe('no-store');
  });

  it('answers GET on the POST-only resources with 405 and "Allow: POST"; an unknown path 404', async () => {
    const client = await registered();
    const { url, authzUrl } = await order(client);
    const id = client.kid!.split('/').pop()!;
    for (const path of [
      '/new-account',
      '/new-order',
      '/revoke-cert',
      '/key-change',
      `/account/${id}`,
      `/account/${id}/orders`,
      url.slice(BASE.length),
      `${url.slice(BASE.length)}/finalize`,
      authzUrl.slice(BASE.length),
      `/challenge/${authzUrl.split('/').pop()}/http-01`,
      `/certificate/${url.split('/').pop()}`,
    ]) {
      const res = await app.request(`${BASE}${path}`);
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow'), path).toBe('POST');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { type: string }).type).toBe(`${URN}malformed`);
    }
    const put = await app.request(`${BASE}/directory`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const ari = await app.request(`${BASE}/renewal-info/x`, { method: 'POST' });
    expect([ari.status, ari.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const unknown = await app.request(`${BASE}/no-such-thing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('replay-nonce')).toBeTruthy();
  });

  it('a POST-as-GET resource (order, certificate, orders list) read with a non-empty payload is malformed', async () => {
    const client = await registered();
    const { url } = await order(client);
    expectProblem(await client.post(url, {}), 'malformed', 400);
    expectProblem(await client.post(`${client.kid}/orders`, {}), 'malformed', 400);
    expectProblem(await client.post(`/certificate/${url.split('/').pop()}`, {}), 'malformed');
    expect((await client.post(url, '')).body.status).toBe('pending');
  });
});

describe('§6.4 request URL integrity and §6.5 replay protection', () => {
  it('the JWS "url" must be the whole request URL, query included: else unauthorized', async () => {
    const client = await registered();
    const res = await client.post(`${client.kid}/orders`, '', {
      sendTo: `${client.kid}/orders?cursor=0`,
    });
    expectProblem(res, 'unauthorized', 403);
    const missing = await client.post('/new-order', {}, { header: { url: undefined } });
    expectProblem(missing, 'unauthorized', 403);
  });

  it('a JWS without a nonce is badNonce (400) and carries a fresh nonce', async () => {
    const client = await registered();
    const res = await client.post('/new-order', {}, { header: { nonce: undefined } });
    expectProblem(res, 'badNonce', 400);
    // the fresh nonce works
    const retry = await client.post('/new-order', {
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
    });
    expect(retry.status).toBe(201);
  });
});

describe('§7.1.1 directory and §7.2 newNonce', () => {
  it('HEAD 200, GET 204, Cache-Control no-store, Replay-Nonce and Link rel="index" on both', async () => {
    for (const method of ['HEAD', 'GET']) {
      const res = await app.request(`${BASE}/new-nonce`, { method });
      expect(res.status).toBe(method === 'HEAD' ? 200 : 204);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(res.headers.get('link')).toContain(`<${BASE}/directory>;rel="index"`);
    }
  });

  it('--acme-terms-of-service takes an http(s) URL, and not with --no-acme', () => {
    expect(acmeOptionsOf({ 'acme-terms-of-service': 'https://ca.test/terms' })).toMatchObject({
      termsOfService: 'https://ca.test/terms',
    });
    expect(() => acmeOptionsOf({ 'acme-terms-of-service': 'ftp://ca.test/terms' })).toThrow(
      /--acme-terms-of-service must be an http\(s\) URL/,
    );
    expect(() => acmeOptionsOf({ 'acme-terms-of-service': 'terms.html' })).toThrow();
    expect(() =>
      acmeOptionsOf({ acme: false, 'acme-terms-of-service': 'https://ca.test/terms' }),
    ).toThrow(/--no-acme/);
  });

  it('meta.termsOfService: newAccount must then agree (termsOfServiceAgreed: true), and the account says so', async () => {
    await makeApp({ termsOfService: 'https://ca.test/terms.html' });
    const dir = (await (await app.request(`${BASE}/directory`)).json()) as {
      meta: Record<string, unknown>;
    };
    expect(dir.meta).toEqual({
      termsOfService: 'https://ca.test/terms.html',
      externalAccountRequired: true,
    });
    const token = await acmeToken();
    const client = await AcmeTestClient.create(app);
    const eab = await client.eab(token.eab.kid, token.eab.hmacKey);
    const refused = await client.post('/new-account', { externalAccountBinding: eab });
    expectProblem(refused, 'malformed', 400);
    expect(refused.body.detail).toContain('terms of service');
    expect((await store.getToken(token.id))?.status).toBe('pending');
    const made = await client.register(token.eab.kid, token.eab.hmacKey);
    expect(made.status).toBe(201);
    expect(made.body.termsOfServiceAgreed).toBe(true);
  });

  it('§7.3.3 changed terms: newOrder and finalize are userActionRequired (403, Link rel="terms-of-service", "instance") until an update agrees; reading stays open', async () => {
    await makeApp({ termsOfService: 'https://ca.test/terms-v1.html' });
    let client = await registered();
    const ready = await order(client, (k) => k);
    expect(
      (await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }))
        .status,
    ).toBe(201);
    // the same inventory, the terms changed: the old agreement no longer counts
    await makeApp({ termsOfService: 'https://ca.test/terms-v2.html' }, undefined, true);
    client = await sameAccount(client);
    const blocked = await client.post('/new-order', {
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
    });
    expectProblem(blocked, 'userActionRequired', 403);
    expect(blocked.headers.get('link')).toContain(
      '<https://ca.test/terms-v2.html>;rel="terms-of-service"',
    );
    expect(blocked.body.detail).toContain('terms-v1.html');
    expect(blocked.body.instance).toBe(`${BASE}/terms-of-service`);
    // the instance is a page a human can open, naming the current terms
    const page = await app.request(blocked.body.instance);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('href="https://ca.test/terms-v2.html"');
    const { b64 } = await csrB64();
    expectProblem(
      await client.post(`${ready.url}/finalize`, { csr: b64 }),
      'userActionRequired',
      403,
    );
    expect(await store.listCertificates()).toHaveLength(0);
    // reading the account, its orders and an order are not blocked
    expect((await client.post(client.kid!, '')).status).toBe(200);
    expect((await client.post(ready.url, '')).body.status).toBe('ready');
    // an update with termsOfServiceAgreed: true records the current terms; then all works
    const agreed = await client.post(client.kid!, { termsOfServiceAgreed: true });
    expect(agreed.status).toBe(200);
    expect(agreed.body.termsOfServiceAgreed).toBe(true);
    const account = await store.getAcmeObject('account', client.kid!.split('/').pop()!);
    expect(account?.data['termsOfService']).toBe('https://ca.test/terms-v2.html');
    expect((await client.post(`${ready.url}/finalize`, { csr: b64 })).status).toBe(200);
    expect(
      (await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }))
        .status,
    ).toBe(201);
    const audit = await store.listAudit(100, { action: 'acme.account.terms-agreed' });
    expect(audit.map((e) => e.detail?.['termsOfService'])).toEqual([
      'https://ca.test/terms-v2.html',
    ]);
  });

  it('§7.3.3 an account made when the CA had no terms must agree once terms appear; without terms the page is 404', async () => {
    let client = await registered();
    expect((await app.request(`${BASE}/terms-of-service`)).status).toBe(404);
    await makeApp({ termsOfService: 'https://ca.test/terms.html' }, undefined, true);
    client = await sameAccount(client);
    const blocked = await client.post('/new-order', {
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
    });
    expectProblem(blocked, 'userActionRequired', 403);
    expect(blocked.body.detail).not.toContain('agreed to');
    expect((await client.post(client.kid!, { termsOfServiceAgreed: true })).status).toBe(200);
    expect(
      (await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }))
        .status,
    ).toBe(201);
  });

  it('§7.3.3 an account that agreed before the version was kept counts as agreeing to the terms in force, which is then recorded', async () => {
    await makeApp({ termsOfService: 'https://ca.test/terms.html' });
    const client = await registered();
    const id = client.kid!.split('/').pop()!;
    const made = (await store.getAcmeObject('account', id))!;
    const { termsOfService: _, ...legacy } = made.data;
    await store.writeAcme({
      update: [{ kind: 'account', id, version: made.version, status: 'valid', data: legacy }],
    });
    expect(
      (await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }))
        .status,
    ).toBe(201);
    expect((await store.getAcmeObject('account', id))!.data['termsOfService']).toBe(
      'https://ca.test/terms.html',
    );
  });

  it('§7.4.1 pre-authorization is not offered: no newAuthz in the directory, and no such resource', async () => {
    const dir = (await (await app.request(`${BASE}/directory`)).json()) as Record<string, unknown>;
    expect(dir).not.toHaveProperty('newAuthz');
    const client = await registered();
    const res = await client.post('/new-authz', { identifier: { type: 'ip', value: '127.0.0.1' } });
    expectProblem(res, 'malformed', 404);
  });
});

describe('§7.3 accounts', () => {
  it('the key of an existing account gets 200, its Location and the account as it was (request fields ignored)', async () => {
    const client = await registered();
    const kid = client.kid;
    client.kid = undefined;
    const again = await client.post('/new-account', {
      contact: ['mailto:changed@example.net'],
      termsOfServiceAgreed: true,
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBe(kid);
    expect(again.body.contact).toEqual([]);
  });

  it('contacts: another scheme is unsupportedContact, a bad mailto invalidContact; an update changes them', async () => {
    const client = await registered();
    expectProblem(
      await client.post(client.kid!, { contact: ['tel:+1555123'] }),
      'unsupportedContact',
      400,
    );
    for (const bad of ['mailto:a@b.net?subject=x', 'mailto:a@b.net,c@d.net', 'mailto:nobody'])
      expectProblem(await client.post(client.kid!, { contact: [bad] }), 'invalidContact', 400);
    expectProblem(await client.post(client.kid!, { contact: 'mailto:a@b.net' }), 'invalidContact');
    const ok = await client.post(client.kid!, { contact: ['mailto:ops@example.net'] });
    expect(ok.status).toBe(200);
    expect(ok.body.contact).toEqual(['mailto:ops@example.net']);
    expect((await client.post(client.kid!, '')).body.contact).toEqual(['mailto:ops@example.net']);
  });

  it('an update ignores "orders", "termsOfServiceAgreed", statuses other than deactivated and unknown fields (§7.3.2)', async () => {
    const client = await registered();
    const before = (await client.post(client.kid!, '')).body;
    const res = await client.post(client.kid!, {
      status: 'valid',
      orders: 'https://elsewhere.test/',
      termsOfServiceAgreed: false,
      whatever: 1,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before);
    const other = await client.post(client.kid!, { status: 'revoked' });
    expect(other.body.status).toBe('valid');
  });

  it("another account's URL is unauthorized", async () => {
    const client = await registered();
    const stranger = await registered({ name: 'node8.test' });
    expectProblem(await stranger.post(client.kid!, ''), 'unauthorized', 403);
    expectProblem(await stranger.post(`${client.kid}/orders`, ''), 'unauthorized', 403);
  });
});

describe('§7.1.2.1 the orders list', () => {
  it('lists pending and valid orders, not invalid ones, a page at a time with Link rel="next"', async () => {
    await makeApp({ ordersPerPage: 2 });
    const client = await registered();
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await order(client));
    // the oldest made invalid: its authorization deactivated (§7.5.2)
    expect((await client.post(made[0]!.authzUrl, { status: 'deactivated' })).status).toBe(200);
    expect((await client.post(made[0]!.url, '')).body.status).toBe('invalid');
    const first = await client.post(`${client.kid}/orders`, '');
    expect(first.status).toBe(200);
    expect(first.body.orders).toHaveLength(2);
    const next = /<([^>]+)>;rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBe(`${client.kid}/orders?cursor=2`);
    const second = await client.post(next!, '');
    expect(second.status).toBe(200);
    expect(second.headers.get('link')).not.toContain('rel="next"');
    const listed = [...first.body.orders, ...second.body.orders];
    expect(listed.sort()).toEqual(
      made
        .slice(1)
        .map((o) => o.url)
        .sort(),
    );
    expectProblem(await client.post(`${client.kid}/orders?cursor=x`, ''), 'malformed');
  });
});

describe('§7.3.5 key change', () => {
  async function innerFor(
    next: AcmeTestClient,
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ) {
    return next.jws(`${BASE}/key-change`, payload, {
      nonce: undefined,
      kid: undefined,
      jwk: next.jwk,
      ...header,
    });
  }

  it('checks the inner JWS: jwk, no nonce, same url, the account, the old key, a signature by the new key', async () => {
    const client = await registered();
    const next = await AcmeTestClient.create(app);
    const good = { account: client.kid, oldKey: client.jwk };
    const cases: [string, unknown][] = [
      ['inner nonce', await innerFor(next, good, { nonce: await next.freshNonce() })],
      ['inner url', await innerFor(next, good, { url: `${BASE}/new-order` })],
      ['inner kid', await innerFor(next, good, { jwk: undefined, kid: client.kid })],
      ['account', await innerFor(next, { ...good, account: `${BASE}/account/other` })],
      ['oldKey', await innerFor(next, { ...good, oldKey: next.jwk })],
      ['no oldKey', await innerFor(next, { account: client.kid })],
      ['oldKey not a key', await innerFor(next, { account: client.kid, oldKey: { kty: 'XX' } })],
      [
        'signature',
        { ...(await innerFor(next, good)), signature: toBase64Url(new Uint8Array(64)) },
      ],
    ];
    for (const [what, inner] of cases) {
      const res = await client.post('/key-change', inner);
      expect(res.status, what).toBe(400);
      expect(res.body.type, what).toBe(`${URN}malformed`);
    }
    // nothing changed: the old key still signs
    expect((await client.post(client.kid!, '')).status).toBe(200);
  });

  it('a new key that another account has: 409 with that account in Location', async () => {
    const client = await registered();
    const other = await registered({ name: 'node8.test' });
    const inner = await innerFor(other, { account: client.kid, oldKey: client.jwk });
    const res = await client.post('/key-change', inner);
    expectProblem(res, 'malformed', 409);
    expect(res.headers.get('location')).toBe(other.kid);
  });
});

describe('§7.3.6 account deactivation', () => {
  it('then every request with that account is 401 unauthorized, newAccount with its key included', async () => {
    const client = await registered();
    const off = await client.post(client.kid!, { status: 'deactivated' });
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('deactivated');
    expectProblem(await client.post(client.kid!, ''), 'unauthorized', 401);
    expectProblem(
      await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }),
      'unauthorized',
      401,
    );
    client.kid = undefined;
    expectProblem(
      await client.post('/new-account', { onlyReturnExisting: true }),
      'unauthorized',
      401,
    );
  });
});

describe('§7.4 orders and finalize', () => {
  it('newOrder: 201, Location, status pending, expires, identifiers, authorizations, finalize', async () => {
    const client = await registered();
    const { url, body } = await order(client);
    expect(url).toMatch(new RegExp(`^${BASE}/order/`));
    expect(body).toMatchObject({
      status: 'pending',
      identifiers: [{ type: 'ip', value: '127.0.0.1' }],
      finalize: `${url}/finalize`,
    });
    expect(new Date(body.expires).getTime()).toBeGreaterThan(Date.now());
    expect(body.authorizations).toHaveLength(1);
    expect(body.certificate).toBeUndefined();
  });

  it('refuses what it cannot honour: notBefore/notAfter (malformed), no identifiers, an unknown type (unsupportedIdentifier)', async () => {
    const client = await registered();
    const identifiers = [{ type: 'ip', value: '127.0.0.1' }];
    expectProblem(
      await client.post('/new-order', { identifiers, notAfter: '2030-01-01T00:00:00Z' }),
      'malformed',
    );
    expectProblem(await client.post('/new-order', { identifiers: [] }), 'malformed');
    const email = await client.post('/new-order', {
      identifiers: [{ type: 'email', value: 'a@b.net' }],
    });
    expectProblem(email, 'unsupportedIdentifier');
    expect(email.body.subproblems[0].identifier).toEqual({ type: 'email', value: 'a@b.net' });
  });

  it('pending -> ready -> valid; finalize before ready is orderNotReady; two finalizes at once sign once', async () => {
    const client = await registered();
    const pending = await order(client);
    const { b64 } = await csrB64();
    expectProblem(await client.post(`${pending.url}/finalize`, { csr: b64 }), 'orderNotReady', 403);
    const ready = await order(client, (k) => k);
    const challenge = (await client.post(ready.authzUrl, '')).body.challenges.find(
      (c: { type: string }) => c.type === 'http-01',
    );
    expect(challenge.status).toBe('valid');
    expect(new Date(challenge.validated).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await client.post(ready.url, '')).body.status).toBe('ready');
    const second = await AcmeTestClient.create(app, undefined, client.keys);
    second.kid = client.kid;
    const [a, b] = await Promise.all([
      client.post(`${ready.url}/finalize`, { csr: b64 }),
      second.post(`${ready.url}/finalize`, { csr: b64 }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 403]);
    const loser = a.status === 403 ? a : b;
    expectProblem(loser, 'orderNotReady');
    expect(await store.listCertificates()).toHaveLength(1);
    const done = await client.post(ready.url, '');
    expect(done.body.status).toBe('valid');
    expect(done.body.certificate).toBe(`${BASE}/certificate/${ready.url.split('/').pop()}`);
  });

  it('while the certificate is being signed the order is processing, with Retry-After, and a second finalize is orderNotReady', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let signing: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      signing = resolve;
    });
    await makeApp({}, async (job) => {
      signing();
      await gate;
      return signJob(job, ca);
    });
    const client = await registered();
    const ready = await order(client, (k) => k);
    const { b64 } = await csrB64();
    const other = await AcmeTestClient.create(app, undefined, client.keys);
    other.kid = client.kid;
    const finalizing = other.post(`${ready.url}/finalize`, { csr: b64 });
    await started;
    const polled = await client.post(ready.url, '');
    expect(polled.body.status).toBe('processing');
    expect(polled.headers.get('retry-after')).toBe('1');
    expectProblem(await client.post(`${ready.url}/finalize`, { csr: b64 }), 'orderNotReady', 403);
    release();
    expect((await finalizing).body.status).toBe('valid');
    expect(await store.listCertificates()).toHaveLength(1);
  });

  it('a CSR refused (badCSR) leaves the order ready for a corrected one', async () => {
    const client = await registered();
    const ready = await order(client, (k) => k);
    const wrong = await csrB64('127.0.0.1', { ips: ['127.0.0.2'] });
    expectProblem(await client.post(`${ready.url}/finalize`, { csr: wrong.b64 }), 'badCSR', 400);
    expectProblem(await client.post(`${ready.url}/finalize`, { csr: 'AAAA' }), 'badCSR', 400);
    expectProblem(await client.post(`${ready.url}/finalize`, {}), 'malformed', 400);
    expect((await client.post(ready.url, '')).body.status).toBe('ready');
    const good = await csrB64();
    expect((await client.post(`${ready.url}/finalize`, { csr: good.b64 })).body.status).toBe(
      'valid',
    );
  });

  it("a DNS identifier named by the CSR's CN alone (an openssl CSR without subjectAltName) is signed as that name", async () => {
    const client = await registered();
    const made = await client.post('/new-order', {
      identifiers: [{ type: 'dns', value: 'node9.test' }],
    });
    expect(made.status).toBe(201);
    // the authorization proved (the DNS name has no loopback responder): set valid in the store
    const authz = (await store.getAcmeObject(
      'authorization',
      made.body.authorizations[0].split('/').pop(),
    ))!;
    expect(
      await store.writeAcme({
        update: [
          {
            kind: 'authorization',
            id: authz.id,
            version: authz.version,
            status: 'valid',
            data: authz.data,
          },
        ],
      }),
    ).toBe(true);
    const url = made.headers.get('location')!;
    expect((await client.post(url, '')).body.status).toBe('ready');
    const work = mkdtempSync(join(tmpdir(), 'nodeid-cn-csr-'));
    try {
      const csrOf = (subject: string) => {
        opensslReq('-new', { key: join(work, 'k.pem'), out: join(work, 'r.der') }, subject, [
          '-outform',
          'DER',
        ]);
        return readFileSync(join(work, 'r.der')).toString('base64url');
      };
      expectProblem(
        await client.post(`${url}/finalize`, { csr: csrOf('/CN=node8.test') }),
        'badCSR',
      );
      const fin = await client.post(`${url}/finalize`, { csr: csrOf('/CN=node9.test') });
      expect(fin.body.status).toBe('valid');
      const pem = (await client.post(fin.body.certificate, '')).text;
      const leaf = parseCertificate(pem);
      expect(leaf.subjectAltNames?.map((n) => `${n.type}:${n.value}`)).toEqual(['dns:node9.test']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('an order past "expires" is invalid and cannot be finalized', async () => {
    const client = await registered();
    const ready = await order(client, (k) => k);
    clock = new Date(Date.now() + 8 * 86_400_000);
    client.nonce = undefined;
    expect((await client.post(ready.url, '')).body.status).toBe('invalid');
    const { b64 } = await csrB64();
    expectProblem(await client.post(`${ready.url}/finalize`, { csr: b64 }), 'orderNotReady');
    expect((await client.post(ready.authzUrl, '')).body.status).toBe('expired');
  });
});

describe('§7.5 authorizations', () => {
  it('POST-as-GET gives identifier, status, expires and challenges (no wildcard field for an exact name)', async () => {
    const client = await registered();
    const { authzUrl } = await order(client);
    const authz = await client.post(authzUrl, '');
    expect(authz.status).toBe(200);
    expect(authz.body).toMatchObject({
      identifier: { type: 'ip', value: '127.0.0.1' },
      status: 'pending',
    });
    expect('wildcard' in authz.body).toBe(false);
    for (const ch of authz.body.challenges) {
      expect(ch.status).toBe('pending');
      expect(ch.token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      expect(ch.url).toBe(`${BASE}/challenge/${authzUrl.split('/').pop()}/${ch.type}`);
    }
  });

  it('§7.5.2 deactivation: pending -> deactivated, the order invalid, a second time malformed, other changes malformed', async () => {
    const client = await registered();
    const o = await order(client);
    expectProblem(await client.post(o.authzUrl, { status: 'valid' }), 'malformed', 400);
    const off = await client.post(o.authzUrl, { status: 'deactivated' });
    expect(off.status).toBe(200);
    expect(off.body.status).toBe('deactivated');
    expect((await client.post(o.url, '')).body.status).toBe('invalid');
    expectProblem(await client.post(o.authzUrl, { status: 'deactivated' }), 'malformed');
  });

  it('§7.5.1 a challenge answered wrongly: the challenge and authorization invalid with an "error" problem', async () => {
    const client = await registered();
    const o = await order(client, (k) => `${k}.wrong`);
    const authz = await client.post(o.authzUrl, '');
    expect(authz.body.status).toBe('invalid');
    const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
    expect(http01.status).toBe('invalid');
    expect(http01.error.type).toBe(`${URN}incorrectResponse`);
    expect(http01.validated).toBeUndefined();
    // §7.1.3: the order is invalid and says why
    const invalidOrder = await client.post(o.url, '');
    expect(invalidOrder.body.status).toBe('invalid');
    expect(invalidOrder.body.error.type).toBe(`${URN}incorrectResponse`);
    // asking again once it is decided changes nothing
    const again = await client.post(http01.url, {});
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('invalid');
  });
});

describe('§7.6 revocation', () => {
  it('an account holding valid authorizations for every name of a certificate may revoke it', async () => {
    const owner = await registered();
    const ready = await order(owner, (k) => k);
    const { b64 } = await csrB64();
    const fin = await owner.post(`${ready.url}/finalize`, { csr: b64 });
    expect(fin.body.status).toBe('valid');
    const pem = (await owner.post(fin.body.certificate, '')).text.split('-----END')[0]!;
    const der = Buffer.from(pem.replace(/-----BEGIN CERTIFICATE-----|\s/g, ''), 'base64').toString(
      'base64url',
    );
    // another account for the same name: refused until it holds the authorization
    const other = await registered();
    const pendingOnly = await order(other);
    expect(pendingOnly.body.status).toBe('pending');
    expectProblem(await other.post('/revoke-cert', { certificate: der }), 'unauthorized', 403);
    await order(other, (k) => k);
    const res = await other.post('/revoke-cert', { certificate: der, reason: 4 });
    expect(res.status).toBe(200);
    expect((await store.listCertificates())[0]).toMatchObject({
      status: 'revoked',
      revocationReason: 'superseded',
    });
    expectProblem(await owner.post('/revoke-cert', { certificate: der }), 'alreadyRevoked', 400);
  });

  it('reasons outside RFC 5280 §5.3.1 (7, 8, 11, strings) are badRevocationReason', async () => {
    const owner = await registered();
    const ready = await order(owner, (k) => k);
    const { b64 } = await csrB64();
    const fin = await owner.post(`${ready.url}/finalize`, { csr: b64 });
    const pem = (await owner.post(fin.body.certificate, '')).text.split('-----END')[0]!;
    const der = Buffer.from(pem.replace(/-----BEGIN CERTIFICATE-----|\s/g, ''), 'base64').toString(
      'base64url',
    );
    for (const reason of [7, 8, 11, -1, 'keyCompromise', 1.5])
      expectProblem(
        await owner.post('/revoke-cert', { certificate: der, reason }),
        'badRevocationReason',
        400,
      );
    expect((await store.listCertificates())[0]?.status).not.toBe('revoked');
  });
});

describe('§8.2 retrying challenges', () => {
  /** An order whose http-01 challenge is answered with `answer` and asked for validation. */
  async function started(client: AcmeTestClient, answer: (keyAuth: string) => string) {
    const o = await order(client);
    const authz = await client.post(o.authzUrl, '');
    const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
    const keyAuth = await keyAuthOf(client, http01.token);
    answers.set(http01.token, answer(keyAuth));
    expect((await client.post(http01.url, {})).status).toBe(200);
    return { ...o, http01, keyAuth };
  }

  it('a failed query keeps the challenge processing with its "error" and Retry-After; a new POST retries at once', async () => {
    await makeApp({ retryDelaysMs: [3_600_000] });
    const client = await registered();
    const o = await started(client, (k) => `${k}.not-yet`);
    const failing = await until(
      () => client.post(o.http01.url, ''),
      (r) => r.body.error !== undefined,
    );
    expect(failing.body.status).toBe('processing');
    expect(failing.body.error.type).toBe(`${URN}incorrectResponse`);
    expect(Number(failing.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await client.post(o.authzUrl, '')).body.status).toBe('pending');
    // fixed, and the client says so: validated now, not in an hour
    answers.set(o.http01.token, o.keyAuth);
    expect((await client.post(o.http01.url, {})).status).toBe(200);
    const done = await until(
      () => client.post(o.http01.url, ''),
      (r) => r.body.status !== 'processing',
    );
    expect(done.body.status).toBe('valid');
    expect(done.body.error).toBeUndefined();
    expect((await client.post(o.url, '')).body.status).toBe('ready');
  });

  it('gives up after the last retry: invalid, one query per attempt', async () => {
    await makeApp({ retryDelaysMs: [10, 10] });
    const client = await registered();
    const o = await started(client, () => 'wrong');
    const done = await until(
      () => client.post(o.authzUrl, ''),
      (r) => r.body.status !== 'pending',
    );
    expect(done.body.status).toBe('invalid');
    expect(asked.filter((p) => p.endsWith(o.http01.token))).toHaveLength(3);
  });
});

describe('§8.3 http-01', () => {
  it('follows redirects on the validation port; refuses one to another port, and a loop', async () => {
    const client = await registered();
    const path = (token: string) => `/.well-known/acme-challenge/${token}`;
    // to a relative path, then to an absolute URL on the same port: valid
    const o = await order(client);
    const authz = await client.post(o.authzUrl, '');
    const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
    redirects.set(path(http01.token), `/moved/${http01.token}`);
    redirects.set(`/moved/${http01.token}`, `http://127.0.0.1:${httpPort}/final/${http01.token}`);
    answers.set(http01.token, await keyAuthOf(client, http01.token));
    await client.post(http01.url, {});
    const done = await until(
      () => client.post(http01.url, ''),
      (r) => r.body.status !== 'processing' && r.body.status !== 'pending',
    );
    expect(done.body.status).toBe('valid');
    expect(asked).toContain(`/final/${http01.token}`);

    for (const target of [
      (t: string) => `http://127.0.0.1:${httpPort + 1}/x/${t}`,
      (t: string) => `ftp://127.0.0.1/${t}`,
      (t: string) => path(t),
    ]) {
      const res = await invalidHttp01(client, async (token) => {
        redirects.set(path(token), target(token));
        answers.set(token, await keyAuthOf(client, token));
      });
      expect(res.body.error.type).toBe(`${URN}connection`);
    }
    // the loop was followed 10 times, not forever
    expect(asked.length).toBeLessThan(40);
  });

  it('a 404 is incorrectResponse, a closed port connection', async () => {
    const res = await invalidHttp01(await registered());
    expect(res.body.error.type).toBe(`${URN}incorrectResponse`);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await makeApp({ httpPort: port });
    const res2 = await invalidHttp01(await registered());
    expect(res2.body.error.type).toBe(`${URN}connection`);
  });
});

describe('RFC 8737 tls-alpn-01 (an IP identifier, RFC 8738 §6)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nodeid-alpn-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A self-signed certificate made by openssl with these extensions (-addext lines). */
  function opensslCert(extensions: string[]) {
    const name = `c${Math.random().toString(36).slice(2)}`;
    opensslReq(
      '-x509',
      { key: join(work, `${name}.key`), out: join(work, `${name}.crt`) },
      '/CN=acme-tls-alpn',
      ['-days', '1', ...extensions.flatMap((e) => ['-addext', e])],
    );
    return {
      key: readFileSync(join(work, `${name}.key`)),
      cert: readFileSync(join(work, `${name}.crt`)),
    };
  }
  const acmeIdentifier = (digest: Buffer, critical = true) =>
    `1.3.6.1.5.5.7.1.31=${critical ? 'critical,' : ''}DER:04:20:${[...digest].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

  /** Runs a tls-alpn-01 validation against a TLS server presenting what `make` builds. */
  async function validateWith(
    make: (digest: Buffer) => { key: Buffer; cert: Buffer },
    alpn = ['acme-tls/1'],
  ) {
    const servernames: string[] = [];
    let pair: { key: Buffer; cert: Buffer } | undefined;
    const server = createTlsServer({
      ALPNProtocols: alpn,
      SNICallback: (servername, cb) => {
        servernames.push(servername);
        cb(null, null as never);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await makeApp({ tlsPort: (server.address() as { port: number }).port });
      const client = await registered();
      const o = await order(client);
      const authz = await client.post(o.authzUrl, '');
      const ch = authz.body.challenges.find((c: { type: string }) => c.type === 'tls-alpn-01');
      const digest = createHash('sha256')
        .update(await keyAuthOf(client, ch.token))
        .digest();
      pair = make(digest);
      server.setSecureContext(pair);
      await client.post(ch.url, {});
      const done = await until(
        () => client.post(ch.url, ''),
        (r) => r.body.status === 'valid' || r.body.status === 'invalid',
      );
      return { challenge: done.body, servernames };
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  it('valid: ALPN acme-tls/1, SNI the reverse name, the only SAN the IP, a critical acmeIdentifier of SHA-256(keyAuthorization)', async () => {
    const { challenge, servernames } = await validateWith((d) =>
      opensslCert(['subjectAltName=IP:127.0.0.1', acmeIdentifier(d)]),
    );
    expect(challenge.status).toBe('valid');
    expect(servernames).toContain('1.0.0.127.in-addr.arpa');
  });

  it('refuses a non-critical acmeIdentifier, another digest, a second SAN, and no acme-tls/1', async () => {
    const cases: [string, string, (d: Buffer) => { key: Buffer; cert: Buffer }, string[]?][] = [
      [
        'not critical',
        'incorrectResponse',
        (d) => opensslCert(['subjectAltName=IP:127.0.0.1', acmeIdentifier(d, false)]),
      ],
      [
        'digest',
        'incorrectResponse',
        () => opensslCert(['subjectAltName=IP:127.0.0.1', acmeIdentifier(Buffer.alloc(32))]),
      ],
      [
        'two SANs',
        'incorrectResponse',
        (d) => opensslCert(['subjectAltName=IP:127.0.0.1,DNS:other.test', acmeIdentifier(d)]),
      ],
      [
        'no ALPN',
        'tls',
        (d) => opensslCert(['subjectAltName=IP:127.0.0.1', acmeIdentifier(d)]),
        ['http/1.1'],
      ],
    ];
    for (const [what, type, make, alpn] of cases) {
      const { challenge } = await validateWith(make, alpn);
      expect(challenge.status, what).toBe('invalid');
      expect(challenge.error.type, what).toBe(`${URN}${type}`);
    }
  });
});

describe('RFC 9773 renewal information: "replaces"', () => {
  it('an order replacing a certificate of this CA echoes "replaces"; once finalized, a second one is alreadyReplaced (409); an unknown id malformed', async () => {
    const client = await registered();
    const first = await order(client, (k) => k);
    const { b64 } = await csrB64();
    const fin = await client.post(`${first.url}/finalize`, { csr: b64 });
    const leaf = parseCertificate((await client.post(fin.body.certificate, '')).text);
    const replaces = renewalInfoId(leaf);
    const identifiers = [{ type: 'ip', value: '127.0.0.1' }];
    const renewal = await client.post('/new-order', { identifiers, replaces });
    expect(renewal.status).toBe(201);
    expect(renewal.body.replaces).toBe(replaces);
    // not finalized yet: another order may still name it
    const parallel = await client.post('/new-order', { identifiers, replaces });
    expect(parallel.status).toBe(201);
    // finalize the renewal
    const authzUrl = renewal.body.authorizations[0];
    const authz = await client.post(authzUrl, '');
    const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
    answers.set(http01.token, await keyAuthOf(client, http01.token));
    await client.post(http01.url, {});
    await until(
      () => client.post(authzUrl, ''),
      (r) => r.body.status === 'valid',
    );
    const renewed = await client.post(`${renewal.headers.get('location')}/finalize`, {
      csr: (await csrB64()).b64,
    });
    expect(renewed.body.status).toBe('valid');
    expectProblem(
      await client.post('/new-order', { identifiers, replaces }),
      'alreadyReplaced',
      409,
    );
    expectProblem(
      await client.post('/new-order', {
        identifiers,
        replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE',
      }),
      'malformed',
      400,
    );
  });
});

describe('§7.1.3 wildcard identifiers: granted only explicitly, never over a public suffix', () => {
  const enroll = async (body: Record<string, unknown>) => {
    const res = await app.request('https://ca.test/v1/enrollments', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const wildOrder = (client: AcmeTestClient, value: string) =>
    client.post('/new-order', { identifiers: [{ type: 'dns', value }] });

  it('a token grants a wildcard only in "wildcards", only with "acme", and only a valid one', async () => {
    // a wildcard among the exact names is refused, not read as a pattern
    expect(await enroll({ acme: true, name: 'wild.test', dns: ['*.wild.test'] })).toMatchObject({
      status: 400,
      body: { code: 'ERR_NAME_INVALID' },
    });
    // /v1/sign tokens never grant one: dns-01 is what proves a wildcard
    expect(await enroll({ name: 'wild.test', wildcards: ['*.wild.test'] })).toMatchObject({
      status: 400,
      body: { code: 'ERR_INVALID_ARGUMENT' },
    });
    for (const bad of ['*.co.uk', '*.test', '*.github.io', 'a.*.wild.test', '*.10.0.0.1', '*'])
      expect(await enroll({ acme: true, name: 'wild.test', wildcards: [bad] }), bad).toMatchObject({
        status: 400,
        body: { code: 'ERR_NAME_INVALID' },
      });
    const made = await enroll({ acme: true, name: 'wild.test', wildcards: ['*.WILD.test'] });
    expect(made).toMatchObject({ status: 201, body: { wildcards: ['*.wild.test'] } });
    expect(await store.listTokens()).toHaveLength(1);
  });

  it('newOrder: a wildcard the token does not list, one below it, or any for an open account is rejectedIdentifier', async () => {
    const exactOnly = await registered({ name: 'wild.test', profile: 'server' });
    const refused = await wildOrder(exactOnly, '*.wild.test');
    expectProblem(refused, 'rejectedIdentifier', 400);
    expect(refused.body.subproblems).toEqual([
      expect.objectContaining({
        type: `${URN}rejectedIdentifier`,
        identifier: { type: 'dns', value: '*.wild.test' },
      }),
    ]);
    const wild = await registered({
      name: 'wild.test',
      profile: 'server',
      wildcards: ['*.wild.test'],
    });
    expectProblem(await wildOrder(wild, '*.a.wild.test'), 'rejectedIdentifier', 400);
    expectProblem(await wildOrder(wild, '*.*.wild.test'), 'rejectedIdentifier', 400);
    expect((await wildOrder(wild, '*.wild.test')).status).toBe(201);
    await makeApp({ open: true });
    const open = await AcmeTestClient.create(app);
    const account = await open.post('/new-account', { termsOfServiceAgreed: true });
    expect(account.status).toBe(201);
    open.kid = account.headers.get('location')!;
    const openRefused = await wildOrder(open, '*.wild.test');
    expectProblem(openRefused, 'rejectedIdentifier', 400);
    expect(openRefused.body.subproblems[0].detail).toMatch(/only an enrollment token/);
  });
});

describe('§8.4 dns-01 (pebble-challtestsrv as the DNS server)', () => {
  let dnsPort: number;
  let management: number;

  beforeAll(async () => {
    ({ dnsPort, managementPort: management } = await startChallTestSrv());
  }, 60_000);
  afterAll(() => killStarted());

  const manage = async (path: string, body: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${management}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  };

  /** Validates dns-01 for node9.test with the TXT record `txt(keyAuth)` (none when undefined). */
  async function dns01(txt: (keyAuth: string, digest: string) => string | undefined) {
    await makeApp({ resolver: `127.0.0.1:${dnsPort}` });
    const host = '_acme-challenge.node9.test.';
    await manage('/clear-txt', { host });
    const client = await registered({ name: 'node9.test' });
    const made = await client.post('/new-order', {
      identifiers: [{ type: 'dns', value: 'node9.test' }],
    });
    const authzUrl = made.body.authorizations[0];
    const authz = await client.post(authzUrl, '');
    const ch = authz.body.challenges.find((c: { type: string }) => c.type === 'dns-01');
    const keyAuth = await keyAuthOf(client, ch.token);
    const value = txt(keyAuth, createHash('sha256').update(keyAuth).digest('base64url'));
    if (value !== undefined) await manage('/set-txt', { host, value });
    await client.post(ch.url, {});
    return (
      await until(
        () => client.post(ch.url, ''),
        (r) => r.body.status === 'valid' || r.body.status === 'invalid',
      )
    ).body;
  }

  it('valid with TXT _acme-challenge = base64url(SHA-256(key authorization)), no padding', async () => {
    expect((await dns01((_, digest) => digest)).status).toBe('valid');
  });

  it('the key authorization itself, or padded base64, is incorrectResponse; no record is dns', async () => {
    const plain = await dns01((keyAuth) => keyAuth);
    expect(plain.error.type).toBe(`${URN}incorrectResponse`);
    const padded = await dns01((_, digest) => `${digest}=`);
    expect(padded.error.type).toBe(`${URN}incorrectResponse`);
    const none = await dns01(() => undefined);
    expect(none.error.type).toBe(`${URN}dns`);
  });

  it('a wildcard order (§7.1.3, §7.1.4, §8.4): its authorization names the domain without "*.", "wildcard": true, dns-01 only; TXT at _acme-challenge.<domain>; a certificate openssl takes for one label below; revoked by an account holding both authorizations (§7.6)', async () => {
    await makeApp({ resolver: `127.0.0.1:${dnsPort}` });
    const host = '_acme-challenge.wild.test.';
    await manage('/clear-txt', { host });
    const client = await registered({
      name: 'wild.test',
      profile: 'server',
      wildcards: ['*.Wild.test'],
    });
    const made = await client.post('/new-order', {
      identifiers: [
        { type: 'dns', value: '*.wild.test' },
        { type: 'dns', value: 'wild.test' },
      ],
    });
    expect(made.status).toBe(201);
    // §7.1.3: the order keeps the identifiers as asked, the wildcard included
    expect(made.body.identifiers).toEqual([
      { type: 'dns', value: '*.wild.test' },
      { type: 'dns', value: 'wild.test' },
    ]);
    const wild = (await client.post(made.body.authorizations[0], '')).body;
    const exact = (await client.post(made.body.authorizations[1], '')).body;
    expect(wild.identifier).toEqual({ type: 'dns', value: 'wild.test' });
    expect(wild.wildcard).toBe(true);
    expect(wild.challenges.map((c: { type: string }) => c.type)).toEqual(['dns-01']);
    // §7.1.4 "For other authorizations, it MUST be absent"
    expect(exact.identifier).toEqual({ type: 'dns', value: 'wild.test' });
    expect(exact).not.toHaveProperty('wildcard');
    expect(exact.challenges.map((c: { type: string }) => c.type)).toEqual([
      'http-01',
      'dns-01',
      'tls-alpn-01',
    ]);
    /** Validates an authorization's dns-01 challenge with the right TXT record. */
    const solve = async (
      who: AcmeTestClient,
      authz: { challenges: { type: string; token: string; url: string }[] },
    ) => {
      const ch = authz.challenges.find((c) => c.type === 'dns-01')!;
      const keyAuth = await keyAuthOf(who, ch.token);
      await manage('/set-txt', {
        host,
        value: createHash('sha256').update(keyAuth).digest('base64url'),
      });
      await who.post(ch.url, {});
      const done = await until(
        () => who.post(ch.url, ''),
        (r) => r.body.status === 'valid' || r.body.status === 'invalid',
      );
      expect(done.body.status).toBe('valid');
    };
    for (const authz of [wild, exact]) await solve(client, authz);
    const orderUrl = made.headers.get('location')!;
    expect((await client.post(orderUrl, '')).body.status).toBe('ready');
    const csr = await createCsr({ profile: 'server', name: 'wild.test', dns: ['*.wild.test'] });
    const fin = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    expect(fin.status).toBe(200);
    const pem = (await client.post(fin.body.certificate, '')).text;
    const leaf = parseCertificate(pem);
    expect(leaf.subjectAltNames?.map((n) => `${n.type}:${n.value}`).sort()).toEqual([
      'dns:*.wild.test',
      'dns:wild.test',
    ]);
    // a real peer reads it: openssl matches one label below the domain, not two
    const dir = mkdtempSync(join(tmpdir(), 'acme-wild-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), ca.certificate.pem);
      writeFileSync(join(dir, 'leaf.pem'), pem);
      const verify = (name: string) =>
        spawnSync('openssl', [
          'verify',
          '-CAfile',
          join(dir, 'ca.pem'),
          '-verify_hostname',
          name,
          join(dir, 'leaf.pem'),
        ]).status;
      expect(verify('node1.wild.test')).toBe(0);
      expect(verify('wild.test')).toBe(0);
      expect(verify('a.node1.wild.test')).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // §7.6 revocation by another account's authorizations: the domain's own authorization does
    // not stand for the wildcard's, and the wildcard's does once it is valid
    const other = await registered({
      name: 'wild.test',
      profile: 'server',
      wildcards: ['*.wild.test'],
    });
    const der = Buffer.from(leaf.der).toString('base64url');
    for (const value of ['wild.test', '*.wild.test']) {
      const o = await other.post('/new-order', { identifiers: [{ type: 'dns', value }] });
      await solve(other, (await other.post(o.body.authorizations[0], '')).body);
      if (value === 'wild.test')
        expectProblem(await other.post('/revoke-cert', { certificate: der }), 'unauthorized', 403);
    }
    expect((await other.post('/revoke-cert', { certificate: der })).status).toBe(200);
  });

  it('an IP identifier is offered no dns-01 (RFC 8738 §7)', async () => {
    const client = await registered();
    const { authzUrl } = await order(client);
    const types = (await client.post(authzUrl, '')).body.challenges.map(
      (c: { type: string }) => c.type,
    );
    expect(types).toEqual(['http-01', 'tls-alpn-01']);
  });
});
