/**
 * `nodeid-server --workers N` presents one server certificate (issue 12's follow-up), with real
 * processes on loopback: the supervisor issues the server identity once and hands it to its
 * workers, which only load the files; `server-identity-shared` says when all N serve it. 3N
 * fresh TLS connections (no session reuse; the cluster module deals connections to the workers
 * in turn) all present that one certificate, and the inventory records one server certificate.
 * After `nodeid ca rotate` on the folder the supervisor re-issues it from the new key once, every
 * worker loads it without a restart, 3N connections present the new one, its chain verifies with
 * `openssl verify` against the new bundle, and the inventory holds one more server certificate,
 * not N more. Then `nodeid ca set-crl-url`, twice: every worker serves both addresses' paths.
 * Needs the builds (see helpers/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { parseCertificate } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  auditEvents,
  type CaServer,
  cli,
  startCaServer,
  stopAll,
} from './helpers/processes.js';

const WORKERS = 3;
let ca: CaServer;

interface Presented {
  serialNumber: string;
  fingerprint256: string;
  /** Leaf then the rest of the chain the server sent, PEM. */
  leafPem: string;
  chainPem: string;
}

const pemOf = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** One new TLS connection (no session reuse): the certificate and chain the server presents. */
function presented(port: number): Promise<Presented> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const leaf = socket.getPeerCertificate(true);
      // Node links the chain it received; a self-signed certificate is its own issuer
      const chain: string[] = [];
      let prev: PeerCertificate = leaf;
      for (
        let c = leaf.issuerCertificate;
        c?.raw && !c.raw.equals(prev.raw);
        c = c.issuerCertificate
      ) {
        chain.push(pemOf(c.raw));
        prev = c;
      }
      resolve({
        serialNumber: leaf.serialNumber.toLowerCase(),
        fingerprint256: leaf.fingerprint256,
        leafPem: pemOf(leaf.raw),
        chainPem: chain.join(''),
      });
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** The serials of the `server-identity-shared` events the supervisor logged, in order. */
const sharedEvents = () =>
  ca.server.stderr
    .split('\n')
    .filter((l) => l.includes('"event":"server-identity-shared"'))
    .map((l) => JSON.parse(l) as { serialNumber: string; workers: number });

/** The server certificates in the inventory. */
async function serverRecords(): Promise<{ serialNumber: string }[]> {
  // the old root verifies the server before and after the rotation (leaf + NewWithOld)
  const r = await api(ca.server.url, '/v1/certificates?profile=server', {
    ca: ca.caPem,
    admin: ca.admin,
  });
  expect(r.status).toBe(200);
  return r.json() as { serialNumber: string }[];
}

/** 3N connections: every one presents the same certificate; answers it. */
async function everyWorkerPresents(): Promise<Presented> {
  const seen: Presented[] = [];
  for (let i = 0; i < 3 * WORKERS; i++) seen.push(await presented(ca.server.port));
  expect(new Set(seen.map((p) => p.fingerprint256)).size).toBe(1);
  return seen[0]!;
}

beforeAll(async () => {
  ca = await startCaServer('nodeid-workers-identity-', 'workers.cluster', {
    args: ['--workers', String(WORKERS), '--sign-threads', '0'],
  });
});

afterAll(() => stopAll(ca?.work));

describe('nodeid-server --workers N presents one server certificate', () => {
  it('issued once by the supervisor, served by every worker, re-issued once after ca rotate and loaded by all', async () => {
    const first = await ca.server.waitFor('every worker serving', () => sharedEvents()[0]);
    expect(first.workers).toBe(WORKERS);
    const onDisk = parseCertificate(readFileSync(join(ca.caDir, 'server', 'server.crt'), 'utf8'));
    expect(first.serialNumber).toBe(onDisk.serialNumber);
    const before = await everyWorkerPresents();
    expect(before.serialNumber).toBe(onDisk.serialNumber);
    expect((await serverRecords()).map((r) => r.serialNumber)).toEqual([onDisk.serialNumber]);

    const rotate = await cli(['ca', 'rotate', '--dir', ca.caDir, '--format', 'json']);
    expect(rotate.status, rotate.stderr).toBe(0);
    const second = await ca.server.waitFor(
      'the new server certificate in every worker',
      () => sharedEvents()[1],
      60_000,
    );
    expect(second).toMatchObject({ workers: WORKERS });
    expect(second.serialNumber).not.toBe(first.serialNumber);
    const after = await everyWorkerPresents();
    expect(after.serialNumber).toBe(second.serialNumber);

    // leaf + NewWithOld as sent, verified against the rotated folder's bundle
    const leafFile = join(ca.work, 'presented.pem');
    const chainFile = join(ca.work, 'presented-chain.pem');
    writeFileSync(leafFile, after.leafPem);
    writeFileSync(chainFile, after.chainPem);
    const verify = spawnSync(
      'openssl',
      [
        'verify',
        '-CAfile',
        join(ca.caDir, 'ca-bundle.crt'),
        '-untrusted',
        chainFile,
        '-verify_hostname',
        'localhost',
        leafFile,
      ],
      { encoding: 'utf8' },
    );
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/: OK/);
    const records = (await serverRecords()).map((r) => r.serialNumber).sort();
    expect(records).toEqual([first.serialNumber, second.serialNumber].sort());
  });

  it('every worker follows ca set-crl-url: the new address served by all N, the earlier one too', async () => {
    const urls = ['http://ca.test/crl/one.crl', 'http://ca.test/crl/two.crl'];
    for (const url of urls) {
      const set = await cli(['ca', 'set-crl-url', url, '--dir', ca.caDir]);
      expect(set.status, set.stderr).toBe(0);
      // each worker follows the folder and writes its own ca.reloaded line
      await ca.server.waitFor(`${url} in every worker`, () => {
        const n = auditEvents(ca.server).filter(
          (e) => e.action === 'ca.reloaded' && e.crlUrl === url,
        ).length;
        return n === WORKERS || undefined;
      });
    }
    for (let i = 0; i < 3 * WORKERS; i++)
      for (const url of urls) {
        const r = await api(ca.server.url, new URL(url).pathname, { ca: ca.caPem });
        expect(r.status, `${url}: ${r.text}`).toBe(200);
        expect(r.headers['content-type']).toBe('application/pkix-crl');
      }
  });
});
