/**
 * Enrollment through the app in process (`app.request()`), as a node does it over HTTPS: the
 * admin makes a one-time token, the node signs a CSR with it.
 */
import { type Certificate, createCsr, parseCertificate } from '@nodeid/sdk';
import type { Hono } from 'hono';
import { expect } from 'vitest';

/**
 * `POST /v1/enrollments` as the admin holding `adminToken` with `{ name, ...token }` (must answer
 * 201), then `POST /v1/sign` with that token and a new CSR for `name` (must answer 200). Answers
 * the signed certificate, parsed, and the body `/v1/sign` answered.
 */
export async function enrollThroughApp(
  app: Hono,
  adminToken: string,
  name: string,
  token: Record<string, unknown> = {},
): Promise<{ certificate: Certificate; body: { certificate: string; serialNumber: string } }> {
  const created = await app.request('/v1/enrollments', {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, ...token }),
  });
  expect(created.status).toBe(201);
  const { token: secret } = (await created.json()) as { token: string };
  const csr = await createCsr({ name });
  const signed = await app.request('/v1/sign', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ csr: csr.pem, token: secret }),
  });
  expect(signed.status).toBe(200);
  const body = (await signed.json()) as { certificate: string; serialNumber: string };
  return { certificate: parseCertificate(body.certificate), body };
}
