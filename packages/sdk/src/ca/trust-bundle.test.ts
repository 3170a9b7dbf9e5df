/**
 * acceptTrustBundle against the continuity rule: a fetched bundle replaces the trusted CAs only
 * when each root it holds is trusted now (same name and key) or certified by a root trusted now
 * (RFC 4210 §4.4 newWithOld).
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import { createCa } from './create-ca.js';
import { acceptTrustBundle } from './trust-bundle.js';

const now = new Date('2026-06-01T00:00:00Z');
const cluster = 'scale.cluster';
const pem = (...ids: Identity[]) => ids.map((i) => i.certificate.pem).join('');
const keysOf = (i: Identity) => ({
  privateKey: i.privateKey,
  publicKey: i.publicKey,
  algorithm: i.algorithm,
});

// old root; new root of a same-name rotation (another key); the cross certificates both ways
const old = await createCa({ clusterName: cluster, now, days: 3650 });
const next = await createCa({ clusterName: cluster, now, days: 3650 });
const newWithOld = await createCa({
  clusterName: cluster,
  keyPair: keysOf(next),
  issuer: old,
  now,
  days: 365,
});
const oldWithNew = await createCa({
  clusterName: cluster,
  keyPair: keysOf(old),
  issuer: next,
  now,
  days: 365,
});

describe('acceptTrustBundle', () => {
  it('accepts the same bundle as unchanged', async () => {
    const r = await acceptTrustBundle(pem(old), pem(old), { now });
    expect(r).toMatchObject({ accepted: true, changed: false, added: [], removed: [] });
  });

  it('accepts a re-issued copy of the trusted root (same name and key, new not-after) as a change', async () => {
    const renewed = await createCa({ clusterName: cluster, keyPair: keysOf(old), now, days: 7300 });
    const r = await acceptTrustBundle(pem(old), pem(renewed), { now });
    expect(r).toMatchObject({ accepted: true, changed: true, added: [], removed: [] });
  });

  it('accepts old and new roots with the new root cross-signed by the old (newWithOld)', async () => {
    const r = await acceptTrustBundle(pem(old), pem(old, next, newWithOld, oldWithNew), { now });
    if (!r.accepted) throw new Error(r.message);
    expect(r.changed).toBe(true);
    expect(r.roots.map((c) => c.serialNumber)).toEqual([
      old.certificate.serialNumber,
      next.certificate.serialNumber,
    ]);
    expect(r.added).toHaveLength(1);
    expect(r.added[0]!.root.serialNumber).toBe(next.certificate.serialNumber);
    expect(r.added[0]!.crossCertificate.serialNumber).toBe(newWithOld.certificate.serialNumber);
    expect(r.added[0]!.signer.serialNumber).toBe(old.certificate.serialNumber);
    expect(r.pem).toBe(pem(old, next, newWithOld, oldWithNew));
  });

  it('accepts a bundle that drops the old root when the new one is linked to it', async () => {
    const r = await acceptTrustBundle(pem(old), pem(next, newWithOld), { now });
    if (!r.accepted) throw new Error(r.message);
    expect(r.removed.map((c) => c.serialNumber)).toEqual([old.certificate.serialNumber]);
  });

  it('accepts the retired bundle (new root alone) on a node that trusts both roots', async () => {
    const r = await acceptTrustBundle(pem(old, next), pem(next), { now });
    expect(r).toMatchObject({ accepted: true, changed: true, added: [] });
    if (r.accepted) expect(r.removed).toHaveLength(1);
  });

  it('refuses a new root without a cross certificate, whether or not the old root stays', async () => {
    for (const bundle of [pem(next), pem(old, next), pem(next, oldWithNew)]) {
      const r = await acceptTrustBundle(pem(old), bundle, { now });
      expect(r).toMatchObject({ accepted: false, reason: 'not-continuous' });
      if (!r.accepted) expect(r.message).toContain(next.certificate.serialNumber);
    }
  });

  it('refuses a cross certificate signed by a key that is not trusted now', async () => {
    // an attacker's CA with the old root's name signs a "cross certificate" for its own root
    const forger = await createCa({ clusterName: cluster, now, days: 3650 });
    const fake = await createCa({ clusterName: cluster, now, days: 3650 });
    const forged = await createCa({
      clusterName: cluster,
      keyPair: keysOf(fake),
      issuer: forger,
      now,
      days: 365,
    });
    const r = await acceptTrustBundle(pem(old), pem(fake, forged), { now });
    expect(r).toMatchObject({ accepted: false, reason: 'not-continuous' });
  });

  it('refuses a cross certificate for another key than the new root', async () => {
    const other = await generateKeyPair({});
    const wrongKey = await createCa({
      clusterName: cluster,
      keyPair: other,
      issuer: old,
      now,
      days: 365,
    });
    const r = await acceptTrustBundle(pem(old), pem(next, wrongKey), { now });
    expect(r.accepted).toBe(false);
  });

  it('refuses a link that is not valid at now (expired cross certificate)', async () => {
    const later = new Date(now.getTime() + 400 * 86_400_000);
    const r = await acceptTrustBundle(pem(old), pem(next, newWithOld), { now: later });
    expect(r).toMatchObject({ accepted: false, reason: 'not-continuous' });
    // the same bundle while the link was valid
    expect((await acceptTrustBundle(pem(old), pem(next, newWithOld), { now })).accepted).toBe(true);
  });

  it('refuses a leaf certificate in the bundle, and a bundle of a leaf alone', async () => {
    const leaf = await issueIdentity({
      ca: old,
      name: 'node1.example.net',
      clusterName: cluster,
      now,
    });
    expect(await acceptTrustBundle(pem(old), pem(old, leaf), { now })).toMatchObject({
      accepted: false,
      reason: 'unexpected-certificate',
    });
    expect(await acceptTrustBundle(pem(old), pem(leaf), { now })).toMatchObject({
      accepted: false,
      reason: 'no-roots',
    });
  });
});
