/**
 * `POST /v1/admin/fleet-check` (issue 15) against real TLS servers on loopback: the server reads
 * the chain each node of its inventory presents and judges it with the SDK. Four nodes on one
 * port at 127.0.0.1-4: one fine, one still serving the certificate its renewal superseded, one
 * serving a certificate of another CA with the same cluster name, one not listening.
 */
import { createHash } from 'node:crypto';
import { createCa, type Identity, issueIdentity } from '@nodeid/sdk';
import { certificateRecordOf, openMemoryStore, type Store } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { TlsFleet } from './helpers/tls-fleet.js';

const ADMIN = 'admin-token-for-fleet-tests-0123456789abcdef0123';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let ca: Identity;
let store: Store;
let app: ReturnType<typeof createApp>;
const fleet = new TlsFleet();

/** A TLS server at `host` (on the shared port, or a free one first) presenting `identity`. */
const serve = (host: string, identity: Identity) => fleet.serve(host, identity, ca.certificate.pem);

const issue = (ip: string, on: Identity = ca) =>
  issueIdentity({ ca: on, name: ip, extractable: true } as Parameters<typeof issueIdentity>[0]);

beforeAll(async () => {
  ca = await createCa({ clusterName: 'fleet.cluster' });
  const other = await createCa({ clusterName: 'fleet.cluster' });
  store = await openMemoryStore();
  const fine = await issue('127.0.0.1');
  const old = await issue('127.0.0.2');
  const renewed = await issue('127.0.0.2');
  const recorded = await issue('127.0.0.4');
  const foreign = await issue('127.0.0.4', other);
  const silent = await issue('127.0.0.3');
  for (const id of [fine, old, renewed, recorded, silent])
    await store.recordCertificate(certificateRecordOf(id.certificate, { profile: 'node' }));
  await store.markSuperseded(old.certificate.serialNumber, renewed.certificate.serialNumber);
  await serve('127.0.0.1', fine);
  await serve('127.0.0.2', old);
  await serve('127.0.0.4', foreign);
  app = createApp({
    ca,
    clusterName: 'fleet.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
  });
});

afterAll(async () => {
  await fleet.close();
  await store?.close();
});

const check = (body: unknown, headers: Record<string, string> = auth) =>
  app.request('/v1/admin/fleet-check', {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });

describe('POST /v1/admin/fleet-check', () => {
  it('one line per node of the inventory with its alerts, a few connections at a time', async () => {
    const res = await check({ port: fleet.port, concurrency: 2, timeoutMs: 3000 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      nodes: { node: string; alerts: string[]; severity: string; message: string }[];
      summary: Record<string, number>;
    };
    const byNode = Object.fromEntries(body.nodes.map((n) => [n.node, n]));
    expect(Object.keys(byNode).sort()).toEqual([
      '127.0.0.1',
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
    ]);
    expect(byNode['127.0.0.1']).toMatchObject({ alerts: [], severity: 'ok' });
    expect(byNode['127.0.0.2']).toMatchObject({ alerts: ['superseded'], severity: 'warning' });
    expect(byNode['127.0.0.3']).toMatchObject({ alerts: ['unreachable'], severity: 'error' });
    expect(byNode['127.0.0.3']!.message).toMatch(/refused/);
    expect(byNode['127.0.0.4']!.alerts).toContain('wrong-ca');
    expect(body.summary).toEqual({ ok: 1, warning: 1, error: 2 });
    // the check is audited, without anything secret
    const [line] = await store.listAudit(1, { action: 'fleet.check' });
    expect(line).toMatchObject({ action: 'fleet.check', detail: { nodes: 4, port: fleet.port } });

    // q narrows the nodes to those the inventory search finds
    const one = (await (await check({ port: fleet.port, q: '127.0.0.1' })).json()) as {
      nodes: unknown[];
    };
    expect(one.nodes).toHaveLength(1);
    // pages: every node once, in the same order, with the total
    type Page = { nodes: { node: string }[]; total: number; offset: number };
    const first = (await (await check({ port: fleet.port, limit: 3 })).json()) as Page;
    const rest = (await (await check({ port: fleet.port, offset: 3, limit: 3 })).json()) as Page;
    expect([first.total, rest.total, rest.offset]).toEqual([4, 4, 3]);
    expect([...first.nodes, ...rest.nodes].map((n) => n.node)).toEqual(
      body.nodes.map((n) => n.node),
    );
    expect(rest.nodes).toHaveLength(1);
  });

  it('needs the admin token and refuses bad options', async () => {
    expect((await check({ port: fleet.port }, { 'content-type': 'application/json' })).status).toBe(
      401,
    );
    for (const bad of [
      { port: 0 },
      { port: 70000 },
      { concurrency: 0 },
      { concurrency: 65 },
      { offset: -1 },
      { limit: 0 },
      { limit: 5001 },
    ]) {
      const res = await check(bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('ERR_INVALID_ARGUMENT');
    }
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toContain('/v1/admin/fleet-check');
  });
});
