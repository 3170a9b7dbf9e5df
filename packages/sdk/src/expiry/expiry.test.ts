import { beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, type TestCertificate } from '../../test/crl/make-certificate.js';
import { NodeIdError } from '../errors.js';
import { expiryStatus } from './expiry-status.js';
import { needsRenewal } from './needs-renewal.js';
import { nextCheckIn } from './next-check-in.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const notBefore = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('2025-04-01T00:00:00Z'); // 90 days
const at = (msFromEnd: number) => new Date(notAfter.getTime() + msFromEnd);

let cert: TestCertificate;
beforeAll(async () => {
  cert = await makeCertificate({ commonName: 'storage', notBefore, notAfter });
});

describe('expiryStatus', () => {
  it('is valid well before the end, with the dates and time left', () => {
    const s = expiryStatus(cert.pem, { now: new Date('2025-01-15T00:00:00Z') });
    expect(s.status).toBe('valid');
    expect(s.alert).toBeUndefined();
    expect(s.notBefore).toEqual(notBefore);
    expect(s.notAfter).toEqual(notAfter);
    expect(s.remainingMs).toBe(76 * DAY);
    expect(s.message).toBe(
      'certificate CN=storage is valid until 2025-04-01T00:00:00Z, 76d 0h from now (now 2025-01-15T00:00:00Z)',
    );
  });

  it('warns within 30 days by default, and on the boundary itself', () => {
    expect(expiryStatus(cert.pem, { now: at(-30 * DAY - 1) }).status).toBe('valid');
    const s = expiryStatus(cert.pem, { now: at(-30 * DAY) });
    expect(s.status).toBe('expiring');
    expect(s.alert).toBe('tls-cert-will-soon-expire');
    expect(s.message).toContain('expires in 30d 0h, at 2025-04-01T00:00:00Z');
  });

  it('takes warnWithin in ms or as a duration (AIStore warns at 3 days)', () => {
    const now = at(-10 * DAY);
    expect(expiryStatus(cert.pem, { now }).status).toBe('expiring');
    expect(expiryStatus(cert.pem, { now, warnWithin: 3 * DAY }).status).toBe('valid');
    expect(expiryStatus(cert.pem, { now: at(-2 * DAY), warnWithin: '3d' }).status).toBe('expiring');
  });

  it('is still valid at notAfter exactly, expired one millisecond later', () => {
    expect(expiryStatus(cert.der, { now: notAfter }).status).toBe('expiring');
    const s = expiryStatus(cert.der, { now: at(2 * HOUR + 1) });
    expect(s.status).toBe('expired');
    expect(s.alert).toBe('tls-cert-expired');
    expect(s.remainingMs).toBe(-(2 * HOUR + 1));
    expect(s.message).toBe(
      'certificate CN=storage expired at 2025-04-01T00:00:00Z, 2h 0m ago (now 2025-04-01T02:00:00Z); renew it',
    );
  });

  it('reports a certificate that is not valid yet', () => {
    const s = expiryStatus(cert.pem, { now: new Date('2024-12-31T22:00:00Z') });
    expect(s.status).toBe('not-yet-valid');
    expect(s.alert).toBe('tls-cert-invalid');
    expect(s.message).toContain('starts at 2025-01-01T00:00:00Z, in 2h 0m');
  });

  it('reports unreadable input as invalid instead of throwing', () => {
    const truncated = cert.der.subarray(0, cert.der.length - 5);
    for (const bad of [
      'not a certificate',
      '',
      truncated,
      new Uint8Array(),
      42 as unknown as string,
    ]) {
      const s = expiryStatus(bad, { now: notBefore });
      expect(s.status).toBe('invalid');
      expect(s.alert).toBe('tls-cert-invalid');
      expect(s.notAfter).toBeUndefined();
      expect(s.message).toMatch(/^certificate cannot be used: /);
    }
  });

  it('throws ERR_INVALID_ARGUMENT for bad options only', () => {
    expect(() => expiryStatus(cert.pem, { warnWithin: 'soon' })).toThrow(NodeIdError);
    expect(() => expiryStatus(cert.pem, { now: new Date('nope') })).toThrow(/valid Date/);
  });
});

describe('nextCheckIn (AIStore schedule)', () => {
  const cases: [string, number, number][] = [
    ['more than 24 h left', -(24 * HOUR + 1), 6 * HOUR],
    ['exactly 24 h left', -24 * HOUR, HOUR],
    ['more than 6 h left', -(6 * HOUR + 1), HOUR],
    ['exactly 6 h left', -6 * HOUR, 10 * MINUTE],
    ['more than 1 h left', -(HOUR + 1), 10 * MINUTE],
    ['exactly 1 h left', -HOUR, MINUTE],
    ['more than 1 s left', -(SECOND + 1), MINUTE],
    ['1 s left', -SECOND, HOUR],
    ['expired', 5 * DAY, HOUR],
  ];
  for (const [name, offset, expected] of cases) {
    it(`${name}: ${expected / MINUTE} min`, () => {
      expect(nextCheckIn(cert.pem, { now: at(offset) })).toBe(expected);
    });
  }

  it('checks an unreadable certificate again in 1 h', () => {
    expect(nextCheckIn('garbage', { now: notBefore })).toBe(HOUR);
  });

  it('checks a not-yet-valid certificate when it becomes valid, at least a minute out', () => {
    expect(nextCheckIn(cert.pem, { now: new Date(notBefore.getTime() - 2 * HOUR) })).toBe(2 * HOUR);
    expect(nextCheckIn(cert.pem, { now: new Date(notBefore.getTime() - 5 * SECOND) })).toBe(MINUTE);
    expect(nextCheckIn(cert.pem, { now: new Date(notBefore.getTime() - 9 * HOUR) })).toBe(6 * HOUR);
  });
});

describe('needsRenewal', () => {
  // lifetime 90 days: two thirds is 60 days in, 2025-03-02T00:00:00Z
  const twoThirds = new Date('2025-03-02T00:00:00Z');

  it('renews at two thirds of the lifetime by default', () => {
    expect(needsRenewal(cert.pem, { now: new Date(twoThirds.getTime() - 1) })).toBe(false);
    expect(needsRenewal(cert.pem, { now: twoThirds })).toBe(true);
  });

  it('takes a percentage of the lifetime', () => {
    const half = new Date('2025-02-15T00:00:00Z'); // 45 days in
    expect(needsRenewal(cert.pem, { now: half, threshold: '50%' })).toBe(true);
    expect(needsRenewal(cert.pem, { now: half, threshold: '51%' })).toBe(false);
  });

  it('takes a duration before notAfter, as text or ms', () => {
    expect(needsRenewal(cert.pem, { now: at(-31 * DAY), threshold: '30d' })).toBe(false);
    expect(needsRenewal(cert.pem, { now: at(-30 * DAY), threshold: '30d' })).toBe(true);
    expect(needsRenewal(cert.pem, { now: at(-13 * HOUR), threshold: 12 * HOUR })).toBe(false);
    expect(needsRenewal(cert.pem, { now: at(-12 * HOUR), threshold: 12 * HOUR })).toBe(true);
  });

  it('renews an expired or unreadable certificate', () => {
    expect(needsRenewal(cert.pem, { now: at(1), threshold: '1s' })).toBe(true);
    expect(needsRenewal('garbage', { now: notBefore })).toBe(true);
  });

  it('does not renew a certificate that is not valid yet under the default rule', () => {
    expect(needsRenewal(cert.pem, { now: new Date('2024-12-01T00:00:00Z') })).toBe(false);
  });

  it('refuses a threshold that means nothing', () => {
    for (const bad of ['soon', '0%', '150%', -1]) {
      let caught: unknown;
      try {
        needsRenewal(cert.pem, { now: notBefore, threshold: bad });
      } catch (e) {
        caught = e;
      }
      expect((caught as NodeIdError).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});
