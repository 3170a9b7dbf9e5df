/**
 * `nodeid cert list` over what the CLI itself issued (issue 10): `--name` finds a certificate by
 * any name it was issued for (defect 9: the apps recorded `DNS:x`, the store searched for `x`,
 * and nothing was ever found), and a renewed certificate shows as superseded by its renewal,
 * not revoked and not in the CRL (defect 6). The CLI runs as a process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCrl } from '@nodeid/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
let ca: string;
let node1: string;
let node2: string;

const cli = (args: string[]) => runCli([...args, '--dir', ca], { env: ENV });
const listJson = (...args: string[]) => {
  const r = cli(['cert', 'list', '--format', 'json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as {
    serialNumber: string;
    names: string[];
    status: string;
    supersededBy?: string;
  }[];
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-cert-list-'));
  ca = join(work, 'ca');
  expect(
    runCli(['ca', 'init', 'list.cluster', '--no-passphrase', '--dir', ca], { env: ENV }).status,
  ).toBe(0);
  const issue = (name: string, ip: string) => {
    const r = cli([
      'cert',
      'issue',
      name,
      '--ip',
      ip,
      '--out',
      join(work, name),
      '--format',
      'json',
    ]);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as { serialNumber: string }[] | { serialNumber: string } as
      | { serialNumber: string }[]
      | { serialNumber: string };
  };
  const first = issue('node1.example.net', '10.0.0.1');
  const second = issue('node2.example.net', '10.0.0.2');
  node1 = (Array.isArray(first) ? first[0]! : first).serialNumber;
  node2 = (Array.isArray(second) ? second[0]! : second).serialNumber;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cert list --name finds what cert issue issued (defect 9)', () => {
  it.each(['node1.example.net', 'Node1.Example.Net', 'node1', '10.0.0.1', 'DNS:node1.example.net'])(
    'cert list --name %s lists node1 only',
    (name) => {
      const found = listJson('--name', name);
      expect(found.map((r) => r.serialNumber)).toEqual([node1]);
      expect(found[0]!.names).toEqual(['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1']);
    },
  );

  it('a name nobody was issued, or only part of one, lists nothing', () => {
    expect(listJson('--name', 'node3.example.net')).toEqual([]);
    expect(listJson('--name', 'example.net')).toEqual([]);
    expect(listJson('--name', 'IP:node1')).toEqual([]);
  });
});

describe('cert renew supersedes the old certificate (defect 6)', () => {
  it('cert list shows the renewed certificate superseded by its renewal, and the CRL leaves it out', () => {
    const renew = cli([
      'cert',
      'renew',
      join(work, 'node2.example.net', 'node2.example.net.crt'),
      '--format',
      'json',
    ]);
    expect(renew.stderr).toBe('');
    const renewed = (JSON.parse(renew.stdout) as { serialNumber: string; replaces: string })
      .serialNumber;
    const superseded = listJson('--status', 'superseded');
    expect(superseded).toMatchObject([{ serialNumber: node2, supersededBy: renewed }]);
    expect(
      listJson('--status', 'valid')
        .map((r) => r.serialNumber)
        .sort(),
    ).toEqual([node1, renewed].sort());
    const text = cli(['cert', 'list', '--name', 'node2.example.net']);
    expect(text.stdout).toContain(`superseded by ${renewed}`);

    const crl = cli(['crl', 'create', '--out', join(work, 'ca.crl'), '--format', 'json']);
    expect(crl.stderr).toBe('');
    expect(parseCrl(readFileSync(join(work, 'ca.crl'))).entries).toEqual([]);
  });
});
