/**
 * The CA rotation drill (issue 12), with real processes on loopback: a CA folder, nodes enrolled
 * through nodeid-server, `nodeid ca rotate`, the server restarted on the rotated folder, agents
 * that pick up the trust bundle from `/v1/ca/bundle` by themselves, a node with a new-key
 * certificate and a node still on an old-key certificate completing mutual TLS both ways with
 * node:tls and with `openssl s_server`/`s_client`, `ca retire-old` refusing while an old leaf
 * remains and succeeding once it renewed, and `openssl verify` of every certificate against the
 * bundle. Needs the builds (see helpers/processes.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { isIssuedBy, parseCertificate, parseCertificates } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentArgs,
  api,
  cli,
  enrollNode,
  type NodeFiles,
  type ServerProcess,
  startCaServer,
  startServer,
  stopAll,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;
let server: ServerProcess;
const opensslChildren = new Set<ChildProcess>();

type Node = NodeFiles;

const pemOf = (file: string) => readFileSync(file, 'utf8');
const certOf = (file: string) => parseCertificate(pemOf(file));
const serials = (pem: string) => parseCertificates(pem).map((c) => c.serialNumber);

const enroll = (name: string): Promise<Node> =>
  enrollNode({ url: server.url, caDir }, name, join(work, name));

/** `nodeid agent --once` for a node; returns the events it printed. */
async function agentOnce(node: Node, extra: string[] = []) {
  const r = await cli([...agentArgs(server.url, node), '--once', '--format', 'json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; serialNumber?: string });
}

/** A node:tls mutual-TLS exchange, `server` serving and `client` connecting; each trusts its own CA file. */
function tlsHandshake(
  serverNode: Node,
  client: Node,
): Promise<{ ok: boolean; peer?: string; error?: string }> {
  return new Promise((resolve) => {
    let peer: string | undefined;
    const tlsServer = createServer(
      {
        cert: pemOf(serverNode.cert),
        key: pemOf(serverNode.key),
        ca: pemOf(serverNode.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket: TLSSocket) => {
        peer = socket.authorized ? String(socket.getPeerCertificate().subject?.CN) : undefined;
        socket.end('hello');
      },
    );
    tlsServer.on('tlsClientError', () => {});
    const done = (r: { ok: boolean; error?: string }) => {
      clearTimeout(timer);
      tlsServer.close();
      resolve({ ...r, peer });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timed out' }), 15_000);
    tlsServer.listen(0, '127.0.0.1', () => {
      const { port } = tlsServer.address() as { port: number };
      let received = '';
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: serverNode.name,
        ca: pemOf(client.ca),
        cert: pemOf(client.cert),
        key: pemOf(client.key),
      });
      socket.on('data', (d) => {
        received += d;
      });
      socket.on('error', (e) => done({ ok: false, error: e.message }));
      socket.on('end', () => done({ ok: socket.authorized && received === 'hello' }));
    });
  });
}

/**
 * `openssl s_server` for `serverNode` (client certificate required and verified against its CA
 * file) and `openssl s_client` for `client` (server verified against its own CA file, with the
 * host name); resolves with both verdicts.
 */
async function opensslHandshake(serverNode: Node, client: Node) {
  const s = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      '-naccept',
      '1',
      '-cert',
      serverNode.cert,
      '-key',
      serverNode.key,
      '-CAfile',
      serverNode.ca,
      '-Verify',
      '2',
      '-verify_return_error',
    ],
    // stdin stays open: s_server stops at the end of its input
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  opensslChildren.add(s);
  let serverOut = '';
  s.stdout!.on('data', (d) => {
    serverOut += d;
  });
  s.stderr!.on('data', (d) => {
    serverOut += d;
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s_server did not start: ${serverOut}`)),
        15_000,
      );
      const look = () => {
        const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(serverOut);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      s.stdout!.on('data', look);
      s.on('exit', () => reject(new Error(`s_server exited: ${serverOut}`)));
    });
    const c = spawnSync(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        serverNode.name,
        '-verify_hostname',
        serverNode.name,
        '-CAfile',
        client.ca,
        '-cert',
        client.cert,
        '-key',
        client.key,
        '-verify_return_error',
        '-brief',
      ],
      { input: 'ping\n', encoding: 'utf8', timeout: 15_000 },
    );
    // s_server prints what it received; wait (bounded) for it, then stop it
    for (let i = 0; i < 50 && !/ping/.test(serverOut) && s.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    const clientOut = `${c.stdout}${c.stderr}`;
    return {
      clientOk: c.status === 0 && /Verification: OK/.test(clientOut),
      serverSawClient:
        /ping/.test(serverOut) && /verify return:1/.test(serverOut) && !/error/i.test(serverOut),
      clientOut,
      serverOut,
    };
  } finally {
    s.stdin!.destroy();
    if (s.exitCode === null) s.kill('SIGKILL');
    opensslChildren.delete(s);
  }
}

function opensslVerify(caFile: string, cert: string): string {
  const r = spawnSync('openssl', ['verify', '-CAfile', caFile, cert], { encoding: 'utf8' });
  return r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}`;
}

beforeAll(async () => {
  ({ work, caDir, caPem, server } = await startCaServer('nodeid-drill-', 'drill.cluster'));
});

afterAll(() => {
  for (const child of opensslChildren) child.kill('SIGKILL');
  stopAll(work);
});

describe('CA rotation drill', () => {
  it('rotates the CA while nodes keep talking, then retires the old key once every old leaf renewed', async () => {
    // before any rotation the bundle is the root alone
    const before = await api(server.url, '/v1/ca/bundle', { ca: caPem });
    expect(before.status).toBe(200);
    expect(before.text).toBe(caPem);

    const stays = await enroll('node1.example.net'); // keeps its old-key certificate for a while
    const renews = await enroll('node2.example.net'); // renews onto the new key right away
    const oldRoot = parseCertificate(caPem);

    // rotate with the server stopped, then start it on the rotated folder
    await server.stop();
    const rotated = await cli(['ca', 'rotate', '--dir', caDir, '--format', 'json']);
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    const rotation = JSON.parse(rotated.stdout);
    expect(rotation.next.join('\n')).toMatch(/nodeid ca retire-old/);
    const newRoot = certOf(join(caDir, 'ca.crt'));
    expect(newRoot.subject.raw).toEqual(oldRoot.subject.raw);
    expect(pemOf(join(caDir, 'ca-old.crt'))).toBe(caPem);
    const bundlePem = pemOf(join(caDir, 'ca-bundle.crt'));
    expect(serials(bundlePem).slice(0, 2)).toEqual([newRoot.serialNumber, oldRoot.serialNumber]);
    server = await startServer({ caDir });
    const served = await api(server.url, '/v1/ca/bundle', { ca: newRoot.pem });
    expect(served.status).toBe(200);
    expect(served.text).toBe(bundlePem);

    // the agents follow the bundle by themselves (the node still trusting only the old root
    // reaches the server, whose certificate is now of the new key, through NewWithOld)
    const renewEvents = await agentOnce(renews, ['--force-renew']);
    expect(renewEvents.map((e) => e.event)).toEqual(
      expect.arrayContaining(['ca-updated', 'renewed']),
    );
    const stayEvents = await agentOnce(stays);
    expect(stayEvents.map((e) => e.event)).toEqual(
      expect.arrayContaining(['ca-updated', 'not-due']),
    );
    for (const node of [stays, renews]) expect(pemOf(node.ca)).toBe(bundlePem);
    expect(await isIssuedBy(certOf(renews.cert), newRoot)).toBe(true);
    expect(await isIssuedBy(certOf(stays.cert), oldRoot)).toBe(true);
    // a node enrolled after the rotation trusts the new root, and takes the old one through OldWithNew
    const late = await enroll('node3.example.net');
    expect(await isIssuedBy(certOf(late.cert), newRoot)).toBe(true);
    expect(pemOf(late.ca)).toBe(newRoot.pem);
    expect((await agentOnce(late)).map((e) => e.event)).toContain('ca-updated');
    expect(pemOf(late.ca)).toBe(bundlePem);

    // old-key and new-key nodes, each trusting the bundle, in both directions
    for (const [a, b] of [
      [stays, renews],
      [renews, stays],
      [late, stays],
    ] as const) {
      const t = await tlsHandshake(a, b);
      expect({ pair: `${a.name} <- ${b.name}`, ...t }).toEqual({
        pair: `${a.name} <- ${b.name}`,
        ok: true,
        peer: 'drill.cluster',
      });
      const o = await opensslHandshake(a, b);
      expect({
        pair: `${a.name} <- ${b.name}`,
        client: o.clientOk,
        server: o.serverSawClient,
      }).toEqual({ pair: `${a.name} <- ${b.name}`, client: true, server: true });
    }
    // and the test can fail: a node trusting only the new root refuses the old-key node
    const onlyNew = { ...renews, ca: join(caDir, 'ca.crt') };
    expect((await tlsHandshake(stays, onlyNew)).ok).toBe(false);

    const bundleFile = join(caDir, 'ca-bundle.crt');
    for (const node of [stays, renews, late])
      expect(opensslVerify(bundleFile, node.cert)).toBe('ok');
    expect(opensslVerify(bundleFile, join(caDir, 'server', 'server.crt'))).toBe('ok');

    // retire-old refuses while the old-key leaf of node1 is valid, and names it
    const refused = await cli(['ca', 'retire-old', '--dir', caDir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/1 valid certificate of the old CA key remains: DNS:node1/);
    expect(refused.stderr).toMatch(/ERR_OLD_CA_IN_USE/);
    expect(pemOf(bundleFile)).toBe(bundlePem);

    const renewedLater = await agentOnce(stays, ['--force-renew']);
    expect(renewedLater.map((e) => e.event)).toContain('renewed');
    expect(await isIssuedBy(certOf(stays.cert), newRoot)).toBe(true);
    const retired = await cli(['ca', 'retire-old', '--dir', caDir, '--format', 'json']);
    expect(retired.stderr).toBe('');
    expect(retired.status).toBe(0);
    expect(JSON.parse(retired.stdout).retired).toBe(true);
    expect(serials(pemOf(bundleFile))).toEqual([newRoot.serialNumber]);
    // the old key is kept, renamed, never deleted
    expect(readFileSync(JSON.parse(retired.stdout).old.keyFile, 'utf8')).toMatch(/PRIVATE KEY/);

    // after a restart the server serves the new root alone, and the agents drop the old root
    await server.stop();
    server = await startServer({ caDir });
    const after = await api(server.url, '/v1/ca/bundle', { ca: newRoot.pem });
    expect(after.text).toBe(newRoot.pem);
    for (const node of [stays, renews, late]) {
      expect((await agentOnce(node)).map((e) => e.event)).toContain('ca-updated');
      expect(pemOf(node.ca)).toBe(newRoot.pem);
      expect(opensslVerify(node.ca, node.cert)).toBe('ok');
    }
    const t = await tlsHandshake(stays, renews);
    expect(t.ok).toBe(true);
  }, 240_000);
});
