/**
 * readPresentedChain against real sockets on loopback: a TLS server presenting leaf + CA (read
 * without trusting it), a closed port, a plain-text service, a silent one (timeout), a server that
 * sends a TLS alert, and many endpoints read under a concurrency bound.
 */
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { parseCertificate } from '../certificate/parse-certificate.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { exportPrivateKeyPem } from '../keys/export-private-key-pem.js';
import { checkClientCertificate, readPresentedChain, readPresentedChains } from './tls-endpoint.js';

let ca: Identity;
let leaf: Identity;
let keyPem: string;
let other: Identity;
let client: Identity;
let clientKeyPem: string;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

beforeAll(async () => {
  ca = await createCa({ clusterName: 'kms.cluster' });
  leaf = await issueIdentity({ ca, name: 'kms1.example.net', ips: ['127.0.0.1'] });
  keyPem = await exportPrivateKeyPem(leaf.privateKey);
  other = await createCa({ clusterName: 'other.cluster' });
  client = await issueIdentity({ ca, name: 'client1.example.net' });
  clientKeyPem = await exportPrivateKeyPem(client.privateKey);
});

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    cleanups.push(() => server.close());
  });
}

function tlsServer(options: tls.TlsOptions = {}): Promise<number> {
  const server = tls.createServer({
    cert: `${leaf.certificate.pem}${ca.certificate.pem}`,
    key: keyPem,
    ...options,
  });
  server.on('secureConnection', (s) => s.end());
  server.on('tlsClientError', () => {});
  return listen(server);
}

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

describe('readPresentedChain', () => {
  it('reads the leaf and the CA an untrusted endpoint presents, with the SNI sent', async () => {
    let sni: string | undefined;
    const port = await tlsServer({
      SNICallback: (name, cb) => {
        sni = name;
        cb(null, undefined);
      },
    });
    const r = await readPresentedChain({ host: '127.0.0.1', port, servername: 'kms1.example.net' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(sni).toBe('kms1.example.net');
    expect(r.servername).toBe('kms1.example.net');
    expect(r.chain).toHaveLength(2);
    expect(parseCertificate(r.chain[0]!).serialNumber).toBe(leaf.certificate.serialNumber);
    expect(parseCertificate(r.chain[1]!).serialNumber).toBe(ca.certificate.serialNumber);
    expect(r.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('sends no SNI for an IP address (RFC 6066 §3)', async () => {
    let sni: string | undefined = 'unset';
    const port = await tlsServer({
      SNICallback: (name, cb) => {
        sni = name;
        cb(null, undefined);
      },
    });
    const r = await readPresentedChain({ host: '127.0.0.1', port });
    expect(r.ok).toBe(true);
    expect(r.servername).toBeUndefined();
    // Node calls SNICallback only when the client sent a server_name extension.
    expect(sni).toBe('unset');
  });

  it('reads the chain of a server that insists on a client certificate (mutual TLS)', async () => {
    // Node's server lets the client finish before it refuses the missing client certificate;
    // openssl s_server -Verify does not (tested end to end in apps/cli/test/fleet-endpoints).
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const port = await tlsServer({
        requestCert: true,
        rejectUnauthorized: true,
        ca: ca.certificate.pem,
        maxVersion,
      });
      const r = await readPresentedChain({ host: '127.0.0.1', port });
      expect(r.ok, `${maxVersion}: ${!r.ok && r.message}`).toBe(true);
      if (!r.ok) return;
      expect(r.chain.map((der) => parseCertificate(der).serialNumber)).toEqual([
        leaf.certificate.serialNumber,
        ca.certificate.serialNumber,
      ]);
    }
  });

  it('reports the chain exactly as sent: order kept, unrelated certificates included (RFC 8446 §4.4.2)', async () => {
    // A misconfigured server: leaf, then a CA that issued nothing here, then the real CA.
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const port = await tlsServer({
        cert: `${leaf.certificate.pem}${other.certificate.pem}${ca.certificate.pem}`,
        maxVersion,
      });
      const r = await readPresentedChain({ host: '127.0.0.1', port });
      expect(r.ok, `${maxVersion}: ${!r.ok && r.message}`).toBe(true);
      if (!r.ok) return;
      expect(r.protocol).toBe(maxVersion);
      expect(r.chainSource).toBe('handshake');
      expect(r.chain.map((der) => parseCertificate(der).serialNumber)).toEqual([
        leaf.certificate.serialNumber,
        other.certificate.serialNumber,
        ca.certificate.serialNumber,
      ]);
      expect(r.clientAuthentication).toBeUndefined();
    }
  });

  it('reads the TLS 1.3 chain under each cipher suite, and after a HelloRetryRequest', async () => {
    // RFC 8446 §B.4 suites Node offers; a server that only takes P-384 makes the client, whose
    // first key share is X25519, start again after a HelloRetryRequest (§4.1.4).
    const cases = [
      { ciphers: 'TLS_AES_128_GCM_SHA256' },
      { ciphers: 'TLS_AES_256_GCM_SHA384' },
      { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
      { ciphers: 'TLS_AES_128_GCM_SHA256', ecdhCurve: 'P-384' },
    ];
    for (const c of cases) {
      const port = await tlsServer({
        cert: `${leaf.certificate.pem}${other.certificate.pem}${ca.certificate.pem}`,
        minVersion: 'TLSv1.3',
        ...c,
      });
      const r = await readPresentedChain({ host: '127.0.0.1', port });
      expect(r.ok, `${JSON.stringify(c)}: ${!r.ok && r.message}`).toBe(true);
      if (!r.ok) return;
      expect(r.cipher).toBe(c.ciphers);
      expect(r.chainSource, JSON.stringify(c)).toBe('handshake');
      expect(r.chain).toHaveLength(3);
      expect(parseCertificate(r.chain[1]!).serialNumber).toBe(other.certificate.serialNumber);
    }
  });

  it('presents a client certificate to a server that asks for one', async () => {
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      let seen: string | undefined;
      const server = tls.createServer({
        cert: `${leaf.certificate.pem}${ca.certificate.pem}`,
        key: keyPem,
        requestCert: true,
        rejectUnauthorized: true,
        ca: ca.certificate.pem,
        maxVersion,
      });
      server.on('secureConnection', (s) => {
        seen = s.getPeerCertificate().serialNumber?.toLowerCase().replace(/^0+/, '');
        s.end();
      });
      server.on('tlsClientError', () => {});
      const port = await listen(server);
      const r = await readPresentedChain(
        { host: '127.0.0.1', port },
        { clientCertificate: { cert: client.certificate.pem, key: clientKeyPem } },
      );
      expect(r.ok, `${maxVersion}: ${!r.ok && r.message}`).toBe(true);
      if (!r.ok) return;
      expect(seen).toBe(client.certificate.serialNumber.replace(/^0+/, ''));
      expect(r.clientAuthentication).toMatchObject({
        requested: true,
        sent: true,
        outcome: 'accepted',
      });
      expect(r.clientCertificateRequired).toBeUndefined();
    }
  });

  it('a closed port is "refused", not a throw', async () => {
    const port = await closedPort();
    const r = await readPresentedChain({ host: '127.0.0.1', port });
    expect(r).toMatchObject({ ok: false, reason: 'refused', code: 'ECONNREFUSED' });
    if (!r.ok) expect(r.message).toBe(`127.0.0.1:${port} is unreachable: connection refused`);
  });

  it('a plain-text service is "not-tls"', async () => {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    const port = await listen(server);
    const r = await readPresentedChain({ host: '127.0.0.1', port });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('not-tls');
  });

  it('a silent service is "timeout" after timeoutMs', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
    });
    const port = await listen(server);
    const r = await readPresentedChain({ host: '127.0.0.1', port }, { timeoutMs: 200 });
    expect(r).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('a TLS alert from the server is "tls-alert"', async () => {
    // The server accepts only TLS 1.3, the client offers only TLS 1.2: protocol_version alert.
    const port = await tlsServer({ minVersion: 'TLSv1.3' });
    const saved = tls.DEFAULT_MAX_VERSION;
    tls.DEFAULT_MAX_VERSION = 'TLSv1.2';
    cleanups.push(() => {
      tls.DEFAULT_MAX_VERSION = saved;
    });
    const r = await readPresentedChain({ host: '127.0.0.1', port });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('tls-alert');
      expect(r.code).toMatch(/_ALERT_/);
    }
  });
});

describe('checkClientCertificate', () => {
  it('accepts a matching certificate and key, plain or encrypted with the right passphrase', async () => {
    expect(() =>
      checkClientCertificate({ cert: client.certificate.pem, key: clientKeyPem }),
    ).not.toThrow();
    const encrypted = await exportPrivateKeyPem(client.privateKey, {
      passphrase: 'correct horse battery',
    });
    expect(() =>
      checkClientCertificate({
        cert: client.certificate.pem,
        key: encrypted,
        passphrase: 'correct horse battery',
      }),
    ).not.toThrow();
    expect(() => checkClientCertificate({ cert: client.certificate.pem, key: encrypted })).toThrow(
      expect.objectContaining({ code: 'ERR_PASSPHRASE_REQUIRED' }),
    );
    expect(() =>
      checkClientCertificate({ cert: client.certificate.pem, key: encrypted, passphrase: 'wrong' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PASSPHRASE_WRONG' }));
  });

  it("refuses a key that is not the certificate's, and files that are no certificate or key", () => {
    expect(() => checkClientCertificate({ cert: leaf.certificate.pem, key: clientKeyPem })).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_MISMATCH' }),
    );
    expect(() => checkClientCertificate({ cert: clientKeyPem, key: clientKeyPem })).toThrow(
      expect.objectContaining({ code: 'ERR_CERTIFICATE_INVALID' }),
    );
    expect(() =>
      checkClientCertificate({ cert: client.certificate.pem, key: client.certificate.pem }),
    ).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    // The key never appears in a message.
    try {
      checkClientCertificate({ cert: leaf.certificate.pem, key: clientKeyPem });
    } catch (e) {
      expect((e as Error).message).not.toMatch(/PRIVATE KEY|[A-Za-z0-9+/]{40}/);
    }
  });
});

describe('readPresentedChains', () => {
  it('keeps the order of the endpoints, each with its own result', async () => {
    const port = await tlsServer();
    const refused = await closedPort();
    const endpoints = Array.from({ length: 12 }, (_, i) => ({
      host: '127.0.0.1',
      port: i === 5 ? refused : port,
    }));
    const done: number[] = [];
    const results = await readPresentedChains(endpoints, {
      concurrency: 3,
      onResult: (_, i) => done.push(i),
    });
    expect(results.map((r) => r.ok)).toEqual(endpoints.map((_, i) => i !== 5));
    expect(results[5]).toMatchObject({ reason: 'refused' });
    expect(done.sort((a, b) => a - b)).toEqual(endpoints.map((_, i) => i));
  });

  it('has at most `concurrency` connections open, and uses all of them', async () => {
    // The server holds every connection unanswered and drops them three at a time (or the last
    // ones): a client starts its next connection only after the server dropped its previous one,
    // so what the server holds is exactly what is in flight.
    const n = 7;
    let held: net.Socket[] = [];
    let accepted = 0;
    let most = 0;
    const server = net.createServer((s) => {
      s.on('error', () => {});
      held.push(s);
      accepted++;
      most = Math.max(most, held.length);
      if (held.length === 3 || accepted === n) {
        // A plain-text answer: "not-tls", which is not tried again.
        for (const h of held) h.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        held = [];
      }
    });
    const port = await listen(server);
    const results = await readPresentedChains(
      Array.from({ length: n }, () => ({ host: '127.0.0.1', port })),
      { concurrency: 3, timeoutMs: 30_000 },
    );
    expect(results.map((r) => !r.ok && r.reason)).toEqual(Array(n).fill('not-tls'));
    expect(accepted).toBe(n);
    expect(most).toBe(3);
  });

  it('refuses a concurrency below 1', async () => {
    await expect(readPresentedChains([], { concurrency: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
