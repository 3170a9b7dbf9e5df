/**
 * Admin routes over the inventory: list (`?status=valid|superseded|revoked|expired`, `?name=` a
 * bare name of any type or a typed one such as `DNS:node1`, `?expiring=30d`), look up, revoke.
 * The store checks the filters; what it refuses is a 400 with its code.
 */
import { type CrlReason, parseDuration } from '@nodeid/sdk';
import { CERTIFICATE_STATUSES, type CertificateStatus } from '@nodeid/store';
import { Hono } from 'hono';
import { readBodyText } from '../lib/body.js';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { optStr, parseJsonObject, serialParam } from '../lib/validate.js';

export function certificateRoutes(s: Services): Hono {
  const app = new Hono();

  app.get('/v1/certificates', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !(CERTIFICATE_STATUSES as readonly string[]).includes(status))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        `status must be one of ${CERTIFICATE_STATUSES.join(', ')}`,
      );
    const expiring = c.req.query('expiring');
    const now = s.now();
    const records = await s.deps.store.listCertificates({
      now,
      ...(status && { status: status as CertificateStatus }),
      ...(c.req.query('name') && { name: c.req.query('name') }),
      ...(expiring && { expiringBefore: new Date(now.getTime() + parseDuration(expiring)) }),
    });
    return c.json(records);
  });

  app.get('/v1/certificates/:serial', async (c) => {
    const record = await s.deps.store.getCertificate(serialParam(c.req.param('serial')), {
      now: s.now(),
    });
    if (!record)
      throw new HttpError(404, 'ERR_STORE_NOT_FOUND', 'no certificate with this serial number');
    return c.json(record);
  });

  app.post('/v1/certificates/:serial/revoke', async (c) => {
    const serial = serialParam(c.req.param('serial'));
    const text = await readBodyText(c, s.bodyBytes);
    const reason = text.trim() ? optStr(parseJsonObject(text), 'reason', 32) : undefined;
    // the store decides which reasons a revocation may have (not removeFromCRL: RFC 5280
    // §5.3.1 keeps it for delta CRLs); what it refuses is a 400 ERR_STORE_INVALID
    const record = await s.deps.store.revokeCertificate(serial, {
      revokedAt: s.now(),
      ...(reason && { reason: reason as CrlReason }),
    });
    if (!record.alreadyRevoked) {
      s.crl.invalidate();
      await s.audit('certificate.revoke', {
        serialNumber: serial,
        reason: reason ?? 'unspecified',
      });
    }
    return c.json(record);
  });
  return app;
}
