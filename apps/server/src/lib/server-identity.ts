/**
 * The server's own TLS identity: issued from its CA for the names it is reached at, kept in
 * `<CA folder>/server/` (`server.crt`, `server.key`), reused while it is valid for those names,
 * and recorded in the inventory like any other certificate. One process owns it (the only one,
 * or the supervisor of `--workers N`: {@link keepServerIdentity}); workers only load the files,
 * so every worker presents the same certificate.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleFiles,
  type Certificate,
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

/** Node's timers cannot wait longer than 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After a failed renewal (the inventory down, the folder not writable): try again in an hour. */
const RETRY_MS = 3_600_000;

/** Options of {@link keepServerIdentity}. */
export interface KeepServerIdentityOptions {
  caDir: string;
  store: Store;
  names: { hostnames: string[]; ips: string[] };
  /** The issuer of the server's certificate now (`serverTlsIssuer`); replaced by `update`. */
  issuer: Issuer;
  /** Called after a new certificate was written (renewal or a new CA key), with its serial. */
  onIssued: (certificate: Certificate) => void | Promise<void>;
  /** A renewal that failed (the certificate in service stays; retried at the next check). */
  onError: (error: unknown) => void;
}

/** A running {@link keepServerIdentity}. */
export interface ServerIdentityKeeper {
  /** The certificate and key files. */
  readonly files: ReturnType<typeof serverIdentityFiles>;
  /** The certificate in the files. */
  readonly certificate: Certificate;
  /**
   * Checks the certificate again with `issuer` (the CA folder was reloaded) and re-issues it
   * when it is no longer the issuer's or due; resolves true when it re-issued.
   */
  update(issuer: Issuer): Promise<boolean>;
  close(): void;
}

/**
 * Makes sure the server certificate exists and keeps it current while the server runs: checked
 * again at its renewal time (two thirds of its lifetime, the SDK's `renewalDueAt`) and after
 * each CA reload (`update`), re-issued when due or no longer of the key that signs, one check at
 * a time. `onIssued` tells the processes that serve it to load the new files.
 *
 * @example
 * ```ts
 * const keeper = await keepServerIdentity({ caDir, store, names, issuer, onIssued: () => tls.reload(), onError: log });
 * // after a CA reload
 * await keeper.update(next.serverIssuer);
 * ```
 */
export async function keepServerIdentity(
  options: KeepServerIdentityOptions,
): Promise<ServerIdentityKeeper> {
  let issuer = options.issuer;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();
  const files = serverIdentityFiles(options.caDir);
  const read = async () => parseCertificate(await readFile(files.certFile, 'utf8'));

  const schedule = (waitMs: number) => {
    clearTimeout(timer);
    if (closed) return;
    // a long wait is cut into timer-sized steps; each step checks again
    timer = setTimeout(
      () => {
        check().catch((e: unknown) => {
          options.onError(e);
          schedule(RETRY_MS);
        });
      },
      Math.min(waitMs, MAX_TIMER_MS),
    );
    timer.unref();
  };
  const untilDue = (cert: Certificate) => Math.max(0, renewalDueAt(cert).getTime() - Date.now());
  // checks run one after the other: a renewal and a CA reload never write the files at once
  const check = () => {
    const run = chain.then(async () => {
      const { issued } = await ensureServerIdentity(
        options.caDir,
        issuer,
        options.store,
        options.names,
      );
      certificate = await read();
      schedule(untilDue(certificate));
      if (issued) await options.onIssued(certificate);
      return issued;
    });
    chain = run.catch(() => undefined);
    return run;
  };

  await ensureServerIdentity(options.caDir, issuer, options.store, options.names);
  let certificate = await read();
  schedule(untilDue(certificate));
  return {
    files,
    get certificate() {
      return certificate;
    },
    update(next) {
      issuer = next;
      return check();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
