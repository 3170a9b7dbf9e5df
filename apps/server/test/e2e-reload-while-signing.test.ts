/**
 * Signing during a CA switch (issue 12's follow-up: the reload reviewed for races), with real
 * processes on loopback: clients sign continuously through `/v1/sign` (on the server's signing
 * thread, then with `--sign-threads 0` on its HTTP thread) while `nodeid ca set-crl-url` and then `nodeid ca rotate` are run on the folder it
 * serves. Every certificate must be entirely of one CA in service: signed by the CA its response
 * names as chain, its authorityKeyIdentifier that CA's key identifier, and its CRL address the one
 * that CA had at that moment; the three states are (old key, first address), (old key, second
 * address), (new key, second address), and a mix (the new key with the first address) is the
 * race this guards against. Each certificate also passes `openssl verify` against the trust
 * bundle, and one of each state `openssl verify -crl_check` with the CRL fetched at its own
 * address. Progress is counted in signatures, never in time. Needs the builds.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Certificate,
  createCsr,
  isIssuedBy,
  parseCertificate,
  parseCertificates,
} from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  auditEvents,
  cli,
  type ServerProcess,
  startCaServer,
  stopAll,
} from './helpers/processes.js';

const FIRST = 'http://ca.test/crl/first.crl';
const SECOND = 'http://ca.test/crl/second.crl';
/** Clients signing at once. */
const CLIENTS = 4;
/** Signatures to see in each state before moving on. */
const PER_STATE = 12;

let work: string;
let caDir: string;
let caPem: string;
let admin: string;
let server: ServerProcess;

interface Signed {
  certificate: Certificate;
  chain: Certificate[];
  pem: string;
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : 'none');
const crlUrlOf = (c: Certificate) =>
  (c.crlDistributionPoints ?? [])
    .flatMap((dp) => (dp.distributionPoint?.fullName ?? []).map((n) => n.value))
    .join(',');

/** A new one-time token for a new name, made as the admin. */
async function newToken(): Promise<{ name: string; token: string }> {
  const name = `n-${Math.random().toString(36).slice(2, 10)}.example.net`;
  const r = await api(server.url, '/v1/enrollments', { ca: caPem, admin, json: { name } });
  expect(r.status, r.text).toBe(201);
  return { name, token: (r.json() as { token: string }).token };
}

// the limits are per client address; these clients all come from 127.0.0.1
for (const name of ['SIGN', 'ENROLL']) {
  process.env[`NODEID_${name}_RATE_PER_MINUTE`] = '100000';
  process.env[`NODEID_${name}_BURST`] = '100000';
}

describe.each([
  { threads: '1', where: 'on a signing thread' },
  { threads: '0', where: 'on the HTTP thread' },
])('signing $where while the CA folder is reloaded', ({ threads }) => {
  beforeAll(async () => {
    ({ work, caDir, caPem, admin, server } = await startCaServer(
      'nodeid-reload-signing-',
      'race.cluster',
      { args: ['--sign-threads', threads] },
      async (folder) => {
        const set = await cli(['ca', 'set-crl-url', FIRST, '--dir', folder.caDir]);
        expect(set.status, set.stderr).toBe(0);
      },
    ));
  });

  afterAll(() => stopAll(work));

  it('every certificate is entirely of the old or of the new CA: chain, AKI and CRL address', async () => {
    const signed: Signed[] = [];
    let stop = false;
    let waiter: (() => void) | undefined;
    const untilSigned = async (count: number) => {
      while (signed.length < count) {
        if (stop) throw new Error('the signing clients stopped');
        await new Promise<void>((resolve) => {
          waiter = resolve;
        });
      }
    };
    const client = async () => {
      try {
        while (!stop) {
          const next = await newToken();
          const csr = await createCsr({ name: next.name });
          const r = await api(server.url, '/v1/sign', {
            ca: caPem,
            json: { token: next.token, csr: csr.pem },
          });
          expect(r.status, r.text).toBe(200);
          const body = r.json() as { certificate: string; chain: string[] };
          signed.push({
            pem: body.certificate,
            certificate: parseCertificate(body.certificate),
            chain: body.chain.map((pem) => parseCertificate(pem)),
          });
          waiter?.();
        }
      } catch (e) {
        // a failing client stops the others and the wait, and fails the test with its error
        stop = true;
        waiter?.();
        throw e;
      }
    };
    const clients = Promise.all(Array.from({ length: CLIENTS }, client));
    const reloads = () => auditEvents(server).filter((e) => e.action === 'ca.reloaded');
    try {
      await untilSigned(PER_STATE);
      const set = await cli(['ca', 'set-crl-url', SECOND, '--dir', caDir]);
      expect(set.status, set.stderr).toBe(0);
      await server.waitFor('the new CRL address in service', () => reloads()[0]);
      await untilSigned(signed.length + PER_STATE);
      const rotate = await cli(['ca', 'rotate', '--dir', caDir, '--format', 'json']);
      expect(rotate.status, rotate.stderr).toBe(0);
      await server.waitFor('the new key in service', () => reloads()[1]);
      await untilSigned(signed.length + PER_STATE);
    } finally {
      stop = true;
      waiter?.();
    }
    await clients;

    const oldRoot = parseCertificate(caPem);
    const [newRoot] = parseCertificates(readFileSync(join(caDir, 'ca.crt'), 'utf8'));
    const ski = (c: Certificate) => hex(c.subjectKeyIdentifier);
    const allowed = new Set([
      `${ski(oldRoot)} ${FIRST}`,
      `${ski(oldRoot)} ${SECOND}`,
      `${ski(newRoot!)} ${SECOND}`,
    ]);
    const seen = new Map<string, Signed>();
    for (const s of signed) {
      const issuer = s.chain[0]!;
      expect(await isIssuedBy(s.certificate, issuer)).toBe(true);
      expect(hex(s.certificate.authorityKeyIdentifier?.keyIdentifier)).toBe(ski(issuer));
      const state = `${ski(issuer)} ${crlUrlOf(s.certificate)}`;
      expect(allowed).toContain(state);
      if (!seen.has(state)) seen.set(state, s);
    }
    // each state was seen: the clients signed before, between and after the switches
    expect(new Set(seen.keys())).toEqual(allowed);

    const bundle = join(caDir, 'ca-bundle.crt');
    for (const [i, s] of signed.entries()) writeFileSync(join(work, `leaf-${i}.pem`), s.pem);
    const all = spawnSync(
      'openssl',
      ['verify', '-CAfile', bundle, ...signed.map((_, i) => join(work, `leaf-${i}.pem`))],
      { encoding: 'utf8' },
    );
    expect(all.status, `${all.stdout}${all.stderr}`).toBe(0);
    expect(all.stdout.match(/: OK$/gm)).toHaveLength(signed.length);
    for (const [state, s] of seen) {
      // the CRL at the certificate's own address; the PEM form holds every key's CRL
      const url = new URL(crlUrlOf(s.certificate));
      const crl = await api(server.url, `${url.pathname}?format=pem`, { ca: caPem });
      expect(crl.status).toBe(200);
      const crlFile = join(work, 'crl.pem');
      const leafFile = join(work, 'leaf.pem');
      writeFileSync(crlFile, crl.text);
      writeFileSync(leafFile, s.pem);
      const r = spawnSync(
        'openssl',
        ['verify', '-crl_check', '-CAfile', bundle, '-CRLfile', crlFile, leafFile],
        { encoding: 'utf8' },
      );
      expect(`${state}: ${r.stdout}${r.stderr}`).toMatch(/: OK/);
    }
  });
});
