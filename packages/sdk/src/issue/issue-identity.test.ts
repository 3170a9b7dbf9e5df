import { describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { NodeIdError } from '../errors.js';
import { issueIdentity } from './issue-identity.js';

const now = new Date('2026-06-01T00:00:00Z');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (NodeIdError.isInstance(e)) return e.code;
    throw e;
  }
  return 'no error';
}

describe('issueIdentity', () => {
  it('node profile: CN = cluster name recorded by createCa, short name + FQDN SANs, both usages', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example', now });
    const id = await issueIdentity({ ca, name: 'Node1.Example.NET', ips: ['10.0.0.1'], now });
    expect(id.certificate.subject.text).toBe('CN=scale.cluster,O=Example');
    expect(id.certificate.subjectAltNames?.map((n) => `${n.type}:${n.value}`)).toEqual([
      'dns:node1',
      'dns:node1.example.net',
      'ip:10.0.0.1',
    ]);
    expect(id.certificate.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(id.certificate.keyUsage).toEqual(['digitalSignature']);
    expect(id.certificate.basicConstraints).toEqual({ ca: false, critical: true });
    expect(id.certificate.authorityKeyIdentifier?.keyIdentifier).toEqual(
      ca.certificate.subjectKeyIdentifier,
    );
    expect(id.certificate.notBefore.toISOString()).toBe('2026-05-31T23:55:00.000Z');
    expect(id.certificate.notAfter.toISOString()).toBe('2027-06-01T00:00:00.000Z');
    expect(id.chain).toEqual([ca.certificate]);
    expect(id.certificate.serialNumber).toMatch(/^[0-9a-f]{32}$/);
    expect(id.certificate.serialNumberInvalid).toBe(false);
  });

  it('serials are random', async () => {
    const ca = await createCa({ clusterName: 'c', now });
    const a = await issueIdentity({ ca, name: 'a.example.net', now });
    const b = await issueIdentity({ ca, name: 'a.example.net', now });
    expect(a.certificate.serialNumber).not.toBe(b.certificate.serialNumber);
  });

  it('server, client and control profiles', async () => {
    const ca = await createCa({ clusterName: 'c', now });
    const server = await issueIdentity({
      ca,
      profile: 'server',
      name: 'localhost',
      ips: ['127.0.0.1'],
      now,
    });
    expect(server.certificate.subject.text).toBe('CN=localhost');
    expect(server.certificate.subjectAltNames?.map((n) => n.value)).toEqual([
      'localhost',
      '127.0.0.1',
    ]);
    expect(server.certificate.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const client = await issueIdentity({ ca, profile: 'client', name: 'alice', now });
    expect(client.certificate.subject.text).toBe('CN=alice');
    expect(client.certificate.subjectAltNames).toBeUndefined();
    expect(client.certificate.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const control = await issueIdentity({
      ca,
      profile: 'control',
      name: 'control.example.net',
      now,
    });
    expect(control.certificate.subject.text).toBe('CN=control-service');
    expect(control.certificate.subjectAltNames?.map((n) => n.value)).toEqual([
      'control.example.net',
    ]);
  });

  it('a leaf never outlives its CA: clamped with a warning', async () => {
    const ca = await createCa({ clusterName: 'c', days: 30, now });
    const id = await issueIdentity({ ca, name: 'n.example.net', days: 365, now });
    expect(id.certificate.notAfter.getTime()).toBe(ca.certificate.notAfter.getTime());
    expect(id.warnings.join()).toMatch(/lifetime shortened/);
  });

  it('refuses an expired CA, bad names and unknown profiles with stable codes', async () => {
    const ca = await createCa({ clusterName: 'c', days: 1, now });
    const later = new Date(now.getTime() + 3 * 86_400_000);
    expect(await codeOf(issueIdentity({ ca, name: 'n.example.net', now: later }))).toBe(
      'ERR_CA_EXPIRED',
    );
    expect(await codeOf(issueIdentity({ ca, name: 'bad name!', now }))).toBe('ERR_NAME_INVALID');
    expect(
      await codeOf(issueIdentity({ ca, name: 'n.example.net', ips: ['10.0.0.300'], now })),
    ).toBe('ERR_NAME_INVALID');
    expect(
      await codeOf(issueIdentity({ ca, name: 'n.example.net', uris: ['no scheme'], now })),
    ).toBe('ERR_NAME_INVALID');
    expect(
      await codeOf(issueIdentity({ ca, name: 'n.example.net', profile: 'admin' as never, now })),
    ).toBe('ERR_INVALID_ARGUMENT');
    expect(
      await codeOf(
        issueIdentity({ ca, name: 'n.example.net', algorithm: 'RSA-1024' as never, now }),
      ),
    ).toBe('ERR_KEY_UNSUPPORTED');
    const leaf = await issueIdentity({ ca, name: 'n.example.net', now });
    expect(await codeOf(issueIdentity({ ca: leaf, name: 'x.example.net', now }))).toBe(
      'ERR_CA_INVALID',
    );
    const foreign = await createCa({ commonName: 'Other CA', now });
    expect(await codeOf(issueIdentity({ ca: foreign, name: 'x.example.net', now }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});
