/**
 * Admin routes over the inventory: list (`?status=valid|superseded|revoked|expired`, `?name=` a
 * bare name of any type or a typed one such as `DNS:node1`, `?q=` a part of a name or serial,
 * `?profile=`, `?expiring=30d`, `?sort=notAfter|notBefore|serialNumber|name&order=asc|desc`,
 * `?offset=&limit=` with the total in `X-Total-Count`), look up, revoke. The store checks the
 * filters; what it refuses is a 400 with its code.
 */
import { type CrlReason, parseDuration } from '@nodeid/sdk';
import {
  CERTIFICATE_SORT_KEYS,
  CERTIFICATE_STATUSES,
  type CertificateSortKey,
  type CertificateStatus,
} from '@nodeid/store';
import { Hono } from 'hono';
import { readBodyText } from '../lib/body.js';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { optStr, parseJsonObject, serialParam } from '../lib/validate.js';
import { limitOf } from './admin.js';

export function certificateRoutes(s: Services): Hono {
  const app = new Hono();

  app.get('/v1/certificates', async (c) => {
    const q = (name: string) => c.req.query(name) || undefined;
    const status = q('status');
    if (status !== undefined && !(CERTIFICATE_STATUSES as readonly string[]).includes(status))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        `status must be one of ${CERTIFICATE_STATUSES.join(', ')}`,
      );
    const sort = q('sort');
    if (sort !== undefined && !(CERTIFICATE_SORT_KEYS as readonly string[]).includes(sort))
      throw new HttpError(
        400,
        'ERR_INVALID_ARGUMENT',
        `sort must be one of ${CERTIFICATE_SORT_KEYS.join(', ')}`,
      );
    const order = q('order');
    if (order !== undefined && order !== 'asc' && order !== 'desc')
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'order must be asc or desc');
    const offsetText = q('offset');
    if (offsetText !== undefined && !/^[0-9]{1,9}$/.test(offsetText))
      throw new HttpError(400, 'ERR_INVALID_ARGUMENT', 'offset must be a non-negative integer');
    const limitText = q('limit');
    const expiring = q('expiring');
    const now = s.now();
    const filters = {
      now,
      ...(status && { status: status as CertificateStatus }),
      ...(q('name') && { name: q('name') }),
      ...(q('q') && { search: q('q') }),
      ...(q('profile') && { profile: q('profile') }),
      ...(expiring && { expiringBefore: new Date(now.getTime() + parseDuration(expiring)) }),
    };
    const records = await s.deps.store.listCertificates({
      ...filters,
      ...(sort && { sort: sort as CertificateSortKey }),
      ...(order && { order: order as 'asc' | 'desc' }),
      ...(offsetText && { offset: Number(offsetText) }),
      ...(limitText && { limit: limitOf(limitText, 100, 1000) }),
    });
    // a page (offset or limit given) says how many match in all
    if (offsetText !== undefined || limitText !== undefined)
      c.header('X-Total-Count', String(await s.deps.store.countCertificates(filters)));
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
