/**
 * Defect 2 (issue 10): `cert issue` and `csr sign` (even with --allow-*) issued names outside the
 * CA's own nameConstraints. Both now deny them with the reason and refuse when nothing is left;
 * what they issue passes openssl verify. The CLI runs as a process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
let ca: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-nc-'));
  ca = join(work, 'ca');
  const init = runCli(
    [
      'ca',
      'init',
      'nc.cluster',
      '--no-passphrase',
      '--dir',
      ca,
      '--permit-dns',
      'example.net',
      '--permit-ip',
      '10.0.0.0/8',
    ],
    { env: ENV },
  );
  expect(init.stderr).toBe('');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const opensslVerify = (cert: string) =>
  spawnSync('openssl', ['verify', '-CAfile', join(ca, 'ca.crt'), cert], { encoding: 'utf8' })
    .status;

describe("the CA's name constraints at issuance (defect 2)", () => {
  it('cert issue denies the short name and the IP outside the constraints, and openssl verifies the rest', () => {
    const out = join(work, 'node1');
    const r = runCli(
      [
        'cert',
        'issue',
        'node1.example.net',
        '--ip',
        '10.0.0.1',
        '--ip',
        '192.168.0.1',
        '--dir',
        ca,
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
    expect(result.names).toEqual(['DNS:node1.example.net', 'IP:10.0.0.1']);
    expect(result.denied.map((d: { name: string }) => d.name)).toEqual([
      'DNS:node1',
      'IP:192.168.0.1',
    ]);
    expect(result.denied[0].reason).toMatch(/not permitted/);
    expect(opensslVerify(join(out, 'node1.example.net.crt'))).toBe(0);
  });

  it('cert issue for google.com is refused and writes nothing', () => {
    const out = join(work, 'google');
    const r = runCli(
      ['cert', 'issue', 'google.com', '--profile', 'server', '--dir', ca, '--out', out],
      {
        env: ENV,
      },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/google\.com.*name constraints.*\(ERR_POLICY_DENIED\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('csr sign --allow-dns google.com still denies google.com: the constraints win over the allow list', () => {
    const node = join(work, 'csr-node');
    expect(
      runCli(['csr', 'create', 'node2.example.net', '--dns', 'google.com', '--out', node], {
        env: ENV,
      }).status,
    ).toBe(0);
    const r = runCli(
      [
        'csr',
        'sign',
        join(node, 'node2.example.net.csr'),
        '--dir',
        ca,
        '--out',
        node,
        '--allow-dns',
        'google.com',
        '--allow-dns',
        '.example.net',
        '--format',
        'json',
      ],
      { env: ENV },
    );
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.granted).toEqual(['DNS:node2.example.net']);
    expect(out.denied).toContainEqual({
      name: 'DNS:google.com',
      reason: expect.stringMatching(/not permitted by the name constraints/),
    });
    expect(opensslVerify(join(node, 'node2.example.net.crt'))).toBe(0);
    const none = runCli(
      [
        'csr',
        'sign',
        join(node, 'node2.example.net.csr'),
        '--dir',
        ca,
        '--out',
        join(work, 'x'),
        '--allow-dns',
        'google.com',
      ],
      { env: ENV },
    );
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/ERR_POLICY_DENIED/);
  });
});
