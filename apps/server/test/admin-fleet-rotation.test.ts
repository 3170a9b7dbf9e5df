/**
 * `POST /v1/admin/fleet-check` during a CA rotation, against real TLS servers on loopback: the
 * server judges every node by every CRL it signs, the old key's too, and trusts the old root
 * beside the new one. An old-key node is fine, a node still serving an old-key certificate that
 * was revoked is `revoked` by the old key's CRL (RFC 5280 §6.3.3 (f)), a new-key node is fine.
 */
import { createHash } from 'node:crypto';
import { createCa, type Identity, type Issuer, issueIdentity, rotateCa } from '@nodeid/sdk';
import { certificateRecordOf, openMemoryStore, type Store } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { TlsFleet } from './helpers/tls-fleet.js';

const ADMIN = 'admin-token-for-fleet-rotation-0123456789abcdef';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

let store: Store;
let app: ReturnType<typeof createApp>;
const fleet = new TlsFleet();

/** A TLS server at `host` (on the shared port, or a free one first) presenting `identity`. */
const serve = (host: string, identity: Identity, issuer: Issuer) =>
  fleet.serve(host, identity, issuer.certificate.pem);

const issue = (ip: string, on: Issuer) =>
  issueIdentity({ ca: on, name: ip, extractable: true } as Parameters<typeof issueIdentity>[0]);

beforeAll(async () => {
  const old = await createCa({ clusterName: 'fleet.cluster' });
  const oldFine = await issue('127.0.0.1', old);
  const oldRevoked = await issue('127.0.0.2', old);
  const rotated = await rotateCa({ ca: old });
  const newFine = await issue('127.0.0.3', rotated.ca);
  // the node of the revoked certificate has a new one, but still serves the revoked one
  const replacement = await issue('127.0.0.2', rotated.ca);
  store = await openMemoryStore();
  for (const id of [oldFine, oldRevoked, newFine, replacement])
    await store.recordCertificate(certificateRecordOf(id.certificate, { profile: 'node' }));
  await store.revokeCertificate(oldRevoked.certificate.serialNumber, {
    reason: 'keyCompromise',
    revokedAt: new Date(),
  });
  await serve('127.0.0.1', oldFine, old);
  await serve('127.0.0.2', oldRevoked, old);
  await serve('127.0.0.3', newFine, rotated.ca);
  app = createApp({
    ca: rotated.ca,
    previousCa: old,
    trustBundle: rotated.bundle,
    clusterName: 'fleet.cluster',
    store,
    adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
  });
});

afterAll(async () => {
  await fleet.close();
  await store?.close();
});

describe('POST /v1/admin/fleet-check during a CA rotation', () => {
  it('judges old-key nodes by the old root and the old key CRL, new-key nodes by the new', async () => {
    const res = await app.request('/v1/admin/fleet-check', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ port: fleet.port, concurrency: 3, timeoutMs: 3000 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      nodes: { node: string; alerts: string[]; message: string }[];
    };
    const byNode = Object.fromEntries(body.nodes.map((n) => [n.node, n]));
    expect(byNode['127.0.0.1']?.alerts).toEqual([]);
    expect(byNode['127.0.0.3']?.alerts).toEqual([]);
    expect(byNode['127.0.0.2']?.alerts).toEqual(['revoked']);
    // the CRL said so (the path check), not only the inventory
    expect(byNode['127.0.0.2']?.message).toMatch(/was revoked at .*reason keyCompromise by/);
  });
});
