/**
 * judgeFleetNode: each alert of the ALERT column from a real chain (issued by the SDK), every
 * alert of a node that is wrong in several ways, severities and the exit code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCrl } from '../crl/create-crl.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import {
  fleetExitCode,
  type JudgeFleetNodeOptions,
  judgeFleetNode,
  unreachableFleetNode,
} from './judge-fleet-node.js';

const DAY = 86_400_000;
let ca: Identity;
let otherCa: Identity;
let node1: Identity;
const now = new Date();

beforeAll(async () => {
  ca = await createCa({ clusterName: 'scale.cluster' });
  otherCa = await createCa({ clusterName: 'scale.cluster' }); // same name, another key
  node1 = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
});

const judge = (o: Partial<JudgeFleetNodeOptions> & { id?: Identity }) =>
  judgeFleetNode({
    chain: [(o.id ?? node1).certificate.der, ...(o.id ?? node1).chain.map((c) => c.der)],
    trustAnchors: [ca.certificate.pem],
    reachedName: 'node1.example.net',
    clusterName: 'scale.cluster',
    now,
    ...o,
  });

describe('judgeFleetNode', () => {
  it('a good node raises nothing, and reports the leaf as the ALERT line needs', async () => {
    const r = await judge({});
    expect(r).toMatchObject({ severity: 'ok', alerts: [], verified: true });
    expect(r.leaf).toMatchObject({
      serialNumber: node1.certificate.serialNumber,
      names: ['node1', 'node1.example.net', '10.0.0.1'],
      subject: node1.certificate.subject.text,
    });
    expect(r.chain.map((c) => c.isCa)).toEqual([false, true]);
    // Reached by IP: checked against the iPAddress SANs.
    expect((await judge({ reachedName: '10.0.0.1' })).alerts).toEqual([]);
  });

  it('expiring within the window is tls-cert-will-soon-expire, a warning', async () => {
    const at = new Date(node1.certificate.notAfter.getTime() - 2 * DAY);
    const r = await judge({ now: at, warnWithin: '3d' });
    expect(r.alerts).toEqual(['tls-cert-will-soon-expire']);
    expect(r.severity).toBe('warning');
    expect(r.problems[0]!.message).toMatch(/expires in 2d/);
    expect((await judge({ now: at, warnWithin: '1d' })).alerts).toEqual([]);
  });

  it('expired is tls-cert-expired, and the path is still judged: another CA shows wrong-ca too', async () => {
    const at = new Date(node1.certificate.notAfter.getTime() + DAY);
    expect((await judge({ now: at })).alerts).toEqual(['tls-cert-expired']);
    const foreign = await issueIdentity({ ca: otherCa, name: 'node1.example.net' });
    const r = await judge({
      id: foreign,
      now: new Date(foreign.certificate.notAfter.getTime() + DAY),
    });
    expect(r.alerts).toEqual(['tls-cert-expired', 'wrong-ca']);
    expect(r.severity).toBe('error');
  });

  it('a chain to another CA of the same name is wrong-ca, with the SDK message', async () => {
    const foreign = await issueIdentity({ ca: otherCa, name: 'node1.example.net' });
    const r = await judge({ id: foreign });
    expect(r.alerts).toEqual(['wrong-ca']);
    expect(r.problems[0]!.code).toMatch(/ERR_SIGNATURE_INVALID|ERR_UNKNOWN_AUTHORITY/);
    const stranger = await createCa({ clusterName: 'elsewhere' });
    const r2 = await judge({
      id: await issueIdentity({ ca: stranger, name: 'node1.example.net' }),
      clusterName: undefined,
    });
    expect(r2.alerts).toEqual(['wrong-ca']);
    expect(r2.problems[0]!.message).toMatch(/^certificate signed by unknown authority/);
  });

  it('another name is name-mismatch; another CN is wrong-cluster; both show', async () => {
    expect((await judge({ reachedName: 'node2.example.net' })).alerts).toEqual(['name-mismatch']);
    expect((await judge({ reachedName: '10.0.0.2' })).alerts).toEqual(['name-mismatch']);
    const r = await judge({ reachedName: 'node2.example.net', clusterName: 'ais.cluster' });
    expect(r.alerts).toEqual(['name-mismatch', 'wrong-cluster']);
    expect(r.verified).toBe(false);
    expect(r.problems.find((p) => p.alert === 'wrong-cluster')!.message).toMatch(/ais\.cluster/);
  });

  it('revoked by a CRL or by the inventory; superseded is a warning', async () => {
    const crl = await createCrl({
      issuer: ca,
      entries: [
        { serialNumber: node1.certificate.serialNumber, revokedAt: new Date(now.getTime() - DAY) },
      ],
      crlNumber: 1,
      now,
    });
    const r = await judge({ crls: [crl.pem] });
    expect(r.alerts).toEqual(['revoked']);
    expect(r.problems[0]!.code).toBe('ERR_REVOKED');
    const upper = node1.certificate.serialNumber.toUpperCase();
    expect((await judge({ revokedSerials: [`00${upper}`] })).alerts).toEqual(['revoked']);
    const s = await judge({ supersededSerials: [upper] });
    expect(s).toMatchObject({ alerts: ['superseded'], severity: 'warning' });
  });

  it('a presented CA within the CA window (180 days by default) warns, a leaf window does not apply', async () => {
    const at = new Date(ca.certificate.notAfter.getTime() - 100 * DAY);
    const young = await issueIdentity({
      ca,
      name: 'node1.example.net',
      now: new Date(at.getTime() - DAY),
      days: 90,
    });
    const r = await judge({ id: { ...young, chain: [ca.certificate] }, now: at });
    expect(r.alerts).toEqual(['tls-cert-will-soon-expire']);
    expect(r.problems).toMatchObject([{ depth: 1 }]);
    expect(r.chain.map((c) => c.isCa)).toEqual([false, true]);
    expect(
      (await judge({ id: { ...young, chain: [ca.certificate] }, now: at, caWarnWithin: '90d' }))
        .alerts,
    ).toEqual([]);
  });

  it('without anchors only the dates are judged; garbage is tls-cert-invalid, never a throw', async () => {
    const foreign = await issueIdentity({ ca: otherCa, name: 'x.example.net' });
    expect(
      (
        await judge({
          id: foreign,
          trustAnchors: undefined,
          reachedName: undefined,
          clusterName: undefined,
        })
      ).alerts,
    ).toEqual([]);
    const bad = await judgeFleetNode({ chain: [new Uint8Array([0x30, 0x03, 1, 2, 3])] });
    expect(bad).toMatchObject({ severity: 'error', alerts: ['tls-cert-invalid'] });
    expect((await judgeFleetNode({ chain: [] })).alerts).toEqual(['tls-cert-invalid']);
  });

  it('exit code: 0 all fine, 1 only warnings, 2 any error or nothing checked', () => {
    const ok = { severity: 'ok' as const };
    const warn = { severity: 'warning' as const };
    expect(fleetExitCode([ok, ok])).toBe(0);
    expect(fleetExitCode([ok, warn])).toBe(1);
    expect(
      fleetExitCode([warn, unreachableFleetNode('x:1 is unreachable: connection refused')]),
    ).toBe(2);
    expect(fleetExitCode([])).toBe(2);
  });
});
