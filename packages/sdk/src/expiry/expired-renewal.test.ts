/** Renewal after downtime: the grace window and the inventory's rule (issue 12). */
import { describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { expiredRenewalWindow, mayRenewExpired } from './expired-renewal.js';

const DAY = 86_400_000;
const start = new Date('2026-01-01T00:00:00Z');
const ca = await createCa({ clusterName: 'scale.cluster', now: start, days: 3650 });
const node = await issueIdentity({
  ca,
  name: 'node1.example.net',
  clusterName: 'scale.cluster',
  now: start,
  days: 30,
});
const notAfter = node.certificate.notAfter;
const later = (ms: number) => new Date(notAfter.getTime() + ms);

describe('expiredRenewalWindow', () => {
  it('is eligible up to `within` after notAfter, verifying at notAfter', async () => {
    const w = expiredRenewalWindow(node.certificate, { now: later(29 * DAY), within: 30 * DAY });
    if (!w.eligible) throw new Error(w.message);
    expect(w.verifyAt).toEqual(notAfter);
    expect(w.expiredForMs).toBe(29 * DAY);
    // the SDK verifier: expired now, valid at verifyAt
    const trustAnchors = [ca.certificate];
    expect(
      await verifyCertificate({ certificate: node.certificate, trustAnchors, at: later(29 * DAY) }),
    ).toMatchObject({ ok: false, code: 'ERR_CERT_EXPIRED' });
    expect(
      (await verifyCertificate({ certificate: node.certificate, trustAnchors, at: w.verifyAt })).ok,
    ).toBe(true);
    expect(
      expiredRenewalWindow(node.certificate, { now: later(30 * DAY), within: 30 * DAY }).eligible,
    ).toBe(true);
  });

  it('is not eligible past the window, when off, or before expiry', () => {
    expect(
      expiredRenewalWindow(node.certificate, { now: later(30 * DAY + 1), within: 30 * DAY }),
    ).toMatchObject({ eligible: false, reason: 'window-passed' });
    expect(expiredRenewalWindow(node.certificate, { now: later(DAY), within: 0 })).toMatchObject({
      eligible: false,
      reason: 'off',
    });
    expect(
      expiredRenewalWindow(node.certificate, { now: later(-DAY), within: 30 * DAY }),
    ).toMatchObject({
      eligible: false,
      reason: 'not-expired',
    });
    expect(() => expiredRenewalWindow(node.certificate, { within: -1 })).toThrow(/within/);
  });
});

describe('mayRenewExpired', () => {
  const own = {
    serialNumber: 'aa',
    notBefore: start,
    status: 'expired',
    names: ['DNS:node1.example.net', 'IP:10.0.0.1'],
  };
  it('allows the newest, unrevoked, not superseded certificate for its names', () => {
    const older = {
      ...own,
      serialNumber: 'a0',
      notBefore: new Date(start.getTime() - DAY),
      status: 'superseded',
    };
    const otherNode = {
      ...own,
      serialNumber: 'bb',
      notBefore: later(DAY),
      names: ['DNS:node2.example.net'],
    };
    expect(mayRenewExpired(own, [own, older, otherNode])).toEqual({ allowed: true });
  });

  it('refuses a revoked, a superseded, an unknown certificate, and one with a newer certificate for a name', () => {
    expect(mayRenewExpired({ ...own, status: 'revoked' }, [])).toMatchObject({
      allowed: false,
      reason: 'revoked',
    });
    expect(mayRenewExpired({ ...own, status: 'superseded', supersededBy: 'cc' }, [])).toMatchObject(
      {
        allowed: false,
        reason: 'superseded',
        by: 'cc',
      },
    );
    expect(mayRenewExpired(undefined, [])).toMatchObject({ allowed: false, reason: 'unknown' });
    // re-enrolled under one of its names (IP), whatever that certificate's status
    for (const status of ['valid', 'revoked', 'expired']) {
      const newer = {
        ...own,
        serialNumber: 'dd',
        notBefore: later(-DAY),
        status,
        names: ['ip:10.0.0.1'],
      };
      expect(mayRenewExpired(own, [own, newer])).toMatchObject({
        allowed: false,
        reason: 'newer-certificate',
        by: 'dd',
      });
    }
  });
});
