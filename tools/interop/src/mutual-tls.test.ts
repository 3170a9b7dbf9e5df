/**
 * Real peers: two `node:tls` endpoints (OpenSSL underneath) holding node identities issued by the
 * built `@nodeid/sdk` shake hands with mutual TLS, each requiring and verifying the other's
 * certificate, as the nodes of a Storage Scale cluster do. Loopback only.
 */
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import {
  bundleFiles,
  createCa,
  exportPrivateKeyPem,
  type Identity,
  issueIdentity,
} from '@nodeid/sdk';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const CLUSTER = 'scale.cluster';

interface Peer {
  cert: string;
  key: string;
  ca: string;
}

async function peerOf(id: Identity): Promise<Peer> {
  // the plain layout is PEM text only (only pkcs12 files are bytes)
  const [cert, key, ca] = (await bundleFiles(id, 'plain')).map((f) => String(f.contents));
  return { cert: cert!, key: key!, ca: ca! };
}

/** What each side saw of one handshake attempt. */
interface Outcome {
  client: { authorized: boolean; error?: string; peerCN?: string; reply?: string };
  server: { authorized?: boolean; peerCN?: string; error?: string };
}

const servers: tls.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/**
 * Starts a server that requires a client certificate from its CA, connects a client to it and
 * exchanges one message. The server only answers over a connection it authorized, so a reply
 * proves both sides accepted each other.
 */
async function handshake(
  server: Peer,
  client: Partial<Peer>,
  connect: Partial<tls.ConnectionOptions> = {},
): Promise<Outcome> {
  const outcome: Outcome = { client: { authorized: false }, server: {} };
  const srv = tls.createServer({
    cert: server.cert,
    key: server.key,
    ca: server.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
  servers.push(srv);
  srv.on('secureConnection', (socket) => {
    outcome.server.authorized = socket.authorized;
    outcome.server.peerCN = socket.getPeerCertificate().subject?.CN as string | undefined;
    socket.on('error', () => {});
    socket.end('pong');
  });
  srv.on('tlsClientError', (e) => {
    outcome.server.error = e.message;
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;

  await new Promise<void>((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'node1.example.net',
      ...client,
      ...connect,
    });
    let reply = '';
    socket.on('secureConnect', () => {
      outcome.client.authorized = socket.authorized;
      outcome.client.peerCN = socket.getPeerCertificate().subject?.CN as string | undefined;
    });
    socket.on('data', (d) => {
      reply += d.toString();
    });
    socket.on('error', (e) => {
      outcome.client.error = (e as NodeJS.ErrnoException).code ?? e.message;
    });
    socket.on('close', () => {
      if (reply) outcome.client.reply = reply;
      resolve();
    });
  });
  return outcome;
}

let node1: Peer;
let node2: Peer;
let node1Id: Identity;
let stranger: Peer;

beforeAll(async () => {
  const ca = await createCa({ clusterName: CLUSTER, organization: 'Example' });
  node1Id = await issueIdentity({ ca, name: 'node1.example.net', ips: ['127.0.0.1'] });
  node1 = await peerOf(node1Id);
  node2 = await peerOf(await issueIdentity({ ca, name: 'node2.example.net', ips: ['127.0.0.2'] }));
  // Same cluster name, same node name, another CA: only the issuer differs.
  const otherCa = await createCa({ clusterName: CLUSTER, organization: 'Example' });
  stranger = await peerOf(await issueIdentity({ ca: otherCa, name: 'node2.example.net' }));
});

describe('mutual TLS between SDK-issued node identities', () => {
  it('succeeds between two nodes of one CA; each side sees the cluster name as the peer CN', async () => {
    const o = await handshake(node1, node2);
    expect(o.client.error).toBeUndefined();
    expect(o.client.authorized).toBe(true);
    expect(o.client.peerCN).toBe(CLUSTER);
    expect(o.server.authorized).toBe(true);
    expect(o.server.peerCN).toBe(CLUSTER);
    expect(o.client.reply).toBe('pong');
  });

  it('the server refuses a client certificate from another CA', async () => {
    const o = await handshake(node1, { ...stranger, ca: node1.ca });
    expect(o.server.authorized).toBeUndefined();
    expect(o.server.error).toBeDefined();
    expect(o.client.reply).toBeUndefined();
  });

  it('the server refuses a client without a certificate', async () => {
    const o = await handshake(node1, { ca: node1.ca });
    expect(o.server.authorized).toBeUndefined();
    expect(o.server.error).toBeDefined();
    expect(o.client.reply).toBeUndefined();
  });

  it('the client refuses a server whose certificate is from another CA', async () => {
    const o = await handshake({ ...stranger, ca: node1.ca }, node2, {
      servername: 'node2.example.net',
    });
    expect(o.client.error).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(o.client.reply).toBeUndefined();
  });

  it('works through an intermediate CA when peers trust only the root', async () => {
    const root = await createCa({ clusterName: CLUSTER });
    const rack = await createCa({ clusterName: CLUSTER, issuer: root, pathLength: 0 });
    const a = await peerOf(await issueIdentity({ ca: rack, name: 'node1.example.net' }));
    const b = await peerOf(await issueIdentity({ ca: rack, name: 'node2.example.net' }));
    expect(a.ca).toBe(root.certificate.pem);
    const o = await handshake(a, b);
    expect(o.client.authorized).toBe(true);
    expect(o.server.authorized).toBe(true);
    expect(o.client.reply).toBe('pong');
  });
});

describe('host name checks on a node certificate', () => {
  it('checkServerIdentity accepts the FQDN, the short name and the IP, and nothing else', () => {
    const cert = new X509Certificate(node1Id.certificate.pem).toLegacyObject();
    expect(tls.checkServerIdentity('node1.example.net', cert)).toBeUndefined();
    expect(tls.checkServerIdentity('node1', cert)).toBeUndefined();
    expect(tls.checkServerIdentity('127.0.0.1', cert)).toBeUndefined();
    const wrong = tls.checkServerIdentity('node2.example.net', cert);
    expect(wrong).toBeInstanceOf(Error);
    expect((wrong as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    // The cluster name is the CN of every node, so it must never be accepted as a host name.
    expect(tls.checkServerIdentity(CLUSTER, cert)).toBeInstanceOf(Error);
  });

  it('a real connection checks the name the client dials', async () => {
    for (const servername of ['node1.example.net', 'node1']) {
      const o = await handshake(node1, node2, { servername });
      expect(o.client.error, servername).toBeUndefined();
      expect(o.client.reply).toBe('pong');
    }
    const viaIp = await handshake(node1, node2, { servername: undefined });
    expect(viaIp.client.reply).toBe('pong');
    const wrong = await handshake(node1, node2, { servername: 'node2.example.net' });
    expect(wrong.client.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(wrong.client.reply).toBeUndefined();
  });
});

it('keys exported by the SDK load into node:tls', async () => {
  const key = await exportPrivateKeyPem(node1Id.privateKey);
  expect(() => tls.createSecureContext({ cert: node1.cert, key })).not.toThrow();
});
