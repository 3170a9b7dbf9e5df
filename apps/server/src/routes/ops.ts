/** Operations: health, Prometheus metrics, the OpenAPI document and its rendered reference. */
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { renderCaGauges } from '../lib/metrics.js';
import { trustBundle } from '../lib/trust-bundle.js';
import { openApiDocument, renderDocs } from '../openapi.js';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function opsRoutes(s: Services): Hono {
  const app = new Hono();

  // healthy only while the inventory is there and writable: a deleted, replaced or read-only
  // database fails it (503 with the store's code), before revocations silently go missing
  app.get('/healthz', async (c) => {
    await s.deps.store.checkHealth();
    return c.json({ status: 'ok' });
  });

  app.get('/metrics', async (c) => {
    // counts and expiries only: no PEM is read (about 4x less work than listing 100,000 certificates)
    const { counts, valid } = await s.deps.store.certificateSummary({ now: s.now() });
    const lines = [
      '# HELP nodeid_certificate_not_after_seconds When each valid issued certificate expires (Unix time).',
      '# TYPE nodeid_certificate_not_after_seconds gauge',
    ];
    for (const r of valid)
      lines.push(
        `nodeid_certificate_not_after_seconds{serial="${r.serialNumber}",subject="${escapeLabel(r.subject)}"} ${Math.floor(r.notAfter.getTime() / 1000)}`,
      );
    lines.push(
      '# HELP nodeid_certificates Issued certificates by status.',
      '# TYPE nodeid_certificates gauge',
    );
    for (const [status, n] of Object.entries(counts))
      lines.push(`nodeid_certificates{status="${status}"} ${n}`);
    lines.push(
      '# HELP nodeid_ca_not_after_seconds When the CA certificate expires (Unix time).',
      '# TYPE nodeid_ca_not_after_seconds gauge',
    );
    lines.push(
      `nodeid_ca_not_after_seconds ${Math.floor(s.deps.ca.certificate.notAfter.getTime() / 1000)}`,
    );
    // the CRLs as served; one that cannot be made now (a failing inventory) is left out, and
    // the alert on its nextUpdate is what tells
    // every CRL the server signs (during a rotation the old key's too) and an offline root's
    const [issuing, root] = await Promise.all([
      s.crl.get().then(
        (c) => [c.der, ...(c.previous ? [c.previous.der] : [])],
        () => [],
      ),
      s.deps.rootCrl?.read().then(
        (c) => c.der,
        () => undefined,
      ),
    ]);
    const crls = [...issuing, root];
    lines.push(
      ...renderCaGauges({
        chain: [s.deps.ca.certificate, ...(s.deps.ca.chain ?? [])],
        trustBundle: trustBundle(s),
        crls: crls.filter((c): c is Uint8Array => c !== undefined),
      }),
    );
    const own = s.deps.serverCertificate?.();
    if (own) {
      lines.push(
        "# HELP nodeid_server_certificate_not_after_seconds When the server's own TLS certificate expires (Unix time).",
        '# TYPE nodeid_server_certificate_not_after_seconds gauge',
      );
      lines.push(
        `nodeid_server_certificate_not_after_seconds ${Math.floor(own.notAfter.getTime() / 1000)}`,
      );
    }
    return c.body(`${lines.join('\n')}\n${s.metrics.render()}`, 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    });
  });

  app.get('/openapi.json', (c) => c.json(openApiDocument));
  app.get('/docs', (c) => c.html(renderDocs()));
  return app;
}
