/**
 * `nodeid agent` beside its certificate: the CA file follows the server's CA bundle only through
 * a cross-signed link (a bundle that is not continuous is refused, the file left as it is), and
 * `--crl-out` keeps the chain's CRL, rewritten after a revocation; `--exec` runs on each change.
 * Real processes: nodeid-server on loopback, the CLI, openssl on the files written; the bundle
 * changes are served by a small HTTPS server with a certificate of the same CA (the rotation
 * itself is `nodeid ca rotate`'s, tested with it).
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { join } from 'node:path';
import {
  acceptCrl,
  createCa,
  exportPrivateKeyPem,
  issueIdentity,
  parseCertificate,
  parseCertificates,
  parseCrl,
} from '@nodeid/sdk';
import { loadCaFolder } from '@nodeid/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  agentArgs,
  api,
  cli,
  type EnrollTarget,
  enrollNode,
  freePort,
  initCaFolder,
  type ServerProcess,
  spawnCli,
  startCaServer,
  startServer,
  stopAll,
} from '../../server/test/helpers/processes.js';

let work: string;
let caDir: string;
let caPem: string;
let server: ServerProcess;

/** Enrolls `name` through `at` (the suite's server by default); returns the node's files. */
const enroll = (name: string, at: EnrollTarget = { url: server.url, caDir }) =>
  enrollNode(at, name, join(work, name));

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

beforeAll(async () => {
  ({ work, caDir, caPem, server } = await startCaServer('nodeid-agent-follow-', 'follow.cluster'));
});

afterAll(() => stopAll(work));

describe('nodeid agent --crl-out', () => {
  it('writes the CRL, leaves it when nothing changed, rewrites it after a revocation; --exec on each change', async () => {
    const node = await enroll('crl.example.net');
    const other = await enroll('revoked.example.net');
    const crlFile = join(node.dir, 'crl.pem');
    const execLog = join(work, 'crl-exec.log');
    const run = () =>
      cli([
        ...agentArgs(server.url, node),
        '--once',
        '--crl-out',
        crlFile,
        '--exec',
        `printf '%s %s\\n' "$NODEID_CHANGED" "$NODEID_CRL_FILE" >> ${execLog}`,
        '--format',
        'json',
      ]);
    const first = await run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/"event":"crl-updated"/);
    expect(lines(execLog)).toEqual([`crl ${crlFile}`]);
    const crl = parseCrl(readFileSync(crlFile, 'utf8'));
    expect(crl.entries).toEqual([]);
    expect(await acceptCrl(crl, { issuers: [caPem] })).toMatchObject({ accepted: true });
    // openssl reads the file as nginx's ssl_crl does, and checks its signature against the CA
    const checked = execFileSync('openssl', ['crl', '-in', crlFile, '-CAfile', node.ca, '-noout'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(checked).toBe('');

    // nothing changed: the file stays, --exec does not run
    const before = readFileSync(crlFile, 'utf8');
    const second = await run();
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/crl-updated/);
    expect(lines(execLog)).toHaveLength(1);

    const serial = parseCertificate(readFileSync(other.cert, 'utf8')).serialNumber;
    const revoked = await api(server.url, `/v1/certificates/${serial}/revoke`, {
      ca: caPem,
      method: 'POST',
      admin: adminToken(caDir),
      json: { reason: 'keyCompromise' },
    });
    expect(revoked.status, revoked.text).toBe(200);
    const third = await run();
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/"event":"crl-updated"/);
    expect(readFileSync(crlFile, 'utf8')).not.toBe(before);
    const after = parseCrl(readFileSync(crlFile, 'utf8'));
    expect(after.entries.map((e) => e.serialNumber)).toEqual([serial]);
    expect(after.crlNumber! > crl.crlNumber!).toBe(true);
    expect(lines(execLog)).toEqual([`crl ${crlFile}`, `crl ${crlFile}`]);
    // openssl now refuses the revoked node's certificate with this CRL, and accepts the other
    const verify = (cert: string) => {
      try {
        return execFileSync(
          'openssl',
          ['verify', '-crl_check', '-CAfile', node.ca, '-CRLfile', crlFile, cert],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
      } catch (e) {
        return (
          String((e as { stdout?: string }).stdout) + String((e as { stderr?: string }).stderr)
        );
      }
    };
    expect(verify(other.cert)).toMatch(/certificate revoked/);
    expect(verify(node.cert)).toMatch(/: OK/);
  });

  it('runs as a service: the CRL is written on start, and SIGTERM stops it', async () => {
    const node = await enroll('crl-loop.example.net');
    const crlFile = join(node.dir, 'loop.crl');
    const running = spawnCli([
      ...agentArgs(server.url, node),
      '--crl-out',
      crlFile,
      '--format',
      'json',
    ]);
    const events = () => running.stdoutLines.map((l) => JSON.parse(l) as { event: string });
    await running.waitFor('the CRL', () => events().some((e) => e.event === 'crl-updated'));
    expect(parseCrl(readFileSync(crlFile)).issuer.text).toBe(parseCertificate(caPem).subject.text);
    expect((await running.stop('SIGTERM')).code).toBe(0);
    expect(events().at(-1)).toMatchObject({ event: 'stopped' });
  });
});

describe('nodeid agent follows the CA bundle', () => {
  let stub: { url: string; close: () => void; serve: (pem: string | undefined) => void };
  beforeAll(async () => {
    const { issuer } = await loadCaFolder(caDir);
    const tls = await issueIdentity({
      ca: issuer,
      profile: 'server',
      name: 'localhost',
      ips: ['127.0.0.1'],
    });
    let bundle: string | undefined;
    const https: Server = createServer(
      { cert: tls.certificate.pem, key: await exportPrivateKeyPem(tls.privateKey) },
      (req, res) => {
        if (req.url === '/v1/ca/bundle' && bundle !== undefined)
          res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(bundle);
        else
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"code":"ERR_NOT_FOUND","message":"no route"}');
      },
    );
    https.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    stub = {
      url: `https://127.0.0.1:${(https.address() as { port: number }).port}`,
      close: () => https.close(),
      serve: (pem) => {
        bundle = pem;
      },
    };
  });
  afterAll(() => stub?.close());

  it('takes a bundle whose new root is cross-signed by the trusted one, refuses one that is not continuous, and a 404 is no error', async () => {
    const node = await enroll('bundle.example.net');
    chmodSync(node.ca, 0o640);
    const execLog = join(work, 'ca-exec.log');
    const run = () =>
      cli([
        ...agentArgs(stub.url, node),
        '--once',
        '--exec',
        `printf '%s\\n' "$NODEID_CHANGED" >> ${execLog}`,
      ]);
    const { issuer } = await loadCaFolder(caDir);
    const next = await createCa({ clusterName: 'follow.cluster', days: 3650 });
    const newWithOld = await createCa({
      clusterName: 'follow.cluster',
      keyPair: {
        privateKey: next.privateKey,
        publicKey: next.publicKey,
        algorithm: next.algorithm,
      },
      issuer,
      days: 365,
    });
    const rotated = [caPem, next.certificate.pem, newWithOld.certificate.pem].join('');

    // not continuous: a new root alone, and a new root "cross-signed" by another key
    const forger = await createCa({ clusterName: 'follow.cluster', days: 3650 });
    const forged = await createCa({
      clusterName: 'follow.cluster',
      keyPair: {
        privateKey: next.privateKey,
        publicKey: next.publicKey,
        algorithm: next.algorithm,
      },
      issuer: forger,
      days: 365,
    });
    const before = readFileSync(node.ca, 'utf8');
    // a server without the endpoint (404): the file stays, and that is no error
    stub.serve(undefined);
    const none = await run();
    expect(none.status, none.stderr).toBe(0);
    expect(readFileSync(node.ca, 'utf8')).toBe(before);
    for (const bad of [next.certificate.pem, next.certificate.pem + forged.certificate.pem]) {
      stub.serve(bad);
      const refused = await run();
      expect(refused.status).toBe(1);
      expect(refused.stdout).toMatch(/ca-refused .*not continuous.*\(not-continuous\)/);
      expect(readFileSync(node.ca, 'utf8')).toBe(before);
    }
    expect(lines(execLog)).toEqual([]);

    stub.serve(rotated);
    const taken = await run();
    expect(taken.status, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(/ca-updated .*now 2 root\(s\), added/);
    expect(readFileSync(node.ca, 'utf8')).toBe(rotated);
    expect(statSync(node.ca).mode & 0o777).toBe(0o640);
    expect(lines(execLog)).toEqual(['ca']);
    // the file openssl now trusts takes a leaf of the new key
    const leaf = await issueIdentity({
      ca: next,
      name: 'new.example.net',
      clusterName: 'follow.cluster',
    });
    const leafFile = join(work, 'new-leaf.crt');
    writeFileSync(leafFile, leaf.certificate.pem);
    expect(
      execFileSync('openssl', ['verify', '-CAfile', node.ca, leafFile], { encoding: 'utf8' }),
    ).toMatch(/: OK/);

    // the same bundle again: no change, no --exec; then the old root retired
    expect((await run()).status).toBe(0);
    expect(lines(execLog)).toEqual(['ca']);
    stub.serve(next.certificate.pem);
    const retired = await run();
    expect(retired.status, retired.stderr).toBe(0);
    expect(retired.stdout).toMatch(/ca-updated .*dropped/);
    expect(parseCertificates(readFileSync(node.ca, 'utf8')).map((c) => c.serialNumber)).toEqual([
      next.certificate.serialNumber,
    ]);
  });
});

describe('nodeid agent through a real CA rotation', () => {
  it('takes the bundle nodeid-server serves after `nodeid ca rotate`, then renews onto the new key', async () => {
    const rotating = await initCaFolder('nodeid-agent-rotate-', 'rotate.cluster');
    let current = await startServer({ caDir: rotating.caDir });
    try {
      const node = await enroll('rotated.example.net', {
        url: current.url,
        caDir: rotating.caDir,
      });
      await current.stop('SIGTERM');
      const rotated = await cli(['ca', 'rotate', '--dir', rotating.caDir]);
      expect(rotated.status, rotated.stderr).toBe(0);
      current = await startServer({ caDir: rotating.caDir });
      const bundle = parseCertificates(readFileSync(join(rotating.caDir, 'ca-bundle.crt'), 'utf8'));
      const followed = await cli([...agentArgs(current.url, node), '--once']);
      expect(followed.status, followed.stderr + followed.stdout).toBe(0);
      expect(followed.stdout).toMatch(/ca-updated .*now 2 root\(s\), added/);
      expect(parseCertificates(readFileSync(node.ca, 'utf8')).map((c) => c.serialNumber)).toEqual(
        bundle.map((c) => c.serialNumber),
      );
      // the renewed certificate is of the new key, and openssl verifies it against the new file
      const renewed = await cli([...agentArgs(current.url, node), '--once', '--force-renew']);
      expect(renewed.status, renewed.stderr + renewed.stdout).toBe(0);
      const newRoot = parseCertificate(readFileSync(join(rotating.caDir, 'ca.crt'), 'utf8'));
      const leaf = parseCertificate(readFileSync(node.cert, 'utf8'));
      expect(leaf.authorityKeyIdentifier?.keyIdentifier).toEqual(newRoot.subjectKeyIdentifier);
      expect(
        execFileSync('openssl', ['verify', '-CAfile', node.ca, node.cert], { encoding: 'utf8' }),
      ).toMatch(/: OK/);
    } finally {
      await current.stop('SIGTERM');
      rmSync(rotating.work, { recursive: true, force: true });
    }
  });
});

/** GET / over mutual TLS with `client`'s certificate: the status, or the TLS error's code. */
function getAs(port: number, client: { cert: string; key: string; ca: string }): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: 'localhost',
        ca: readFileSync(client.ca),
        cert: readFileSync(client.cert),
        key: readFileSync(client.key),
        agent: false,
        checkServerIdentity: () => undefined,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (e) => resolve((e as { code?: string }).code ?? e.message));
    req.end();
  });
}

describe('nginx ssl_crl fed by nodeid agent --crl-out', () => {
  it('refuses a revoked client after the agent refreshes the CRL and reloads nginx, and keeps accepting the others', async () => {
    const web = await enroll('web.example.net');
    const good = await enroll('good.example.net');
    const bad = await enroll('bad.example.net');
    const dir = join(work, 'nginx');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const crlFile = join(web.dir, 'crl.pem');
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr info;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${web.cert};
    ssl_certificate_key ${web.key};
    ssl_client_certificate ${web.ca};
    ssl_verify_client on;
    ssl_crl ${crlFile};
    location / { return 200 "ok $ssl_client_serial\n"; }
  }
}
`,
    );
    const refresh = (reload = true) =>
      cli([
        ...agentArgs(server.url, web),
        '--once',
        '--crl-out',
        crlFile,
        ...(reload ? ['--exec', `nginx -p ${dir} -c ${dir}/nginx.conf -s reload`] : []),
      ]);
    // the first CRL, before nginx starts (it will not start without its ssl_crl file)
    const first = await refresh(false);
    expect(first.status, first.stderr + first.stdout).toBe(0);
    const nginx = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let nginxLog = '';
    nginx.stderr.on('data', (d) => {
      nginxLog += d;
    });
    try {
      let status = '';
      for (let i = 0; i < 100 && !/^\d+$/.test(status); i++) {
        status = await getAs(port, good);
        if (!/^\d+$/.test(status)) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status, nginxLog).toBe('200');
      expect(await getAs(port, bad)).toBe('200');

      const serial = parseCertificate(readFileSync(bad.cert, 'utf8')).serialNumber;
      const revoked = await api(server.url, `/v1/certificates/${serial}/revoke`, {
        ca: caPem,
        method: 'POST',
        admin: adminToken(caDir),
        json: { reason: 'keyCompromise' },
      });
      expect(revoked.status, revoked.text).toBe(200);
      const second = await refresh();
      expect(second.status, second.stderr + second.stdout).toBe(0);
      expect(second.stdout).toMatch(/crl-updated/);
      // the reload is asynchronous: new workers take over once they have read the new CRL
      let after = '';
      for (let i = 0; i < 100 && after !== '400'; i++) {
        after = await getAs(port, bad);
        if (after !== '400') await new Promise((r) => setTimeout(r, 100));
      }
      expect(after, nginxLog).toBe('400');
      // nginx says why (its log line may come a moment after the answer)
      for (let i = 0; i < 100 && !/certificate revoked/.test(nginxLog); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(nginxLog).toMatch(/client SSL certificate verify error: .*certificate revoked/);
      expect(await getAs(port, good)).toBe('200');
      // a refresh with nothing new changes nothing: no reload, still the same answers
      const third = await refresh();
      expect(third.status).toBe(0);
      expect(third.stdout).not.toMatch(/crl-updated|exec/);
      expect(await getAs(port, good)).toBe('200');
      expect(await getAs(port, bad)).toBe('400');
    } finally {
      nginx.kill('SIGTERM');
      await new Promise((r) => (nginx.exitCode === null ? nginx.on('exit', r) : r(null)));
    }
  }, 180_000);
});
