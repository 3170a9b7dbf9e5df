/** Public routes: the CA certificate, the trust bundle and the CRL. */
import { inspectCertificate } from '@nodeid/sdk';
import { type Context, Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { trustBundle } from '../lib/trust-bundle.js';

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

  // the roots nodes should trust now: old and new during a rotation, else the root alone
  app.get('/v1/ca/bundle', (c) =>
    c.body(
      trustBundle(s)
        .map((cert) => cert.pem)
        .join(''),
      200,
      {
        'content-type': 'application/x-pem-file',
        'cache-control': 'no-cache',
      },
    ),
  );

  // DER by default (RFC 5280 §4.2.1.13: an http CRL address names a DER CRL), PEM on request
  const crlBody = (c: Context, crl: { der: Uint8Array; pem: string }) =>
    c.req.query('format') === 'pem'
      ? c.body(crl.pem, 200, { 'content-type': 'application/x-pem-file' })
      : c.body(crl.der.slice().buffer as ArrayBuffer, 200, {
          'content-type': 'application/pkix-crl',
        });
  // during a rotation the PEM form holds both CRLs, the new key's then the old key's (nginx
  // ssl_crl and openssl -CRLfile read every CRL of a file); a DER body holds one CRL only, so the
  // old key's is also at /v1/crl/previous
  const issuingCrl = async (c: Context) => {
    const crls = await s.crl.get();
    return crlBody(c, { der: crls.der, pem: crls.pem + (crls.previous?.pem ?? '') });
  };
  // the addresses written into certificates: this CA's CRL, and (for an intermediate) the root's
  const served = new Set(['/v1/crl']);
  app.get('/v1/crl', issuingCrl);
  app.get('/v1/crl/previous', async (c) => {
    const previous = (await s.crl.get()).previous;
    if (!previous)
      return c.json(
        {
          code: 'ERR_NOT_FOUND',
          message: 'the CA is not in a rotation: there is no old key, so no CRL of it',
        },
        404,
      );
    return crlBody(c, previous);
  });
  served.add('/v1/crl/previous');
  if (s.deps.rootCrl) {
    app.get('/v1/crl/root', async (c) => crlBody(c, await s.deps.rootCrl!.read()));
    served.add('/v1/crl/root');
  }
  // the paths of the CRL addresses in certificates, read per request: this CA's
  // (`deps.crlPaths`; a reloaded folder with a new address, `ca set-crl-url`, adds its path at
  // the moment it starts signing with it, and the old paths stay for the certificates that carry
  // them, RFC 5280 §4.2.1.13), then the root's, in the intermediate's certificates
  // (`deps.rootCrl.paths`, also those of an intermediate certificate replaced while serving);
  // the routes above keep their meaning whatever an address's path is
  app.get('*', async function crlAddress(c, next) {
    const path = c.req.path;
    if (served.has(path)) return next();
    if (s.deps.crlPaths?.includes(path)) return issuingCrl(c);
    const root = s.deps.rootCrl;
    if (root?.paths.includes(path)) return crlBody(c, await root.read());
    return next();
  });
  return app;
}
