import { describe, expect, it } from 'vitest';
import { acceptCaReload, type CaMaterial } from './accept-ca-reload.js';
import { createCa } from './create-ca.js';
import { renewCa } from './renew-ca.js';
import { rotateCa } from './rotate-ca.js';

const now = new Date('2026-06-01T00:00:00Z');
const later = new Date('2026-06-02T00:00:00Z');

const materialOf = (ca: Awaited<ReturnType<typeof createCa>>): CaMaterial => ({
  issuer: ca,
  trustBundle: [ca.certificate],
});

describe('acceptCaReload', () => {
  it('accepts the same material as unchanged, and a renewed root as changed', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', now, days: 30 });
    const same = await acceptCaReload(materialOf(ca), materialOf(ca), { now: later });
    expect(same).toEqual({ accepted: true, changed: false });
    const { certificate } = await renewCa({ ca, now: later, days: 3650 });
    const renewed = { ...ca, certificate };
    const r = await acceptCaReload(
      materialOf(ca),
      { issuer: renewed, trustBundle: [certificate] },
      {
        now: later,
      },
    );
    expect(r).toEqual({ accepted: true, changed: true });
  });

  it('accepts a rotation (new root in a bundle with cross certificates), then retire-old', async () => {
    const old = await createCa({ clusterName: 'scale.cluster', now, days: 30 });
    const rotated = await rotateCa({ ca: old, now: later });
    const during: CaMaterial = { issuer: rotated.ca, trustBundle: rotated.bundle, previous: old };
    expect(await acceptCaReload(materialOf(old), during, { now: later })).toEqual({
      accepted: true,
      changed: true,
    });
    // retire-old: the new root alone, which the bundle in service holds
    const after: CaMaterial = { issuer: rotated.ca, trustBundle: [rotated.ca.certificate] };
    expect(await acceptCaReload(during, after, { now: later })).toEqual({
      accepted: true,
      changed: true,
    });
  });

  it('refuses a half-done rotation: new root and key, but the bundle not yet written', async () => {
    const old = await createCa({ clusterName: 'scale.cluster', now, days: 30 });
    const rotated = await rotateCa({ ca: old, now: later });
    const r = await acceptCaReload(
      materialOf(old),
      { issuer: rotated.ca, trustBundle: [rotated.ca.certificate] },
      { now: later },
    );
    expect(r).toMatchObject({ accepted: false, reason: 'not-continuous' });
    // the bundle written, but the folder still names the old root as the signing CA's root
    const r2 = await acceptCaReload(
      materialOf(old),
      { issuer: rotated.ca, trustBundle: [old.certificate] },
      { now: later },
    );
    expect(r2).toMatchObject({ accepted: false, reason: 'root-not-in-bundle' });
  });

  it('refuses an unrelated CA, a broken chain, an old root missing from the bundle, an expired CA', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', now, days: 30 });
    const other = await createCa({ clusterName: 'scale.cluster', now, days: 30 });
    expect(await acceptCaReload(materialOf(ca), materialOf(other), { now: later })).toMatchObject({
      accepted: false,
      reason: 'not-continuous',
    });
    // an "intermediate" whose chain names a root that did not sign it
    const broken: CaMaterial = {
      issuer: { ...other, chain: [ca.certificate] },
      trustBundle: [ca.certificate],
    };
    expect(await acceptCaReload(materialOf(ca), broken, { now: later })).toMatchObject({
      accepted: false,
      reason: 'chain-broken',
    });
    const rotated = await rotateCa({ ca, now: later });
    const noOld: CaMaterial = {
      issuer: rotated.ca,
      trustBundle: [rotated.ca.certificate, rotated.newWithOld],
      previous: other,
    };
    expect(await acceptCaReload(materialOf(ca), noOld, { now: later })).toMatchObject({
      accepted: false,
      reason: 'previous-not-in-bundle',
    });
    const expiredAt = new Date(now.getTime() + 40 * 86_400_000);
    expect(await acceptCaReload(materialOf(ca), materialOf(ca), { now: expiredAt })).toMatchObject({
      accepted: false,
      reason: 'not-a-signing-ca',
    });
  });
});
