import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { createCsr } from '@nodeid/sdk';
import { openStore } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiResponse,
  api,
  type ServerProcess,
  startCaServer,
  startServer,
  stopAll,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;
let admin: string;
let server: ServerProcess;

async function newToken(name: string, localAddress: string) {
  const res = await api(server.url, '/v1/enrollments', {
    ca: caPem,
    admin,
    json: { name },
    localAddress,
  });
  expect(res.status).toBe(201);
  return (res.json() as { token: string }).token;
}

interface InventoryRecord {
  serialNumber: string;
  names: string[];
  status: string;
  pem: string;
}

async function inventory(): Promise<InventoryRecord[]> {
  const res = await api(server.url, '/v1/certificates', { ca: caPem, admin });
  expect(res.status).toBe(200);
  return res.json() as InventoryRecord[];
}

beforeAll(async () => {
  ({ work, caDir, caPem, admin, server } = await startCaServer(
    'nodeid-e2e-fault-',
    'fault.cluster',
  ));
});

afterAll(() => stopAll(work));

describe('nodeid-server under load and fault', () => {
  it('50 concurrent /v1/sign calls with one token give exactly one certificate', async () => {
    const token = await newToken('race.example.net', '127.0.0.2');
    const csrs = await Promise.all(
      Array.from({ length: 50 }, () => createCsr({ name: 'race.example.net' })),
    );
    const answers = await Promise.all(
      csrs.map((csr, i) =>
        api(server.url, '/v1/sign', {
          ca: caPem,
          json: { csr: csr.pem, token },
          localAddress: `127.0.1.${i + 1}`,
        }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(401);
      expect((a.json() as { code: string }).code).toBe('ERR_TOKEN_INVALID');
    }
    const serial = (ok[0]!.json() as { serialNumber: string }).serialNumber;
    const issued = (await inventory()).filter((r) => r.names.includes('DNS:race.example.net'));
    expect(issued.map((r) => r.serialNumber)).toEqual([serial]);
  });

  it('a body over 64 KiB gets 413 ERR_INPUT_TOO_LARGE, declared or streamed in chunks; the token survives', async () => {
    const token = await newToken('big.example.net', '127.0.4.1');
    const huge = JSON.stringify({ csr: 'x'.repeat(200_000), token });
    /** POSTs `body` to /v1/sign, with its length declared or sent chunked without one. */
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const u = new URL(server.url);
        const req = httpsRequest(
          {
            hostname: u.hostname,
            port: u.port,
            path: '/v1/sign',
            method: 'POST',
            ca: caPem,
            agent: false,
            localAddress: '127.0.4.2',
            headers: {
              'content-type': 'application/json',
              ...(chunked
                ? { 'transfer-encoding': 'chunked' }
                : { 'content-length': Buffer.byteLength(body) }),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
            );
          },
        );
        // the server may answer and close before the whole body is sent
        req.on('error', (e: NodeJS.ErrnoException) =>
          e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
        );
        if (chunked) for (let i = 0; i < body.length; i += 8192) req.write(body.slice(i, i + 8192));
        req.end(chunked ? undefined : body);
      });
    for (const chunked of [false, true]) {
      const res = await post(huge, chunked);
      expect(res.status, `chunked: ${chunked}`).toBe(413);
      expect(JSON.parse(res.text)).toEqual({
        code: 'ERR_INPUT_TOO_LARGE',
        message: 'the request body is larger than 65536 bytes',
      });
    }
    // a chunked body under the limit is read whole, and the token was not used by the refusals
    const csr = await createCsr({ name: 'big.example.net' });
    const ok = await post(JSON.stringify({ csr: csr.pem, token }), true);
    expect(ok.status, ok.text).toBe(200);
    expect(JSON.parse(ok.text).granted).toContain('DNS:big.example.net');
  });

  it('kill -9 during a signing load: every certificate a client received is in the inventory after a restart', async () => {
    const workers = 20;
    const perWorker = 4;
    const tokens: string[] = [];
    for (let i = 0; i < workers * perWorker; i++)
      tokens.push(await newToken(`load${i}.example.net`, `127.0.2.${1 + (i % 8)}`));
    const csrs = await Promise.all(
      tokens.map((_, i) => createCsr({ name: `load${i}.example.net` })),
    );
    const received: { serialNumber: string; certificate: string }[] = [];
    const failures: string[] = [];
    let killed: Promise<unknown> | undefined;
    // 20 clients, each enrolling one node after another, until the server dies under them
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        for (let k = 0; k < perWorker; k++) {
          const i = w * perWorker + k;
          let res: ApiResponse;
          try {
            res = await api(server.url, '/v1/sign', {
              ca: caPem,
              json: { csr: csrs[i]!.pem, token: tokens[i] },
              localAddress: `127.0.3.${w + 1}`,
              timeoutMs: 20_000,
            });
          } catch (e) {
            failures.push((e as Error).message);
            return;
          }
          expect(res.status).toBe(200);
          received.push(res.json() as { serialNumber: string; certificate: string });
          if (received.length === workers && !killed) killed = server.stop('SIGKILL');
        }
      }),
    );
    expect(killed).toBeDefined();
    expect((await killed) as { signal: string }).toMatchObject({ signal: 'SIGKILL' });
    expect(received.length).toBeGreaterThanOrEqual(workers);
    // the load did not finish: the clients still working when the server died got no answer
    expect(failures.length).toBeGreaterThan(0);
    expect(received.length + failures.length).toBeLessThanOrEqual(tokens.length);

    server = await startServer({ caDir, port: server.port });
    const health = await api(server.url, '/healthz', { ca: caPem });
    expect(health.status).toBe(200);
    const records = new Map((await inventory()).map((r) => [r.serialNumber, r]));
    for (const r of received) {
      expect(records.get(r.serialNumber)?.pem).toBe(r.certificate);
      expect(records.get(r.serialNumber)?.status).toBe('valid');
    }
    // the restarted server keeps working on the same database
    const after = await newToken('after.example.net', '127.0.2.100');
    const csr = await createCsr({ name: 'after.example.net' });
    const signed = await api(server.url, '/v1/sign', {
      ca: caPem,
      json: { csr: csr.pem, token: after },
    });
    expect(signed.status).toBe(200);

    // and the database opens cleanly on its own once the server is gone
    await server.stop('SIGTERM');
    const store = await openStore(join(caDir, 'inventory.db'));
    try {
      const listed = await store.listCertificates({ now: new Date() });
      for (const r of received)
        expect(listed.some((x) => x.serialNumber === r.serialNumber)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('--workers 2: two processes share the port and the inventory; one token still gives one certificate', async () => {
    await server.stop('SIGTERM');
    server = await startServer({ caDir, args: ['--workers', '2'] });
    expect(server.stderr.match(/listening on/g)?.length ?? 0).toBeGreaterThanOrEqual(1);
    const token = await newToken('workers.example.net', '127.0.3.1');
    const csrs = await Promise.all(
      Array.from({ length: 40 }, () => createCsr({ name: 'workers.example.net' })),
    );
    const answers = await Promise.all(
      csrs.map((csr, i) =>
        api(server.url, '/v1/sign', {
          ca: caPem,
          json: { csr: csr.pem, token },
          localAddress: `127.0.3.${i + 2}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(39);
    const issued = (await inventory()).filter((r) => r.names.includes('DNS:workers.example.net'));
    expect(issued).toHaveLength(1);
    await server.stop('SIGTERM');
  });
});
