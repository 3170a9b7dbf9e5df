/**
 * End to end with real processes over HTTPS on loopback: `nodeid-server` started from a CA folder
 * made by `nodeid ca init`, nodes enrolled with `nodeid token create` + `nodeid enroll`, a mutual
 * TLS handshake between two enrolled nodes, a replayed token, a name outside the token, a
 * revocation seen through the CRL by `nodeid cert verify`, and `nodeid agent` renewing over
 * mutual TLS, also across a server restart. Needs the builds (see helpers/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { parseCertificate, parseCrl, verifyCertificate } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentArgs,
  api,
  auditEvents,
  cli,
  createToken,
  type EnrolledNode,
  enrollArgs,
  enrollNode,
  type ServerProcess,
  spawnCli,
  startCaServer,
  startServer,
  stopAll,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;
let admin: string;
let server: ServerProcess;

/** Where the nodes enroll: the running server and its CA folder. */
const at = () => ({ url: server.url, caDir });

const enroll = (name: string, tokenExtra: string[] = [], enrollExtra: string[] = []) =>
  enrollNode(at(), name, join(work, name), { tokenExtra, enrollExtra });

/** `nodeid enroll ... --format json` for `name` into `dir` with a token and its CA fingerprint. */
const enrollJson = (token: string, fingerprint: string, name: string, dir: string) =>
  enrollArgs({ url: server.url, token, fingerprint, name, out: dir, json: true });

const serialOf = (file: string) => parseCertificate(readFileSync(file, 'utf8')).serialNumber;

/** Opens a TLS connection from `client` to a server holding `serverIdentity`; resolves with what each side saw. */
function handshake(
  serverIdentity: { cert: string; key: string; ca: string },
  client: { cert?: string; key?: string; ca: string; servername: string },
): Promise<{ ok: boolean; received?: string; serverSawPeer?: string; error?: string }> {
  return new Promise((resolve) => {
    let serverSawPeer: string | undefined;
    const tlsServer = createServer(
      {
        cert: readFileSync(serverIdentity.cert),
        key: readFileSync(serverIdentity.key),
        ca: readFileSync(serverIdentity.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket: TLSSocket) => {
        serverSawPeer = socket.authorized ? socket.getPeerCertificate().subjectaltname : undefined;
        socket.end(`hello from ${serverIdentity.cert}`);
      },
    );
    tlsServer.on('tlsClientError', () => {});
    const done = (result: { ok: boolean; received?: string; error?: string }) => {
      clearTimeout(timer);
      tlsServer.close();
      resolve({ ...result, serverSawPeer });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'timed out' }), 15_000);
    tlsServer.listen(0, '127.0.0.1', () => {
      const port = (tlsServer.address() as { port: number }).port;
      let received = '';
      const socket = connect({
        host: '127.0.0.1',
        port,
        // an IP is checked against the address connected to; SNI carries host names only
        ...(isIP(client.servername) ? {} : { servername: client.servername }),
        ca: readFileSync(client.ca),
        ...(client.cert && { cert: readFileSync(client.cert), key: readFileSync(client.key!) }),
      });
      socket.on('data', (d) => {
        received += d;
      });
      socket.on('error', (e) => done({ ok: false, error: e.message }));
      socket.on('end', () => done({ ok: socket.authorized && received !== '', received }));
    });
  });
}

beforeAll(async () => {
  ({ work, caDir, caPem, admin, server } = await startCaServer('nodeid-e2e-', 'e2e.cluster'));
  expect(statSync(join(caDir, 'admin.token')).mode & 0o777).toBe(0o600);
});

afterAll(() => stopAll(work));

describe('nodeid-server end to end over HTTPS', () => {
  let node1: EnrolledNode;
  let node2: EnrolledNode;

  it('enrolls two nodes with the CLI, and they complete a mutual-TLS handshake', async () => {
    node1 = await enroll('node1.example.net', ['--ip', '127.0.0.1'], ['--ip', '127.0.0.1']);
    node2 = await enroll('node2.example.net');
    expect(node1.granted).toEqual(['DNS:node1', 'DNS:node1.example.net', 'IP:127.0.0.1']);
    expect(node2.denied).toEqual([]);
    expect(statSync(node1.key).mode & 0o777).toBe(0o600);
    expect(statSync(node1.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(node1.ca, 'utf8')).toBe(caPem);
    expect(serialOf(node1.cert)).toBe(node1.serialNumber);

    const both = await handshake(node1, {
      cert: node2.cert,
      key: node2.key,
      ca: node2.ca,
      servername: 'node1.example.net',
    });
    expect(both.error).toBeUndefined();
    expect(both.ok).toBe(true);
    expect(both.received).toContain('node1.example.net.crt');
    expect(both.serverSawPeer).toContain('DNS:node2.example.net');

    // the same server refuses a client without a certificate, and a client refuses a wrong name
    const anonymous = await handshake(node1, { ca: node2.ca, servername: 'node1.example.net' });
    expect(anonymous.ok).toBe(false);
    expect(anonymous.serverSawPeer).toBeUndefined();
    const wrongName = await handshake(node1, {
      cert: node2.cert,
      key: node2.key,
      ca: node2.ca,
      servername: 'node3.example.net',
    });
    expect(wrongName.ok).toBe(false);
    expect(wrongName.error).toMatch(/node3\.example\.net/);
  });

  it('refuses a used token: exit 1, ERR_TOKEN_INVALID, nothing written', async () => {
    const { token, caFingerprint } = await createToken(at(), 'node6.example.net');
    const first = await cli(
      enrollJson(token, caFingerprint, 'node6.example.net', join(work, 'node6')),
    );
    expect(first.status).toBe(0);
    const replayDir = join(work, 'node6-replay');
    const replay = await cli(enrollJson(token, caFingerprint, 'node6.example.net', replayDir));
    expect(replay.status).toBe(1);
    expect(replay.stderr).toMatch(/already used.*\(ERR_TOKEN_INVALID\)/);
    expect(() => statSync(replayDir)).toThrow();
    const issued = auditEvents(server).filter(
      (e) =>
        e.action === 'certificate.issue' && (e.names as string[]).includes('DNS:node6.example.net'),
    );
    expect(issued).toHaveLength(1);
  });

  it('denies names outside the token and says so; a CSR with only such names is refused', async () => {
    const node3 = await enroll(
      'node3.example.net',
      [],
      ['--dns', 'evil.example.net', '--ip', '10.9.9.9'],
    );
    expect(node3.denied.map((d) => d.name).sort()).toEqual(['DNS:evil.example.net', 'IP:10.9.9.9']);
    expect(node3.granted).toEqual(['DNS:node3', 'DNS:node3.example.net']);
    const sans = parseCertificate(readFileSync(node3.cert, 'utf8')).subjectAltNames!.map(
      (n) => n.value,
    );
    expect(sans).not.toContain('evil.example.net');
    expect(sans).not.toContain('10.9.9.9');

    const { token, caFingerprint } = await createToken(at(), 'node4.example.net');
    const outside = join(work, 'node4-outside');
    const refused = await cli(enrollJson(token, caFingerprint, 'other.example.net', outside));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/ERR_POLICY_DENIED/);
    expect(() => statSync(outside)).toThrow();
    // the refusal did not use the token up
    const retry = await cli(
      enrollJson(token, caFingerprint, 'node4.example.net', join(work, 'node4')),
    );
    expect(retry.stderr).toBe('');
    expect(retry.status).toBe(0);
  });

  it('revokes a node over the admin API; the CRL makes "nodeid cert verify" fail with ERR_REVOKED', async () => {
    const revoke = await api(
      server.url,
      `/v1/certificates/${node2.serialNumber.toUpperCase()}/revoke`,
      {
        ca: caPem,
        admin,
        json: { reason: 'keyCompromise' },
      },
    );
    expect(revoke.status).toBe(200);
    const crl = await api(server.url, '/v1/crl', { ca: caPem });
    expect(crl.status).toBe(200);
    const crlFile = join(work, 'ca.crl');
    writeFileSync(crlFile, crl.body);
    expect(parseCrl(new Uint8Array(crl.body)).entries.map((e) => e.serialNumber)).toContain(
      node2.serialNumber,
    );

    const revoked = await cli(['cert', 'verify', node2.cert, '--ca', node2.ca, '--crl', crlFile]);
    expect(revoked.status).toBe(1);
    expect(revoked.stdout).toMatch(/invalid.*\(ERR_REVOKED\)/);
    const fine = await cli(['cert', 'verify', node1.cert, '--ca', node1.ca, '--crl', crlFile]);
    expect(fine.status).toBe(0);

    // nor can the revoked node renew itself
    const before = readFileSync(node2.cert, 'utf8');
    const agent = await cli([...agentArgs(server.url, node2), '--once', '--force-renew']);
    expect(agent.status).toBe(1);
    expect(agent.stderr).toMatch(/ERR_REVOKED/);
    expect(readFileSync(node2.cert, 'utf8')).toBe(before);
  });

  it('the agent renews over mutual TLS with a fresh key (--once --force-renew) and runs --exec', async () => {
    const node1Agent = agentArgs(server.url, node1);
    const notDue = await cli([...node1Agent, '--once', '--format', 'json']);
    expect(notDue.status).toBe(0);
    expect(JSON.parse(notDue.stdout).event).toBe('not-due');
    expect(serialOf(node1.cert)).toBe(node1.serialNumber);

    const oldKey = readFileSync(node1.key, 'utf8');
    const marker = join(work, 'reloaded');
    const r = await cli([
      ...node1Agent,
      '--once',
      '--force-renew',
      '--format',
      'json',
      '--exec',
      `printf %s "$NODEID_SERIAL" > ${marker}`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const renewed = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'renewed');
    const serial = serialOf(node1.cert);
    expect(renewed.serialNumber).toBe(serial);
    expect(renewed.replaces).toBe(node1.serialNumber);
    expect(serial).not.toBe(node1.serialNumber);
    expect(readFileSync(node1.key, 'utf8')).not.toBe(oldKey);
    expect(statSync(node1.key).mode & 0o777).toBe(0o600);
    expect(readFileSync(marker, 'utf8')).toBe(serial);

    const cert = parseCertificate(readFileSync(node1.cert, 'utf8'));
    expect(cert.subjectAltNames!.map((n) => n.value).sort()).toEqual(
      ['127.0.0.1', 'node1', 'node1.example.net'].sort(),
    );
    expect(
      (await verifyCertificate({ certificate: cert, trustAnchors: [parseCertificate(caPem)] })).ok,
    ).toBe(true);
    const listed = await api(server.url, `/v1/certificates/${serial}`, { ca: caPem, admin });
    expect(listed.status).toBe(200);
    expect((listed.json() as { status: string }).status).toBe('valid');
    // the renewed identity still makes a handshake
    node1.serialNumber = serial;
    const again = await handshake(node1, {
      cert: node1.cert,
      key: node1.key,
      ca: node1.ca,
      servername: '127.0.0.1',
    });
    expect(again.ok).toBe(true);
  });

  it('an encrypted key: enroll writes it encrypted, the agent renews with it and keeps it encrypted', async () => {
    const pass = join(work, 'node7.pass');
    writeFileSync(pass, 'node seven secret\n', { mode: 0o600 });
    const node7 = await enroll('node7.example.net', [], ['--key-passphrase-file', pass]);
    const keyText = () => readFileSync(node7.key, 'utf8');
    expect(keyText()).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    const opensslKey = (args: string[]) =>
      spawnSync('openssl', ['pkey', '-in', node7.key, '-noout', ...args], { encoding: 'utf8' });
    expect(opensslKey(['-passin', `file:${pass}`]).status).toBe(0);
    expect(opensslKey(['-passin', 'pass:wrong']).status).not.toBe(0);

    const node7Agent = ['agent', '--server', server.url, '--cert', node7.cert, '--key', node7.key];
    const plainAttempt = await cli([...node7Agent, '--ca', node7.ca, '--once', '--force-renew']);
    expect(plainAttempt.status).not.toBe(0);
    expect(plainAttempt.stderr).toMatch(/passphrase/i);
    const oldKey = keyText();
    const r = await cli([
      ...node7Agent,
      '--ca',
      node7.ca,
      '--key-passphrase-file',
      pass,
      '--once',
      '--force-renew',
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(serialOf(node7.cert)).not.toBe(node7.serialNumber);
    // a new key, still encrypted with the same passphrase, and it matches the new certificate
    expect(keyText()).not.toBe(oldKey);
    expect(keyText()).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    const decrypted = spawnSync(
      'openssl',
      ['pkey', '-in', node7.key, '-passin', `file:${pass}`, '-pubout'],
      { encoding: 'utf8' },
    );
    const fromCert = spawnSync('openssl', ['x509', '-in', node7.cert, '-noout', '-pubkey'], {
      encoding: 'utf8',
    });
    expect(decrypted.status).toBe(0);
    expect(decrypted.stdout.replace(/\s/g, '')).toBe(fromCert.stdout.replace(/\s/g, ''));
  });

  it('the long-running agent survives a server restart and still renews', async () => {
    const node5 = await enroll('node5.example.net', ['--days', '1']);
    const agent = spawnCli([
      ...agentArgs(server.url, node5),
      // a 1-day certificate is always within 2 days of its end: due at once, then every second
      '--renew-at',
      '2d',
      '--min-interval',
      '1s',
      '--retry-min',
      '200ms',
      '--retry-max',
      '1s',
      '--format',
      'json',
    ]);
    const events = () => agent.stdoutLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const renewedAfter = (index: number) =>
      events()
        .slice(index)
        .find((e) => e.event === 'renewed');
    await agent.waitFor('a first renewal', () => renewedAfter(0));

    const port = server.port;
    expect((await server.stop('SIGKILL')).signal).toBe('SIGKILL');
    const downAt = agent.stdoutLines.length;
    const retry = await agent
      .waitFor('a retry while the server is down', () =>
        events()
          .slice(downAt)
          .find((e) => e.event === 'retry'),
      )
      .catch((e) => {
        throw new Error(`${e.message}\nagent:\n${agent.stdoutLines.join('\n')}`);
      });
    expect(retry.code).toBe('ERR_SERVER_UNREACHABLE');

    server = await startServer({ caDir, port });
    const upAt = agent.stdoutLines.length;
    const renewed = await agent.waitFor('a renewal after the restart', () => renewedAfter(upAt));
    const listed = await api(server.url, `/v1/certificates/${renewed.serialNumber}`, {
      ca: caPem,
      admin,
    });
    expect(listed.status).toBe(200);

    const exit = await agent.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(events().at(-1)!.event).toBe('stopped');
    // the files on disk are the last renewal's, and they belong together
    const last = events()
      .filter((e) => e.event === 'renewed')
      .at(-1)!;
    expect(serialOf(node5.cert)).toBe(last.serialNumber);
    // renewals keep the lifetime (1 day), they do not stretch it
    const cert = parseCertificate(readFileSync(node5.cert, 'utf8'));
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBeLessThan(86_400_000 + 600_000);
    const check = await cli(['cert', 'verify', node5.cert, '--ca', node5.ca, '--key', node5.key]);
    expect(check.status).toBe(0);
  });
});
