/**
 * `nodeid-server`: serves the API of `createApp` over HTTPS (mutual TLS optional per request, for
 * `/v1/renew`) from a CA folder made by `nodeid ca init`. Its own certificate is issued from the
 * CA and hot-reloaded when its files change. Plain HTTP only on loopback, only when asked.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Certificate, NodeIdError, parseDuration } from '@nodeid/sdk';
import { createNodeCrypto, createTlsReloader } from '@nodeid/sdk/node';
import { openCaInventory, StoreError } from '@nodeid/store';
import { ACME_FLAGS, ACME_USAGE, acmeOptionsOf } from './acme/acme-flags.js';
import { createApp } from './app.js';
import type { AppDeps } from './deps.js';
import { openAdminTokenFile } from './lib/admin-auth.js';
import {
  type CaReloader,
  createCaReloader,
  loadServedCa,
  switchServedCa,
} from './lib/ca-reload.js';
import { crlPathsInUse, rootCrlSource } from './lib/crl-addresses.js';
import { isLoopbackAddress, parseListenAddress } from './lib/listen-address.js';
import {
  keepServerIdentity,
  type ServerIdentityKeeper,
  serverIdentityFiles,
} from './lib/server-identity.js';
import { createSigningPool } from './lib/signing-pool.js';
import {
  LOAD_SERVER_IDENTITY,
  SERVER_IDENTITY_LOADED,
  superviseWorkers,
  type WorkerMessage,
} from './lib/supervise-workers.js';

const USAGE = `usage: nodeid-server --ca DIR [--db URL] [--listen 127.0.0.1:8443] [--hostname NAME]... [--ip ADDR]...
                     [--admin-token-file FILE] [--passphrase-file FILE] [--web DIR] [--cors ORIGIN]... [--plain-http]

  --ca DIR               CA folder made by "nodeid ca init" (key passphrase from --passphrase-file or NODEID_CA_PASSPHRASE);
                         followed while serving: ca renew / rotate / retire-old / set-crl-url are picked
                         up (SIGHUP: now); earlier CRL addresses stay served
  --db URL               inventory: postgres://… for several instances; default <DIR>/inventory.db (SQLite)
  --new-inventory        start with a new, empty inventory although the CA has issued before (its
                         revocations are lost); without it a missing or empty inventory is refused
  --renew-expired-within D  let a node whose certificate expired less than D ago (e.g. 30d) renew it
                         over mutual TLS, once, if it is the newest, unrevoked, not superseded
                         certificate for its names (audited as certificate.renew-expired); default off
  --listen HOST:PORT     default 127.0.0.1:8443
  --hostname, --ip       names of the server certificate (default localhost and 127.0.0.1)
  --admin-token-file F   admin tokens, one a line, each of 128 bits or more (openssl rand -hex 32); the file
                         must be 0600 (or stricter); re-read when it changes; default <DIR>/admin.token,
                         created on first start
  --root-crl FILE        intermediate CA: the offline root's CRL (nodeid crl create --dir ROOT), served at
                         /v1/crl/root and at the CRL address in the intermediate's certificate; re-read
                         per request (the CA's own CRL is served at /v1/crl and at the folder's CRL address)
  --web DIR              static web page to serve at / (default: the built apps/web if present)
  --plain-http           serve plain HTTP; only allowed on a loopback address
  --workers N            serve from N processes sharing the port and the inventory (default 1); rate
                         limits, failed-admin-attempt counts and the CRL cache are per process; one
                         server certificate for all, kept by the supervisor (server-identity-shared)
  --sign-threads N       threads per process that check CSRs and sign, beside the one serving HTTP
                         (default: one less than the cores, at least 1; 0 signs on the HTTP thread)
${ACME_USAGE}

  environment: NODEID_CA_PASSPHRASE; per-client rate limits NODEID_SIGN_RATE_PER_MINUTE and
  NODEID_SIGN_BURST (default 60 and 30), NODEID_ENROLL_RATE_PER_MINUTE and NODEID_ENROLL_BURST (120 and 60)`;

function fail(message: string, code = 'ERR_USAGE'): never {
  process.stderr.write(`error: ${message} (${code})\n`);
  process.exit(2);
}

/** A positive number from the environment (rate limits for load tests), or undefined when unset. */
function envLimit(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    fail(`${name} must be a positive number, got "${text}"`);
  return value;
}

/** `--renew-expired-within`: a duration (30d), off when absent. */
function renewExpiredWithin(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
  } catch {}
  fail(`--renew-expired-within must be a duration such as 30d or 12h, got "${text}"`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ca: { type: 'string' },
      db: { type: 'string' },
      'new-inventory': { type: 'boolean', default: false },
      'renew-expired-within': { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:8443' },
      hostname: { type: 'string', multiple: true },
      ip: { type: 'string', multiple: true },
      'admin-token-file': { type: 'string' },
      'passphrase-file': { type: 'string' },
      'root-crl': { type: 'string' },
      web: { type: 'string' },
      cors: { type: 'string', multiple: true },
      'plain-http': { type: 'boolean', default: false },
      workers: { type: 'string', default: '1' },
      'sign-threads': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      ...ACME_FLAGS,
    },
    allowNegative: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.ca) fail(`--ca is required\n${USAGE}`);
  const listen = parseListenAddress(values.listen!);
  if (!listen) fail(`--listen must be HOST:PORT or [IPV6]:PORT, got "${values.listen}"`);
  const { host, port } = listen;
  if (values['plain-http'] && !isLoopbackAddress(host))
    fail(
      `plain HTTP is only allowed on a loopback address (127.0.0.0/8 or ::1, as an address), not "${host}"; drop --plain-http to serve HTTPS`,
    );

  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    fail('--workers must be a whole number from 1 to 64');
  const renewExpiredWithinMs = renewExpiredWithin(values['renew-expired-within']);

  const signThreads =
    values['sign-threads'] === undefined
      ? Math.min(8, Math.max(1, availableParallelism() - 1))
      : Number(values['sign-threads']);
  if (!Number.isInteger(signThreads) || signThreads < 0 || signThreads > 64)
    fail('--sign-threads must be a whole number from 0 to 64');

  let acme: ReturnType<typeof acmeOptionsOf>;
  try {
    acme = acmeOptionsOf(values, process.env);
  } catch (e) {
    fail((e as Error).message);
  }

  const caDir = resolve(values.ca);
  // the same source on every reload of the folder: the file is read again, the variable kept
  const passphrase = async () =>
    values['passphrase-file']
      ? (await readFile(values['passphrase-file'], 'utf8')).replace(/\r?\n$/, '')
      : process.env.NODEID_CA_PASSPHRASE;
  const served = await loadServedCa(caDir, passphrase);
  const { issuer, config, previous } = served;
  // after `nodeid ca rotate`: the old and new roots
  const trustBundle = served.hasBundle ? served.trustBundle : undefined;
  // during a rotation the server's own certificate is of the new key, served with NewWithOld
  const serverIssuer = served.serverIssuer;
  let rootCrl: ReturnType<typeof rootCrlSource> | undefined;
  if (values['root-crl']) {
    try {
      rootCrl = rootCrlSource(resolve(values['root-crl']), issuer);
      const first = await rootCrl.read();
      if (first.nextUpdate && first.nextUpdate.getTime() < Date.now())
        process.stderr.write(
          `${JSON.stringify({ event: 'root-crl-expired', nextUpdate: first.nextUpdate.toISOString(), message: 're-make it on the root host with nodeid crl create --dir ROOT' })}\n`,
        );
    } catch (e) {
      fail(`--root-crl: ${(e as Error).message}`, (e as { code?: string }).code);
    }
  }
  // SQLite: redemptions commit on a thread of their own, so no request waits for another's disk sync
  // refuses a missing or empty inventory once the CA has issued (it would un-revoke everything)
  const store = await openCaInventory(caDir, {
    ...(values.db && { location: values.db }),
    newInventory: values['new-inventory'] ?? false,
    sqlite: { commitThread: !(workers > 1 && cluster.isPrimary) },
  }).catch((e: unknown) => {
    if (StoreError.isInstance(e) && e.code === 'ERR_STORE_MISSING') fail(e.message, e.code);
    throw e;
  });
  const adminTokens = await openAdminTokenFile(
    values['admin-token-file'] ?? join(caDir, 'admin.token'),
    { create: true, onEvent: (e) => process.stderr.write(`${JSON.stringify(e)}\n`) },
  );
  const audit = (event: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ audit: true, ...event })}\n`);

  const hostnames = values.hostname ?? (values.ip ? [] : ['localhost']);
  const ips = values.ip ?? (values.hostname ? [] : ['127.0.0.1']);
  for (const ip of ips) if (!isIP(ip)) fail(`--ip "${ip}" is not an IP address`);
  const log = (event: Record<string, unknown>) =>
    process.stderr.write(`${JSON.stringify(event)}\n`);
  // the server identity has one owner: this process, or with --workers the supervisor, which
  // issues it once (and again when due or after a new CA key) and hands it to every worker
  let keeper: ServerIdentityKeeper | undefined;
  const keepIdentity = (onIssued: (certificate: Certificate) => void | Promise<void>) =>
    keepServerIdentity({
      caDir,
      store,
      names: { hostnames, ips },
      issuer: serverIssuer,
      onIssued,
      onError: (e) =>
        log({
          event: 'server-identity-renewal-failed',
          code: (e as { code?: string })?.code ?? 'ERR_INTERNAL',
          message: `the server certificate could not be re-issued, the one in service stays (retried in an hour): ${e instanceof Error ? e.message : String(e)}`,
        }),
    });
  if (workers > 1 && cluster.isPrimary) {
    // the files exist before the first worker starts; workers only load them
    let supervisor: ReturnType<typeof superviseWorkers> | undefined;
    if (!values['plain-http'])
      keeper = await keepIdentity((c) => supervisor?.shareServerIdentity(c.serialNumber));
    supervisor = superviseWorkers(workers, {
      serverIdentity: () => keeper?.certificate.serialNumber,
      onEvent: log,
    });
    // each worker follows the CA folder itself (signing, CRLs, its audit line); the supervisor
    // follows it for the server identity, which it re-issues once for all after a new CA key
    const supervisorReloader = createCaReloader({
      dir: caDir,
      current: served,
      load: () => loadServedCa(caDir, passphrase),
      // the workers log the same judgement of the folder: these lines say they are the supervisor's
      onEvent: (e) => log({ ...e, process: 'supervisor' }),
      apply: async (next) => {
        await keeper?.update(next.serverIssuer);
      },
    });
    // SIGHUP to the supervisor reaches every worker
    process.on('SIGHUP', () => {
      void supervisorReloader.reload('SIGHUP');
      supervisor.signalAll('SIGHUP');
    });
    return;
  }

  const webDir = values.web ?? resolve(import.meta.dirname ?? '.', '../../web/dist');
  // Without a built page there is nothing to serve (and Hono's serveStatic would print a
  // plain-text warning among the JSON events): the API runs alone, and one event says why.
  const staticFiles = existsSync(webDir)
    ? serveStatic({ root: relative(process.cwd(), webDir) })
    : undefined;
  if (!staticFiles)
    process.stderr.write(
      `${JSON.stringify({ event: 'web-page-missing', message: `no web page at ${webDir} (build apps/web, or pass --web DIR); serving the API only` })}\n`,
    );

  let reloader: Awaited<ReturnType<typeof createTlsReloader>> | undefined;
  const pool =
    signThreads > 0
      ? createSigningPool({
          ca: issuer,
          threads: signThreads,
          workerUrl: new URL('./signing-worker.js', import.meta.url),
        })
      : undefined;
  const deps: AppDeps = {
    signer: pool?.sign,
    // signatures on the calling thread: no thread-pool round trip per signature (see createNodeCrypto)
    crypto: createNodeCrypto(),
    ca: issuer,
    clusterName: config.clusterName,
    ...(trustBundle && { trustBundle }),
    // until `ca retire-old` the old key signs the CRL of its own leaves beside the new key's
    ...(previous && { previousCa: previous }),
    // the folder's CRL address and every earlier one certificates may carry (from the audit)
    crlPaths: await crlPathsInUse(store, config.crlUrl),
    ...(rootCrl && { rootCrl }),
    store,
    adminTokenHashes: adminTokens,
    audit,
    staticFiles,
    corsOrigins: values.cors,
    renewExpiredWithinMs,
    acme,
    // per-client limits of /v1/sign and /v1/enrollments; the defaults suit production, a load test raises them
    limits: {
      signPerMinute: envLimit('NODEID_SIGN_RATE_PER_MINUTE'),
      signBurst: envLimit('NODEID_SIGN_BURST'),
      enrollPerMinute: envLimit('NODEID_ENROLL_RATE_PER_MINUTE'),
      enrollBurst: envLimit('NODEID_ENROLL_BURST'),
    },
    serverCertificate: () => reloader?.certificate,
    peerCertificate: (c) => {
      const socket = (
        c.env as {
          incoming?: { socket?: { getPeerCertificate?: (detailed: boolean) => { raw?: Buffer } } };
        }
      )?.incoming?.socket;
      const raw = socket?.getPeerCertificate?.(false)?.raw;
      return raw?.length ? new Uint8Array(raw) : undefined;
    },
  };
  const app = createApp(deps);

  let server: ReturnType<typeof serve>;
  if (values['plain-http']) {
    server = serve({ fetch: app.fetch, hostname: host, port });
  } else {
    // a worker loads the files its supervisor keeps; a process on its own keeps them itself
    if (!cluster.isWorker)
      keeper = await keepIdentity(async () => {
        await reloader?.reload().catch(() => false);
      });
    const files = keeper?.files ?? serverIdentityFiles(caDir);
    const tlsOptions: Parameters<typeof createTlsReloader>[0] = {
      certFile: files.certFile,
      keyFile: files.keyFile,
      onAlert: (a) =>
        process.stderr.write(
          `${JSON.stringify({ alert: a.alert, message: a.message, notBefore: a.notBefore, notAfter: a.notAfter })}\n`,
        ),
      onReload: (e) => {
        process.stderr.write(
          `${JSON.stringify({ event: 'tls-reload', serialNumber: e.certificate.serialNumber })}\n`,
        );
        // the supervisor counts the workers that serve its certificate
        const loaded: WorkerMessage = {
          type: SERVER_IDENTITY_LOADED,
          serialNumber: e.certificate.serialNumber,
        };
        if (cluster.isWorker) process.send?.(loaded);
      },
      onError: (e) =>
        process.stderr.write(
          `${JSON.stringify({ event: 'tls-reload-failed', code: e.code, message: e.message })}\n`,
        ),
    };
    // a worker started while its supervisor replaces the files (one after the other) may read a
    // certificate beside the other key: it reads them again a few times before it gives up
    for (let attempt = 1; !reloader; attempt++) {
      try {
        reloader = await createTlsReloader(tlsOptions);
      } catch (e) {
        if (!cluster.isWorker || attempt === 5) throw e;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    // client certificates of either key during a rotation (renewals of old-key leaves)
    const caPem = [issuer.certificate, ...(issuer.chain ?? []), ...(trustBundle ?? [])]
      .map((c) => c.pem)
      .join('');
    server = serve({
      fetch: app.fetch,
      hostname: host,
      port,
      createServer: createHttpsServer,
      serverOptions: {
        ...reloader.secureContextOptions(),
        ca: caPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
    });
    reloader.attach(server as never);
    // the supervisor re-issued the server certificate: load it now (the file watch would too)
    process.on('message', (m: WorkerMessage) => {
      if (m?.type === LOAD_SERVER_IDENTITY) void reloader?.reload().catch(() => false);
    });
  }
  // a port in use or not ours to bind is the admin's to fix: one line, not a stack trace
  server.on('error', (e: NodeJS.ErrnoException) => {
    const code =
      e.code === 'EADDRINUSE'
        ? 'ERR_ADDRESS_IN_USE'
        : e.code === 'EACCES' || e.code === 'EPERM'
          ? 'ERR_PERMISSION_DENIED'
          : 'ERR_LISTEN';
    const reason = e.code === 'EADDRINUSE' ? 'the address is already in use' : e.message;
    process.stderr.write(`error: cannot listen on ${values.listen}: ${reason} (${code})\n`);
    process.exit(3);
  });
  server.on('listening', () => {
    const address = server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    process.stderr.write(
      `nodeid-server for cluster ${config.clusterName} listening on ${values['plain-http'] ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}\n`,
    );
  });
  // `ca renew`, `ca rotate`, `ca retire-old`, `ca set-crl-url` while serving: the folder is
  // followed (see lib/ca-reload.ts), the server's own certificate re-issued from the new key at
  // once (as a restart would), signing, CA, bundle, CRLs and CRL addresses switched together,
  // one `ca.reloaded` audit line
  const caReloader: CaReloader = createCaReloader({
    dir: caDir,
    current: served,
    load: () => loadServedCa(caDir, passphrase),
    onEvent: (e) => process.stderr.write(`${JSON.stringify(e)}\n`),
    apply: async (next, before, trigger) => {
      // re-issued (and loaded) here when this process keeps it; a worker's supervisor does it
      await keeper?.update(next.serverIssuer);
      pool?.setCa(next.issuer);
      switchServedCa(deps, next);
      const at = new Date();
      const detail = {
        trigger,
        subject: next.issuer.certificate.subject.text,
        replaces: before.issuer.certificate.serialNumber,
        rotation: Boolean(next.previous),
        // read again at start (crlPathsInUse): an address once in certificates stays served
        crlUrl: next.config.crlUrl ?? null,
        ...(next.config.crlUrl !== before.config.crlUrl && {
          previousCrlUrl: before.config.crlUrl ?? null,
        }),
        bundle: next.trustBundle.map((c) => c.serialNumber),
      };
      const serialNumber = next.issuer.certificate.serialNumber;
      await store.appendAudit({ at, action: 'ca.reloaded', actor: 'server', serialNumber, detail });
      audit({
        at: at.toISOString(),
        action: 'ca.reloaded',
        actor: 'server',
        serialNumber,
        ...detail,
      });
    },
  });
  process.on('SIGHUP', () => void caReloader.reload('SIGHUP'));
  const stop = () => {
    caReloader.close();
    keeper?.close();
    reloader?.close();
    server.close(() => {
      void Promise.allSettled([pool?.close(), store.close()]).finally(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  const code =
    NodeIdError.isInstance(e) || (e as { code?: string })?.code
      ? String((e as { code: string }).code)
      : 'ERR_INTERNAL';
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)} (${code})\n`);
  process.exit(code === 'ERR_USAGE' ? 2 : 3);
});
