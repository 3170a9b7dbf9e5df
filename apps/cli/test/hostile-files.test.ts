/**
 * Garbage files given to the CLI, run as the built binary: random bytes, unbalanced PEM armour,
 * NUL bytes, an empty file, truncated and 5,000-deep DER, 40,000 BEGIN lines, a folder, a
 * missing file, to `cert inspect`, `cert verify` (as the leaf, the --ca and the --crl),
 * `expiry check` and `crl create`; and node lists with CRLF, NUL bytes, non-UTF-8 and a 2 MB line
 * to `cert issue --from-file`. Each gets one line `error: … (CODE)` (or its report line) and its
 * documented exit status, never a stack trace, and nothing stored is changed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './helpers/run-cli.js';

const ENV = { env: { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined } };
let work: string;
const at = (name: string) => join(work, name);
const nodeid = (...args: string[]) => runCli(args, { ...ENV, cwd: work });
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The garbage files, by name. */
const GARBAGE: Record<string, Uint8Array | string> = {
  'random.bin': Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) % 251),
  'unbalanced.pem': '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n',
  'nul.pem': 'x\u0000y\u0000-----BEGIN CERTIFICATE-----\u0000\n-----END CERTIFICATE-----\n',
  'empty.pem': '',
  'deep.der': Uint8Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 0x80 : 0x30)),
  'huge-length.der': Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01),
  'begins.pem': '-----BEGIN CERTIFICATE-----\n'.repeat(40_000),
  'bad-base64.pem': '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n',
};

/** One error line with a stable code, and no stack trace anywhere. */
function expectOneError(r: CliResult, status: number, code: RegExp): void {
  expect({ status: r.status, stderr: r.stderr.slice(0, 300) }).toMatchObject({ status });
  expect(r.stderr).toMatch(/^error: .+ \((ERR_[A-Z0-9_]+)\)\n$/);
  expect(r.stderr.match(/\((ERR_[A-Z0-9_]+)\)\n$/)![1]).toMatch(code);
  expectNoStack(r);
}

function expectNoStack(r: CliResult): void {
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at |node:internal|TypeError|RangeError/);
}

let leaf: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-hostile-files-'));
  for (const [name, content] of Object.entries(GARBAGE)) writeFileSync(at(name), content);
  writeFileSync(
    at('truncated.der'),
    Uint8Array.from({ length: 200 }, (_, i) => (i === 0 ? 0x30 : i === 1 ? 0x82 : 0x01)),
  );
  mkdirSync(at('folder'));
  expect(nodeid('ca', 'init', 'hostile.cluster', '--no-passphrase', '--dir', 'ca').status).toBe(0);
  expect(nodeid('cert', 'issue', 'n1.hostile.cluster', '--dir', 'ca', '--out', 'n1').status).toBe(
    0,
  );
  leaf = join('n1', readdirSync(at('n1')).find((f) => f.endsWith('.crt') && f !== 'ca.crt')!);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const FILES = [...Object.keys(GARBAGE), 'truncated.der'];

describe('garbage certificate files', () => {
  it('cert inspect: exit 3 with one error line and a decoding code', () => {
    for (const f of FILES)
      expectOneError(nodeid('cert', 'inspect', f), 3, /^ERR_(DER|PEM|CERTIFICATE)_INVALID$/);
    expectOneError(nodeid('cert', 'inspect', 'folder'), 3, /^ERR_FILE_IO$/);
    expectOneError(nodeid('cert', 'inspect', 'missing.pem'), 3, /^ERR_FILE_NOT_FOUND$/);
    expectOneError(nodeid('cert', 'inspect', 'random.bin', '--format', 'json'), 3, /_INVALID$/);
  });

  it('cert verify: a garbage leaf or --ca is exit 3; a garbage --crl makes the answer "invalid" (exit 1)', () => {
    for (const f of ['random.bin', 'unbalanced.pem', 'empty.pem', 'deep.der', 'begins.pem']) {
      expectOneError(
        nodeid('cert', 'verify', f, '--ca', 'ca/ca.crt'),
        3,
        /^ERR_(DER|PEM|CERTIFICATE)_INVALID$/,
      );
      expectOneError(
        nodeid('cert', 'verify', leaf, '--ca', f),
        3,
        /^ERR_(DER|PEM|CERTIFICATE)_INVALID$/,
      );
      const crl = nodeid('cert', 'verify', leaf, '--ca', 'ca/ca.crt', '--crl', f);
      expect(crl.status, f).toBe(1);
      expect(crl.stdout + crl.stderr).toMatch(/invalid: CRL #1: .+ \(ERR_CRL_INVALID\)/);
      expectNoStack(crl);
    }
    // the leaf itself still verifies: the garbage changed nothing
    expect(nodeid('cert', 'verify', leaf, '--ca', 'ca/ca.crt').status).toBe(0);
  });

  it('expiry check: each garbage file is an unreadable row, exit 2, and the valid one still counts', () => {
    const r = nodeid('expiry', 'check', ...FILES, leaf, '--format', 'json');
    expect(r.status).toBe(2);
    expectNoStack(r);
    const report = JSON.parse(r.stdout) as { certificates?: { file: string; status: string }[] };
    const rows = report.certificates ?? (report as unknown as { file: string; status: string }[]);
    for (const f of FILES) expect(rows.find((c) => c.file.endsWith(f))?.status, f).toBe('invalid');
    expect(rows.find((c) => c.file.endsWith(leaf.split('/').pop()!))?.status).toBe('valid');
  });
});

describe('crl create on damaged CA folders', () => {
  it('a garbage ca.crt or inventory: exit 3, ERR_CA_FOLDER / ERR_STORE_CORRUPT, files left as they were', () => {
    for (const [name, file, code] of [
      ['bad-cert', 'ca.crt', /^ERR_CA_FOLDER$/],
      ['bad-inventory', 'inventory.db', /^ERR_STORE_CORRUPT$/],
    ] as const) {
      const dir = at(name);
      mkdirSync(dir);
      for (const f of readdirSync(at('ca')))
        writeFileSync(join(dir, f), readFileSync(join(at('ca'), f)));
      writeFileSync(join(dir, file), GARBAGE['random.bin']!);
      const before = Object.fromEntries(readdirSync(dir).map((f) => [f, sha(join(dir, f))]));
      expectOneError(nodeid('crl', 'create', '--dir', name), 3, code);
      expect(Object.fromEntries(readdirSync(dir).map((f) => [f, sha(join(dir, f))]))).toEqual(
        before,
      );
    }
    expectOneError(nodeid('crl', 'create', '--dir', 'folder'), 3, /^ERR_CA_FOLDER$/);
  });
});

describe('cert issue --from-file with hostile node lists', () => {
  it('CRLF, NUL bytes, non-UTF-8 and a 2 MB line: good lines issued, bad ones refused by line, exit 1', () => {
    const lines = [
      'a1.hostile.cluster 10.1.0.1',
      'b\u0000ad.hostile.cluster',
      '',
      '# a comment',
      `${'h'.repeat(2_000_000)}`,
      'a2.hostile.cluster 999.1.1.1',
      'a3.hostile.cluster',
    ];
    const bytes = Buffer.concat([
      Buffer.from(lines.join('\r\n')),
      Buffer.from('\r\n'),
      Buffer.from([0xff, 0xfe, 0x20]),
      Buffer.from('bad.hostile.cluster\r\n'),
    ]);
    writeFileSync(at('nodes.txt'), bytes);
    const inventory = sha(at('ca/inventory.db'));
    const r = nodeid(
      'cert',
      'issue',
      '--from-file',
      'nodes.txt',
      '--dir',
      'ca',
      '--out',
      'bulk',
      '--format',
      'json',
    );
    expect(r.status).toBe(1);
    expectNoStack(r);
    expect(
      readdirSync(at('bulk'))
        .filter((f) => !f.startsWith('.'))
        .sort(),
    ).toEqual(['a1.hostile.cluster', 'a3.hostile.cluster']);
    const failed = (r.stdout.match(/"code":\s*"ERR_[A-Z_]+"/g) ?? []).length;
    expect(failed).toBe(4);
    expect(r.stdout).toContain('ERR_NAME_INVALID');
    // the refused names' messages are escaped: no raw NUL reaches the output's messages
    expect(r.stdout).not.toContain('\u0000');
    expect(sha(at('ca/inventory.db'))).not.toBe(inventory);

    // the text report shows a refused name escaped and cut, never raw or whole
    writeFileSync(
      at('nodes2.txt'),
      `c\u0000\u001b[2Jd.hostile.cluster\n${'k'.repeat(2_000_000)}\n`,
    );
    const text = nodeid(
      'cert',
      'issue',
      '--from-file',
      'nodes2.txt',
      '--dir',
      'ca',
      '--out',
      'bulk2',
    );
    expect(text.status).toBe(1);
    expectNoStack(text);
    expect(text.stdout).not.toContain('\u0000');
    expect(text.stdout).not.toContain('\u001b[2J');
    expect(text.stdout).toContain('line 1: "c\\u0000\\u001b[2Jd.hostile.cluster"');
    expect(text.stdout.length).toBeLessThan(10_000);
  });
});

describe('careless flags', () => {
  it('a one-value flag given twice is a usage error (exit 2) before any work; repeatable flags still repeat', () => {
    const twice = nodeid(
      'cert',
      'issue',
      't1.hostile.cluster',
      '--dir',
      'ca',
      '--out',
      'x1',
      '--out',
      'x2',
    );
    expectOneError(twice, 2, /^ERR_USAGE$/);
    expect(twice.stderr).toBe('error: --out was given 2 times; give it once (ERR_USAGE)\n');
    expect(readdirSync(work).filter((f) => f === 'x1' || f === 'x2')).toEqual([]);
    expectOneError(
      nodeid('cert', 'inspect', leaf, '--format', 'json', '--format', 'text'),
      2,
      /^ERR_USAGE$/,
    );
    const repeated = nodeid(
      'cert',
      'issue',
      't2.hostile.cluster',
      '--dir',
      'ca',
      '--out',
      't2',
      '--ip',
      '10.2.0.1',
      '--ip',
      '10.2.0.2',
    );
    expect(repeated.status).toBe(0);
    expect(repeated.stdout).toContain('IP:10.2.0.2');
  });
});
