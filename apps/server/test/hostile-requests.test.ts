/**
 * Hostile requests over real HTTPS to a started nodeid-server: bodies over the limit (declared
 * and chunked), wrong Content-Type, invalid and deeply nested JSON, CSRs that are not DER, carry
 * a wrong signature or name what the token does not grant, a token replayed in turn and at once,
 * and ACME JWS garbage. Every refusal is a 4xx with a stable code (the `{ code, message }` body,
 * or an RFC 7807 problem for ACME), the server stays up, and the inventory (certificates,
 * tokens, audit trail) is unchanged by a refused request; the one success per token is recorded.
 */
import { createCsr } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  api,
  type CaServer,
  startCaServer,
  stopAll,
} from './helpers/processes.js';

let s: CaServer;
/** An HTTPS request to the server, verified against its CA. */
const call = (path: string, options: Omit<Parameters<typeof api>[2], 'ca'> = {}) =>
  api(s.server.url, path, { ca: s.caPem, ...options });

/** What the inventory holds, as the admin API lists it. */
async function inventory(): Promise<string> {
  const [certs, tokens, audit] = await Promise.all(
    ['/v1/certificates', '/v1/enrollments', '/v1/admin/audit'].map((p) =>
      call(p, { admin: s.admin }),
    ),
  );
  for (const r of [certs, tokens, audit]) expect(r!.status).toBe(200);
  return JSON.stringify([certs!.json(), tokens!.json(), audit!.json()]);
}

/** A refusal: the status, the stable code of the JSON error body, and no stack trace. */
function expectRefused(r: ApiResponse, status: number, code: string): void {
  expect({ status: r.status, body: r.text.slice(0, 300) }).toMatchObject({ status });
  const body = r.json() as { code: string; message: string };
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(r.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

async function expectUp(): Promise<void> {
  const r = await call('/healthz');
  expect(r.status).toBe(200);
}

const NAME = 'node1.hostile.cluster';

async function newToken(): Promise<string> {
  const r = await call('/v1/enrollments', {
    admin: s.admin,
    json: { name: NAME, ips: ['10.9.0.1'] },
  });
  expect(r.status).toBe(201);
  return (r.json() as { token: string }).token;
}

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;

let token: string;
let goodCsr: string;
let before: string;

beforeAll(async () => {
  s = await startCaServer('nodeid-hostile-', 'hostile.cluster');
  token = await newToken();
  goodCsr = (await createCsr({ name: NAME, ips: ['10.9.0.1'] })).pem;
  before = await inventory();
}, 120_000);

afterAll(() => stopAll(s?.work));

describe('refused bodies leave the inventory as it was', () => {
  it('a body over the limit: 413 ERR_INPUT_TOO_LARGE, declared or chunked', async () => {
    const huge = JSON.stringify({ token, csr: 'A'.repeat(2_000_000) });
    // a declared length over the limit is refused before the body is read (the client sends a
    // few bytes: a client writing all 2 MB would race the server's close with EPIPE)
    expectRefused(
      await call('/v1/sign', {
        body: '{',
        headers: { 'content-type': 'application/json', 'content-length': String(huge.length) },
      }),
      413,
      'ERR_INPUT_TOO_LARGE',
    );
    const chunked = await call('/v1/sign', {
      body: huge,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }).catch((e: Error) => e);
    // the server stops reading at the limit: the client sees the 413, or the socket the server
    // closed while it was still writing
    if (chunked instanceof Error)
      expect(chunked.message).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    else expectRefused(chunked, 413, 'ERR_INPUT_TOO_LARGE');
    await expectUp();
  });

  it('a wrong Content-Type: 415 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const body = JSON.stringify({ token, csr: goodCsr });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ])
      expectRefused(
        await call('/v1/sign', { body, headers: { 'content-type': type } }),
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
    expectRefused(await call('/v1/sign', { body }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('invalid JSON, a JSON value that is not an object, deep nesting and NUL bytes: 400', async () => {
    const json = { 'content-type': 'application/json' };
    // JSON that does not parse is ERR_INVALID_JSON; JSON of the wrong shape ERR_INVALID_ARGUMENT
    const cases: [string, number, string][] = [
      ['{', 400, 'ERR_INVALID_JSON'],
      ['{"token": "x",}', 400, 'ERR_INVALID_JSON'],
      ['\u0000', 400, 'ERR_INVALID_JSON'],
      ['\ufeff{}', 400, 'ERR_INVALID_JSON'],
      ['[]', 400, 'ERR_INVALID_ARGUMENT'],
      ['null', 400, 'ERR_INVALID_ARGUMENT'],
      ['"token"', 400, 'ERR_INVALID_ARGUMENT'],
      [`${'['.repeat(30_000)}${']'.repeat(30_000)}`, 400, 'ERR_INVALID_ARGUMENT'],
      [
        `{"token":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"csr":"x"}`,
        400,
        'ERR_INVALID_ARGUMENT',
      ],
      [JSON.stringify({ token: `${token}\u0000`, csr: goodCsr }), 401, 'ERR_TOKEN_INVALID'],
      [JSON.stringify({ token: [token], csr: goodCsr }), 400, 'ERR_INVALID_ARGUMENT'],
      [JSON.stringify({ token, csr: { pem: goodCsr } }), 400, 'ERR_INVALID_ARGUMENT'],
    ];
    for (const [body, status, code] of cases)
      expectRefused(await call('/v1/sign', { body, headers: json }), status, code);
    const deep = await call('/v1/enrollments', {
      admin: s.admin,
      body: `{"name":"n1.hostile.cluster","dns":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      headers: json,
    });
    expect(deep.status).toBe(400);
    await expectUp();
  });

  it('CSRs that are not DER, with a wrong signature, or for names outside the token: 4xx, token kept', async () => {
    const der = Buffer.from(goodCsr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const badSig = Uint8Array.from(der);
    const at = badSig.length - 5; // inside the signature value, the last field (RFC 2986 §4.2)
    badSig[at] = badSig[at]! ^ 0x01;
    const outside = (await createCsr({ name: 'www.example.com' })).pem;
    const cases: [string, number, string][] = [
      ['not a CSR at all', 400, 'ERR_PEM_INVALID'],
      [pem(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)), 400, 'ERR_CSR_INVALID'],
      [
        pem(Uint8Array.from({ length: 3000 }, (_, i) => (i % 2 ? 0x80 : 0x30))),
        400,
        'ERR_CSR_INVALID',
      ],
      [
        `-----BEGIN CERTIFICATE REQUEST-----\n${'-----BEGIN CERTIFICATE REQUEST-----\n'.repeat(500)}`,
        400,
        'ERR_PEM_INVALID',
      ],
      [pem(badSig), 400, 'ERR_CSR_SIGNATURE'],
      [outside, 403, 'ERR_POLICY_DENIED'],
    ];
    for (const [csr, status, code] of cases) {
      const r = await call('/v1/sign', { json: { token, csr } });
      expect({
        csr: csr.slice(0, 40),
        status: r.status,
        code: (r.json() as { code: string }).code,
      }).toEqual({
        csr: csr.slice(0, 40),
        status,
        code,
      });
      expectRefused(r, status, code);
    }
    expect(await inventory()).toBe(before);
    await expectUp();
  });

  it('ACME JWS garbage: 400 problem documents of type malformed, nothing stored', async () => {
    const jose = { 'content-type': 'application/jose+json' };
    const bodies = [
      'garbage',
      '{}',
      '{"protected":"!!!","payload":"","signature":""}',
      JSON.stringify({
        protected: Buffer.from('{"alg":"none"}').toString('base64url'),
        payload: '',
        signature: '',
      }),
      JSON.stringify({
        protected: Buffer.from(
          `{"alg":"ES256","jwk":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
        ).toString('base64url'),
        payload: 'e30',
        signature: 'AAAA',
      }),
      JSON.stringify({
        protected: Buffer.from(
          '{"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},"nonce":"x","url":"x"}',
        ).toString('base64url'),
        payload: 'e30',
        signature: 'AAAA',
      }),
    ];
    const types = [
      'malformed',
      'malformed',
      'malformed',
      'badSignatureAlgorithm',
      'badNonce',
      'badNonce',
    ];
    for (const [i, body] of bodies.entries()) {
      const r = await call('/acme/new-account', { body, headers: jose });
      expect(r.status, body.slice(0, 40)).toBe(400);
      expect(String(r.headers['content-type'])).toMatch(/^application\/problem\+json/);
      const problem = r.json() as { type: string; detail: string };
      expect(problem.type).toBe(`urn:ietf:params:acme:error:${types[i]}`);
      expect(problem.detail.length).toBeGreaterThan(0);
      expect(r.text).not.toMatch(/\n\s+at /);
    }
    expect(await inventory()).toBe(before);
    await expectUp();
  });
});

describe('one token, one certificate', () => {
  it('the refusals above did not use the token: it still signs once, then is refused', async () => {
    const first = await call('/v1/sign', { json: { token, csr: goodCsr } });
    expect(first.status).toBe(200);
    const again = await call('/v1/sign', { json: { token, csr: goodCsr } });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    expect((again.json() as { code: string }).code).toMatch(/^ERR_/);
  });

  it('a token replayed 8 times at once: exactly one success, one certificate recorded', async () => {
    const fresh = await newToken();
    const csr = (await createCsr({ name: NAME })).pem;
    const count = async () =>
      ((await call('/v1/certificates', { admin: s.admin })).json() as unknown[]).length;
    const certsBefore = await count();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call('/v1/sign', { json: { token: fresh, csr } })),
    );
    const ok = answers.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const codes = new Set(
      answers
        .filter((r) => r.status !== 200)
        .map((r) => `${r.status} ${(r.json() as { code: string }).code}`),
    );
    expect(codes.size).toBe(1);
    expect([...codes][0]).toMatch(/^4\d\d ERR_/);
    expect(await count()).toBe(certsBefore + 1);
    await expectUp();
  });
});
