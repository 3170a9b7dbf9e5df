/**
 * Defect 7 (issue 10): `nodeid cert verify node.pem --ca node.pem` printed OK. Without
 * `--trust-leaf` a `--ca` must be a CA certificate (as `openssl verify` refuses it without
 * `-partial_chain`); with it, the leaf is a pin. The CLI runs as a process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
let ca: string;
let leaf: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-trust-leaf-'));
  ca = join(work, 'ca');
  expect(
    runCli(['ca', 'init', 'pin.cluster', '--no-passphrase', '--dir', ca], { env: ENV }).status,
  ).toBe(0);
  const issued = runCli(
    ['cert', 'issue', 'node1.example.net', '--dir', ca, '--out', join(work, 'node1')],
    {
      env: ENV,
    },
  );
  expect(issued.stderr).toBe('');
  leaf = join(work, 'node1', 'node1.example.net.crt');
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cert verify: a leaf is not a CA (defect 7)', () => {
  it('cert verify node.pem --ca node.pem fails (exit 1, ERR_NOT_A_CA), and so does openssl verify', () => {
    const r = runCli(['cert', 'verify', leaf, '--ca', leaf], { env: ENV });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/not a CA certificate/);
    expect(`${r.stdout}${r.stderr}`).toMatch(/--trust-leaf/);
    expect(spawnSync('openssl', ['verify', '-CAfile', leaf, leaf]).status).not.toBe(0);
  });

  it('--trust-leaf pins it (exit 0), as openssl verify -partial_chain', () => {
    const r = runCli(['cert', 'verify', leaf, '--ca', leaf, '--trust-leaf'], { env: ENV });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(spawnSync('openssl', ['verify', '-partial_chain', '-CAfile', leaf, leaf]).status).toBe(
      0,
    );
  });

  it('the CA still verifies the leaf without --trust-leaf', () => {
    const r = runCli(['cert', 'verify', leaf, '--ca', join(ca, 'ca.crt')], { env: ENV });
    expect(r.status).toBe(0);
  });
});
