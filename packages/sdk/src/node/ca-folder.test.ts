import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { createCaCsr } from '../ca/create-ca-csr.js';
import { signCaCsr } from '../ca/sign-ca-csr.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { exportPrivateKeyPem } from '../keys/export-private-key-pem.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { type CaFolderConfig, loadCaFolder, readCaConfig, writeCaConfig } from './ca-folder.js';

const work = mkdtempSync(join(tmpdir(), 'nodeid-ca-folder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base: CaFolderConfig = {
  version: 1,
  clusterName: 'c',
  certificateFile: 'ca.crt',
  keyFile: 'ca.key',
  keyEncrypted: false,
  createdAt: '2026-12-01T00:00:00.000Z',
  role: 'intermediate',
  csrFile: 'ca.csr',
};

describe('an intermediate CA folder', () => {
  it('before import: a clear ERR_CA_FOLDER naming ca sign and ca import', async () => {
    const dir = join(work, 'pending');
    const csr = await createCaCsr({ clusterName: 'c', commonName: 'pending CA' });
    await writeCaConfig(dir, base);
    writeFileSync(join(dir, 'ca.key'), await exportPrivateKeyPem(csr.keyPair.privateKey));
    writeFileSync(join(dir, 'ca.csr'), csr.pem);
    await expect(loadCaFolder(dir)).rejects.toMatchObject({
      code: 'ERR_CA_FOLDER',
      message: expect.stringMatching(/no certificate yet.*nodeid ca sign.*nodeid ca import/),
    });
  });

  it('two levels below the root: ca.crt, chain.crt and root.crt make the issuer chain, with the CRL address', async () => {
    const root = await createCa({ clusterName: 'c', pathLength: 2 });
    const mid = await createCa({ commonName: 'mid CA', issuer: root, pathLength: 1 });
    const csr = await createCaCsr({ clusterName: 'c', commonName: 'low CA' });
    const low = await signCaCsr({ csr: csr.pem, ca: mid });
    expect(low.chain.map((c) => c.subject.text)).toEqual(['CN=mid CA', 'CN=c CA,OU=c']);
    const dir = join(work, 'low');
    await writeCaConfig(dir, {
      ...base,
      chainFile: 'chain.crt',
      rootFile: 'root.crt',
      crlUrl: 'http://ca.test/crl',
    });
    writeFileSync(join(dir, 'ca.key'), await exportPrivateKeyPem(csr.keyPair.privateKey));
    writeFileSync(join(dir, 'ca.crt'), low.certificate.pem);
    writeFileSync(join(dir, 'chain.crt'), mid.certificate.pem);
    writeFileSync(join(dir, 'root.crt'), root.certificate.pem);
    expect((await readCaConfig(dir)).crlUrl).toBe('http://ca.test/crl');
    const { issuer } = await loadCaFolder(dir);
    expect(issuer.chain?.map((c) => c.subject.text)).toEqual(['CN=mid CA', 'CN=c CA,OU=c']);
    expect(issuer.crlDistributionPoints).toEqual(['http://ca.test/crl']);
    const leaf = await issueIdentity({ ca: issuer, name: 'n1.example.net', clusterName: 'c' });
    expect(leaf.chain).toHaveLength(3);
    const result = await verifyCertificate({
      certificate: leaf.certificate,
      trustAnchors: [root.certificate],
      intermediates: leaf.chain.slice(0, -1),
    });
    expect(result.ok).toBe(true);
  });
});
