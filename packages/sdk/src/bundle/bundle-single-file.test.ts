/** The single-file layouts: `pkcs12` (keystore + truststore) and `kubernetes-secret`. */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { parseCertificates } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { fromBase64 } from '../lib/bytes.js';
import { OID } from '../lib/oids.js';
import { parsePkcs12 } from '../pkcs12/parse-pkcs12.js';
import {
  BUNDLE_LAYOUTS,
  bundleFileNames,
  bundleFiles,
  layoutProfileWarning,
} from './bundle-files.js';
import { kubernetesSecretName } from './kubernetes-secret.js';

let ca: Identity;
let node: Identity;

beforeAll(async () => {
  ca = await createCa({ clusterName: 'scale.cluster' });
  node = await issueIdentity({ ca, name: 'node1.example.net', ips: ['10.0.0.1'] });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(NodeIdError.isInstance(e), String(e)).toBe(true);
    return (e as NodeIdError).code;
  }
  return 'no error';
}

describe('pkcs12 layout', () => {
  it('<name>.p12 (0600: key, leaf, CA) and truststore.p12 (0644: the CA, trusted)', async () => {
    const files = await bundleFiles(node, 'pkcs12', {
      pkcs12Passphrase: 'changeit',
      iterations: 1000,
    });
    expect(files.map((f) => [f.path, f.mode.toString(8)])).toEqual([
      ['node1.example.net.p12', '600'],
      ['truststore.p12', '644'],
    ]);
    const keystore = await parsePkcs12(files[0]!.contents as Uint8Array, {
      passphrase: 'changeit',
    });
    expect(keystore.keys).toHaveLength(1);
    expect(
      keystore.certificates.map((c) => [c.certificate.serialNumber, c.hasKey, c.trusted]),
    ).toEqual([
      [node.certificate.serialNumber, true, false],
      [ca.certificate.serialNumber, false, false],
    ]);
    expect(keystore.certificates[0]!.friendlyName).toBe('node1.example.net');
    const truststore = await parsePkcs12(files[1]!.contents as Uint8Array, {
      passphrase: 'changeit',
    });
    expect(truststore.keys).toHaveLength(0);
    expect(truststore.certificates.map((c) => [c.certificate.serialNumber, c.trusted])).toEqual([
      [ca.certificate.serialNumber, true],
    ]);
  });

  it('falls back to the key passphrase, and needs one', async () => {
    const files = await bundleFiles(node, 'pkcs12', {
      passphrase: 'k',
      name: 'n1',
      iterations: 1000,
    });
    expect(files[0]!.path).toBe('n1.p12');
    expect(
      (await parsePkcs12(files[1]!.contents as Uint8Array, { passphrase: 'k' })).certificates,
    ).toHaveLength(1);
    expect(await codeOf(bundleFiles(node, 'pkcs12'))).toBe('ERR_PASSPHRASE_REQUIRED');
  });
});

describe('kubernetes-secret layout', () => {
  it('secret.yaml (0600): a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt', async () => {
    const files = await bundleFiles(node, 'kubernetes-secret');
    expect(files.map((f) => [f.path, f.mode.toString(8)])).toEqual([['secret.yaml', '600']]);
    const yaml = files[0]!.contents as string;
    expect(yaml).toMatch(
      /^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: node1\.example\.net-tls\ntype: kubernetes\.io\/tls\ndata:\n/,
    );
    const data = Object.fromEntries(
      [...yaml.matchAll(/^ {2}(tls\.crt|tls\.key|ca\.crt): (\S+)$/gm)].map((m) => [
        m[1],
        new TextDecoder().decode(fromBase64(m[2]!)),
      ]),
    );
    expect(data['tls.crt']).toBe(node.certificate.pem);
    expect(data['tls.key']).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(parseCertificates(data['ca.crt']!)[0]!.serialNumber).toBe(ca.certificate.serialNumber);
  });

  it('refuses an encrypted key (ingress controllers read the key as is)', async () => {
    expect(await codeOf(bundleFiles(node, 'kubernetes-secret', { passphrase: 'x' }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('Secret names are RFC 1123 subdomains', () => {
    expect(kubernetesSecretName('Node1.Example.NET')).toBe('node1.example.net-tls');
    expect(kubernetesSecretName('*.apps')).toBe('apps-tls');
    expect(kubernetesSecretName('---')).toBe('tls');
    expect(kubernetesSecretName('a'.repeat(300))).toHaveLength(253);
  });
});

describe('bundleFileNames', () => {
  it('names what bundleFiles writes, in every layout', async () => {
    for (const layout of BUNDLE_LAYOUTS) {
      if (layout === 'flocker') continue; // needs a node, control or user certificate: below
      const options = { pkcs12Passphrase: 'p', iterations: 1000 };
      const written = (await bundleFiles(node, layout, options)).map((f) => f.path);
      expect(bundleFileNames(node.certificate, layout), layout).toEqual(written);
    }
    expect(bundleFileNames(node.certificate, 'flocker', { profile: 'node' })).toEqual([
      'node.crt',
      'node.key',
      'cluster.crt',
    ]);
  });
});

describe('the aistore layout needs serverAuth and clientAuth', () => {
  it('warns for a server or client profile, not for node (the default profile)', async () => {
    expect(layoutProfileWarning('aistore', 'node')).toBeUndefined();
    expect(layoutProfileWarning('aistore', 'server')).toMatch(/clientAuth.*node profile/);
    expect(layoutProfileWarning('aistore', 'client')).toMatch(/serverAuth.*node profile/);
    expect(layoutProfileWarning('plain', 'server')).toBeUndefined();
    const ais = await issueIdentity({ ca, name: 'localhost', ips: ['127.0.0.1'] });
    expect(ais.certificate.extendedKeyUsage).toEqual([OID.serverAuth, OID.clientAuth]);
  });
});
