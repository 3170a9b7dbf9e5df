/**
 * Defect 7 (issue 10): `nodeid cert verify node.pem --ca node.pem` printed OK. A trust anchor is
 * a CA (RFC 5280 §6.1.1 (d)); a leaf is trusted as its own anchor only when pinned explicitly
 * (`trustLeaf`), which is what `openssl verify -partial_chain` does. Go's crypto/x509 treats every
 * certificate in its root pool as a pin, so Go agrees with `trustLeaf: true`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/ca/create-ca.js';
import type { Identity } from '../../src/issue/identity.js';
import { issueIdentity } from '../../src/issue/issue-identity.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';
import { openssl, scratch, writeFiles } from '../helpers/openssl.js';

const dir = scratch('nodeid-trust-leaf-');
const hasGo = spawnSync('go', ['version']).status === 0;
let files: Record<string, string>;
let node: Identity;
let caPem: string;

beforeAll(async () => {
  const ca = await createCa({ clusterName: 'pin.cluster' });
  node = await issueIdentity({ ca, name: 'node1.example.net' });
  caPem = ca.certificate.pem;
  files = writeFiles(dir, { 'node.pem': node.certificate.pem, 'ca.pem': caPem });
});

function goVerify(leaf: string, root: string): boolean {
  const r = spawnSync('go', ['run', join(__dirname, '..', 'helpers', 'go-verify.go'), leaf, root], {
    encoding: 'utf8',
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: join(dir, 'go-cache') },
  });
  if (r.status !== 0 && !/^FAIL/.test(r.stdout)) throw new Error(`go run failed: ${r.stderr}`);
  return r.status === 0;
}

describe('a leaf is not a trust anchor unless pinned (defect 7)', () => {
  it('verifying node.pem with node.pem as the CA fails with ERR_NOT_A_CA, as openssl verify does', async () => {
    const r = await verifyCertificate({
      certificate: node.certificate,
      trustAnchors: [node.certificate],
    });
    expect(r).toMatchObject({ ok: false, code: 'ERR_NOT_A_CA' });
    expect(r.ok || r.message).toMatch(/not a CA certificate.*trustLeaf/);
    const o = openssl(['verify', '-CAfile', files['node.pem']!, files['node.pem']!]);
    expect(o.status).not.toBe(0);
  });

  it('with trustLeaf the pinned leaf verifies, as openssl verify -partial_chain does', async () => {
    const r = await verifyCertificate({
      certificate: node.certificate,
      trustAnchors: [node.certificate],
      trustLeaf: true,
    });
    expect(r).toMatchObject({ ok: true });
    const o = openssl([
      'verify',
      '-partial_chain',
      '-CAfile',
      files['node.pem']!,
      files['node.pem']!,
    ]);
    expect(o.status).toBe(0);
  });

  it('trustLeaf pins only that certificate: another leaf as the anchor still fails', async () => {
    const other = await issueIdentity({
      ca: await createCa({ clusterName: 'pin.cluster' }),
      name: 'node1.example.net',
    });
    const r = await verifyCertificate({
      certificate: node.certificate,
      trustAnchors: [other.certificate],
      trustLeaf: true,
    });
    expect(r.ok).toBe(false);
  });

  it('with the CA in the anchors as well, the path to the CA is found without trustLeaf', async () => {
    const r = await verifyCertificate({
      certificate: node.certificate,
      trustAnchors: [node.certificate, caPem],
    });
    expect(r).toMatchObject({ ok: true });
    expect(r.ok && r.chain.length).toBe(2);
  });

  it.skipIf(!hasGo)(
    'Go treats a root-pool leaf as a pin (our trustLeaf: true) and trusts the CA',
    () => {
      expect(goVerify(files['node.pem']!, files['node.pem']!)).toBe(true);
      expect(goVerify(files['node.pem']!, files['ca.pem']!)).toBe(true);
    },
  );
});
