/**
 * Revocation across a CA rotation (`ca rotate` until `ca retire-old`): the old key keeps signing
 * the CRL of the certificates it issued beside the new key's, because a relying party checks an
 * old-key leaf against a CRL signed by its issuer's key (RFC 5280 §6.3.3 (b)(1), (f)). After a
 * rotation an old-key leaf is revoked; `nodeid crl create` and nodeid-server's `/v1/crl` carry
 * both CRLs, and `openssl verify -crl_check` and the SDK verifier (`revocation: 'require'`)
 * refuse the revoked leaf and accept a good old-key and a good new-key leaf. The control: with
 * the new key's CRL alone, openssl cannot check an old-key leaf at all.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIssuedBy, parseCertificates, parseCrl, verifyCertificate } from '@nodeid/sdk';
import { loadCaFolder } from '@nodeid/sdk/node';
import { openCaInventory } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { assertBuilt, cli, stopAll } from './helpers/processes.js';

let work: string;
let caDir: string;
let pass: string;
const leaf = (n: string) => join(work, n, `${n}.example.net.crt`);
const ENV = { NODEID_CA_DIR: '', NODEID_CA_PASSPHRASE: '' };

/** `openssl verify -crl_check` of `cert` against the trust bundle and a CRL file. */
function opensslVerify(cert: string, crlFile: string) {
  const r = spawnSync(
    'openssl',
    ['verify', '-crl_check', '-CAfile', join(caDir, 'ca-bundle.crt'), '-CRLfile', crlFile, cert],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/** The PEM blocks of the CRLs in a text. */
const pemCrls = (text: string) =>
  text.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----\n?/g) ?? [];

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'nodeid-crl-rotation-'));
  caDir = join(work, 'ca');
  pass = join(work, 'pass.txt');
  writeFileSync(pass, 'crl rotation passphrase 0123\n');
  const run = async (args: string[]) => {
    const r = await cli(args, { env: ENV });
    if (r.status !== 0) throw new Error(`nodeid ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const withCa = ['--dir', caDir, '--passphrase-file', pass];
  await run(['ca', 'init', 'rot.cluster', ...withCa]);
  for (const n of ['oldgood', 'oldbad'])
    await run(['cert', 'issue', `${n}.example.net`, ...withCa, '--out', join(work, n)]);
  await run(['ca', 'rotate', ...withCa]);
  await run(['cert', 'issue', 'newgood.example.net', ...withCa, '--out', join(work, 'newgood')]);
  const serial = parseCertificates(readFileSync(leaf('oldbad'), 'utf8'))[0]!.serialNumber;
  await run(['cert', 'revoke', serial, '--dir', caDir]);
}, 60_000);

afterAll(() => stopAll(work));

describe('CRLs during a CA rotation', () => {
  it('nodeid crl create writes the new key’s CRL and the old key’s, each listing its own leaves', async () => {
    const out = join(work, 'crls.pem');
    const r = await cli(
      [
        'crl',
        'create',
        '--dir',
        caDir,
        '--passphrase-file',
        pass,
        '--out',
        out,
        '--format',
        'json',
      ],
      { env: ENV },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    const blocks = pemCrls(readFileSync(out, 'utf8'));
    expect(blocks).toHaveLength(2);
    const [ofNew, ofOld] = blocks.map((b) => parseCrl(b));
    const newRoot = parseCertificates(readFileSync(join(caDir, 'ca.crt'), 'utf8'))[0]!;
    const oldRoot = parseCertificates(readFileSync(join(caDir, 'ca-old.crt'), 'utf8'))[0]!;
    // RFC 5280 §5.2.1: each CRL's authorityKeyIdentifier names the key that signed it
    expect(Buffer.from(ofNew!.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(newRoot.subjectKeyIdentifier!),
    );
    expect(Buffer.from(ofOld!.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(oldRoot.subjectKeyIdentifier!),
    );
    const bad = parseCertificates(readFileSync(leaf('oldbad'), 'utf8'))[0]!;
    expect(await isIssuedBy(bad, oldRoot)).toBe(true);
    expect(ofOld!.entries.map((e) => e.serialNumber)).toEqual([bad.serialNumber]);
    // the current key's CRL is complete for the CA's name (RFC 5280 §6.3.3 (f) key rollover)
    expect(ofNew!.entries.map((e) => e.serialNumber)).toEqual([bad.serialNumber]);
    // one shared cRLNumber for the generation (RFC 5280 §5.2.3: monotonic per issuer)
    expect(ofNew!.crlNumber).toBe(ofOld!.crlNumber);
    expect(result.crls.map((c: { revoked: number }) => c.revoked)).toEqual([1, 1]);

    expect(opensslVerify(leaf('oldgood'), out).ok).toBe(true);
    expect(opensslVerify(leaf('newgood'), out).ok).toBe(true);
    const refused = opensslVerify(leaf('oldbad'), out);
    expect(refused.ok).toBe(false);
    expect(refused.out).toMatch(/certificate revoked/);

    // control: the new key's CRL alone does not cover the old key's leaves (error 3)
    const newOnly = join(work, 'new-only.pem');
    writeFileSync(newOnly, blocks[0]!);
    expect(opensslVerify(leaf('oldbad'), newOnly).out).toMatch(/unable to get certificate CRL/);
    expect(opensslVerify(leaf('newgood'), newOnly).ok).toBe(true);

    // the SDK verifier, requiring a CRL for every certificate of the path
    const trustAnchors = parseCertificates(readFileSync(join(caDir, 'ca-bundle.crt'), 'utf8'));
    const verify = (n: string, crls: string[]) =>
      verifyCertificate({
        certificate: readFileSync(leaf(n), 'utf8'),
        trustAnchors,
        crls,
        revocation: 'require',
      });
    expect((await verify('oldgood', blocks)).ok).toBe(true);
    expect((await verify('newgood', blocks)).ok).toBe(true);
    // the revoked leaf is refused with both CRLs and with the old key's alone; with the new key's
    // alone it is refused too (that CRL lists it; its signer's path to the old root is not
    // established, so the SDK fails closed rather than treat the leaf as good)
    const codes = [];
    for (const crls of [blocks, [blocks[1]!], [blocks[0]!]]) {
      const r = await verify('oldbad', crls);
      codes.push(r.ok ? 'ok' : r.code);
    }
    expect(codes).toEqual(['ERR_REVOKED', 'ERR_REVOKED', 'ERR_CRL_INVALID']);
  });

  it('nodeid-server serves both CRLs at /v1/crl?format=pem and the old key’s at /v1/crl/previous', async () => {
    const loaded = await loadCaFolder(caDir, {
      passphrase: async () => readFileSync(pass, 'utf8').trim(),
    });
    expect(loaded.previous).toBeDefined();
    const store = await openCaInventory(caDir, { location: join(caDir, 'inventory.db') });
    try {
      const app = createApp({
        ca: loaded.issuer,
        previousCa: loaded.previous,
        clusterName: loaded.config.clusterName,
        store,
        adminTokenHashes: [
          createHash('sha256').update('crl-rotation-admin-token-0123456789').digest(),
        ],
      });
      const res = await app.request('/v1/crl?format=pem');
      expect(res.status).toBe(200);
      const served = join(work, 'served.pem');
      const text = await res.text();
      writeFileSync(served, text);
      expect(pemCrls(text)).toHaveLength(2);
      expect(opensslVerify(leaf('oldgood'), served).ok).toBe(true);
      expect(opensslVerify(leaf('newgood'), served).ok).toBe(true);
      expect(opensslVerify(leaf('oldbad'), served).out).toMatch(/certificate revoked/);

      const bad = parseCertificates(readFileSync(leaf('oldbad'), 'utf8'))[0]!;
      const der = await app.request('/v1/crl');
      expect(der.headers.get('content-type')).toContain('application/pkix-crl');
      expect(
        parseCrl(new Uint8Array(await der.arrayBuffer())).entries.map((e) => e.serialNumber),
      ).toEqual([bad.serialNumber]);
      const previous = await app.request('/v1/crl/previous');
      expect(previous.status).toBe(200);
      const oldCrl = parseCrl(new Uint8Array(await previous.arrayBuffer()));
      expect(oldCrl.entries.map((e) => e.serialNumber)).toEqual([bad.serialNumber]);
    } finally {
      await store.close();
    }
  });
});
