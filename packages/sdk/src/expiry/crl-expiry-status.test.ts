import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCrl } from '../crl/create-crl.js';
import type { Identity } from '../issue/identity.js';
import { crlExpiryStatus } from './crl-expiry-status.js';

let ca: Identity;
let crl: string;
const thisUpdate = new Date('2026-01-01T00:00:00Z');
const day = 86_400_000;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'crl.cluster' });
  crl = (
    await createCrl({
      issuer: { certificate: ca.certificate.pem, privateKey: ca.privateKey },
      entries: [],
      crlNumber: 12,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 8 * day),
    })
  ).pem;
});

describe('crlExpiryStatus (RFC 5280 §5.1.2.5 nextUpdate)', () => {
  it('valid, with issuer, CRL number and dates', () => {
    const s = crlExpiryStatus(crl, { now: new Date(thisUpdate.getTime() + day) });
    expect(s).toMatchObject({
      status: 'valid',
      issuer: ca.certificate.subject.text,
      crlNumber: '12',
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 8 * day),
      remainingMs: 7 * day,
      warnWithinMs: 2 * day, // a quarter of the 8-day lifetime, below the 30-day default
    });
    expect(s.alert).toBeUndefined();
  });

  it('expiring within a quarter of its lifetime, or within warnWithin when that is shorter', () => {
    const late = new Date(thisUpdate.getTime() + 6 * day);
    expect(crlExpiryStatus(crl, { now: late })).toMatchObject({
      status: 'expiring',
      alert: 'crl-will-soon-expire',
    });
    expect(crlExpiryStatus(crl, { now: new Date(late.getTime() - 1000) }).status).toBe('valid');
    expect(crlExpiryStatus(crl, { now: late, warnWithin: '1d' }).status).toBe('valid');
  });

  it('nextUpdate itself is still in time; a second later it is expired', () => {
    const next = new Date(thisUpdate.getTime() + 8 * day);
    expect(crlExpiryStatus(crl, { now: next }).status).toBe('expiring');
    const s = crlExpiryStatus(crl, { now: new Date(next.getTime() + 1000) });
    expect(s).toMatchObject({ status: 'expired', alert: 'crl-expired' });
    expect(s.message).toMatch(/refuse every certificate/);
  });

  it('garbage is reported, not thrown', () => {
    expect(crlExpiryStatus('not a crl')).toMatchObject({ status: 'invalid', alert: 'crl-invalid' });
  });
});
