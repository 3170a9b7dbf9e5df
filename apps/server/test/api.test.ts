/** The API through `app.request()`: no socket, real SDK, real store (memory and SQLite). */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createCsr, type Identity, parseCrl, verifyCertificate } from '@nodeid/sdk';
import { openMemoryStore, openSqliteStore, type Store } from '@nodeid/store';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const json = { 'content-type': 'application/json' };

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;

async function setup(kind: 'memory' | 'sqlite') {
  ca ??= await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
  store =
    kind === 'memory'
      ? await openMemoryStore()
      : await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'nodeid-api-')), 'inventory.db'));
  app = createApp({
    ca,
    clusterName: 'scale.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
    peerCertificate: (c) => (c.env as { peerDer?: Uint8Array } | undefined)?.peerDer,
    limits: { signPerMinute: 1000, signBurst: 1000 },
  });
}

async function enroll(body: Record<string, unknown>) {
  const res = await app.request('/v1/enrollments', {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; id: string };
}

async function sign(csr: string, token: string) {
  return app.request('/v1/sign', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ csr, token }),
  });
}

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`API on the ${kind} store`, () => {
    beforeEach(() => setup(kind));

    it('serves the CA as PEM and JSON', async () => {
      const pem = await app.request('/v1/ca');
      expect(pem.headers.get('content-type')).toContain('application/x-pem-file');
      expect(await pem.text()).toBe(ca.certificate.pem);
      const info = await (await app.request('/v1/ca?format=json')).json();
      expect(info.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(pem.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('enrolls a node once: the token is single use and bound to its names', async () => {
      expect(
        (
          await app.request('/v1/enrollments', {
            method: 'POST',
            headers: json,
            body: '{"name":"x"}',
          })
        ).status,
      ).toBe(401);
      expect(
        (
          await app.request('/v1/enrollments', {
            method: 'POST',
            headers: { ...json, authorization: 'Bearer wrong' },
            body: '{"name":"x"}',
          })
        ).status,
      ).toBe(401);
      const { token } = await enroll({ name: 'node1.example.net', ips: ['10.0.0.1'] });
      const csr = await createCsr({
        name: 'node1.example.net',
        ips: ['10.0.0.1'],
        dns: ['evil.example.org'],
      });
      const res = await sign(csr.pem, token);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.granted).toEqual(['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1']);
      expect(body.denied.map((d: { name: string }) => d.name)).toEqual(['DNS:evil.example.org']);
      const verified = await verifyCertificate({
        certificate: body.certificate,
        trustAnchors: [ca.certificate],
        host: 'node1.example.net',
        clusterName: 'scale.cluster',
      });
      expect(verified.ok).toBe(true);
      const replay = await sign(csr.pem, token);
      expect(replay.status).toBe(401);
      expect((await replay.json()).code).toBe('ERR_TOKEN_INVALID');
      const list = await (await app.request('/v1/certificates', { headers: auth })).json();
      expect(list).toHaveLength(1);
      const tokens = await (await app.request('/v1/enrollments', { headers: auth })).json();
      expect(JSON.stringify(tokens)).not.toContain(token.split('.')[1]);
      expect(tokens[0].status).toBe('used');
    });

    it('the token sets the lifetime: validityDays, or validity as a duration', async () => {
      for (const [body, days] of [
        [{ validityDays: 30 }, 30],
        [{ validity: '2w' }, 14],
      ] as const) {
        const { token } = await enroll({ name: 'life.example.net', ...body });
        const signed = await (
          await sign((await createCsr({ name: 'life.example.net' })).pem, token)
        ).json();
        const { parseCertificate } = await import('@nodeid/sdk');
        const cert = parseCertificate(signed.certificate);
        expect(Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000)).toBe(
          days,
        );
      }
      const bad = await app.request('/v1/enrollments', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'x.example.net', validity: '0d' }),
      });
      expect(bad.status).toBe(400);
    });

    it('a CSR with only names outside the token is refused and the token stays usable', async () => {
      const { token } = await enroll({ name: 'node2.example.net' });
      const bad = await createCsr({ name: 'other.example.org' });
      const res = await sign(bad.pem, token);
      expect(res.status).toBe(403);
      expect((await res.json()).code).toBe('ERR_POLICY_DENIED');
      const good = await createCsr({ name: 'node2.example.net' });
      expect((await sign(good.pem, token)).status).toBe(200);
    });

    it('bad input gets 4xx with the error body and changes nothing', async () => {
      const { token } = await enroll({ name: 'node3.example.net' });
      const cases: [string, string | undefined, number, string][] = [
        ['{not json', json['content-type'], 400, 'ERR_INVALID_JSON'],
        ['[]', json['content-type'], 400, 'ERR_INVALID_ARGUMENT'],
        [JSON.stringify({ csr: 'garbage', token }), json['content-type'], 400, 'ERR_PEM_INVALID'],
        [
          JSON.stringify({
            csr: (await createCsr({ name: 'node3.example.net' })).pem,
            token: 'nope',
          }),
          json['content-type'],
          401,
          'ERR_TOKEN_INVALID',
        ],
        [
          JSON.stringify({ csr: 'x'.repeat(200_000), token }),
          json['content-type'],
          413,
          'ERR_INPUT_TOO_LARGE',
        ],
      ];
      for (const [body, type, status, code] of cases) {
        const res = await app.request('/v1/sign', {
          method: 'POST',
          headers: type ? { 'content-type': type } : {},
          body,
        });
        expect(res.status, body.slice(0, 40)).toBe(status);
        const err = await res.json();
        expect(err.code, body.slice(0, 40)).toMatch(
          code === 'ERR_PEM_INVALID' ? /ERR_(PEM|CSR)_INVALID/ : new RegExp(code),
        );
        expect(Object.keys(err).sort()).toEqual(['code', 'message']);
      }
      const tampered = (await createCsr({ name: 'node3.example.net' })).der.slice();
      tampered[tampered.length - 3]! ^= 1;
      const { encodePem } = await import('../../../packages/sdk/src/lib/pem.js');
      const t = await sign(encodePem('CERTIFICATE REQUEST', tampered), token);
      expect(t.status).toBe(400);
      expect((await t.json()).code).toBe('ERR_CSR_SIGNATURE');
      expect(await (await app.request('/v1/certificates', { headers: auth })).json()).toEqual([]);
      // the token survived every bad request
      expect((await sign((await createCsr({ name: 'node3.example.net' })).pem, token)).status).toBe(
        200,
      );
    });

    it('50 concurrent signings with one token give exactly one certificate', async () => {
      const { token } = await enroll({ name: 'node4.example.net' });
      const csrs = await Promise.all(
        Array.from({ length: 50 }, () => createCsr({ name: 'node4.example.net' })),
      );
      const results = await Promise.all(csrs.map((c) => sign(c.pem, token)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(49);
      expect(await (await app.request('/v1/certificates', { headers: auth })).json()).toHaveLength(
        1,
      );
    });

    it('revocation shows in the CRL and verification then fails', async () => {
      const { token } = await enroll({ name: 'node5.example.net' });
      const issued = await (
        await sign((await createCsr({ name: 'node5.example.net' })).pem, token)
      ).json();
      const before = parseCrl(new Uint8Array(await (await app.request('/v1/crl')).arrayBuffer()));
      expect(before.entries).toEqual([]);
      const serialUpper = issued.serialNumber.toUpperCase();
      const revoked = await app.request(`/v1/certificates/${serialUpper}/revoke`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ reason: 'keyCompromise' }),
      });
      expect(revoked.status).toBe(200);
      const crlRes = await app.request('/v1/crl');
      expect(crlRes.headers.get('content-type')).toBe('application/pkix-crl');
      const crl = parseCrl(new Uint8Array(await crlRes.arrayBuffer()));
      expect(crl.entries.map((e) => e.serialNumber)).toEqual([issued.serialNumber]);
      expect(BigInt(crl.crlNumber ?? 0)).toBeGreaterThan(BigInt(before.crlNumber ?? 0));
      const v = await verifyCertificate({
        certificate: issued.certificate,
        trustAnchors: [ca.certificate],
        crls: [crl],
      });
      expect(v.ok).toBe(false);
      expect(!v.ok && v.code).toBe('ERR_REVOKED');
      expect(
        (await app.request('/v1/certificates/zz/revoke', { method: 'POST', headers: auth })).status,
      ).toBe(400);
      expect(
        (await app.request('/v1/certificates/abcdef/revoke', { method: 'POST', headers: auth }))
          .status,
      ).toBe(404);
    });

    it('renews over mutual TLS with the current, valid, unrevoked certificate', async () => {
      const { token } = await enroll({ name: 'node6.example.net', ips: ['10.0.0.6'] });
      const first = await createCsr({ name: 'node6.example.net', ips: ['10.0.0.6'] });
      const issued = await (await sign(first.pem, token)).json();
      const { parseCertificate } = await import('@nodeid/sdk');
      const peerDer = parseCertificate(issued.certificate).der;
      const renewCsr = await createCsr({
        name: 'node6.example.net',
        ips: ['10.0.0.6'],
        keyPair: first.keyPair,
      });
      const noCert = await app.request('/v1/renew', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ csr: renewCsr.pem }),
      });
      expect(noCert.status).toBe(401);
      const res = await app.request(
        '/v1/renew',
        { method: 'POST', headers: json, body: JSON.stringify({ csr: renewCsr.pem }) },
        { peerDer },
      );
      expect(res.status).toBe(200);
      const renewed = await res.json();
      expect(renewed.granted).toEqual(['DNS:node6', 'DNS:node6.example.net', 'IP:10.0.0.6']);
      expect(renewed.serialNumber).not.toBe(issued.serialNumber);
      // a CSR for other names gets only the current names (renewing with the renewed certificate:
      // the first one is superseded now)
      const wider = await createCsr({ name: 'node6.example.net', dns: ['admin.example.net'] });
      const w = await (
        await app.request(
          '/v1/renew',
          { method: 'POST', headers: json, body: JSON.stringify({ csr: wider.pem }) },
          { peerDer: parseCertificate(renewed.certificate).der },
        )
      ).json();
      expect(w.denied.map((d: { name: string }) => d.name)).toEqual(['DNS:admin.example.net']);
      // revoked: refused
      await app.request(`/v1/certificates/${issued.serialNumber}/revoke`, {
        method: 'POST',
        headers: auth,
      });
      const after = await app.request(
        '/v1/renew',
        { method: 'POST', headers: json, body: JSON.stringify({ csr: renewCsr.pem }) },
        { peerDer },
      );
      expect(after.status).toBe(401);
      expect((await after.json()).code).toBe('ERR_REVOKED');
    });

    it('health, metrics, OpenAPI and docs', async () => {
      const { token } = await enroll({ name: 'node7.example.net' });
      await sign((await createCsr({ name: 'node7.example.net' })).pem, token);
      expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
      const metrics = await (await app.request('/metrics')).text();
      expect(metrics).toMatch(
        /nodeid_certificate_not_after_seconds\{serial="[0-9a-f]+",subject="CN=scale.cluster,O=Example"\} \d+/,
      );
      expect(metrics).toContain('nodeid_certificates{status="valid"} 1');
      expect(metrics).toMatch(/nodeid_signing_seconds_count 1/);
      expect(metrics).toMatch(
        /nodeid_http_requests_total\{route="\/v1\/sign",method="POST",status="200"\} 1/,
      );
      const doc = await (await app.request('/openapi.json')).json();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toContain('/v1/sign');
      expect(await (await app.request('/docs')).text()).toContain('/v1/enrollments');
      expect((await app.request('/nope')).status).toBe(404);
    });
  });
}

describe('rate limits', () => {
  it('answers 429 with Retry-After past the burst', async () => {
    await setup('memory');
    const limited = createApp({
      ca,
      clusterName: 'c',
      store,
      adminTokenHashes: [],
      limits: { signPerMinute: 1, signBurst: 2 },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await limited.request('/v1/sign', { method: 'POST', headers: json, body: '{}' })).status,
      );
    expect(statuses).toEqual([400, 400, 429, 429]);
  });
});
