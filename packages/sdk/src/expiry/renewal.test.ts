/**
 * Renewal policy in the SDK (issue 10, "where the fixes live"): the request that renews a
 * certificate as it is, and the time renewal is due, so the CLI agent, `cert renew`,
 * `cert needs-renewal` and nodeid-server's own certificate decide alike.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { needsRenewal, renewalDueAt } from './needs-renewal.js';
import { renewalRequestOf } from './renewal-request.js';

const DAY = 86_400_000;
const at = new Date('2026-01-01T00:00:00Z');
let ca: Identity;
let node: Identity;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'renew.cluster', now: at });
  node = await issueIdentity({
    ca,
    name: 'node1.example.net',
    ips: ['10.0.0.1', 'fd00::1'],
    uris: ['spiffe://renew.cluster/node1'],
    days: 90,
    now: at,
  });
});

describe('renewalRequestOf', () => {
  it('a node certificate renews with its names, cluster CN, profile and lifetime', () => {
    expect(renewalRequestOf(node.certificate)).toEqual({
      profile: 'node',
      name: 'node1.example.net',
      commonName: 'renew.cluster',
      clusterName: 'renew.cluster',
      dns: ['node1', 'node1.example.net'],
      ips: ['10.0.0.1', 'fd00::1'],
      uris: ['spiffe://renew.cluster/node1'],
      emails: [],
      lifetimeDays: 90,
    });
  });

  it('server, client and control certificates are read back as such', async () => {
    const server = await issueIdentity({
      ca,
      profile: 'server',
      name: '10.0.0.9',
      now: at,
      days: 30,
    });
    expect(renewalRequestOf(server.certificate)).toMatchObject({
      profile: 'server',
      name: '10.0.0.9',
      ips: ['10.0.0.9'],
      lifetimeDays: 30,
    });
    expect(renewalRequestOf(server.certificate).clusterName).toBeUndefined();
    const client = await issueIdentity({ ca, profile: 'client', name: 'alice', now: at });
    expect(renewalRequestOf(client.certificate)).toMatchObject({
      profile: 'client',
      name: 'alice',
      dns: [],
    });
    const control = await issueIdentity({
      ca,
      profile: 'control',
      name: 'head.example.net',
      now: at,
    });
    expect(renewalRequestOf(control.certificate)).toMatchObject({
      profile: 'control',
      name: 'head.example.net',
    });
  });

  it('a renewal issued from the request carries the same names, profile and lifetime', async () => {
    const r = renewalRequestOf(node.certificate);
    const renewed = await issueIdentity({
      ca,
      profile: r.profile,
      name: r.name,
      clusterName: r.clusterName,
      dns: r.dns,
      ips: r.ips,
      uris: r.uris,
      days: r.lifetimeDays,
      now: new Date(at.getTime() + 60 * DAY),
    });
    expect(renewalRequestOf(renewed.certificate)).toEqual(r);
  });
});

describe('renewalDueAt', () => {
  it('is two thirds into the lifetime by default, where needsRenewal turns true', () => {
    const cert = node.certificate;
    const due = renewalDueAt(cert);
    const start = cert.notBefore.getTime();
    const life = cert.notAfter.getTime() - start;
    expect(due.getTime()).toBe(start + (2 / 3) * life);
    expect(needsRenewal(cert, { now: new Date(due.getTime() - 1) })).toBe(false);
    expect(needsRenewal(cert, { now: due })).toBe(true);
  });

  it('takes a threshold as needsRenewal does: a duration before the end, or a percentage', () => {
    const cert = node.certificate;
    expect(renewalDueAt(cert, { threshold: '30d' }).getTime()).toBe(
      cert.notAfter.getTime() - 30 * DAY,
    );
    const start = cert.notBefore.getTime();
    const life = cert.notAfter.getTime() - start;
    expect(renewalDueAt(cert, { threshold: '50%' }).getTime()).toBe(start + life / 2);
  });

  it('moves by the jitter share of the lifetime with the given randomness, and stays a minute before the end', () => {
    const cert = node.certificate;
    const life = cert.notAfter.getTime() - cert.notBefore.getTime();
    const base = renewalDueAt(cert).getTime();
    expect(renewalDueAt(cert, { jitter: 0.1, random: () => 0 }).getTime()).toBe(base - 0.1 * life);
    expect(renewalDueAt(cert, { jitter: 0.1, random: () => 0.75 }).getTime()).toBeCloseTo(
      base + 0.05 * life,
      -1,
    );
    expect(renewalDueAt(cert, { threshold: '100%' }).getTime()).toBe(
      cert.notAfter.getTime() - 60_000,
    );
    expect(() => renewalDueAt(cert, { jitter: 2 })).toThrow(/jitter/);
    expect(() => renewalDueAt('not a certificate')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
