/**
 * The signing threads of nodeid-server (the built `dist/signing-worker.js`): they answer exactly
 * as signing on the request's thread does, errors included, and survive concurrency.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCa, createCsr, type Identity, NodeIdError, type SigningPolicy } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../src/lib/http-error.js';
import { type SignJob, signJob } from '../src/lib/issuance.js';
import { createSigningPool, type SigningPool } from '../src/lib/signing-pool.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'signing-worker.js');

let ca: Identity;
let pool: SigningPool;

const policy = (name: string): SigningPolicy => ({
  dns: [name],
  ips: [],
  uris: [],
  commonNames: [],
  maxDays: 30,
});
const job = (csr: string, name: string): SignJob => ({
  csr,
  policy: policy(name),
  profile: 'node',
  clusterName: 'pool.cluster',
  now: new Date(),
});

/** What a signing ended with: the error's class, code and message, or 'signed'. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'signed';
  } catch (e) {
    const kind =
      e instanceof HttpError
        ? `HttpError ${e.status}`
        : NodeIdError.isInstance(e)
          ? 'NodeIdError'
          : 'Error';
    return `${kind} ${(e as { code?: string }).code} ${(e as Error).message}`;
  }
}

beforeAll(async () => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run pnpm build in apps/server`);
  ca = await createCa({ clusterName: 'pool.cluster' });
  pool = createSigningPool({ ca, threads: 2, workerUrl: pathToFileURL(WORKER) });
});

afterAll(() => pool?.close());

describe('signing threads', () => {
  it('sign a CSR into a certificate the CA key verifies, with the names granted', async () => {
    const csr = await createCsr({ name: 'node1.pool.cluster' });
    const issued = await pool.sign(job(csr.pem, 'node1.pool.cluster'));
    const cert = new X509Certificate(issued.pem);
    expect(cert.verify(new X509Certificate(ca.certificate.pem).publicKey)).toBe(true);
    const digits = (hex: string) => hex.toLowerCase().replace(/^0+/, '');
    expect(digits(cert.serialNumber)).toBe(digits(issued.serialNumber));
    // the inventory record, built by the store on the signing thread, crosses intact
    expect(issued.record).toEqual({
      serialNumber: issued.serialNumber,
      subject: issued.subject,
      names: ['DNS:node1.pool.cluster'],
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      pem: issued.pem,
    });
    expect(issued.record.notAfter).toBeInstanceOf(Date);
    expect(issued.granted).toEqual(['DNS:node1.pool.cluster']);
    expect(issued.notAfter).toBeInstanceOf(Date);
    expect(issued.subject).toContain('pool.cluster');
  });

  it('answer every refusal as signing on this thread does: same class, code and message', async () => {
    const good = await createCsr({ name: 'node2.pool.cluster' });
    const tampered = good.der.slice();
    tampered[tampered.length - 3]! ^= 1;
    const { encodePem } = await import('../../../packages/sdk/src/lib/pem.js');
    const cases = [
      job('garbage', 'node2.pool.cluster'),
      job(encodePem('CERTIFICATE REQUEST', tampered), 'node2.pool.cluster'),
      job(good.pem, 'other.pool.cluster'), // only names outside the policy
      { ...job(good.pem, 'node2.pool.cluster'), profile: 'nonsense' as never },
    ];
    for (const c of cases) {
      const here = await outcome(signJob(c, ca));
      expect(here).not.toBe('signed');
      expect(await outcome(pool.sign(c))).toBe(here);
    }
  });

  it('sign 60 CSRs at once on two threads, each with its own serial', async () => {
    const csrs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => createCsr({ name: `n${i}.pool.cluster` })),
    );
    const issued = await Promise.all(
      csrs.map((c, i) => pool.sign(job(c.pem, `n${i}.pool.cluster`))),
    );
    expect(new Set(issued.map((x) => x.serialNumber)).size).toBe(60);
    for (const [i, x] of issued.entries())
      expect(x.record.names).toEqual([`DNS:n${i}.pool.cluster`]);
  });

  it('refuse work once closed', async () => {
    const closing = createSigningPool({ ca, threads: 1, workerUrl: pathToFileURL(WORKER) });
    await closing.close();
    const csr = await createCsr({ name: 'late.pool.cluster' });
    await expect(closing.sign(job(csr.pem, 'late.pool.cluster'))).rejects.toThrow(
      'the signing threads are stopped',
    );
  });
});
