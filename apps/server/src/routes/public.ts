/** Public routes: the CA certificate and the CRL. */
import { inspectCertificate } from '@nodeid/sdk';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';

export function publicRoutes(s: Services): Hono {
  const app = new Hono();
  const caPem = () =>
    [s.deps.ca.certificate, ...(s.deps.ca.chain ?? [])].map((c) => c.pem).join('');

  app.get('/v1/ca', async (c) => {
    const wantsJson =
      c.req.query('format') === 'json' ||
      (c.req.header('accept') ?? '').includes('application/json');
    if (!wantsJson) return c.body(caPem(), 200, { 'content-type': 'application/x-pem-file' });
    const info = await inspectCertificate(s.deps.ca.certificate, { crypto: s.deps.crypto });
    return c.json({
      pem: caPem(),
      fingerprintSha256: info.fingerprints.sha256,
      subject: info.subject.text,
      notAfter: info.notAfter,
    });
  });

  app.get('/v1/crl', async (c) => {
    const crl = await s.crl.get();
    if (c.req.query('format') === 'pem')
      return c.body(crl.pem, 200, { 'content-type': 'application/x-pem-file' });
    return c.body(crl.der.slice().buffer as ArrayBuffer, 200, {
      'content-type': 'application/pkix-crl',
    });
  });
  return app;
}
