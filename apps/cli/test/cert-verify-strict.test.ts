/**
 * `nodeid cert verify --strict`: RFC 5280 §6 accepts a CA whose basicConstraints is not
 * critical (NIST PKITS 4.6.4), a §4 rule for the issuing CA; `--strict` refuses it. The
 * chain is made by openssl, the CLI runs as a process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
const file = (name: string) => join(work, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-strict-'));
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=lax CA',
    '-addext',
    'basicConstraints=CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'ca.crt',
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key');
  openssl('req', '-new', '-key', 'leaf.key', '-subj', '/CN=node1.example.net', '-out', 'leaf.csr');
  writeFileSync(
    file('leaf.ext'),
    'subjectAltName=DNS:node1.example.net\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '7',
    '-days',
    '7',
    '-sha256',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.crt',
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cert verify --strict', () => {
  it('accepts a CA with a non-critical basicConstraints by default, as RFC 5280 §6 does', () => {
    const r = runCli(['cert', 'verify', file('leaf.crt'), '--ca', file('ca.crt')], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses it with --strict (exit 1), naming the rule', () => {
    const r = runCli(['cert', 'verify', file('leaf.crt'), '--ca', file('ca.crt'), '--strict'], {
      env: ENV,
    });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/non-critical basicConstraints/);
  });
});
