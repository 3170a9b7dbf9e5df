/**
 * A changed CRL address is picked up without a restart (issue 12's follow-up), with real
 * processes on loopback: a CA folder made with `--crl-url`, a node enrolled (its certificate
 * carries that address), `nodeid ca set-crl-url` run on the folder the server serves, one
 * `ca.reloaded` audit line naming the new address, a second node whose certificate carries the
 * new address, the CRL fetched at the path of each node's own address and checked by
 * `openssl verify -crl_check` (the revoked first node refused, the second accepted), and after a
 * restart the old path still served (RFC 5280 §4.2.1.13: a relying party fetches the address in
 * its certificate as long as it is valid). Needs the builds (see helpers/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate, parseCrl } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  api,
  assertBuilt,
  auditEvents,
  cli,
  enrollNode,
  type ServerProcess,
  startServer,
  stopAll,
} from './helpers/processes.js';

const FIRST = 'http://ca.test:8443/crl/first.crl';
const SECOND = 'http://pki.test/v2/cluster.crl';

let work: string;
let caDir: string;
let caPem: string;
let server: ServerProcess;

/** The URLs of a certificate file's cRLDistributionPoints. */
const crlUrlsOf = (file: string) =>
  (parseCertificate(readFileSync(file, 'utf8')).crlDistributionPoints ?? []).flatMap((dp) =>
    (dp.distributionPoint?.fullName ?? []).map((n) => n.value),
  );

/** Fetches the CRL at the path of `url` from the server, as a relying party would (DER). */
async function fetchCrl(url: string): Promise<{ status: number; der: Buffer }> {
  const r = await api(server.url, new URL(url).pathname, { ca: caPem });
  return { status: r.status, der: r.body };
}

/** `openssl verify -crl_check` of `cert` against the CA and the CRL fetched at its own address. */
async function verifyWithItsCrl(cert: string): Promise<string> {
  const [url] = crlUrlsOf(cert);
  const crl = await fetchCrl(url!);
  expect(crl.status).toBe(200);
  const crlFile = join(work, `${Date.now()}-${Math.random()}.crl`);
  writeFileSync(crlFile, parseCrl(new Uint8Array(crl.der)).pem);
  const r = spawnSync(
    'openssl',
    ['verify', '-crl_check', '-CAfile', join(caDir, 'ca.crt'), '-CRLfile', crlFile, cert],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}`;
}

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'nodeid-crl-address-'));
  caDir = join(work, 'ca');
  const init = await cli([
    'ca',
    'init',
    'crl.cluster',
    '--no-passphrase',
    '--dir',
    caDir,
    '--crl-url',
    FIRST,
  ]);
  expect(init.status, init.stderr).toBe(0);
  caPem = readFileSync(join(caDir, 'ca.crt'), 'utf8');
  server = await startServer({ caDir });
});

afterAll(() => stopAll(work));

describe('nodeid-server follows ca set-crl-url without a restart', () => {
  it('signs with the new address and serves it at once; the old address keeps serving, also after a restart', async () => {
    const at = { url: server.url, caDir };
    const first = await enrollNode(at, 'node1.example.net', join(work, 'node1'));
    expect(crlUrlsOf(first.cert)).toEqual([FIRST]);
    expect((await fetchCrl(SECOND)).status).toBe(404);

    const set = await cli(['ca', 'set-crl-url', SECOND, '--dir', caDir]);
    expect(set.status, set.stderr).toBe(0);
    const reloaded = await server.waitFor('the reload', () =>
      auditEvents(server).find((e) => e.action === 'ca.reloaded'),
    );
    expect(reloaded).toMatchObject({ trigger: 'watch', crlUrl: SECOND, previousCrlUrl: FIRST });

    const second = await enrollNode(at, 'node2.example.net', join(work, 'node2'));
    expect(crlUrlsOf(second.cert)).toEqual([SECOND]);
    const revoke = await api(server.url, `/v1/certificates/${first.serialNumber}/revoke`, {
      ca: caPem,
      admin: adminToken(caDir),
      json: { reason: 'keyCompromise' },
    });
    expect(revoke.status).toBe(200);
    // each node's CRL from its own address: the same CRL, listing the revoked first node
    const fromFirst = parseCrl(new Uint8Array((await fetchCrl(FIRST)).der));
    const fromSecond = parseCrl(new Uint8Array((await fetchCrl(SECOND)).der));
    expect(fromFirst.issuer.text).toBe(parseCertificate(caPem).subject.text);
    expect(fromSecond.der).toEqual(fromFirst.der);
    expect(await verifyWithItsCrl(first.cert)).toMatch(/certificate revoked/);
    expect(await verifyWithItsCrl(second.cert)).toBe('ok');

    // a restart: the old address is known from the audit trail, not only from memory
    await server.stop();
    server = await startServer({ caDir });
    for (const url of [FIRST, SECOND]) expect((await fetchCrl(url)).status).toBe(200);
    expect(await verifyWithItsCrl(first.cert)).toMatch(/certificate revoked/);
    expect(await verifyWithItsCrl(second.cert)).toBe('ok');
  });
});
