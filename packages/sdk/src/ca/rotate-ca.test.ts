import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openssl, scratch, writeFiles } from '../../test/helpers/openssl.js';
import type { Certificate } from '../certificate/parse-certificate.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { toHex } from '../lib/bytes.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { createCa } from './create-ca.js';
import { caKeyIdentifier, renewCa } from './renew-ca.js';
import { isIssuedBy, rotateCa } from './rotate-ca.js';
import { acceptTrustBundle } from './trust-bundle.js';

const now = new Date('2026-06-01T00:00:00Z');
const later = new Date('2026-06-02T00:00:00Z');
const dir = scratch('nodeid-rotate-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** `openssl verify` at a fixed time with only the given roots and untrusted CAs. */
function opensslVerify(
  leaf: Certificate,
  roots: Certificate[],
  untrusted: Certificate[] = [],
  at = later,
): string {
  const id = n++;
  const files = writeFiles(dir, {
    [`leaf${id}.pem`]: leaf.pem,
    [`roots${id}.pem`]: roots.map((c) => c.pem).join(''),
    [`untrusted${id}.pem`]: untrusted.map((c) => c.pem).join(''),
  });
  const args = ['verify', '-attime', String(Math.floor(at.getTime() / 1000))];
  args.push('-CAfile', files[`roots${id}.pem`]!);
  if (untrusted.length) args.push('-untrusted', files[`untrusted${id}.pem`]!);
  args.push(files[`leaf${id}.pem`]!);
  const r = openssl(args);
  return r.status === 0 ? 'ok' : r.output;
}

async function sdkVerify(
  leaf: Certificate,
  roots: Certificate[],
  intermediates: Certificate[] = [],
  at = later,
): Promise<string> {
  const r = await verifyCertificate({
    certificate: leaf,
    trustAnchors: roots,
    intermediates,
    now: at,
  });
  return r.ok ? 'ok' : r.code;
}

describe('renewCa', () => {
  it('keeps key, subject and SKI, so leaves verify under either copy (SDK and openssl)', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', pathLength: 0, now, days: 30 });
    const leaf = await issueIdentity({ ca, name: 'node1.example.net', now, days: 20 });
    const { certificate: renewed, warnings } = await renewCa({ ca, now: later, days: 3650 });
    expect(warnings).toEqual([]);
    expect(renewed.subject.raw).toEqual(ca.certificate.subject.raw);
    expect(renewed.issuer.raw).toEqual(ca.certificate.subject.raw);
    expect(renewed.publicKey.spki).toEqual(ca.certificate.publicKey.spki);
    expect(renewed.subjectKeyIdentifier).toEqual(ca.certificate.subjectKeyIdentifier);
    expect(renewed.authorityKeyIdentifier?.keyIdentifier).toEqual(
      ca.certificate.subjectKeyIdentifier,
    );
    expect(renewed.serialNumber).not.toBe(ca.certificate.serialNumber);
    expect(renewed.basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
    expect(renewed.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(renewed.notAfter.getTime() - later.getTime()).toBe(3650 * 86_400_000);

    // the old leaf verifies under the renewed copy alone
    expect(await sdkVerify(leaf.certificate, [renewed])).toBe('ok');
    expect(opensslVerify(leaf.certificate, [renewed])).toBe('ok');
    // a leaf of the renewed copy verifies under the old copy while it lasts, and under the
    // renewed one after the old copy's end (where openssl refuses the expired old anchor)
    const next = await issueIdentity({
      ca: { certificate: renewed, privateKey: ca.privateKey },
      name: 'node2.example.net',
      now: later,
      days: 90,
    });
    expect(await sdkVerify(next.certificate, [ca.certificate])).toBe('ok');
    expect(opensslVerify(next.certificate, [ca.certificate])).toBe('ok');
    const afterOld = new Date(ca.certificate.notAfter.getTime() + 86_400_000);
    expect(await sdkVerify(next.certificate, [renewed], [], afterOld)).toBe('ok');
    expect(opensslVerify(next.certificate, [renewed], [], afterOld)).toBe('ok');
    expect(opensslVerify(next.certificate, [ca.certificate], [], afterOld)).toMatch(/expired/);
    expect(opensslVerify(renewed, [renewed])).toBe('ok');
  });

  it('renews an expired root, warns about an earlier end, refuses intermediates and other keys', async () => {
    const ca = await createCa({ clusterName: 'c', now, days: 10 });
    const long = new Date(now.getTime() + 100 * 86_400_000);
    const renewed = await renewCa({ ca, now: long });
    expect(renewed.certificate.notAfter.getTime()).toBeGreaterThan(long.getTime());
    const shorter = await renewCa({ ca, now, days: 5 });
    expect(shorter.warnings[0]).toMatch(/not later than the current one/);
    const sub = await createCa({ commonName: 'sub', issuer: ca, now });
    await expect(renewCa({ ca: sub, now })).rejects.toMatchObject({ code: 'ERR_CA_INVALID' });
    const other = await createCa({ clusterName: 'c', now });
    await expect(
      renewCa({ ca: { certificate: ca.certificate, privateKey: other.privateKey }, now }),
    ).rejects.toMatchObject({ code: 'ERR_KEY_MISMATCH' });
    const leaf = await issueIdentity({ ca, name: 'n.example.net', now });
    await expect(
      renewCa({ ca: { certificate: leaf.certificate, privateKey: leaf.privateKey }, now }),
    ).rejects.toMatchObject({ code: 'ERR_CA_INVALID' });
  });
});

describe('rotateCa (RFC 4210 §4.4 root CA key update)', () => {
  it('links the old and new keys both ways; old and new leaves verify across them (SDK and openssl)', async () => {
    const old = await createCa({ clusterName: 'scale.cluster', now, days: 365 });
    const oldLeaf = await issueIdentity({ ca: old, name: 'old.example.net', now, days: 90 });
    const r = await rotateCa({ ca: old, now: later });
    const newRoot = r.ca.certificate;
    const newLeaf = await issueIdentity({ ca: r.ca, name: 'new.example.net', now: later });

    // same name, new key; cross certificates per §4.4
    expect(newRoot.subject.raw).toEqual(old.certificate.subject.raw);
    expect(newRoot.issuer.raw).toEqual(old.certificate.subject.raw);
    expect(toHex(newRoot.publicKey.spki)).not.toBe(toHex(old.certificate.publicKey.spki));
    expect(r.ca.algorithm).toBe('P-256');
    expect(newRoot.notAfter.getTime() - later.getTime()).toBe(3650 * 86_400_000);
    const oldId = caKeyIdentifier(old.certificate);
    const newId = caKeyIdentifier(newRoot);
    expect(r.newWithOld.publicKey.spki).toEqual(newRoot.publicKey.spki);
    expect(r.newWithOld.subjectKeyIdentifier).toEqual(newId);
    expect(r.newWithOld.authorityKeyIdentifier?.keyIdentifier).toEqual(oldId);
    expect(r.newWithOld.notAfter).toEqual(old.certificate.notAfter);
    expect(r.oldWithNew.publicKey.spki).toEqual(old.certificate.publicKey.spki);
    expect(r.oldWithNew.subjectKeyIdentifier).toEqual(oldId);
    expect(r.oldWithNew.authorityKeyIdentifier?.keyIdentifier).toEqual(newId);
    expect(r.oldWithNew.notAfter).toEqual(old.certificate.notAfter);
    expect(r.oldWithNew.basicConstraints?.ca).toBe(true);
    expect(r.bundle).toEqual([newRoot, old.certificate, r.newWithOld, r.oldWithNew]);
    // a node that trusts either root alone accepts the bundle (the agent's continuity rule)
    const fromOld = await acceptTrustBundle([old.certificate], r.bundle, { now: later });
    expect(fromOld.accepted && fromOld.added.map((l) => l.root)).toEqual([newRoot]);
    const fromNew = await acceptTrustBundle([newRoot], r.bundle, { now: later });
    expect(fromNew.accepted && fromNew.added.map((l) => l.root)).toEqual([old.certificate]);

    const cases: [string, Certificate, Certificate[], Certificate[], string][] = [
      ['old leaf, new root + OldWithNew', oldLeaf.certificate, [newRoot], [r.oldWithNew], 'ok'],
      [
        'new leaf, old root + NewWithOld',
        newLeaf.certificate,
        [old.certificate],
        [r.newWithOld],
        'ok',
      ],
      ['old leaf, bundle', oldLeaf.certificate, r.bundle, [], 'ok'],
      ['new leaf, bundle', newLeaf.certificate, r.bundle, [], 'ok'],
      // without the cross certificate each root knows only its own leaves
      ['old leaf, new root alone', oldLeaf.certificate, [newRoot], [], 'fail'],
      ['new leaf, old root alone', newLeaf.certificate, [old.certificate], [], 'fail'],
      // a cross certificate in the wrong direction does not help
      ['old leaf, new root + NewWithOld', oldLeaf.certificate, [newRoot], [r.newWithOld], 'fail'],
    ];
    for (const [what, leaf, roots, untrusted, expected] of cases) {
      const sdk = await sdkVerify(leaf, roots, untrusted);
      const ossl = opensslVerify(leaf, roots, untrusted);
      expect({ what, sdk: sdk === 'ok' ? 'ok' : 'fail' }).toEqual({ what, sdk: expected });
      expect({ what, openssl: ossl === 'ok' ? 'ok' : 'fail' }).toEqual({
        what,
        openssl: expected,
      });
    }
    const sdkChain = await verifyCertificate({
      certificate: oldLeaf.certificate,
      trustAnchors: [newRoot],
      intermediates: [r.oldWithNew],
      now: later,
    });
    expect(sdkChain.ok && sdkChain.chain.map((c) => c.serialNumber)).toEqual([
      oldLeaf.certificate.serialNumber,
      r.oldWithNew.serialNumber,
      newRoot.serialNumber,
    ]);

    expect(await isIssuedBy(oldLeaf.certificate, old.certificate)).toBe(true);
    expect(await isIssuedBy(oldLeaf.certificate, newRoot)).toBe(false);
    expect(await isIssuedBy(newLeaf.certificate, newRoot)).toBe(true);
    expect(await isIssuedBy(newLeaf.certificate, old.certificate)).toBe(false);
  });

  it('keeps the algorithm unless told, and refuses an expired root or the same key', async () => {
    const old = await createCa({ clusterName: 'c', algorithm: 'P-384', now, days: 30 });
    const kept = await rotateCa({ ca: old, now });
    expect(kept.ca.algorithm).toBe('P-384');
    const ed = await rotateCa({ ca: old, now, algorithm: 'Ed25519', days: 100 });
    expect(ed.ca.algorithm).toBe('Ed25519');
    // NewWithOld cannot outlive the old key
    expect(ed.newWithOld.notAfter).toEqual(old.certificate.notAfter);
    const newLeaf = await issueIdentity({ ca: ed.ca, name: 'n.example.net', now });
    expect(await sdkVerify(newLeaf.certificate, [old.certificate], [ed.newWithOld], now)).toBe(
      'ok',
    );
    await expect(
      rotateCa({ ca: old, now: new Date(now.getTime() + 31 * 86_400_000) }),
    ).rejects.toMatchObject({ code: 'ERR_CA_EXPIRED' });
    await expect(
      rotateCa({
        ca: old,
        now,
        keyPair: { privateKey: old.privateKey, publicKey: old.publicKey, algorithm: old.algorithm },
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
