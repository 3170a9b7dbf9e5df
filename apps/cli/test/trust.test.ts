/**
 * `trust install` / `trust uninstall` against fake system roots (--root), so the real trust store
 * is never touched and no update command runs: Debian/Ubuntu and RHEL/Fedora layouts, dry runs,
 * refusals of non-CA certificates, and the NODE_EXTRA_CA_CERTS advice proved with a real TLS
 * handshake from a Node process.
 */
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
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
    // a bundle may hold several CAs (trust-bundle.test.ts), but no leaf among them
    const bundle = join(work, 'ca-and-leaf.pem');
    writeFileSync(
      bundle,
      readFileSync(caCrt, 'utf8') + readFileSync(join(server, 'server.crt'), 'utf8'),
    );
    const mixed = runCli(['trust', 'install', bundle, '--root', root]);
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toContain('is not a CA certificate');
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

/** Debian's real update-ca-certificates, run on a fake root through its own folder options. */
const UPDATE_CA = ['/usr/sbin/update-ca-certificates', '/usr/bin/update-ca-certificates'].find(
  (p) => existsSync(p),
);
const KEYTOOL = spawnSync('keytool', ['-help'], { encoding: 'utf8' }).error === undefined;

/**
 * A Debian-like root whose stores can be checked: /etc/ssl/certs (links, hash links and the
 * bundle) kept by the real update-ca-certificates, and a Java keystore kept by a hook that does
 * what ca-certificates-java does with the hook lines ("+<pem>" imports the certificate as
 * alias "debian:<name>.pem", "-<pem>" deletes that alias), with keytool.
 */
/** Runs a command without blocking the test worker (keytool starts a JVM each time). */
function run(
  command: string,
  args: string[],
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 60_000 }, (_e, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

function debianRoot(name: string) {
  const root = fakeRoot(name, UBUNTU);
  const etcCerts = join(root, 'etc/ssl/certs');
  const hooks = join(root, 'etc/ca-certificates/update.d');
  const keystore = join(root, 'etc/ssl/certs/java/cacerts');
  for (const d of [
    etcCerts,
    hooks,
    join(root, 'usr/share/ca-certificates'),
    join(etcCerts, 'java'),
  ])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'etc/ca-certificates.conf'), '# no distribution CAs in this root\n');
  writeFileSync(
    join(hooks, 'jks-keystore'),
    `#!/bin/sh
while read -r line; do
  pem="\${line#?}"; alias="debian:$(basename "$pem")"
  keytool -delete -alias "$alias" -keystore ${keystore} -storepass changeit >/dev/null 2>&1
  case "$line" in
    +*) keytool -importcert -noprompt -alias "$alias" -file "${root}\${pem#${root}}" -keystore ${keystore} -storetype PKCS12 -storepass changeit >/dev/null 2>&1 || exit 1;;
  esac
done
`,
    { mode: 0o755 },
  );
  /** Runs update-ca-certificates with `extra` arguments, every folder inside the root. */
  const update = async (extra: string[]) => {
    const r = await run(UPDATE_CA!, [
      ...extra,
      '--certsconf',
      join(root, 'etc/ca-certificates.conf'),
      '--certsdir',
      join(root, 'usr/share/ca-certificates'),
      '--localcertsdir',
      join(root, 'usr/local/share/ca-certificates'),
      '--etccertsdir',
      etcCerts,
      '--hooksdir',
      hooks,
    ]);
    expect(r.status, r.stderr).toBe(0);
  };
  /** Feeds hook lines (system paths, as nodeid prints them) to the root's hooks. */
  const tellHooks = async (lines: string[]) => {
    for (const hook of readdirSync(hooks)) {
      const input = `${lines.map((l) => `${l[0]}${join(root, l.slice(1))}`).join('\n')}\n`;
      const r = await run(join(hooks, hook), [], input);
      expect(r.status, r.stderr).toBe(0);
    }
  };
  /** What the stores hold: links by name, dangling links, bundle contents, keystore aliases. */
  const stores = async () => {
    const links = readdirSync(etcCerts).filter((n) =>
      lstatSync(join(etcCerts, n)).isSymbolicLink(),
    );
    const dangling = links.filter((n) => !existsSync(join(etcCerts, n)));
    const bundle = readFileSync(join(etcCerts, 'ca-certificates.crt'), 'utf8');
    const aliases = KEYTOOL
      ? (spawnSync('keytool', ['-list', '-keystore', keystore, '-storepass', 'changeit'], {
          encoding: 'utf8',
        }).stdout.match(/debian:[^,\s]+/g) ?? [])
      : [];
    return { links, dangling, bundle, aliases };
  };
  return { root, update, tellHooks, stores };
}

/** The base64 body of a PEM certificate, as it appears in a bundle. */
const pemBody = (file: string) =>
  readFileSync(file, 'utf8')
    .replace(/-----[^-]+-----|\s/g, '')
    .slice(0, 64);

describe.skipIf(!UPDATE_CA)('trust uninstall on Debian, with the stores checked afterwards', () => {
  it.skipIf(!KEYTOOL)(
    'leaves no link, no hash link, no bundle entry and no Java cacerts alias of the CA; other CAs stay',
    async () => {
      const debian = debianRoot('debian-stores');
      expect(runCli(['trust', 'install', caCrt, '--root', debian.root]).status).toBe(0);
      expect(runCli(['trust', 'install', otherCaCrt, '--root', debian.root]).status).toBe(0);
      await debian.update([]);
      const installed = await debian.stores();
      expect(installed.links).toContain('nodeid-cw.cluster-ca.pem');
      expect(installed.links.filter((l) => /^[0-9a-f]{8}\.\d$/.test(l))).toHaveLength(2);
      expect(installed.bundle).toContain(pemBody(caCrt));
      expect(installed.aliases).toContain('debian:nodeid-cw.cluster-ca.pem');

      const r = runCli(['trust', 'uninstall', caCrt, '--root', debian.root, '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.update).toEqual(['update-ca-certificates', '--fresh']);
      expect(out.hookInput).toEqual(['-/etc/ssl/certs/nodeid-cw.cluster-ca.pem']);
      expect(out.steps).toContain(`chroot ${debian.root} update-ca-certificates --fresh`);
      // the steps nodeid prescribes, run for real against the root
      await debian.update(out.update.slice(1));
      await debian.tellHooks(out.hookInput);

      const after = await debian.stores();
      expect(after.dangling).toEqual([]);
      expect(after.links).not.toContain('nodeid-cw.cluster-ca.pem');
      expect(after.links.filter((l) => /^[0-9a-f]{8}\.\d$/.test(l))).toHaveLength(1);
      expect(after.bundle).not.toContain(pemBody(caCrt));
      expect(after.aliases).not.toContain('debian:nodeid-cw.cluster-ca.pem');
      // the other cluster's CA is still trusted everywhere
      expect(after.links).toContain('nodeid-other.cluster-ca.pem');
      expect(after.bundle).toContain(pemBody(otherCaCrt));
      expect(after.aliases).toContain('debian:nodeid-other.cluster-ca.pem');
    },
  );

  it('the plain update-ca-certificates it used to run leaves dangling links behind (why --fresh)', async () => {
    const debian = debianRoot('debian-plain');
    expect(runCli(['trust', 'install', caCrt, '--root', debian.root]).status).toBe(0);
    await debian.update([]);
    rmSync(join(debian.root, 'usr/local/share/ca-certificates/nodeid-cw.cluster-ca.crt'));
    await debian.update([]);
    expect((await debian.stores()).dangling).toContain('nodeid-cw.cluster-ca.pem');
    await debian.update(['--fresh']);
    expect((await debian.stores()).dangling).toEqual([]);
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
