/**
 * The ACME server's rules from RFC 8555's text, through `app.request()` with a client that can
 * also misbehave: problem documents (§6.7), nonces (§6.5), the JWS url (§6.4), External Account
 * Binding with enrollment tokens (§7.3.4), orders limited to the token's names, a challenge
 * answered wrongly (§8.3), the finalize CSR (§7.4), certificate download (§7.4.2). Challenges
 * are validated for real, over loopback, for an IP identifier (RFC 8738).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createCa, createCsr, type Identity, parseCertificate, renewalInfoId } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import {
  AcmeTestClient,
  createAcmeToken,
  expectAcmeProblem,
  keyAuthOf,
  ACME_URN as URN,
} from './helpers/acme-client.js';

const ADMIN = 'admin-token-for-tests-0123456789';

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
/** What the loopback http-01 responder answers, by token. */
const answers = new Map<string, string>();
let responder: Server;
let httpPort: number;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'acme.cluster', organization: 'Example' });
  responder = createServer((req, res) => {
    const token = req.url?.split('/').pop() ?? '';
    const answer = answers.get(token);
    res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(answer ?? 'no');
  });
  await new Promise<void>((resolve) => responder.listen(0, '127.0.0.1', resolve));
  httpPort = (responder.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => responder.close(() => resolve())));

beforeEach(async () => {
  store = await openMemoryStore();
  answers.clear();
  app = createApp({
    ca,
    clusterName: 'acme.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    // decided on the first query (no §8.2 retries), so a wrong answer is invalid at once
    acme: { httpPort, timeoutMs: 5000, retryDelaysMs: [] },
  });
});

const acmeToken = (body: Record<string, unknown>) => createAcmeToken(app, ADMIN, body);

/** A problem document of `type` (§6.7) with a fresh nonce (§6.5) and the index link (§7.1). */
const expectProblem = expectAcmeProblem;

/** Polls until `check` holds (the validation runs in the background), at most 100 rounds. */
async function until<T>(read: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await read();
    if (check(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the state was never reached');
}

async function registered(
  tokenBody: Record<string, unknown> = { name: 'node9.test', ips: ['127.0.0.1'] },
) {
  const token = await acmeToken(tokenBody);
  const client = await AcmeTestClient.create(app);
  const res = await client.register(token.eab.kid, token.eab.hmacKey);
  expect(res.status).toBe(201);
  return { client, token };
}

/** An order for 127.0.0.1 whose http-01 challenge is answered with `answer(keyAuth)`. */
async function validatedOrder(client: AcmeTestClient, answer: (keyAuth: string) => string) {
  const order = await client.post('/new-order', {
    identifiers: [{ type: 'ip', value: '127.0.0.1' }],
  });
  expect(order.status).toBe(201);
  const authz = await client.post(order.body.authorizations[0], '');
  expect(authz.body.challenges.map((c: { type: string }) => c.type)).toEqual([
    'http-01',
    'tls-alpn-01',
  ]);
  const http01 = authz.body.challenges.find((c: { type: string }) => c.type === 'http-01');
  answers.set(http01.token, answer(await keyAuthOf(client, http01.token)));
  const started = await client.post(http01.url, {});
  expect(started.status).toBe(200);
  expect(started.headers.get('link')).toContain(`rel="up"`);
  await until(
    () => client.post(order.body.authorizations[0], ''),
    (r) => r.body.status !== 'pending',
  );
  return { order, orderUrl: order.headers.get('location')!, http01 };
}

describe('ACME directory and nonces', () => {
  it('lists its resources, requires EAB, and hands out nonces by HEAD (200) and GET (204)', async () => {
    const dir = await app.request('https://ca.test/acme/directory');
    expect(await dir.json()).toMatchObject({
      newNonce: 'https://ca.test/acme/new-nonce',
      newAccount: 'https://ca.test/acme/new-account',
      newOrder: 'https://ca.test/acme/new-order',
      meta: { externalAccountRequired: true },
    });
    const head = await app.request('https://ca.test/acme/new-nonce', { method: 'HEAD' });
    const get = await app.request('https://ca.test/acme/new-nonce');
    expect([head.status, get.status]).toEqual([200, 204]);
    expect(head.headers.get('replay-nonce')).not.toBe(get.headers.get('replay-nonce'));
    expect(get.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a used or unknown nonce with badNonce and a fresh nonce that then works (§6.5)', async () => {
    const client = await AcmeTestClient.create(app);
    const first = await client.post('/new-account', {}, { header: { nonce: 'bm90LWlzc3VlZA' } });
    expectProblem(first, 'badNonce', 400);
    // the same signed request again with the nonce the problem carried: now it is judged on its merits
    const second = await client.post('/new-account', {});
    expectProblem(second, 'externalAccountRequired');
    const replay = await client.post(
      '/new-account',
      {},
      { header: { nonce: second.headers.get('replay-nonce') } },
    );
    expect(replay.body.type).toBe(`${URN}externalAccountRequired`);
    const again = await client.post(
      '/new-account',
      {},
      { header: { nonce: second.headers.get('replay-nonce') } },
    );
    expectProblem(again, 'badNonce');
  });

  it('refuses a JWS whose url is not where it was sent (§6.4), and a body that is not application/jose+json', async () => {
    const client = await AcmeTestClient.create(app);
    const wrongUrl = await client.post(
      '/new-account',
      {},
      { sendTo: 'https://ca.test/acme/new-order' },
    );
    expectProblem(wrongUrl, 'unauthorized', 403);
    const json = await client.post('/new-account', {}, { contentType: 'application/json' });
    expectProblem(json, 'malformed', 415);
    const none = await app.request('https://ca.test/acme/new-account', {
      method: 'POST',
      headers: { 'content-type': 'application/jose+json' },
      body: '{"protected":"eyJhbGciOiJub25lIn0","payload":"","signature":""}',
    });
    expect(((await none.json()) as { type: string }).type).toBe(`${URN}badSignatureAlgorithm`);
  });
});

describe('accounts with enrollment tokens as External Account Binding', () => {
  it('needs EAB; a wrong MAC key is unauthorized and leaves the token pending; one token makes one account', async () => {
    const token = await acmeToken({ name: 'node9.test' });
    const client = await AcmeTestClient.create(app);
    expectProblem(
      await client.post('/new-account', { termsOfServiceAgreed: true }),
      'externalAccountRequired',
      400,
    );
    const wrong = await client.post('/new-account', {
      externalAccountBinding: await client.eab(
        token.eab.kid,
        Buffer.alloc(32).toString('base64url'),
      ),
    });
    expectProblem(wrong, 'unauthorized', 403);
    expect((await store.getToken(token.id))?.status).toBe('pending');

    const made = await client.register(token.eab.kid, token.eab.hmacKey);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'valid', orders: `${client.kid}/orders` });
    expect((await store.getToken(token.id))?.status).toBe('used');
    // the same key again finds the same account (§7.3.1)
    const kid = client.kid;
    client.kid = undefined; // newAccount is signed with the jwk, not the kid
    const same = await client.post('/new-account', { onlyReturnExisting: true });
    client.kid = kid;
    expect(same.status).toBe(200);
    expect(same.headers.get('location')).toBe(client.kid);
    // another key with the used token: refused, and no second account
    const other = await AcmeTestClient.create(app);
    expectProblem(await other.register(token.eab.kid, token.eab.hmacKey), 'unauthorized');
    expectProblem(
      await other.post('/new-account', { onlyReturnExisting: true }),
      'accountDoesNotExist',
    );
  });

  it('orders only the names of the token: another name is rejectedIdentifier with a subproblem each', async () => {
    const { client } = await registered({ name: 'node9.test', ips: ['127.0.0.1'] });
    const res = await client.post('/new-order', {
      identifiers: [
        { type: 'dns', value: 'node9.test' },
        { type: 'dns', value: 'other.test' },
        { type: 'ip', value: '10.0.0.9' },
      ],
    });
    expectProblem(res, 'rejectedIdentifier', 400);
    expect(
      res.body.subproblems.map((p: { identifier: { value: string } }) => p.identifier.value),
    ).toEqual(['other.test', '10.0.0.9']);
    expect(await store.listAcmeObjects('order', client.kid!.split('/').pop()!)).toEqual([]);
  });

  it('answers a kid that names no account with accountDoesNotExist', async () => {
    const client = await AcmeTestClient.create(app);
    client.kid = 'https://ca.test/acme/account/nope';
    expectProblem(await client.post('/new-order', { identifiers: [] }), 'accountDoesNotExist');
  });
});

describe('validation, finalize and download', () => {
  it('a challenge answered wrongly makes the authorization and the order invalid, and nothing is issued', async () => {
    const { client } = await registered();
    const { orderUrl, http01 } = await validatedOrder(client, (k) => `${k}x`);
    const ch = await client.post(http01.url, '');
    expect(ch.body.status).toBe('invalid');
    expect(ch.body.error.type).toBe(`${URN}incorrectResponse`);
    expect((await client.post(orderUrl, '')).body.status).toBe('invalid');
    const csr = await createCsr({ name: '127.0.0.1', profile: 'server' });
    const fin = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    expectProblem(fin, 'orderNotReady', 403);
    expect(await store.listCertificates()).toEqual([]);
  });

  it('issues for exactly the order: a CSR with extra names is badCSR; then the certificate, chain and inventory record', async () => {
    const { client, token } = await registered();
    const { orderUrl } = await validatedOrder(client, (k) => `${k}\n`);
    expect((await client.post(orderUrl, '')).body.status).toBe('ready');
    const extra = await createCsr({ name: '127.0.0.1', profile: 'server', dns: ['node9.test'] });
    const bad = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(extra.der).toString('base64url'),
    });
    expectProblem(bad, 'badCSR', 400);
    expect(bad.body.detail).toContain('dns:node9.test');
    expect(await store.listCertificates()).toEqual([]);

    const csr = await createCsr({ name: '127.0.0.1', profile: 'server' });
    const fin = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    expect(fin.status).toBe(200);
    expect(fin.body.status).toBe('valid');
    const again = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    expectProblem(again, 'orderNotReady');

    const download = await client.post(fin.body.certificate, '');
    expect(download.headers.get('content-type')).toBe('application/pem-certificate-chain');
    const pems = download.text.match(
      /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g,
    )!;
    expect(pems).toHaveLength(2);
    expect(pems[1]).toBe(ca.certificate.pem);
    const leaf = parseCertificate(pems[0]!);
    expect(leaf.subjectAltNames?.map((n) => `${n.type}:${n.value}`)).toEqual(['ip:127.0.0.1']);
    expect(leaf.subject.text).toContain('CN=127.0.0.1');
    const [record] = await store.listCertificates();
    expect(record).toMatchObject({
      serialNumber: leaf.serialNumber,
      issuedBy: 'acme',
      profile: 'node',
      names: ['IP:127.0.0.1'],
    });
    const audit = (await store.listAudit(10)).find((e) => e.action === 'certificate.issue');
    expect(audit?.detail).toMatchObject({ via: 'acme', enrollment: token.id });

    const orders = await client.post(`${client.kid}/orders`, '');
    expect(orders.body.orders).toEqual([orderUrl]);
    // another account cannot read this one's order or certificate
    const { client: stranger } = await registered({ name: 'node8.test' });
    expectProblem(await stranger.post(orderUrl, ''), 'malformed', 404);
    expectProblem(await stranger.post(fin.body.certificate, ''), 'malformed', 404);
  });

  it('revokes by the ordering account or by the certificate key (§7.6), refusing others and a second time', async () => {
    const { client } = await registered();
    const { orderUrl } = await validatedOrder(client, (k) => k);
    const csr = await createCsr({ name: '127.0.0.1', profile: 'server' });
    const fin = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    const pem = (await client.post(fin.body.certificate, '')).text.split(
      '-----END CERTIFICATE-----',
    )[0]!;
    const der = Buffer.from(pem.replace(/-----BEGIN CERTIFICATE-----|\s/g, ''), 'base64').toString(
      'base64url',
    );
    // ARI (RFC 9773): the window is inside the validity, around two thirds of it
    const leaf = parseCertificate(Buffer.from(der, 'base64url'));
    const ariUrl = `https://ca.test/acme/renewal-info/${renewalInfoId(leaf)}`;
    const ari = await app.request(ariUrl);
    expect(ari.status).toBe(200);
    expect(ari.headers.get('retry-after')).toBe('21600');
    const { suggestedWindow } = (await ari.json()) as {
      suggestedWindow: { start: string; end: string };
    };
    const twoThirds =
      leaf.notBefore.getTime() + ((leaf.notAfter.getTime() - leaf.notBefore.getTime()) * 2) / 3;
    expect(new Date(suggestedWindow.start).getTime()).toBeLessThan(twoThirds);
    expect(new Date(suggestedWindow.end).getTime()).toBeGreaterThan(twoThirds);
    expect(new Date(suggestedWindow.end) < leaf.notAfter).toBe(true);
    expect(
      (await app.request('https://ca.test/acme/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE'))
        .status,
    ).toBe(404);
    const { client: stranger } = await registered({ name: 'node8.test' });
    expectProblem(await stranger.post('/revoke-cert', { certificate: der }), 'unauthorized', 403);
    expectProblem(
      await client.post('/revoke-cert', { certificate: der, reason: 8 }),
      'badRevocationReason',
    );
    // signed with the certificate's own key, as a jwk
    const byKey = await AcmeTestClient.create(app, undefined, csr.keyPair as CryptoKeyPair);
    const revoked = await byKey.post('/revoke-cert', { certificate: der, reason: 1 });
    expect(revoked.status).toBe(200);
    const [record] = await store.listCertificates();
    expect(record).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    expectProblem(await client.post('/revoke-cert', { certificate: der }), 'alreadyRevoked');
    // revoked: renew now
    const after = (await (await app.request(ariUrl)).json()) as {
      suggestedWindow: { end: string };
    };
    expect(new Date(after.suggestedWindow.end).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('rolls the account key over (§7.3.5): the new key signs, the old one no longer does', async () => {
    const { client } = await registered();
    const next = await AcmeTestClient.create(app);
    const inner = await next.jws(
      'https://ca.test/acme/key-change',
      { account: client.kid, oldKey: client.jwk },
      { nonce: undefined },
    );
    const changed = await client.post('/key-change', inner);
    expect(changed.status).toBe(200);
    next.kid = client.kid;
    expect((await next.post(client.kid!, '')).body.status).toBe('valid');
    expectProblem(await client.post(client.kid!, ''), 'malformed');
  });

  it('a deactivated account can do nothing more (§7.3.6)', async () => {
    const { client } = await registered();
    const off = await client.post(client.kid!, { status: 'deactivated' });
    expect(off.body.status).toBe('deactivated');
    expectProblem(
      await client.post('/new-order', { identifiers: [{ type: 'ip', value: '127.0.0.1' }] }),
      'unauthorized',
    );
  });
});

describe('rate limits', () => {
  it('answers rateLimited with Retry-After per account and per address (RFC 8555 §6.6)', async () => {
    app = createApp({
      ca,
      clusterName: 'acme.cluster',
      store,
      adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
      acme: {
        httpPort,
        limits: {
          perAccountPerMinute: 1,
          perAccountBurst: 2,
          newAccountPerMinute: 1,
          newAccountBurst: 2,
        },
      },
    });
    const { client } = await registered();
    expect((await client.post(client.kid!, '')).status).toBe(200);
    expect((await client.post(client.kid!, '')).status).toBe(200);
    const limited = await client.post(client.kid!, '');
    expectProblem(limited, 'rateLimited', 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // newAccount from one address: the second is allowed, the third refused before any work
    const other = await AcmeTestClient.create(app);
    expectProblem(await other.post('/new-account', {}), 'externalAccountRequired');
    expectProblem(await other.post('/new-account', {}), 'rateLimited', 429);
  });
});

describe('--acme-open and malformed input', () => {
  it('with acme.open an account needs no EAB and may order any exact name it proves (server profile, 90 days)', async () => {
    app = createApp({
      ca,
      clusterName: 'acme.cluster',
      store,
      adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
      acme: { httpPort, open: true },
    });
    const dir = (await (await app.request('https://ca.test/acme/directory')).json()) as {
      meta: unknown;
    };
    expect(dir.meta).toEqual({ externalAccountRequired: false });
    const client = await AcmeTestClient.create(app);
    const made = await client.post('/new-account', { termsOfServiceAgreed: true });
    expect(made.status).toBe(201);
    client.kid = made.headers.get('location')!;
    const { orderUrl } = await validatedOrder(client, (k) => k);
    const csr = await createCsr({ name: '127.0.0.1', profile: 'server' });
    const fin = await client.post(`${orderUrl}/finalize`, {
      csr: Buffer.from(csr.der).toString('base64url'),
    });
    expect(fin.body.status).toBe('valid');
    const [record] = await store.listCertificates();
    expect(record?.profile).toBe('server');
    const days = (record!.notAfter.getTime() - record!.notBefore.getTime()) / 86_400_000;
    expect(Math.round(days)).toBeLessThanOrEqual(90);
    expectProblem(
      await client.post('/new-order', { identifiers: [{ type: 'dns', value: '*.example.net' }] }),
      'rejectedIdentifier',
    );
  });

  it('answers garbage on every ACME endpoint with a problem document, never a 5xx', async () => {
    const { client } = await registered();
    const paths = [
      'new-account',
      'new-order',
      'revoke-cert',
      'key-change',
      'order/x',
      'order/x/finalize',
      'authz/x',
      'challenge/x/http-01',
      'certificate/x',
      'account/x',
      'account/x/orders',
    ];
    const bodies = [
      '',
      'null',
      '[]',
      '{"protected":1}',
      '{"protected":"!!!","payload":"","signature":"AA"}',
      '{"protected":"e30","payload":"e30","signature":"AA"}',
      Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) % 256)).toString('latin1'),
    ];
    for (const path of paths) {
      for (const body of bodies) {
        const res = await app.request(`https://ca.test/acme/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/jose+json' },
          body,
        });
        expect(res.status, `${path} ${body}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${path} ${body}`).toBeLessThan(500);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }
      // signed, with payloads of the wrong shapes
      for (const payload of [
        { identifiers: 'x' },
        { csr: 5 },
        { certificate: '!!' },
        { status: 'valid' },
        { contact: [1] },
      ]) {
        const res = await client.post(`https://ca.test/acme/${path}`, payload);
        expect(res.status, `${path} ${JSON.stringify(payload)}`).toBeLessThan(500);
      }
    }
    expect(await store.listCertificates()).toEqual([]);
  });
});
