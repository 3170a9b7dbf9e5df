/**
 * Fuzzing the bodies of `POST /v1/sign` and `POST /v1/enrollments` with fast-check, through
 * `app.request()` (no socket). Every generated body is one the API must refuse; for each, the
 * answer must be a 4xx with exactly the error body `{ code, message }`, and the inventory (its
 * certificates, tokens and audit trail) must not change. Bounded: `NODEID_FUZZ_RUNS` runs per
 * property (default 300), from `NODEID_FUZZ_SEED` (default fixed, so CI runs the same inputs;
 * set it to explore others).
 */
import { createHash } from 'node:crypto';
import { createCa, createCsr, type Identity } from '@nodeid/sdk';
import { openMemoryStore, type Store } from '@nodeid/store';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const RUNS = Number(process.env.NODEID_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.NODEID_FUZZ_SEED ?? 20_261_201);
const ADMIN = 'fuzz-tests-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}` };

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
/** A pending token for node1.example.net, and one with a wrong secret but a real id. */
let token: string;
let wrongSecret: string;
/** DER of a CSR the token would accept as is (never sent unchanged). */
let goodCsr: Uint8Array;
/** PEM of a CSR only for names the token does not allow. */
let outsideCsr: string;

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE REQUEST-----\n`;

/** Where the CertificationRequestInfo's contents lie in a CSR's DER (RFC 2986 §4.2). */
function infoContents(der: Uint8Array): { start: number; end: number } {
  const header = (at: number) => {
    const first = der[at + 1]!;
    if (first < 0x80) return { length: first, size: 2 };
    const n = first & 0x7f;
    let length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i]!;
    return { length, size: 2 + n };
  };
  const outer = header(0);
  const info = header(outer.size);
  const start = outer.size + info.size;
  return { start, end: start + info.length };
}

async function snapshot() {
  return JSON.stringify([
    await store.listCertificates(),
    await store.listTokens(),
    await store.listAudit(1000),
  ]);
}

/** Posts `body` and checks the answer is a 4xx with the error body, and nothing changed. */
async function refused(path: string, body: string, headers: Record<string, string> = {}) {
  const before = await snapshot();
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  const context = `${path} ${body.slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`;
  expect(res.status, context).toBeGreaterThanOrEqual(400);
  expect(res.status, context).toBeLessThan(500);
  const error = JSON.parse(text);
  expect(Object.keys(error).sort(), context).toEqual(['code', 'message']);
  expect(error.code, context).toMatch(/^ERR_[A-Z0-9_]+$/);
  expect(typeof error.message, context).toBe('string');
  expect(await snapshot(), context).toBe(before);
}

beforeAll(async () => {
  ca = await createCa({ clusterName: 'fuzz.cluster' });
  store = await openMemoryStore();
  app = createApp({
    ca,
    clusterName: 'fuzz.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    limits: { signPerMinute: 1e9, signBurst: 1e9, enrollPerMinute: 1e9, enrollBurst: 1e9 },
  });
  const res = await app.request('/v1/enrollments', {
    method: 'POST',
    headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'node1.example.net' }),
  });
  expect(res.status).toBe(201);
  token = (await res.json()).token;
  const [id, secret] = token.split('.') as [string, string];
  wrongSecret = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
  goodCsr = (await createCsr({ name: 'node1.example.net' })).der;
  outsideCsr = (await createCsr({ name: 'other.example.org' })).pem;
});

describe('fuzzing request bodies', () => {
  it(`/v1/sign: ${RUNS} generated bad bodies each get a 4xx { code, message } and change nothing`, async () => {
    const { start, end } = infoContents(goodCsr);
    // a CSR whose signed part has one byte changed, or that is cut short: never valid, since
    // the signature covers every byte of the CertificationRequestInfo
    const brokenCsr = fc.oneof(
      fc
        .record({
          at: fc.integer({ min: start, max: end - 1 }),
          xor: fc.integer({ min: 1, max: 255 }),
        })
        .map(({ at, xor }) => {
          const der = goodCsr.slice();
          der[at]! ^= xor;
          return pem(der);
        }),
      fc.integer({ min: 0, max: goodCsr.length - 1 }).map((n) => pem(goodCsr.slice(0, n))),
      fc.uint8Array({ maxLength: 600 }).map(pem),
      fc.string({ maxLength: 300 }),
      fc.constant(outsideCsr),
    );
    const anyToken = fc.oneof(
      fc.constant(token),
      fc.constant(wrongSecret),
      fc.string({ maxLength: 140 }),
      fc.stringMatching(/^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/),
    );
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.object(),
    );
    const body = fc.oneof(
      // well-formed JSON objects with a bad CSR, whatever the token
      fc.record({ token: anyToken, csr: brokenCsr }).map((b) => JSON.stringify(b)),
      // a good CSR with a token that is not the pending one
      fc
        .oneof(fc.constant(wrongSecret), fc.string({ maxLength: 140 }))
        .map((t) => JSON.stringify({ token: t, csr: pem(goodCsr) })),
      // fields missing or of the wrong type
      fc
        .record({ token: fc.oneof(anyToken, field), csr: field }, { requiredKeys: [] })
        .map((b) => JSON.stringify(b)),
      // not an object, or not JSON at all
      fc.json().filter((j) => !/^\{/.test(j)),
      fc.string({ maxLength: 500 }),
    );
    await fc.assert(
      fc.asyncProperty(body, (b) => refused('/v1/sign', b)),
      { numRuns: RUNS, seed: SEED },
    );
    // the pending token survived every attempt
    expect((await store.listTokens()).map((t) => t.status)).toEqual(['pending']);
  });

  it(`/v1/enrollments: ${RUNS} generated bad bodies each get a 4xx { code, message } and change nothing`, async () => {
    const anything = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }),
    );
    const names = fc.array(
      fc.oneof(
        fc.constantFrom('.', '*.', '*', '*.example.net', '.example.net', '0.0.0.0/0', '::/0', ''),
        fc.string({ maxLength: 60 }),
      ),
      { maxLength: 5 },
    );
    // each body has at least one field no valid request has; the others are anything
    const badField = fc.oneof(
      fc.record({
        name: fc.oneof(
          fc.constant(''),
          fc.integer(),
          fc.constant(null),
          fc.string({ minLength: 254, maxLength: 400 }),
        ),
      }),
      fc.record({
        profile: fc
          .string({ maxLength: 20 })
          .filter((p) => !['node', 'server', 'client', 'control'].includes(p)),
      }),
      fc.record({
        validityDays: fc.oneof(
          fc.integer({ max: 0 }),
          fc.integer({ min: 3651 }),
          fc.double({ min: 0.1, max: 0.9 }),
        ),
      }),
      fc.record({
        ttl: fc.oneof(fc.constantFrom('0s', '8d', '-1h', '30d', 'soon', ''), fc.integer()),
      }),
      fc.record({
        dns: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { minLength: 1 })),
      }),
      fc.record({ dns: fc.constantFrom(['.'], ['*.'], ['*.example.net'], ['.example.net']) }),
      fc.record({ ips: fc.constantFrom(['0.0.0.0/0'], ['10.0.0.0/8'], ['not an ip'], ['::/0']) }),
      fc.record({ uris: fc.constantFrom(['*'], ['not a uri'], ['relative/path']) }),
    );
    const others = fc.record(
      {
        name: fc.oneof(fc.constant('node2.example.net'), anything),
        dns: names,
        ips: names,
        uris: names,
        ttl: anything,
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc
        .tuple(others, badField)
        .map(([o, bad]) => JSON.stringify({ name: 'node2.example.net', ...o, ...bad })),
      fc.json().filter((j) => !/^\{/.test(j)),
      fc.string({ maxLength: 500 }).filter((s) => !/^\s*\{/.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(body, (b) => refused('/v1/enrollments', b, admin)),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
