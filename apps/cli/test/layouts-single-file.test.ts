/**
 * The single-file layouts through `nodeid cert issue`, checked with openssl: `kubernetes-secret`
 * (a kubernetes.io/tls Secret whose tls.crt verifies against its ca.crt and whose tls.key is the
 * certificate's key) and `pkcs12` in bulk (`--from-file`, the worker-thread path).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
let ca: string[];

function openssl(args: string[], input?: string): { status: number; output: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', ...(input && { input }) });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-layouts-'));
  writeFileSync(join(work, 'ca-pass'), 'ca secret\n');
  ca = ['--dir', join(work, 'ca'), '--passphrase-file', join(work, 'ca-pass')];
  expect(runCli(['ca', 'init', 'k8s.cluster', ...ca], { env: ENV }).status).toBe(0);
});

describe('cert issue --layout kubernetes-secret', () => {
  it('secret.yaml (0600): tls.crt verifies against ca.crt for the name, tls.key is its key', () => {
    const out = join(work, 'k8s');
    const r = runCli(
      ['cert', 'issue', 'web.example.net', '--layout', 'kubernetes-secret', '--out', out, ...ca],
      { env: ENV },
    );
    expect(r.status, r.stderr).toBe(0);
    const file = join(out, 'secret.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toMatch(/^ {2}name: web\.example\.net-tls$/m);
    expect(yaml).toMatch(/^type: kubernetes\.io\/tls$/m);
    const data: Record<string, string> = {};
    for (const m of yaml.matchAll(/^ {2}(tls\.crt|tls\.key|ca\.crt): (\S+)$/gm))
      data[m[1]!] = Buffer.from(m[2]!, 'base64').toString('utf8');
    for (const [name, text] of Object.entries(data)) writeFileSync(join(work, name), text);
    const v = openssl([
      'verify',
      '-CAfile',
      join(work, 'ca.crt'),
      '-verify_hostname',
      'web.example.net',
      join(work, 'tls.crt'),
    ]);
    expect(v.status, v.output).toBe(0);
    const fromKey = openssl(['pkey', '-in', join(work, 'tls.key'), '-pubout']);
    const fromCert = openssl(['x509', '-in', join(work, 'tls.crt'), '-noout', '-pubkey']);
    expect(fromKey.status, fromKey.output).toBe(0);
    expect(fromKey.output).toBe(fromCert.output);
  });
});

describe('cert issue --from-file --layout pkcs12', () => {
  it('one keystore and truststore per node, read by openssl with the passphrase', () => {
    writeFileSync(join(work, 'nodes.txt'), 'n1.example.net 10.0.0.1\nn2.example.net 10.0.0.2\n');
    writeFileSync(join(work, 'p12-pass'), 'changeit\n');
    const out = join(work, 'bulk');
    const r = runCli(
      [
        'cert',
        'issue',
        '--from-file',
        join(work, 'nodes.txt'),
        '--layout',
        'pkcs12',
        '--p12-passphrase-file',
        join(work, 'p12-pass'),
        '--out',
        out,
        '--quiet',
        ...ca,
      ],
      { env: ENV, timeout: 120_000 },
    );
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    for (const node of ['n1.example.net', 'n2.example.net']) {
      const info = openssl([
        'pkcs12',
        '-in',
        join(out, node, `${node}.p12`),
        '-passin',
        'pass:changeit',
        '-nokeys',
        '-clcerts',
      ]);
      expect(info.status, info.output).toBe(0);
      expect(info.output).toContain(`friendlyName: ${node}`);
      expect(statSync(join(out, node, 'truststore.p12')).isFile()).toBe(true);
    }
  });
});
