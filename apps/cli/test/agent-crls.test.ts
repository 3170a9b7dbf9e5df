/**
 * The agent's CRL follower in process (lib/agent-follow.ts), for a chain under an intermediate:
 * each CA's CRL is fetched from the cRLDistributionPoints of the node's certificates (the leaf's
 * names the intermediate's CRL, the intermediate's names the root's), each is checked against
 * the CA that signed it, and both are written to one file as nginx's ssl_crl wants them. A CRL
 * that does not verify or is older than the one held leaves the file as it is.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, createCrl, issueIdentity, parseCrl, rotateCa } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crlUrlsOf, refreshCrls } from '../src/lib/agent-follow.js';

let work: string;
let http: Server;
let base: string;
const served = new Map<string, Uint8Array>();
const logged: { event: string; message: string }[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-agent-crls-'));
  http = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (body) res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
});
afterAll(() => {
  http?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('agent CRLs under an intermediate', () => {
  it('fetches both CAs’ CRLs from the certificates’ CDPs, checks each, refuses a forged or older one', async () => {
    const root = await createCa({ clusterName: 'crls.cluster', days: 3650 });
    const sub = await createCa({
      commonName: 'crls sub CA',
      issuer: { ...root, crlDistributionPoints: [`${base}/root.crl`] },
      days: 1000,
    });
    const leaf = await issueIdentity({
      ca: { ...sub, crlDistributionPoints: [`${base}/sub.crl`] },
      name: 'node1.example.net',
      clusterName: 'crls.cluster',
    });
    const certPath = join(work, 'node.crt');
    const caPath = join(work, 'ca.crt');
    const out = join(work, 'crl.pem');
    writeFileSync(certPath, leaf.certificate.pem + sub.certificate.pem);
    writeFileSync(caPath, root.certificate.pem);
    const server = new URL('https://127.0.0.1:1');
    expect(crlUrlsOf([leaf.certificate, sub.certificate], server).map((u) => u.href)).toEqual([
      `${base}/sub.crl`,
      `${base}/root.crl`,
    ]);
    expect(
      crlUrlsOf(
        [leaf.certificate].map((c) => ({ ...c, crlDistributionPoints: undefined })),
        server,
      )[0]!.href,
    ).toBe('https://127.0.0.1:1/v1/crl');

    const crlOf = async (ca: typeof root, crlNumber: number) =>
      (await createCrl({ issuer: ca, entries: [], crlNumber, nextUpdate: '7d' })).der;
    served.set('/root.crl', await crlOf(root, 1));
    served.set('/sub.crl', await crlOf(sub, 5));
    const follow = () =>
      refreshCrls({
        server,
        caPath,
        certPath,
        out,
        maxIntervalMs: 3_600_000,
        log: (event, message) => logged.push({ event, message }),
      });
    const first = await follow();
    expect(first).toEqual({ outcome: 'changed', nextInMs: 3_600_000 });
    const held = readFileSync(out, 'utf8');
    const blocks = held.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g)!;
    expect(blocks.map((b) => parseCrl(b).issuer.text)).toEqual([
      sub.certificate.subject.text,
      root.certificate.subject.text,
    ]);
    expect((await follow()).outcome).toBe('unchanged');

    // a CRL for the intermediate's name signed by another key, then an older one: refused, file kept
    const forger = await createCa({ commonName: 'crls sub CA', days: 100 });
    served.set('/sub.crl', await crlOf(forger, 9));
    expect((await follow()).outcome).toBe('refused');
    expect(logged.at(-1)).toMatchObject({ event: 'crl-refused' });
    expect(logged.at(-1)!.message).toMatch(
      /not signed by any CA this node trusts \(unknown-issuer\)/,
    );
    served.set('/sub.crl', await crlOf(sub, 4));
    expect((await follow()).outcome).toBe('refused');
    expect(logged.at(-1)!.message).toMatch(/\(older\)/);
    expect(readFileSync(out, 'utf8')).toBe(held);

    // a newer CRL of the intermediate: written
    served.set('/sub.crl', await crlOf(sub, 6));
    expect((await follow()).outcome).toBe('changed');
    expect(parseCrl(readFileSync(out, 'utf8')).crlNumber).toBe(6n);
  });

  it('during a CA rotation also fetches the old key’s CRL from /v1/crl/previous (404: none)', async () => {
    const old = await createCa({ clusterName: 'rotate.cluster', days: 3650 });
    const leaf = await issueIdentity({
      ca: old,
      name: 'node2.example.net',
      clusterName: 'rotate.cluster',
    });
    const rotation = await rotateCa({ ca: old });
    const dir = mkdtempSync(join(work, 'rotation-'));
    const certPath = join(dir, 'node.crt');
    const caPath = join(dir, 'ca.crt');
    const out = join(dir, 'crl.pem');
    writeFileSync(certPath, leaf.certificate.pem);
    writeFileSync(caPath, rotation.bundle.map((c) => c.pem).join(''));
    // the server answers at its own address: /v1/crl (no CDP in the certificate) and /v1/crl/previous
    const server = new URL(`${base}/`);
    const follow = () =>
      refreshCrls({
        server,
        caPath,
        certPath,
        out,
        maxIntervalMs: 3_600_000,
        log: (event, message) => logged.push({ event, message }),
      });
    const revoked = [{ serialNumber: leaf.certificate.serialNumber, revokedAt: new Date() }];
    served.set(
      '/v1/crl',
      (await createCrl({ issuer: rotation.ca, entries: revoked, crlNumber: 3, nextUpdate: '7d' }))
        .der,
    );
    // no rotation CRL on this server (yet): the new key's CRL alone, no error
    expect((await follow()).outcome).toBe('changed');
    expect(readFileSync(out, 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(1);

    served.set(
      '/v1/crl/previous',
      (await createCrl({ issuer: old, entries: revoked, crlNumber: 3, nextUpdate: '7d' })).der,
    );
    expect((await follow()).outcome).toBe('changed');
    const blocks = readFileSync(out, 'utf8').match(
      /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g,
    )!;
    const keyIds = blocks.map((b) => parseCrl(b).authorityKeyIdentifier?.keyIdentifier);
    expect(keyIds).toEqual([
      rotation.ca.certificate.subjectKeyIdentifier,
      old.certificate.subjectKeyIdentifier,
    ]);

    // a forged "previous" CRL (the old name, another key): refused, the file kept
    const held = readFileSync(out, 'utf8');
    const forger = await createCa({ clusterName: 'rotate.cluster', days: 100 });
    served.set(
      '/v1/crl/previous',
      (await createCrl({ issuer: forger, entries: [], crlNumber: 4, nextUpdate: '7d' })).der,
    );
    expect((await follow()).outcome).toBe('refused');
    expect(readFileSync(out, 'utf8')).toBe(held);
    served.delete('/v1/crl/previous');
    served.delete('/v1/crl');
  });
});
