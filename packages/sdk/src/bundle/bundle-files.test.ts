import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openssl, scratch } from '../../test/helpers/openssl.js';
import { createCa } from '../ca/create-ca.js';
import { parseCertificates } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { type BundleFile, type BundleLayout, bundleFiles } from './bundle-files.js';

let ca: Identity;
let node: Identity;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
  node = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
});

const summary = (files: BundleFile[]) => files.map((f) => [f.path, f.mode.toString(8)]);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(NodeIdError.isInstance(e), String(e)).toBe(true);
    return (e as NodeIdError).code;
  }
  return 'no error';
}

describe('bundleFiles layouts', () => {
  // The single-file layouts (pkcs12, kubernetes-secret) are tested in bundle-single-file.test.ts.
  const expected: Record<Exclude<BundleLayout, 'pkcs12' | 'kubernetes-secret'>, string[]> = {
    plain: ['node1.example.net.crt', 'node1.example.net.key', 'ca.crt'],
    scale: ['node1.example.net.pem', 'node1.example.net.key', 'ca.crt'],
    flocker: ['node.crt', 'node.key', 'cluster.crt'],
    aistore: ['server.crt', 'server.key', 'ca.crt'],
    kubernetes: ['tls.crt', 'tls.key', 'ca.crt'],
  };
  for (const [layout, names] of Object.entries(expected) as [BundleLayout, string[]][]) {
    it(`${layout}: ${names.join(', ')} with key 0600 and certificates 0644`, async () => {
      const files = await bundleFiles(node, layout);
      expect(summary(files)).toEqual([
        [names[0], '644'],
        [names[1], '600'],
        [names[2], '644'],
      ]);
      expect(files[0]!.contents).toBe(node.certificate.pem);
      expect(files[1]!.contents).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(files[2]!.contents).toBe(ca.certificate.pem);
    });
  }

  it('names the files after the FQDN, not the short name that comes first in the SANs', async () => {
    expect(node.certificate.subjectAltNames![0]!.value).toBe('node1');
    expect((await bundleFiles(node, 'plain'))[0]!.path).toBe('node1.example.net.crt');
  });

  it('falls back to the CN when there is no FQDN, and takes an explicit name', async () => {
    const short = await issueIdentity({ ca, name: 'node7' });
    expect((await bundleFiles(short, 'plain')).map((f) => f.path)).toEqual([
      'scale.cluster.crt',
      'scale.cluster.key',
      'ca.crt',
    ]);
    expect((await bundleFiles(short, 'scale', { name: 'node7' })).map((f) => f.path)).toEqual([
      'node7.pem',
      'node7.key',
      'ca.crt',
    ]);
  });

  it('flocker: control service, user and UUID-named node files', async () => {
    const control = await issueIdentity({ ca, profile: 'control', name: 'control.example.net' });
    expect((await bundleFiles(control, 'flocker')).map((f) => f.path)).toEqual([
      'control-service.crt',
      'control-service.key',
      'cluster.crt',
    ]);
    const alice = await issueIdentity({ ca, profile: 'client', name: 'alice' });
    expect((await bundleFiles(alice, 'flocker')).map((f) => f.path)).toEqual([
      'alice.crt',
      'alice.key',
      'cluster.crt',
    ]);
    const uuid = '8EAB4B8D-C0A2-4CE2-80AA-0709277A9A7A';
    expect((await bundleFiles(node, 'flocker', { uuid })).map((f) => f.path)).toEqual([
      '8eab4b8d-c0a2-4ce2-80aa-0709277a9a7a.crt',
      '8eab4b8d-c0a2-4ce2-80aa-0709277a9a7a.key',
      'cluster.crt',
    ]);
    expect(await codeOf(bundleFiles(node, 'flocker', { uuid: '../x' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(await codeOf(bundleFiles(alice, 'flocker', { uuid }))).toBe('ERR_INVALID_ARGUMENT');
    const server = await issueIdentity({ ca, profile: 'server', name: 'gw.example.net' });
    expect(await codeOf(bundleFiles(server, 'flocker'))).toBe('ERR_INVALID_ARGUMENT');
    expect(
      (await bundleFiles(server, 'flocker', { profile: 'control' })).map((f) => f.path)[0],
    ).toBe('control-service.crt');
  });
});

describe('bundleFiles contents', () => {
  it('puts the leaf and intermediates in the certificate file and the root in ca.crt; openssl verifies', async () => {
    const intermediate = await createCa({ clusterName: 'scale.cluster', issuer: ca });
    const leaf = await issueIdentity({ ca: intermediate, name: 'node2.example.net' });
    const files = await bundleFiles(leaf, 'plain');
    const certs = parseCertificates(files[0]!.contents);
    expect(certs.map((c) => c.serialNumber)).toEqual([
      leaf.certificate.serialNumber,
      intermediate.certificate.serialNumber,
    ]);
    expect(files[2]!.contents).toBe(ca.certificate.pem);

    const dir = scratch();
    for (const f of files) writeFileSync(join(dir, f.path), f.contents, { mode: f.mode });
    const crt = join(dir, files[0]!.path);
    const r = openssl(['verify', '-CAfile', join(dir, 'ca.crt'), '-untrusted', crt, crt]);
    expect(r.output).toContain(': OK');
    const certPub = openssl(['x509', '-in', crt, '-noout', '-pubkey']).output;
    const keyPub = openssl(['pkey', '-in', join(dir, files[1]!.path), '-pubout']).output;
    expect(keyPub).toContain('BEGIN PUBLIC KEY');
    expect(certPub).toBe(keyPub);
  });

  it('encrypts the key with a passphrase, and openssl opens it', async () => {
    const files = await bundleFiles(node, 'aistore', {
      passphrase: 'correct horse',
      iterations: 1000,
    });
    expect(files[1]!.contents).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const dir = scratch();
    const key = join(dir, 'server.key');
    writeFileSync(key, files[1]!.contents);
    const good = openssl(['pkey', '-in', key, '-passin', 'pass:correct horse', '-pubout']);
    expect(good.status).toBe(0);
    expect(good.output).toContain('BEGIN PUBLIC KEY');
    expect(openssl(['pkey', '-in', key, '-passin', 'pass:wrong', '-noout']).status).not.toBe(0);
  });

  it('a root CA identity bundles itself as the CA file', async () => {
    const files = await bundleFiles(ca, 'plain', { name: 'cluster-ca' });
    expect(files.map((f) => f.path)).toEqual(['cluster-ca.crt', 'cluster-ca.key', 'ca.crt']);
    expect(files[0]!.contents).toBe(files[2]!.contents);
  });
});

describe('bundleFiles refuses', () => {
  it('file names that are paths or hidden', async () => {
    for (const name of ['../etc/passwd', 'a/b', 'a\\b', '..', '.hidden', '-rf', '', 'a\nb']) {
      expect(await codeOf(bundleFiles(node, 'plain', { name })), name).toBe('ERR_NAME_INVALID');
    }
  });

  it('a client CN that would escape the folder', async () => {
    const evil = await issueIdentity({ ca, profile: 'client', name: '../../etc/cron.d/x' });
    expect(await codeOf(bundleFiles(evil, 'plain'))).toBe('ERR_NAME_INVALID');
    expect(await codeOf(bundleFiles(evil, 'flocker'))).toBe('ERR_NAME_INVALID');
  });

  it('unknown layouts, missing chains, non-extractable keys and non-identities', async () => {
    expect(await codeOf(bundleFiles(node, 'jks' as BundleLayout))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(bundleFiles({ ...node, chain: [] }, 'plain'))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(bundleFiles(undefined as unknown as Identity, 'plain'))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    const locked = await issueIdentity({ ca, name: 'node3.example.net', extractable: false });
    expect(await codeOf(bundleFiles(locked, 'plain'))).toBe('ERR_KEY_NOT_EXTRACTABLE');
  });
});
