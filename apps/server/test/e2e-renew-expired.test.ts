/**
 * Renewal after downtime over real mutual TLS: nodeid-server requests the client certificate
 * without judging it at the TLS layer, so `nodeid agent` presenting a certificate that expired
 * ten days ago renews with `--renew-expired-within 30d` (audited as certificate.renew-expired),
 * and one that expired forty days ago is refused. The expired certificates are issued from the
 * CA folder's key with the SDK's `now` and recorded in the folder's inventory, as the server
 * would have recorded them then.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, exportPrivateKeyPem, issueIdentity, parseCertificate } from '@nodeid/sdk';
import { loadCaFolder } from '@nodeid/sdk/node';
import { certificateRecordOf, openCaInventory } from '@nodeid/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  agentArgs,
  assertBuilt,
  auditEvents,
  cli,
  initCaFolder,
  type ServerProcess,
  startServer,
  stopAll,
} from './helpers/processes.js';

const DAY = 86_400_000;
let work: string;
let caDir: string;
let server: ServerProcess;

/** A node certificate that expired `daysAgo` days ago, recorded in the inventory, and its files. */
async function expiredNode(name: string, daysAgo: number) {
  const { issuer, config } = await loadCaFolder(caDir);
  const node = await issueIdentity({
    ca: issuer,
    name,
    clusterName: config.clusterName,
    now: new Date(Date.now() - (daysAgo + 30) * DAY),
    days: 30,
  });
  const store = await openCaInventory(caDir);
  try {
    await store.recordCertificate({
      ...certificateRecordOf(node.certificate),
      profile: 'node',
      issuedBy: 'server',
    });
  } finally {
    await store.close();
  }
  const dir = join(work, name);
  mkdirSync(dir, { mode: 0o700 });
  const files = {
    cert: join(dir, 'node.crt'),
    key: join(dir, 'node.key'),
    ca: join(dir, 'ca.crt'),
  };
  writeFileSync(files.cert, node.certificate.pem);
  writeFileSync(files.key, await exportPrivateKeyPem(node.privateKey), { mode: 0o600 });
  writeFileSync(files.ca, issuer.certificate.pem);
  return { ...files, serial: node.certificate.serialNumber };
}

const agentOnce = (n: { cert: string; key: string; ca: string }) =>
  cli([...agentArgs(server.url, n), '--once', '--force-renew', '--no-follow-ca']);

beforeAll(async () => {
  assertBuilt();
  ({ work, caDir } = await initCaFolder('nodeid-renew-expired-', 'expired.cluster'));
  // the folder's CA certificate made again with its key and name, valid from 100 days ago, so
  // node certificates that expired weeks ago can be issued from it
  const { issuer } = await loadCaFolder(caDir);
  const publicKey = await crypto.subtle.importKey(
    'spki',
    issuer.certificate.publicKey.spki.slice(),
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['verify'],
  );
  const backdated = await createCa({
    clusterName: 'expired.cluster',
    keyPair: { privateKey: issuer.privateKey, publicKey, algorithm: 'P-256' },
    now: new Date(Date.now() - 100 * DAY),
    days: 3650,
  });
  expect(backdated.certificate.subject.text).toBe(issuer.certificate.subject.text);
  writeFileSync(join(caDir, 'ca.crt'), backdated.certificate.pem);
  // the first start makes the inventory and the server's own certificate
  const first = await startServer({ caDir });
  await first.stop('SIGTERM');
});

afterAll(() => stopAll(work));

describe('nodeid-server --renew-expired-within 30d over mutual TLS', () => {
  it('renews a certificate expired 10 days ago, once, and refuses one expired 40 days ago', async () => {
    const recent = await expiredNode('recent.example.net', 10);
    const old = await expiredNode('old.example.net', 40);
    server = await startServer({ caDir, args: ['--renew-expired-within', '30d'] });

    const renewed = await agentOnce(recent);
    expect(renewed.status, renewed.stderr).toBe(0);
    const cert = parseCertificate(readFileSync(recent.cert, 'utf8'));
    expect(cert.serialNumber).not.toBe(recent.serial);
    expect(cert.notAfter.getTime()).toBeGreaterThan(Date.now());
    await server.waitFor('the audit line', () =>
      auditEvents(server).find((e) => e.action === 'certificate.renew-expired'),
    );
    expect(auditEvents(server).find((e) => e.action === 'certificate.renew-expired')).toMatchObject(
      {
        replaces: recent.serial,
        serialNumber: cert.serialNumber,
      },
    );

    const refused = await agentOnce(old);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/ERR_CERT_EXPIRED/);
    expect(parseCertificate(readFileSync(old.cert, 'utf8')).serialNumber).toBe(old.serial);
    await server.stop('SIGTERM');
  });
});
