/**
 * The reloader against a real HTTPS server on loopback: replacing the files changes the
 * certificate new connections see, without restarting the server; broken replacements do not.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleFiles } from '../bundle/bundle-files.js';
import { createCa } from '../ca/create-ca.js';
import { NodeIdError } from '../errors.js';
import { nextCheckIn } from '../expiry/next-check-in.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { createTlsReloader, type TlsAlert, type TlsReloader } from './tls-reloader.js';
import { writeBundle } from './write-bundle.js';

let ca: Identity;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

beforeAll(async () => {
  ca = await createCa({ clusterName: 'ais.cluster' });
});

const serverIdentity = () =>
  issueIdentity({ ca, profile: 'server', name: 'localhost', ips: ['127.0.0.1'] });

/** Writes an identity as AIStore's server.crt/server.key/ca.crt into `dir`, replacing what is there. */
async function install(dir: string, id: Identity): Promise<void> {
  await writeBundle(dir, await bundleFiles(id, 'aistore'), { force: true });
}

const normSerial = (hex: string) => hex.toLowerCase().replace(/^0+/, '');

/** The serial of the certificate a new TLS connection to `port` is served. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, ca: ca.certificate.pem, servername: 'localhost' },
      () => {
        const serial = socket.getPeerCertificate().serialNumber;
        socket.end();
        resolve(normSerial(serial));
      },
    );
    socket.on('error', reject);
  });
}

/** A queue of callback values, so a test can await the next one. */
function events<T>() {
  const queue: T[] = [];
  const waiters: ((v: T) => void)[] = [];
  return {
    push(v: T) {
      const w = waiters.shift();
      if (w) w(v);
      else queue.push(v);
    },
    next(): Promise<T> {
      const v = queue.shift();
      return v !== undefined ? Promise.resolve(v) : new Promise((r) => waiters.push(r));
    },
    get pending() {
      return queue.length;
    },
  };
}

async function startServer(
  options: tls.SecureContextOptions,
): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer(options, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return { server, port: (server.address() as AddressInfo).port };
}

describe('createTlsReloader with a real HTTPS server', () => {
  it('swaps in a replaced certificate for new connections without restarting; keeps the old one on garbage or a wrong key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
    const first = await serverIdentity();
    await install(dir, first);
    const reloads = events<string>();
    const errors = events<NodeIdError>();
    const alerts: TlsAlert[] = [];
    const reloader = await createTlsReloader({
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      caFile: join(dir, 'ca.crt'),
      debounce: 50,
      onReload: (e) => reloads.push(e.serialNumber),
      onError: (e) => errors.push(e),
      onAlert: (a) => alerts.push(a),
    });
    cleanups.push(() => reloader.close());
    expect(await reloads.next()).toBe(first.certificate.serialNumber);
    const { server, port } = await startServer(reloader.secureContextOptions());
    reloader.attach(server);
    expect(await servedSerial(port)).toBe(normSerial(first.certificate.serialNumber));

    // A newly issued certificate, written atomically: picked up from the file event.
    const second = await serverIdentity();
    await install(dir, second);
    expect(await reloads.next()).toBe(second.certificate.serialNumber);
    expect(reloader.certificate.serialNumber).toBe(second.certificate.serialNumber);
    expect(await servedSerial(port)).toBe(normSerial(second.certificate.serialNumber));
    expect(server.listening).toBe(true);

    // Garbage in the certificate file: an error and an alert; the old certificate stays.
    writeFileSync(join(dir, 'server.crt'), 'garbage\n');
    const garbage = await errors.next();
    expect(NodeIdError.isInstance(garbage)).toBe(true);
    expect(['ERR_PEM_INVALID', 'ERR_CERTIFICATE_INVALID']).toContain(garbage.code);
    expect(reloader.alert).toBe('tls-cert-invalid');
    expect(alerts.at(-1)?.message).toContain(second.certificate.serialNumber);
    expect(await servedSerial(port)).toBe(normSerial(second.certificate.serialNumber));

    // A new certificate with the old key: refused as a mismatch.
    const third = await serverIdentity();
    writeFileSync(join(dir, 'server.crt'), third.certificate.pem);
    let mismatch = await errors.next();
    while (mismatch.code !== 'ERR_KEY_MISMATCH') mismatch = await errors.next();
    expect(mismatch.message).toContain('server.key');
    expect(await servedSerial(port)).toBe(normSerial(second.certificate.serialNumber));

    // Mending the files clears the alert.
    await install(dir, third);
    let serial = await reloads.next();
    while (serial !== third.certificate.serialNumber) serial = await reloads.next();
    expect(await servedSerial(port)).toBe(normSerial(third.certificate.serialNumber));
    expect(reloader.alert).toBeUndefined();
  });

  it('also picks up changes by polling, with no file watching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
    const first = await serverIdentity();
    await install(dir, first);
    const { server, port } = await startServer({
      cert: first.certificate.pem,
      key: (await bundleFiles(first, 'aistore'))[1]!.contents as string,
    });
    const reloads = events<string>();
    const reloader = await createTlsReloader({
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      server,
      watch: false,
      pollInterval: 50,
      onReload: (e) => reloads.push(e.serialNumber),
    });
    cleanups.push(() => reloader.close());
    expect(reloader.nextCheckInMs).toBe(50);
    await reloads.next();
    const second = await serverIdentity();
    await install(dir, second);
    expect(await reloads.next()).toBe(second.certificate.serialNumber);
    expect(await servedSerial(port)).toBe(normSerial(second.certificate.serialNumber));
  });

  it('reload() says whether something changed and rejects a broken replacement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
    await install(dir, await serverIdentity());
    const reloader = await createTlsReloader({
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      watch: false,
    });
    cleanups.push(() => reloader.close());
    expect(await reloader.reload()).toBe(false);
    const next = await serverIdentity();
    await install(dir, next);
    expect(await reloader.reload()).toBe(true);
    expect(reloader.certificate.serialNumber).toBe(next.certificate.serialNumber);
    writeFileSync(join(dir, 'server.key'), 'not a key');
    await expect(reloader.reload()).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    expect(reloader.certificate.serialNumber).toBe(next.certificate.serialNumber);
    reloader.close();
    expect(await reloader.reload()).toBe(false);
  });
});

describe('createTlsReloader alerts and schedule', () => {
  async function reloaderAt(
    now: Date,
    id?: Identity,
  ): Promise<{ r: TlsReloader; alerts: TlsAlert[]; id: Identity }> {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
    const identity = id ?? (await serverIdentity());
    await install(dir, identity);
    const alerts: TlsAlert[] = [];
    const r = await createTlsReloader({
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      watch: false,
      now: () => now,
      onAlert: (a) => alerts.push(a),
    });
    cleanups.push(() => r.close());
    return { r, alerts, id: identity };
  }

  it('raises tls-cert-will-soon-expire within 3 days, with the validity bounds, and polls every minute in the last hour', async () => {
    const id = await serverIdentity();
    const notAfter = id.certificate.notAfter;
    const now = new Date(notAfter.getTime() - 30 * 60_000);
    const { r, alerts } = await reloaderAt(now, id);
    expect(r.alert).toBe('tls-cert-will-soon-expire');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.notAfter?.getTime()).toBe(notAfter.getTime());
    expect(alerts[0]!.notBefore?.getTime()).toBe(id.certificate.notBefore.getTime());
    expect(alerts[0]!.message).toContain('server.crt');
    expect(r.nextCheckInMs).toBe(nextCheckIn(id.certificate, { now }));
    expect(r.nextCheckInMs).toBe(60_000);
  });

  it('raises tls-cert-expired after notAfter, nothing while valid', async () => {
    const id = await serverIdentity();
    const expired = await reloaderAt(new Date(id.certificate.notAfter.getTime() + 1000), id);
    expect(expired.r.alert).toBe('tls-cert-expired');
    expect(expired.alerts[0]!.status).toBe('expired');
    const fine = await reloaderAt(new Date(id.certificate.notBefore.getTime() + 86_400_000), id);
    expect(fine.r.alert).toBeUndefined();
    expect(fine.alerts).toEqual([]);
    expect(fine.r.nextCheckInMs).toBe(6 * 3_600_000);
  });

  it('fails the first load with a NodeIdError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
    const missing = createTlsReloader({
      certFile: join(dir, 'nope.crt'),
      keyFile: join(dir, 'nope.key'),
    });
    await expect(missing).rejects.toMatchObject({ code: 'ERR_FILE_IO' });
    writeFileSync(join(dir, 'bad.crt'), 'garbage');
    writeFileSync(join(dir, 'bad.key'), 'garbage');
    await expect(
      createTlsReloader({ certFile: join(dir, 'bad.crt'), keyFile: join(dir, 'bad.key') }),
    ).rejects.toSatisfy((e) => NodeIdError.isInstance(e));
    await expect(
      createTlsReloader({
        certFile: join(dir, 'bad.crt'),
        keyFile: join(dir, 'bad.key'),
        warnWithin: 'soon',
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
