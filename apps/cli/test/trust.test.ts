/**
 * `trust install` / `trust uninstall` against fake system roots (--root), so the real trust store
 * is never touched and no update command runs: Debian/Ubuntu and RHEL/Fedora layouts, dry runs,
 * refusals of non-CA certificates, and the NODE_EXTRA_CA_CERTS advice proved with a real TLS
 * handshake from a Node process.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };

function openssl(args: string[]): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

/** A fake system root with an os-release file. */
function fakeRoot(name: string, osRelease?: string): string {
  const root = join(work, name);
  mkdirSync(join(root, 'etc'), { recursive: true });
  if (osRelease) writeFileSync(join(root, 'etc', 'os-release'), osRelease);
  return root;
}

const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 24.04 LTS"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nPRETTY_NAME="Fedora Linux 40"\n';
const ROCKY = 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n';

let work: string;
let caDir: string;
let caCrt: string;
let otherCaCrt: string;
let server: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-trust-'));
  caDir = join(work, 'ca');
  expect(
    runCli(['ca', 'init', 'cw.cluster', '--no-passphrase', '--dir', caDir], { env: ENV }).status,
  ).toBe(0);
  caCrt = join(caDir, 'ca.crt');
  expect(
    runCli(['ca', 'init', 'other.cluster', '--no-passphrase', '--dir', join(work, 'other-ca')], {
      env: ENV,
    }).status,
  ).toBe(0);
  otherCaCrt = join(work, 'other-ca', 'ca.crt');
  server = join(work, 'server');
  const issue = runCli(
    [
      'cert',
      'issue',
      'localhost',
      '--profile',
      'server',
      '--ip',
      '127.0.0.1',
      '--layout',
      'aistore',
      '--out',
      server,
      '--dir',
      caDir,
    ],
    { env: ENV },
  );
  expect(issue.status).toBe(0);
});

describe('trust install', () => {
  it('Debian/Ubuntu: writes /usr/local/share/ca-certificates/<name>.crt (0644) and leaves update-ca-certificates to the chroot', () => {
    const root = fakeRoot('ubuntu', UBUNTU);
    const r = runCli(['trust', 'install', caCrt, '--root', root]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const installed = join(root, 'usr/local/share/ca-certificates/nodeid-cw.cluster-ca.crt');
    expect(readdirSync(join(root, 'usr/local/share/ca-certificates'))).toEqual([
      'nodeid-cw.cluster-ca.crt',
    ]);
    expect(statSync(installed).mode & 0o777).toBe(0o644);
    expect(r.stdout).toContain(
      `installed: CN=cw.cluster CA,OU=cw.cluster as ${installed} (Debian, Ubuntu and derivatives)`,
    );
    expect(r.stdout).toContain(
      `update-ca-certificates not run because --root is set: run it inside the root: chroot ${root} update-ca-certificates`,
    );
    expect(r.stdout).toContain('Node.js does not use the system trust store');
    expect(r.stdout).toContain(
      'NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/nodeid-cw.cluster-ca.crt',
    );
    // The same CA, as openssl sees it, and a usable trust anchor for the cluster's certificates.
    const fp = (f: string) =>
      openssl(['x509', '-in', f, '-noout', '-fingerprint', '-sha256']).output;
    expect(fp(installed)).toBe(fp(caCrt));
    expect(r.stdout).toContain(fp(caCrt).trim().split('=')[1]!);
    expect(openssl(['verify', '-CAfile', installed, join(server, 'server.crt')]).status).toBe(0);

    // Installing again changes nothing and says so.
    const again = runCli(['trust', 'install', caCrt, '--root', root]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('already installed');
  });

  it('RHEL/Fedora (and derivatives by ID_LIKE): /etc/pki/ca-trust/source/anchors and update-ca-trust extract', () => {
    for (const [name, release] of [
      ['fedora', FEDORA],
      ['rocky', ROCKY],
    ] as const) {
      const root = fakeRoot(name, release);
      const r = runCli(['trust', 'install', caCrt, '--root', root, '--format', 'json']);
      expect(r.status).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.system).toBe('rhel');
      expect(result.path).toBe(
        join(root, 'etc/pki/ca-trust/source/anchors/nodeid-cw.cluster-ca.crt'),
      );
      expect(result.steps).toEqual([
        `install -D -m 0644 ${caCrt} ${result.path}`,
        `chroot ${root} update-ca-trust extract`,
      ]);
      expect(result.updateRan).toBe(false);
      expect(result.nodeExtraCaCerts).toBe(
        '/etc/pki/ca-trust/source/anchors/nodeid-cw.cluster-ca.crt',
      );
      expect(readFileSync(result.path, 'utf8')).toBe(readFileSync(caCrt, 'utf8'));
    }
  });

  it('--dry-run prints the exact steps and changes nothing', () => {
    const root = fakeRoot('dry', UBUNTU);
    const r = runCli(['trust', 'install', caCrt, '--root', root, '--dry-run']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('dry run: nothing changed');
    expect(r.stdout).toContain(
      `  install -D -m 0644 ${caCrt} ${join(root, 'usr/local/share/ca-certificates/nodeid-cw.cluster-ca.crt')}\n`,
    );
    expect(r.stdout).toContain(`  chroot ${root} update-ca-certificates\n`);
    expect(r.stdout).toContain('NODE_EXTRA_CA_CERTS=');
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it('a DER CA is installed as PEM (what update-ca-certificates reads), under --name', () => {
    const root = fakeRoot('der', UBUNTU);
    const der = join(work, 'ca.der');
    expect(openssl(['x509', '-in', caCrt, '-outform', 'DER', '-out', der]).status).toBe(0);
    const r = runCli(['trust', 'install', der, '--root', root, '--name', 'cluster-ca']);
    expect(r.status).toBe(0);
    const installed = join(root, 'usr/local/share/ca-certificates/cluster-ca.crt');
    expect(readFileSync(installed, 'utf8')).toBe(readFileSync(caCrt, 'utf8'));
  });

  it('refuses what is not a CA certificate (exit 1) and changes nothing', () => {
    const root = fakeRoot('refuse', UBUNTU);
    const leaf = runCli(['trust', 'install', join(server, 'server.crt'), '--root', root]);
    expect(leaf.status).toBe(1);
    expect(leaf.stderr).toMatch(
      /^error: refused: .*is not a CA certificate \(no basicConstraints CA:TRUE\).* \(ERR_NOT_A_CA\)\n$/,
    );
    const bundle = join(work, 'two.pem');
    writeFileSync(bundle, readFileSync(caCrt, 'utf8') + readFileSync(otherCaCrt, 'utf8'));
    const two = runCli(['trust', 'install', bundle, '--root', root]);
    expect(two.status).toBe(1);
    expect(two.stderr).toContain('holds 2 certificates');
    const key = runCli(['trust', 'install', join(server, 'server.key'), '--root', root]);
    expect(key.status).toBe(3);
    expect(key.stderr).toMatch(/^error: .+ \(ERR_[A-Z_]+\)\n$/);
    expect(existsSync(join(root, 'usr'))).toBe(false);
  });

  it('a different certificate under the same name is refused unless --force', () => {
    const root = fakeRoot('clash', UBUNTU);
    expect(runCli(['trust', 'install', caCrt, '--root', root, '--name', 'cluster']).status).toBe(0);
    const clash = runCli(['trust', 'install', otherCaCrt, '--root', root, '--name', 'cluster']);
    expect(clash.status).toBe(1);
    expect(clash.stderr).toContain('already holds a different certificate');
    const installed = join(root, 'usr/local/share/ca-certificates/cluster.crt');
    expect(readFileSync(installed, 'utf8')).toBe(readFileSync(caCrt, 'utf8'));
    expect(
      runCli(['trust', 'install', otherCaCrt, '--root', root, '--name', 'cluster', '--force'])
        .status,
    ).toBe(0);
    expect(readFileSync(installed, 'utf8')).toBe(readFileSync(otherCaCrt, 'utf8'));
  });

  it('an undetectable system is a one-line error saying what to do by hand; --system names it', () => {
    const root = fakeRoot('unknown', 'ID=plan9\n');
    const r = runCli(['trust', 'install', caCrt, '--root', root]);
    expect(r.status).toBe(3);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(
      /^error: cannot tell where .* keeps local CAs; copy .* by hand .*--system debian\|rhel\|suse\|arch\|alpine \(ERR_TRUST_UNSUPPORTED\)\n$/,
    );
    const forced = runCli(['trust', 'install', caCrt, '--root', root, '--system', 'suse']);
    expect(forced.status).toBe(0);
    expect(existsSync(join(root, 'etc/pki/trust/anchors/nodeid-cw.cluster-ca.crt'))).toBe(true);
    expect(forced.stdout).toContain(`chroot ${root} update-ca-certificates`);
  });
});

describe('trust uninstall', () => {
  it('finds the CA by its contents, whatever its name, and removes it; a second time it is not installed (exit 1)', () => {
    const root = fakeRoot('uninstall', UBUNTU);
    expect(runCli(['trust', 'install', caCrt, '--root', root, '--name', 'custom']).status).toBe(0);
    expect(runCli(['trust', 'install', otherCaCrt, '--root', root]).status).toBe(0);
    const dir = join(root, 'usr/local/share/ca-certificates');
    const dry = runCli(['trust', 'uninstall', caCrt, '--root', root, '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`  rm ${join(dir, 'custom.crt')}\n`);
    expect(existsSync(join(dir, 'custom.crt'))).toBe(true);

    const r = runCli(['trust', 'uninstall', caCrt, '--root', root]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`removed ${join(dir, 'custom.crt')}`);
    expect(r.stdout).toContain('NODE_EXTRA_CA_CERTS');
    expect(readdirSync(dir)).toEqual(['nodeid-other.cluster-ca.crt']);

    const again = runCli(['trust', 'uninstall', caCrt, '--root', root]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^error: not installed: .* \(ERR_NOT_INSTALLED\)\n$/);

    const byName = runCli(['trust', 'uninstall', 'nodeid-other.cluster-ca', '--root', root]);
    expect(byName.status).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the NODE_EXTRA_CA_CERTS advice', () => {
  it('a Node client trusts the cluster CA with NODE_EXTRA_CA_CERTS set to the installed file, and not without it', async () => {
    const root = fakeRoot('node-advice', UBUNTU);
    const r = runCli(['trust', 'install', caCrt, '--root', root]);
    const advised = /NODE_EXTRA_CA_CERTS=(\S+) \(/.exec(r.stdout)?.[1];
    expect(advised).toBe('/usr/local/share/ca-certificates/nodeid-cw.cluster-ca.crt');
    const installed = join(root, advised!);

    const tls = createServer(
      {
        cert: readFileSync(join(server, 'server.crt')),
        key: readFileSync(join(server, 'server.key')),
      },
      (socket) => socket.end('hello from the cluster\n'),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const port = (tls.address() as { port: number }).port;
    const client = `const s = require('tls').connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost' }, () => {}); s.on('data', (d) => { process.stdout.write(d); s.end(); }); s.on('error', (e) => { console.error(e.code); process.exit(7); });`;
    const run = (env: Record<string, string | undefined>) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const e: Record<string, string | undefined> = { ...process.env, ...env };
        for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
        const child = execFile(
          process.execPath,
          ['-e', client],
          { env: e as NodeJS.ProcessEnv, timeout: 20_000 },
          (_error, out, err) => resolve({ code: child.exitCode, out, err }),
        );
      });
    try {
      const trusted = await run({ NODE_EXTRA_CA_CERTS: installed });
      expect(trusted.out).toBe('hello from the cluster\n');
      expect(trusted.code).toBe(0);
      const untrusted = await run({ NODE_EXTRA_CA_CERTS: undefined });
      expect(untrusted.code).toBe(7);
      expect(untrusted.err).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/,
      );
    } finally {
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});
