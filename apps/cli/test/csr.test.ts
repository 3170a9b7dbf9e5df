/**
 * The ClusterWare flow done by hand: the node makes its key and a CSR (the key never leaves it),
 * the CA host signs the request under an allow list and says which names it granted and denied.
 * Checked with real openssl; the CLI runs as a process.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };

function openssl(args: string[]): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The CSR with one byte of its signed part changed (a name), base64 re-encoded. */
function tamper(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('node1.example.net'));
  expect(at).toBeGreaterThan(0);
  der[at + 4] = 'X'.charCodeAt(0);
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`;
}

let work: string;
let ca: string;
let node: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-csr-'));
  ca = join(work, 'ca-host', 'ca');
  node = join(work, 'node1', 'etc-nodeid');
  const init = runCli(['ca', 'init', 'cw.cluster', '--no-passphrase', '--dir', ca], { env: ENV });
  expect(init.stderr).toBe('');
  expect(init.status).toBe(0);
});

describe('ClusterWare: CSR made on the node, signed on the CA host', () => {
  it('csr create writes a 0600 key in a 0700 folder and a CSR openssl verifies', () => {
    const r = runCli(
      [
        'csr',
        'create',
        'node1.example.net',
        '--ip',
        '10.0.0.1',
        '--dns',
        'head-peer.example.net',
        '--out',
        node,
      ],
      { env: ENV },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const key = join(node, 'node1.example.net.key');
    const csr = join(node, 'node1.example.net.csr');
    expect(mode(node)).toBe('700');
    expect(mode(key)).toBe('600');
    expect(mode(csr)).toBe('644');
    expect(r.stdout).toContain('the key stays on this machine');
    expect(r.stdout).toContain(
      'DNS:node1, DNS:node1.example.net, DNS:head-peer.example.net, IP:10.0.0.1',
    );
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const verify = openssl(['req', '-in', csr, '-verify', '-noout']);
    expect(verify.output).toMatch(/verify OK/i);
    expect(verify.status).toBe(0);
    const text = openssl(['req', '-in', csr, '-noout', '-text']).output;
    expect(text).toContain('DNS:node1.example.net');
    expect(text).toContain('IP Address:10.0.0.1');
    // The CSR carries the public half of the key on disk.
    const fromKey = openssl(['pkey', '-in', key, '-pubout']).output;
    const fromCsr = openssl(['req', '-in', csr, '-noout', '-pubkey']).output;
    expect(fromCsr).toBe(fromKey);
  });

  it('csr sign grants names inside the allow lists, denies the rest, and openssl verifies the result', () => {
    const out = join(work, 'ca-host', 'outbox');
    const r = runCli(
      [
        'csr',
        'sign',
        join(node, 'node1.example.net.csr'),
        '--dir',
        ca,
        '--allow-dns',
        '.example.net',
        '--allow-ip',
        '10.0.0.0/24',
        '--out',
        out,
        '--format',
        'json',
      ],
      { env: ENV },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    // The bare short name is not below .example.net: denied, and said so.
    expect(result.granted).toEqual([
      'DNS:node1.example.net',
      'DNS:head-peer.example.net',
      'IP:10.0.0.1',
    ]);
    expect(result.denied).toEqual([{ name: 'DNS:node1', reason: 'not in the allowed DNS names' }]);
    expect(result.approvedByHand).toBe(false);

    const crt = join(out, 'node1.example.net.crt');
    expect(result.file).toBe(crt);
    const verify = openssl(['verify', '-CAfile', join(ca, 'ca.crt'), crt]);
    expect(verify.output).toContain(': OK');
    expect(verify.status).toBe(0);
    expect(
      openssl(['verify', '-CAfile', join(ca, 'ca.crt'), '-purpose', 'sslclient', crt]).status,
    ).toBe(0);
    const sans = openssl(['x509', '-in', crt, '-noout', '-ext', 'subjectAltName']).output;
    expect(sans).toContain('DNS:node1.example.net');
    expect(sans).not.toMatch(/DNS:node1(,|\s*$)/m);
    expect(openssl(['x509', '-in', crt, '-noout', '-subject']).output).toMatch(
      /CN\s*=\s*cw\.cluster/,
    );
    // The certificate is for the key that stayed on the node.
    expect(openssl(['x509', '-in', crt, '-noout', '-pubkey']).output).toBe(
      openssl(['pkey', '-in', join(node, 'node1.example.net.key'), '-pubout']).output,
    );
    // And the key never reached the CA host.
    const nodeKey = readFileSync(join(node, 'node1.example.net.key'), 'utf8');
    const caHostFiles = filesUnder(join(work, 'ca-host'));
    expect(caHostFiles.filter((f) => f.endsWith('.key'))).toEqual([join(ca, 'ca.key')]);
    for (const f of caHostFiles)
      expect(readFileSync(f).includes(nodeKey.split('\n')[1]!)).toBe(false);

    // Recorded in the inventory.
    const list = runCli(['cert', 'list', '--dir', ca, '--format', 'json'], { env: ENV });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(result.serialNumber);
  });

  it('prints granted and denied names in text, and a name outside --allow-dns stays out of the certificate', () => {
    const dir = join(work, 'node2');
    expect(
      runCli(['csr', 'create', 'node2.example.net', '--dns', 'evil.other.org', '--out', dir], {
        env: ENV,
      }).status,
    ).toBe(0);
    const r = runCli(
      [
        'csr',
        'sign',
        join(dir, 'node2.example.net.csr'),
        '--dir',
        ca,
        '--allow-dns',
        '*.example.net',
        '--out',
        dir,
      ],
      { env: ENV },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('granted DNS:node2.example.net');
    expect(r.stdout).toMatch(/denied\s+DNS:evil\.other\.org: not in the allowed DNS names/);
    expect(r.stdout).toMatch(/denied\s+DNS:node2: not in the allowed DNS names/);
    const sans = openssl([
      'x509',
      '-in',
      join(dir, 'node2.example.net.crt'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]).output;
    expect(sans).not.toContain('evil.other.org');
  });

  it('csr sign with no --allow-* grants nothing: it asks for --allow-requested (exit 2, nothing written)', () => {
    const dir = join(work, 'node3');
    expect(
      runCli(['csr', 'create', 'node3.example.net', '--ip', '10.9.9.9', '--out', dir], { env: ENV })
        .status,
    ).toBe(0);
    const r = runCli(
      ['csr', 'sign', join(dir, 'node3.example.net.csr'), '--dir', ca, '--out', dir],
      { env: ENV },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--allow-requested.*\(ERR_USAGE\)\n$/);
    expect(existsSync(join(dir, 'node3.example.net.crt'))).toBe(false);
    const both = runCli(
      [
        'csr',
        'sign',
        join(dir, 'node3.example.net.csr'),
        '--dir',
        ca,
        '--out',
        dir,
        '--allow-requested',
        '--allow-ip',
        '10.0.0.0/8',
      ],
      { env: ENV },
    );
    expect(both.status).toBe(2);
  });

  it('with --allow-requested grants exactly what is asked and says loudly that the admin approved it by hand', () => {
    const dir = join(work, 'node3');
    const r = runCli(
      [
        'csr',
        'sign',
        join(dir, 'node3.example.net.csr'),
        '--dir',
        ca,
        '--out',
        dir,
        '--allow-requested',
      ],
      { env: ENV },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'WARNING: --allow-requested: every requested name was granted as asked',
    );
    expect(r.stdout).toContain(
      'you approved these names by hand: DNS:node3, DNS:node3.example.net, IP:10.9.9.9',
    );
    expect(r.stderr).toContain('warning: signed with --allow-requested');
    const sans = openssl([
      'x509',
      '-in',
      join(dir, 'node3.example.net.crt'),
      '-noout',
      '-ext',
      'subjectAltName',
    ]).output;
    expect(sans).toContain('DNS:node3, DNS:node3.example.net, IP Address:10.9.9.9');
  });

  it('signs a CSR made by openssl, with a CA key encrypted under NODEID_CA_PASSPHRASE', () => {
    const encCa = join(work, 'enc-ca');
    const pass = { ...ENV, NODEID_CA_PASSPHRASE: 'tpm stand-in' };
    expect(runCli(['ca', 'init', 'enc.cluster', '--dir', encCa], { env: pass }).status).toBe(0);
    expect(readFileSync(join(encCa, 'ca.key'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    const dir = join(work, 'openssl-node');
    const made = spawnSync('sh', [
      '-c',
      `mkdir -p ${dir} && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${dir}/k.pem -out ${dir}/r.csr -subj /CN=node4.example.net -addext subjectAltName=DNS:node4.example.net,IP:10.0.0.4`,
    ]);
    expect(made.status).toBe(0);
    // Without the passphrase the CA cannot sign, and nothing is written.
    const none = runCli(
      [
        'csr',
        'sign',
        join(dir, 'r.csr'),
        '--dir',
        encCa,
        '--out',
        dir,
        '--allow-dns',
        'node4.example.net',
      ],
      { env: ENV },
    );
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^error: .*passphrase.* \(ERR_PASSPHRASE_REQUIRED\)\n$/);
    expect(existsSync(join(dir, 'node4.example.net.crt'))).toBe(false);

    const r = runCli(
      [
        'csr',
        'sign',
        join(dir, 'r.csr'),
        '--dir',
        encCa,
        '--out',
        dir,
        '--allow-dns',
        'node4.example.net',
      ],
      { env: pass },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/denied\s+IP:10\.0\.0\.4: not in the allowed IP ranges/);
    expect(
      openssl(['verify', '-CAfile', join(encCa, 'ca.crt'), join(dir, 'node4.example.net.crt')])
        .status,
    ).toBe(0);
  });

  it('refuses a tampered CSR with exit 1 and writes nothing', () => {
    const dir = join(work, 'tampered');
    expect(runCli(['csr', 'create', 'node1.example.net', '--out', dir], { env: ENV }).status).toBe(
      0,
    );
    const bad = join(dir, 'bad.csr');
    writeFileSync(bad, tamper(readFileSync(join(dir, 'node1.example.net.csr'), 'utf8')));
    // openssl agrees the signature no longer verifies (openssl 3.0 says so but exits 0).
    expect(openssl(['req', '-in', bad, '-verify', '-noout']).output).toMatch(/verify failure/i);
    const r = runCli(
      ['csr', 'sign', bad, '--dir', ca, '--out', join(dir, 'out'), '--allow-requested'],
      { env: ENV },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: refused: .*does not verify.* \(ERR_CSR_SIGNATURE\)\n$/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses when every name is denied (exit 1), and a file that is no CSR is an error (exit 3)', () => {
    const denied = runCli(
      [
        'csr',
        'sign',
        join(node, 'node1.example.net.csr'),
        '--dir',
        ca,
        '--allow-dns',
        '.other.org',
        '--out',
        join(work, 'nowhere'),
      ],
      { env: ENV },
    );
    expect(denied.status).toBe(1);
    expect(denied.stderr).toMatch(
      /^error: refused: none of the requested names is allowed: .* \(ERR_POLICY_DENIED\)\n$/,
    );
    expect(existsSync(join(work, 'nowhere'))).toBe(false);

    writeFileSync(join(work, 'garbage.csr'), 'not a request at all');
    const garbage = runCli(
      ['csr', 'sign', join(work, 'garbage.csr'), '--dir', ca, '--allow-requested'],
      { env: ENV },
    );
    expect(garbage.status).toBe(3);
    expect(garbage.stderr).toMatch(/^error: .+ \(ERR_[A-Z_]+\)\n$/);
  });

  it('never overwrites a key or a certificate without --force', () => {
    const key = join(node, 'node1.example.net.key');
    const before = readFileSync(key, 'utf8');
    const again = runCli(['csr', 'create', 'node1.example.net', '--out', node], { env: ENV });
    expect(again.status).toBe(3);
    expect(again.stderr).toMatch(/already exist.*\(ERR_FILE_EXISTS\)\n$/);
    expect(readFileSync(key, 'utf8')).toBe(before);

    const out = join(work, 'ca-host', 'outbox');
    const crt = readFileSync(join(out, 'node1.example.net.crt'), 'utf8');
    const sign = runCli(
      [
        'csr',
        'sign',
        join(node, 'node1.example.net.csr'),
        '--dir',
        ca,
        '--out',
        out,
        '--allow-dns',
        '.example.net',
      ],
      { env: ENV },
    );
    expect(sign.status).toBe(3);
    expect(sign.stderr).toMatch(/refusing to overwrite .* \(ERR_FILE_EXISTS\)\n$/);
    expect(readFileSync(join(out, 'node1.example.net.crt'), 'utf8')).toBe(crt);

    const forced = runCli(['csr', 'create', 'node1.example.net', '--out', node, '--force'], {
      env: ENV,
    });
    expect(forced.status).toBe(0);
    expect(readFileSync(key, 'utf8')).not.toBe(before);
  });

  it('encrypts the node key with --key-passphrase-file, readable by openssl', () => {
    const dir = join(work, 'enc-node');
    writeFileSync(join(work, 'node-pass'), 'node secret\n');
    const r = runCli(
      [
        'csr',
        'create',
        'node5.example.net',
        '--out',
        dir,
        '--algorithm',
        'RSA-2048',
        '--key-passphrase-file',
        join(work, 'node-pass'),
      ],
      { env: ENV },
    );
    expect(r.status).toBe(0);
    const key = join(dir, 'node5.example.net.key');
    expect(readFileSync(key, 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    expect(openssl(['pkey', '-in', key, '-passin', 'pass:node secret', '-noout']).status).toBe(0);
    expect(
      openssl(['req', '-in', join(dir, 'node5.example.net.csr'), '-verify', '-noout']).status,
    ).toBe(0);
  });

  it('rejects bad arguments with exit 2 and one error line', () => {
    const r = runCli(['csr', 'create', 'node1.example.net', '--algorithm', 'DSA'], { env: ENV });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*DSA.* \(ERR_USAGE\)/);
    const help = runCli(['csr', 'sign', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('EXIT CODES');
    expect(help.stdout).toContain('Examples:');
  });
});
