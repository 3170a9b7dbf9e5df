/**
 * `/v1/sign` against a client that knows a token's public id but not its secret: the secret is
 * compared before the CSR is checked or anything is signed. Through `app.request()`, with a
 * signer that counts its calls.
 */
import { createHash } from 'node:crypto';
import { createCa, createCsr, type Identity } from '@nodeid/sdk';
import { openMemoryStore } from '@nodeid/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { signJob } from '../src/lib/issuance.js';

const ADMIN = 'sign-tests-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const json = { 'content-type': 'application/json' };

let ca: Identity;
beforeAll(async () => {
  ca = await createCa({ clusterName: 'sign.cluster' });
});

describe('/v1/sign', () => {
  it('a known token id with a wrong secret is refused before the CSR is checked or signed', async () => {
    const store = await openMemoryStore();
    let signatures = 0;
    const app = createApp({
      ca,
      clusterName: 'sign.cluster',
      store,
      adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
      signer: (job) => {
        signatures++;
        return signJob(job, ca);
      },
    });
    const created = await app.request('/v1/enrollments', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'node1.example.net' }),
    });
    const { id, token } = await created.json();
    const csr = await createCsr({ name: 'node1.example.net' });
    const secret = token.split('.')[1] as string;
    const wrong = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const guessed = await app.request('/v1/sign', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ token: wrong, csr: csr.pem }),
    });
    expect(guessed.status).toBe(401);
    expect(await guessed.json()).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
    expect(signatures).toBe(0);
    // the token is still good for its holder, and signs once
    const ok = await app.request('/v1/sign', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ token, csr: csr.pem }),
    });
    expect(ok.status).toBe(200);
    expect(signatures).toBe(1);
    const audit = await store.listAudit(10);
    expect(audit.find((a) => a.action === 'certificate.issue')).toMatchObject({
      actor: `enrollment:${id}`,
    });
  });
});
