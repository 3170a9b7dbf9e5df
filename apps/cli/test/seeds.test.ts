/**
 * The seeds' procedures replayed with the CLI as a process, each checked with real openssl:
 * Storage Scale node identities, Flocker's files and modes, AIStore's server certificate,
 * revocation with a CRL, renewal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };

function openssl(args: string[]): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-cli-'));
});

describe('Storage Scale: a CA and node identities with short-name and FQDN SANs', () => {
  it('ca init, cert issue, openssl verify, cert verify messages', () => {
    const ca = join(work, 'scale-ca');
    writeFileSync(join(work, 'pass'), 'correct horse\n');
    const init = runCli(
      [
        'ca',
        'init',
        'scale.cluster',
        '--org',
        'YourCompany',
        '--dir',
        ca,
        '--passphrase-file',
        join(work, 'pass'),
      ],
      { env: ENV },
    );
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    expect(mode(ca)).toBe('700');
    expect(mode(join(ca, 'ca.key'))).toBe('600');
    expect(readFileSync(join(ca, 'ca.key'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
    expect(
      openssl(['pkey', '-in', join(ca, 'ca.key'), '-passin', 'pass:correct horse', '-noout'])
        .status,
    ).toBe(0);

    for (const [i, node] of ['node1.example.net', 'node2.example.net'].entries()) {
      const r = runCli(
        [
          'cert',
          'issue',
          node,
          '--ip',
          `10.0.0.${i + 1}`,
          '--layout',
          'scale',
          '--out',
          join(work, node),
          '--dir',
          ca,
        ],
        { env: { ...ENV, NODEID_CA_PASSPHRASE: 'correct horse' } },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const pem = join(work, node, `${node}.pem`);
      expect(mode(join(work, node, `${node}.key`))).toBe('600');
      const v = openssl(['verify', '-CAfile', join(ca, 'ca.crt'), '-purpose', 'sslserver', pem]);
      expect(v.output).toContain(': OK');
      const text = openssl([
        'x509',
        '-in',
        pem,
        '-noout',
        '-subject',
        '-ext',
        'subjectAltName',
        '-nameopt',
        'RFC2253',
      ]).output;
      expect(text).toContain('subject=CN=scale.cluster,O=YourCompany');
      expect(text).toContain(`DNS:${node.split('.')[0]}, DNS:${node}, IP Address:10.0.0.${i + 1}`);
    }
    const node1 = join(work, 'node1.example.net', 'node1.example.net.pem');
    const ok = runCli([
      'cert',
      'verify',
      node1,
      '--ca',
      join(ca, 'ca.crt'),
      '--host',
      'node1.example.net',
      '--cluster',
      'scale.cluster',
      '--usage',
      'server',
      '--key',
      join(work, 'node1.example.net', 'node1.example.net.key'),
    ]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('OK');
    const wrongHost = runCli([
      'cert',
      'verify',
      node1,
      '--ca',
      join(ca, 'ca.crt'),
      '--host',
      'node2.example.net',
    ]);
    expect(wrongHost.status).toBe(1);
    expect(wrongHost.stdout).toContain(
      'certificate is valid for node1, node1.example.net, not node2.example.net',
    );
    const wrongIp = runCli([
      'cert',
      'verify',
      node1,
      '--ca',
      join(ca, 'ca.crt'),
      '--ip',
      '192.168.1.10',
      '--format',
      'json',
    ]);
    expect(wrongIp.status).toBe(1);
    expect(JSON.parse(wrongIp.stdout)).toMatchObject({ ok: false, code: 'ERR_IP_MISMATCH' });
    const wrongKey = runCli([
      'cert',
      'verify',
      node1,
      '--ca',
      join(ca, 'ca.crt'),
      '--key',
      join(work, 'node2.example.net', 'node2.example.net.key'),
    ]);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stdout).toContain('ERR_KEY_MISMATCH');
    const wrongCluster = runCli([
      'cert',
      'verify',
      node1,
      '--ca',
      join(ca, 'ca.crt'),
      '--cluster',
      'other.cluster',
    ]);
    expect(wrongCluster.status).toBe(1);
    expect(wrongCluster.stdout).toContain('ERR_CLUSTER_NAME_MISMATCH');

    const list = runCli(['cert', 'list', '--dir', ca, '--format', 'json']);
    expect(list.status).toBe(0);
    expect(
      JSON.parse(list.stdout)
        .map((r: { names: string[] }) => r.names[1])
        .sort(),
    ).toEqual(['DNS:node1.example.net', 'DNS:node2.example.net']);
  });

  it('a wrong passphrase, a missing passphrase and an existing file change nothing', () => {
    const ca = join(work, 'scale-ca');
    const before = readFileSync(join(ca, 'inventory.db'));
    const wrong = runCli(
      ['cert', 'issue', 'node9.example.net', '--out', join(work, 'n9'), '--dir', ca],
      { env: { ...ENV, NODEID_CA_PASSPHRASE: 'nope' } },
    );
    expect(wrong.status).toBe(3);
    expect(wrong.stderr).toMatch(/^error: .* \(ERR_PASSPHRASE_WRONG\)\n$/);
    const missing = runCli(
      ['cert', 'issue', 'node9.example.net', '--out', join(work, 'n9'), '--dir', ca],
      { env: ENV },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('ERR_PASSPHRASE_REQUIRED');
    const again = runCli(
      [
        'cert',
        'issue',
        'node1.example.net',
        '--layout',
        'scale',
        '--out',
        join(work, 'node1.example.net'),
        '--dir',
        ca,
      ],
      { env: { ...ENV, NODEID_CA_PASSPHRASE: 'correct horse' } },
    );
    expect(again.status).toBe(3);
    expect(again.stderr).toContain('ERR_FILE_EXISTS');
    expect(readFileSync(join(ca, 'inventory.db')).equals(before)).toBe(true);
    const reinit = runCli(['ca', 'init', 'x', '--dir', ca, '--no-passphrase']);
    expect(reinit.status).toBe(3);
    expect(reinit.stderr).toContain('ERR_FILE_EXISTS');
  });
});

describe('Flocker: cluster.crt, control-service, a UUID node and an API user', () => {
  it('writes the files Flocker expects with 0600 keys in 0700 folders', () => {
    const ca = join(work, 'flocker-ca');
    expect(
      runCli([
        'ca',
        'init',
        'flocker.cluster',
        '--layout',
        'flocker',
        '--no-passphrase',
        '--dir',
        ca,
      ]).status,
    ).toBe(0);
    expect(statSync(join(ca, 'cluster.crt')).isFile()).toBe(true);
    expect(mode(join(ca, 'cluster.key'))).toBe('600');
    const control = runCli([
      'cert',
      'issue',
      'control.example.net',
      '--profile',
      'control',
      '--layout',
      'flocker',
      '--out',
      join(work, 'etc-flocker'),
      '--dir',
      ca,
    ]);
    expect(control.status).toBe(0);
    const etc = join(work, 'etc-flocker');
    expect(mode(etc)).toBe('700');
    expect(mode(join(etc, 'control-service.key'))).toBe('600');
    expect(
      openssl(['x509', '-in', join(etc, 'control-service.crt'), '-noout', '-subject']).output,
    ).toContain('CN = control-service');
    expect(
      openssl(['verify', '-CAfile', join(etc, 'cluster.crt'), join(etc, 'control-service.crt')])
        .status,
    ).toBe(0);

    const node = runCli([
      'cert',
      'issue',
      'agent1.example.net',
      '--layout',
      'flocker',
      '--uuid',
      '--out',
      join(work, 'flocker-nodes'),
      '--dir',
      ca,
      '--format',
      'json',
    ]);
    expect(node.status).toBe(0);
    const files: string[] = JSON.parse(node.stdout).files;
    const crt = files.find((f) => /[0-9a-f-]{36}\.crt/.test(f));
    expect(crt).toBeDefined();

    const user = runCli([
      'cert',
      'issue',
      'alice',
      '--profile',
      'client',
      '--layout',
      'flocker',
      '--out',
      join(work, 'alice'),
      '--dir',
      ca,
    ]);
    expect(user.status).toBe(0);
    expect(
      openssl([
        'verify',
        '-CAfile',
        join(ca, 'cluster.crt'),
        '-purpose',
        'sslclient',
        join(work, 'alice', 'alice.crt'),
      ]).status,
    ).toBe(0);
    expect(mode(join(work, 'alice', 'alice.key'))).toBe('600');
  });
});

describe('AIStore: a localhost server certificate', () => {
  it('server.crt and server.key for localhost and 127.0.0.1, serverAuth and clientAuth', () => {
    const ca = join(work, 'ais-ca');
    expect(runCli(['ca', 'init', 'ais', '--no-passphrase', '--dir', ca]).status).toBe(0);
    const r = runCli([
      'cert',
      'issue',
      'localhost',
      '--ip',
      '127.0.0.1',
      '--layout',
      'aistore',
      '--out',
      join(work, 'ais'),
      '--dir',
      ca,
    ]);
    expect(r.status).toBe(0);
    const v = openssl([
      'verify',
      '-CAfile',
      join(work, 'ais', 'ca.crt'),
      '-purpose',
      'sslserver',
      '-verify_hostname',
      'localhost',
      '-verify_ip',
      '127.0.0.1',
      join(work, 'ais', 'server.crt'),
    ]);
    expect(v.status).toBe(0);
    // The seed's recipe: extendedKeyUsage=serverAuth,clientAuth (AIS_CLIENT_AUTH_TLS).
    const client = openssl([
      'verify',
      '-CAfile',
      join(work, 'ais', 'ca.crt'),
      '-purpose',
      'sslclient',
      join(work, 'ais', 'server.crt'),
    ]);
    expect(client.status, client.output).toBe(0);
  });
});

describe('revocation, CRL and renewal', () => {
  it('revoke a node, publish the CRL, verification fails; renew keeps names', () => {
    const ca = join(work, 'rev-ca');
    expect(runCli(['ca', 'init', 'rev', '--no-passphrase', '--dir', ca]).status).toBe(0);
    expect(
      runCli(['cert', 'issue', 'n1.example.net', '--out', join(work, 'rev-n1'), '--dir', ca])
        .status,
    ).toBe(0);
    const cert = join(work, 'rev-n1', 'n1.example.net.crt');
    const revoke = runCli(['cert', 'revoke', cert, '--reason', 'keyCompromise', '--dir', ca]);
    expect(revoke.status).toBe(0);
    const crl = runCli(['crl', 'create', '--dir', ca, '--format', 'json']);
    expect(crl.status).toBe(0);
    expect(JSON.parse(crl.stdout)).toMatchObject({ crlNumber: '1', revoked: 1 });
    expect(
      openssl(['crl', '-in', join(ca, 'ca.crl'), '-CAfile', join(ca, 'ca.crt'), '-noout']).output,
    ).toContain('verify OK');
    const v = runCli([
      'cert',
      'verify',
      cert,
      '--ca',
      join(ca, 'ca.crt'),
      '--crl',
      join(ca, 'ca.crl'),
    ]);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('ERR_REVOKED');
    expect(
      JSON.parse(runCli(['crl', 'create', '--dir', ca, '--format', 'json']).stdout).crlNumber,
    ).toBe('2');
    expect(
      JSON.parse(runCli(['cert', 'list', '--revoked', '--dir', ca, '--format', 'json']).stdout),
    ).toHaveLength(1);
    expect(runCli(['cert', 'revoke', 'abcdef', '--dir', ca]).status).toBe(3);

    expect(
      runCli([
        'cert',
        'issue',
        'n2.example.net',
        '--ip',
        '10.1.1.1',
        '--out',
        join(work, 'rev-n2'),
        '--dir',
        ca,
      ]).status,
    ).toBe(0);
    const n2 = join(work, 'rev-n2', 'n2.example.net.crt');
    const oldSerial = openssl(['x509', '-in', n2, '-noout', '-serial']).output;
    const keyBefore = readFileSync(join(work, 'rev-n2', 'n2.example.net.key'), 'utf8');
    const renew = runCli(['cert', 'renew', n2, '--dir', ca]);
    expect(renew.status).toBe(0);
    expect(openssl(['x509', '-in', n2, '-noout', '-serial']).output).not.toBe(oldSerial);
    expect(openssl(['x509', '-in', n2, '-noout', '-ext', 'subjectAltName']).output).toContain(
      'DNS:n2, DNS:n2.example.net, IP Address:10.1.1.1',
    );
    expect(readFileSync(join(work, 'rev-n2', 'n2.example.net.key'), 'utf8')).toBe(keyBefore);
    expect(runCli(['cert', 'renew', n2, '--rekey', '--dir', ca]).status).toBe(0);
    expect(readFileSync(join(work, 'rev-n2', 'n2.example.net.key'), 'utf8')).not.toBe(keyBefore);
    expect(
      runCli([
        'cert',
        'verify',
        n2,
        '--ca',
        join(ca, 'ca.crt'),
        '--key',
        join(work, 'rev-n2', 'n2.example.net.key'),
      ]).status,
    ).toBe(0);
    expect(
      JSON.parse(runCli(['cert', 'list', '--dir', ca, '--format', 'json']).stdout),
    ).toHaveLength(4);
  });
});

describe('bad input', () => {
  it('garbage files, bad flags and non-CA folders give one-line errors with codes', () => {
    writeFileSync(
      join(work, 'garbage.pem'),
      '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n',
    );
    const g = runCli(['cert', 'inspect', join(work, 'garbage.pem')]);
    expect(g.status).toBe(3);
    expect(g.stderr).toMatch(/^error: .+ \(ERR_[A-Z_]+\)\n$/);
    expect(g.stderr).not.toContain('    at ');
    const v = runCli([
      'cert',
      'verify',
      join(work, 'garbage.pem'),
      '--ca',
      join(work, 'garbage.pem'),
    ]);
    expect(v.status).toBe(3);
    const flag = runCli(['cert', 'issue', 'x.example.net', '--profile', 'admin']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('ERR_USAGE');
    const notCa = runCli(['cert', 'issue', 'x.example.net', '--dir', work]);
    expect(notCa.status).toBe(3);
    expect(notCa.stderr).toContain('ERR_CA_FOLDER');
    const missing = runCli(['cert', 'needs-renewal', join(work, 'nope.crt')]);
    expect(missing.status).toBe(2);
    expect(runCli(['nonsense']).status).toBe(2);
    const both = runCli(['cert', 'verify', 'x', '--ca', 'y', '--host', 'a', '--ip', 'b']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('error: give --host or --ip, not both; see --help (ERR_USAGE)\n');
  });

  it('inspect reads bundles from stdin and says it does not verify', () => {
    const ca = join(work, 'scale-ca');
    const r = runCli(['cert', 'inspect', '-', '--format', 'json'], {
      input:
        readFileSync(join(ca, 'ca.crt'), 'utf8') +
        readFileSync(join(work, 'node1.example.net', 'node1.example.net.pem'), 'utf8'),
    });
    expect(r.status).toBe(0);
    const items = JSON.parse(r.stdout);
    expect(items.map((i: { kind: string }) => i.kind)).toEqual(['certificate', 'certificate']);
    const text = runCli(['cert', 'inspect', join(ca, 'ca.crt')]);
    expect(text.stdout).toContain('Subject:');
    expect(text.stderr).toContain('not verified');
  });
});
