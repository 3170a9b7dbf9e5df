/** Admin routes over the inventory: list, look up, revoke. */
import { CRL_REASONS, type CrlReason, parseDuration } from '@nodeid/sdk';
import type { CertificateStatus } from '@nodeid/store';
import { Hono } from 'hono';
import { readBodyText } from '../lib/body.js';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { optStr, parseJsonObject, serialParam } from '../lib/validate.js';

const STATUSES = ['valid', 'revoked', 'expired'];

export function certificateRoutes(s: Services): Hono {
  const app = new Hono();

  app.get('/v1/certificates', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && !STATUSES.includes(status))
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'status must be valid, revoked or expired');
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
    if (reason !== undefined && !(CRL_REASONS as readonly string[]).includes(reason))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        `reason must be one of ${CRL_REASONS.join(', ')}`,
      );
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
