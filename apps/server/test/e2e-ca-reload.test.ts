/**
 * nodeid-server follows its CA folder without a restart (issue 12's leftover), with real
 * processes on loopback: a node enrolled, `nodeid ca rotate` run as a process on the folder the
 * server serves, `/v1/ca/bundle` serving the new bundle by itself, a second node enrolled and
 * signed by the new key (openssl verify against the new root alone and against the bundle), the
 * first node renewing over mutual TLS with its old-key certificate, the old key's CRL at
 * `/v1/crl/previous`, one `ca.reloaded` audit line; then a half-written `ca.crt` (garbage) that
 * is refused with a warning while the CA in service keeps signing; then `ca retire-old`, picked up
 * the same way. The CA key is encrypted: every reload reads it with the server's
 * `--passphrase-file`. Needs the builds (see helpers/processes.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIssuedBy, parseCertificate, parseCertificates } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  assertBuilt,
  auditEvents,
  cli,
  enrollNode,
  killStarted,
  type NodeFiles,
  type ServerProcess,
  startServer,
} from './helpers/processes.js';

let work: string;
let caDir: string;
let server: ServerProcess;
let passFile: string;

type Node = NodeFiles;

const pemOf = (file: string) => readFileSync(file, 'utf8');
const serials = (pem: string) => parseCertificates(pem).map((c) => c.serialNumber);

/** Enrolls `name` into `work/name`, the admin's CLI trusting the server with `caFile`. */
const enroll = (name: string, caFile: string): Promise<Node> =>
  enrollNode({ url: server.url, caDir, caFile }, name, join(work, name));

function opensslVerify(caFile: string, cert: string): string {
  const r = spawnSync('openssl', ['verify', '-CAfile', caFile, cert], { encoding: 'utf8' });
  return r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}`;
}

/** Asks `path` (verified against `ca`) until `done` holds for the answer; at most 60 tries. */
async function pollUntil(path: string, ca: string, done: (text: string) => boolean) {
  for (let i = 0; i < 60; i++) {
    const r = await api(server.url, path, { ca });
    if (done(r.text)) return r.text;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${path} never changed; server stderr:\n${server.stderr}`);
}

beforeAll(async () => {
  assertBuilt();
  // an encrypted CA key: the server reloads it with the passphrase source it started with
  work = mkdtempSync(join(tmpdir(), 'nodeid-reload-'));
  caDir = join(work, 'ca');
  passFile = join(work, 'pass.txt');
  writeFileSync(passFile, 'reload test passphrase, long enough\n', { mode: 0o600 });
  const init = await cli([
    'ca',
    'init',
    'reload.cluster',
    '--dir',
    caDir,
    '--passphrase-file',
    passFile,
  ]);
  expect(init.status, init.stderr).toBe(0);
  server = await startServer({ caDir, args: ['--passphrase-file', passFile] });
});

afterAll(async () => {
  await server?.stop();
  killStarted();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('nodeid-server follows ca rotate without a restart', () => {
  let oldRoot: string;
  let first: Node;

  it('switches to the rotated folder by itself: bundle, CA, signing, CRLs, renewal of old leaves', async () => {
    oldRoot = pemOf(join(caDir, 'ca.crt'));
    first = await enroll('node1.example.net', join(caDir, 'ca.crt'));
    const previousBefore = await api(server.url, '/v1/crl/previous', { ca: oldRoot });
    expect(previousBefore.status).toBe(404);

    const rotate = await cli([
      'ca',
      'rotate',
      '--dir',
      caDir,
      '--passphrase-file',
      passFile,
      '--format',
      'json',
    ]);
    expect(rotate.stderr).toBe('');
    expect(rotate.status).toBe(0);
    const bundleFile = pemOf(join(caDir, 'ca-bundle.crt'));
    const newRoot = pemOf(join(caDir, 'ca.crt'));
    expect(serials(newRoot)).not.toEqual(serials(oldRoot));

    // the server is not restarted: the bundle appears by itself (checked against the old root,
    // as a node that has not followed yet would)
    const served = await pollUntil(
      '/v1/ca/bundle',
      oldRoot,
      (t) => t.includes('BEGIN') && serials(t).length > 1,
    );
    expect(serials(served)).toEqual(serials(bundleFile));
    expect(serials((await api(server.url, '/v1/ca', { ca: oldRoot })).text)).toEqual(
      serials(newRoot),
    );
    const reloaded = auditEvents(server).filter((e) => e.action === 'ca.reloaded');
    expect(reloaded).toHaveLength(1);
    expect(reloaded[0]).toMatchObject({
      trigger: 'watch',
      serialNumber: parseCertificate(newRoot).serialNumber,
      replaces: parseCertificate(oldRoot).serialNumber,
      rotation: true,
    });

    // a node enrolled now is signed by the new key
    const second = await enroll('node2.example.net', join(caDir, 'ca.crt'));
    const cert2 = parseCertificate(pemOf(second.cert));
    expect(await isIssuedBy(cert2, parseCertificate(newRoot))).toBe(true);
    expect(opensslVerify(join(caDir, 'ca.crt'), second.cert)).toBe('ok');
    expect(opensslVerify(join(caDir, 'ca-bundle.crt'), second.cert)).toBe('ok');
    const oldFile = join(work, 'old-root.pem');
    writeFileSync(oldFile, oldRoot);
    expect(opensslVerify(oldFile, second.cert)).not.toBe('ok');

    // the first node, still on its old-key certificate and old root, renews over mutual TLS
    const renew = await cli([
      'agent',
      '--server',
      server.url,
      '--cert',
      first.cert,
      '--key',
      first.key,
      '--ca',
      first.ca,
      '--once',
      '--force-renew',
      '--format',
      'json',
    ]);
    expect(renew.stderr).toBe('');
    expect(renew.status).toBe(0);
    const renewed = parseCertificate(pemOf(first.cert));
    expect(await isIssuedBy(renewed, parseCertificate(newRoot))).toBe(true);
    expect(opensslVerify(join(caDir, 'ca-bundle.crt'), first.cert)).toBe('ok');

    // the old key signs its own CRL during the rotation, served without a restart
    const previous = await api(server.url, '/v1/crl/previous?format=pem', { ca: newRoot });
    expect(previous.status).toBe(200);
    const crlFile = join(work, 'previous.crl');
    writeFileSync(crlFile, previous.text);
    const crl = spawnSync('openssl', ['crl', '-in', crlFile, '-noout', '-CAfile', oldFile], {
      encoding: 'utf8',
    });
    expect(`${crl.stdout}${crl.stderr}`).toMatch(/verify OK/);
  });

  it('refuses a half-written ca.crt with a warning and keeps serving and signing with the CA in service', async () => {
    const caFile = join(caDir, 'ca.crt');
    const good = pemOf(caFile);
    const bundle = join(caDir, 'ca-bundle.crt');
    // refusals the rotation's own intermediate states may have logged are not this one
    const refusals = () =>
      server.stderr
        .split('\n')
        .filter((l) => l.includes('"event":"ca-reload-refused"'))
        .map((l) => JSON.parse(l) as { code: string; message: string });
    const before = refusals().length;
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB garbage, half writ');
    const refusal = await server.waitFor('the refusal', () => refusals()[before]);
    expect(server.running).toBe(true);
    expect(refusal.message).toMatch(/the CA in service keeps serving/);
    expect(refusal.message).toContain('ca.crt');
    expect(serials((await api(server.url, '/v1/ca', { ca: good })).text)).toEqual(serials(good));
    // issuance goes on with the key in service
    writeFileSync(join(work, 'good-root.pem'), good);
    const third = await enroll('node3.example.net', join(work, 'good-root.pem'));
    expect(await isIssuedBy(parseCertificate(pemOf(third.cert)), parseCertificate(good))).toBe(
      true,
    );
    expect(opensslVerify(bundle, third.cert)).toBe('ok');
    writeFileSync(caFile, good);
    expect(auditEvents(server).filter((e) => e.action === 'ca.reloaded')).toHaveLength(1);
  });

  it('follows ca retire-old: the new root alone in the bundle, no old-key CRL any more', async () => {
    const newRoot = pemOf(join(caDir, 'ca.crt'));
    // every old-key leaf renewed (node1) or superseded (the server's own, re-issued at the switch)
    const retire = await cli(['ca', 'retire-old', '--dir', caDir, '--format', 'json']);
    expect(retire.stderr).toBe('');
    expect(retire.status).toBe(0);
    const served = await pollUntil('/v1/ca/bundle', newRoot, (t) => serials(t).length === 1);
    expect(serials(served)).toEqual(serials(newRoot));
    expect((await api(server.url, '/v1/crl/previous', { ca: newRoot })).status).toBe(404);
    const reloaded = auditEvents(server).filter((e) => e.action === 'ca.reloaded');
    expect(reloaded).toHaveLength(2);
    expect(reloaded[1]).toMatchObject({ rotation: false, bundle: serials(newRoot) });
    // still signing with the (encrypted) new key
    const fourth = await enroll('node4.example.net', join(caDir, 'ca.crt'));
    expect(opensslVerify(join(caDir, 'ca.crt'), fourth.cert)).toBe('ok');
  });
});
