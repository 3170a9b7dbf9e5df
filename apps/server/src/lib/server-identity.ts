/**
 * The server's own TLS identity: issued from its CA for the names it is reached at, kept in
 * `<CA folder>/server/` (`server.crt`, `server.key`), reused while it is valid for those names,
 * and recorded in the inventory like any other certificate.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleFiles,
  type Issuer,
  isIssuedBy,
  issueIdentity,
  parseCertificate,
  renewalDueAt,
  verifyCertificate,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { certificateRecordOf, type Store } from '@nodeid/store';

/** Where the server keeps its certificate and key. */
export function serverIdentityFiles(caDir: string) {
  const dir = join(caDir, 'server');
  return { dir, certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
}

/** Makes sure a valid server certificate for `hostnames` and `ips` exists; returns its files. */
export async function ensureServerIdentity(
  caDir: string,
  ca: Issuer,
  store: Store,
  names: { hostnames: string[]; ips: string[] },
) {
  const files = serverIdentityFiles(caDir);
  const current = await readFile(files.certFile, 'utf8').catch(() => undefined);
  if (current) {
    const cert = parseCertificate(current);
    const checks = await Promise.all([
      ...names.hostnames.map((host) =>
        verifyCertificate({
          certificate: cert,
          trustAnchors: [ca.chain?.at(-1) ?? ca.certificate],
          intermediates: [ca.certificate],
          host,
          usage: 'server',
        }),
      ),
      ...names.ips.map((ip) =>
        verifyCertificate({
          certificate: cert,
          trustAnchors: [ca.chain?.at(-1) ?? ca.certificate],
          intermediates: [ca.certificate],
          ip,
          usage: 'server',
        }),
      ),
    ]);
    // reused until the SDK's renewal time (two thirds of its lifetime), like any identity, and
    // while the key that signs now signed it (after `ca rotate` it is re-issued from the new key)
    if (
      checks.every((r) => r.ok) &&
      Date.now() < renewalDueAt(cert).getTime() &&
      (await isIssuedBy(cert, ca.certificate))
    )
      return { ...files, issued: false };
  }
  const [first, ...dns] = names.hostnames;
  const identity = await issueIdentity({
    ca,
    profile: 'server',
    name: first ?? names.ips[0]!,
    dns,
    ips: first ? names.ips : names.ips.slice(1),
    days: 90,
  });
  const cert = identity.certificate;
  await store.recordCertificate(
    certificateRecordOf(cert, { profile: 'server', issuedBy: 'server' }),
  );
  // the certificate it replaces is superseded (not revoked), so the inventory counts it no
  // more as in use (`ca retire-old` counts the valid certificates of an old CA key)
  if (current) {
    const replaced = parseCertificate(current).serialNumber;
    await store.markSuperseded(replaced, cert.serialNumber).catch((e: { code?: string }) => {
      // not in this inventory, or already superseded or revoked: nothing to mark
      if (e?.code !== 'ERR_STORE_NOT_FOUND' && e?.code !== 'ERR_STORE_CONFLICT') throw e;
    });
  }
  await writeBundle(files.dir, await bundleFiles(identity, 'aistore'), { force: true });
  return { ...files, issued: true };
}
