/**
 * /metrics exports the CA's own dates: every CA certificate's not-after (signing CA, the CAs
 * above it, the roots of the trust bundle) and each served CRL's nextUpdate, equal to what the
 * certificates and the CRLs served say. Through `app.request()`.
 */
import { createHash } from 'node:crypto';
import { createCa, createCrl, parseCrl, rotateCa } from '@nodeid/sdk';
import { openMemoryStore } from '@nodeid/store';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const unix = (d: Date) => String(Math.floor(d.getTime() / 1000));

/** The value of the one series of `name` whose labels include every label given. */
function gauge(text: string, name: string, labels: Record<string, string>): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => m[2]!.includes(`${k}="${v}"`))) return m[3];
  }
  return undefined;
}

describe('/metrics: CA and CRL dates', () => {
  it('exports each CA certificate not-after and each CRL nextUpdate as served', async () => {
    const root = await createCa({
      clusterName: 'metrics.cluster',
      commonName: 'metrics root',
      days: 3650,
    });
    const next = await createCa({
      clusterName: 'metrics.cluster',
      commonName: 'metrics root 2',
      days: 7300,
    });
    const sub = await createCa({ commonName: 'metrics sub', issuer: root, days: 1000 });
    const rootCrl = await createCrl({ issuer: root, entries: [], crlNumber: 3, nextUpdate: '30d' });
    const ADMIN = 'metrics-ca-admin-token-0123456789abcdef';
    const app = createApp({
      ca: { certificate: sub.certificate, privateKey: sub.privateKey, chain: [root.certificate] },
      clusterName: 'metrics.cluster',
      store: await openMemoryStore(),
      adminTokenHashes: [createHash('sha256').update(ADMIN).digest()],
      trustBundle: [root.certificate, next.certificate],
      rootCrl: { read: async () => rootCrl, paths: [] },
    });
    const metrics = async () => (await app.request('/metrics')).text();
    const text = await metrics();
    const name = 'nodeid_ca_certificate_not_after_seconds';
    expect(text).toContain(`# TYPE ${name} gauge`);
    expect(gauge(text, name, { serial: sub.certificate.serialNumber, role: 'issuing' })).toBe(
      unix(sub.certificate.notAfter),
    );
    expect(gauge(text, name, { serial: root.certificate.serialNumber, role: 'root' })).toBe(
      unix(root.certificate.notAfter),
    );
    expect(gauge(text, name, { subject: 'CN=metrics root 2,OU=metrics.cluster' })).toBe(
      unix(next.certificate.notAfter),
    );
    // the signing CA's not-after as before, unlabelled
    expect(text).toContain(`nodeid_ca_not_after_seconds ${unix(sub.certificate.notAfter)}`);

    const served = parseCrl(new Uint8Array(await (await app.request('/v1/crl')).arrayBuffer()));
    const crlName = 'nodeid_crl_next_update_seconds';
    expect(text).toContain(`# TYPE ${crlName} gauge`);
    expect(gauge(text, crlName, { issuer: 'CN=metrics sub' })).toBe(unix(served.nextUpdate!));
    expect(gauge(text, crlName, { issuer: root.certificate.subject.text, crl_number: '3' })).toBe(
      unix(rootCrl.crl.nextUpdate!),
    );
    expect(
      gauge(text, crlName, { issuer: 'CN=metrics sub', crl_number: String(served.crlNumber) }),
    ).toBeDefined();
  });

  it('during a rotation exports the CRL of each key, told apart by the key label', async () => {
    const old = await createCa({ clusterName: 'metrics.cluster', days: 3650 });
    const rotated = await rotateCa({ ca: old });
    const app = createApp({
      ca: rotated.ca,
      previousCa: old,
      trustBundle: rotated.bundle,
      clusterName: 'metrics.cluster',
      store: await openMemoryStore(),
      adminTokenHashes: [createHash('sha256').update('metrics-rotation-admin-0123456789').digest()],
    });
    const text = await (await app.request('/metrics')).text();
    const served = parseCrl(new Uint8Array(await (await app.request('/v1/crl')).arrayBuffer()));
    const previous = parseCrl(
      new Uint8Array(await (await app.request('/v1/crl/previous')).arrayBuffer()),
    );
    const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
    const newKey = hex(rotated.ca.certificate.subjectKeyIdentifier);
    const oldKey = hex(old.certificate.subjectKeyIdentifier);
    expect(newKey).not.toBe(oldKey);
    const crlName = 'nodeid_crl_next_update_seconds';
    expect(gauge(text, crlName, { key: newKey })).toBe(unix(served.nextUpdate!));
    expect(gauge(text, crlName, { key: oldKey })).toBe(unix(previous.nextUpdate!));
    // both carry the one name the rotation kept
    const series = text.split('\n').filter((l) => l.startsWith(`${crlName}{`));
    expect(series).toHaveLength(2);
    for (const l of series) expect(l).toContain(`issuer="${old.certificate.subject.text}"`);
  });
});
