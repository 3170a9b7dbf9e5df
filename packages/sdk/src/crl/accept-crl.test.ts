/** acceptCrl: the checks a node makes before writing a fetched CRL (RFC 5280 §5, §6.3.3). */
import { describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { crlRefreshIn } from '../expiry/crl-refresh.js';
import { acceptCrl } from './accept-crl.js';
import { createCrl } from './create-crl.js';

const now = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const root = await createCa({ clusterName: 'scale.cluster', now, days: 3650 });
const sub = await createCa({ commonName: 'sub CA', issuer: root, now, days: 1000 });
const crlOf = (issuer: typeof root, crlNumber: number, thisUpdate = now, days = 7) =>
  createCrl({ issuer, entries: [], crlNumber, thisUpdate, nextUpdate: days * DAY });

describe('acceptCrl', () => {
  it('accepts a current CRL of either CA of the chain and names its issuer', async () => {
    const issuers = [root.certificate, sub.certificate];
    for (const ca of [root, sub]) {
      const r = await acceptCrl((await crlOf(ca, 1)).der, { issuers, now });
      if (!r.accepted) throw new Error(r.message);
      expect(r.issuer.serialNumber).toBe(ca.certificate.serialNumber);
    }
  });

  it('refuses a CRL signed by another key under the same name', async () => {
    const forger = await createCa({ clusterName: 'scale.cluster', now, days: 3650 });
    const r = await acceptCrl((await crlOf(forger, 9)).der, { issuers: [root.certificate], now });
    expect(r).toMatchObject({ accepted: false, reason: 'unknown-issuer' });
  });

  it('refuses a CRL past its nextUpdate or not yet valid', async () => {
    const crl = (await crlOf(root, 1)).der;
    const issuers = [root.certificate];
    expect(await acceptCrl(crl, { issuers, now: new Date(now.getTime() + 7 * DAY) })).toMatchObject(
      {
        accepted: false,
        reason: 'not-current',
      },
    );
    expect(await acceptCrl(crl, { issuers, now: new Date(now.getTime() - 1000) })).toMatchObject({
      accepted: false,
      reason: 'not-current',
    });
  });

  it('refuses a CRL with a lower cRLNumber than the one held (no roll-back), accepts an equal or higher one', async () => {
    const held = (await crlOf(root, 5)).pem;
    const issuers = [root.certificate];
    const older = await acceptCrl((await crlOf(root, 4)).der, { issuers, previous: [held], now });
    expect(older).toMatchObject({ accepted: false, reason: 'older' });
    for (const n of [5, 6])
      expect(
        (await acceptCrl((await crlOf(root, n)).der, { issuers, previous: [held], now })).accepted,
      ).toBe(true);
    // another issuer's held CRL does not count
    const other = (await crlOf(sub, 50)).pem;
    expect(
      (await acceptCrl((await crlOf(root, 4)).der, { issuers, previous: [other], now })).accepted,
    ).toBe(true);
  });
});

describe('crlRefreshIn', () => {
  it('fetches at most every maxInterval, at half the time left near nextUpdate, at least a minute apart', async () => {
    const crl = (await crlOf(root, 1)).der;
    const at = (ms: number) => new Date(now.getTime() + ms);
    expect(crlRefreshIn(crl, { now })).toBe(3_600_000);
    expect(crlRefreshIn(crl, { now, maxInterval: 2 * DAY })).toBe(2 * DAY);
    expect(crlRefreshIn(crl, { now, maxInterval: 10 * DAY })).toBe(3.5 * DAY);
    expect(crlRefreshIn(crl, { now: at(7 * DAY - 5_400_000) })).toBe(2_700_000);
    expect(crlRefreshIn(crl, { now: at(7 * DAY - 30_000) })).toBe(60_000);
    expect(crlRefreshIn(crl, { now: at(8 * DAY) })).toBe(60_000);
    expect(() => crlRefreshIn(crl, { maxInterval: 1000 })).toThrow(/at least one minute/);
  });
});
