/**
 * `node dist/tiny-tlv.mjs` (in tools/fuzz, after `node build.mjs`): the cost of hostile inputs made
 * of tiny DER TLVs, per parser and size, beside a normal certificate parse in the same run. Each
 * case runs in its own process, so that its peak RSS is its own (`process.resourceUsage().maxRSS`).
 *
 *   node dist/tiny-tlv.mjs [--sizes 1,4,8] [--format text|json]
 *
 * Shapes (n chosen so the input is the given size):
 * - `flat`: SEQUENCE { NULL × n } as the whole input (every parser's outer SEQUENCE);
 * - `crl-entries`: the corpus CRL with its revokedCertificates replaced by n empty SEQUENCEs (a
 *   list the CRL parser reads element by element);
 * - `deep`: n/2 nested SEQUENCEs (refused by the depth limit).
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseCertificateDer } from '../../../packages/sdk/src/certificate/parse-certificate.js';
import { parseCrlDer } from '../../../packages/sdk/src/crl/parse-crl.js';
import { parseCsr } from '../../../packages/sdk/src/csr/parse-csr.js';
import { children, decode, validateTree } from '../../../packages/sdk/src/lib/der.js';
import { readPkcs8 } from '../../../packages/sdk/src/lib/pkcs8.js';
import { parsePkcs12 } from '../../../packages/sdk/src/pkcs12/parse-pkcs12.js';

const CORPUS = new URL('../corpus/', import.meta.url);
const corpus = (name: string) => new Uint8Array(readFileSync(new URL(name, CORPUS)));

const PARSERS: Record<string, (input: Uint8Array) => unknown> = {
  'der (decode + validateTree)': (b) => validateTree(decode(b)),
  certificate: parseCertificateDer,
  csr: (b) => parseCsr(b),
  crl: parseCrlDer,
  pkcs12: (b) => parsePkcs12(b, { passphrase: 'x' }),
  pkcs8: readPkcs8,
};

/** A DER identifier and length (X.690 §8.1.3). */
function header(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  const octets: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) octets.unshift(v % 256);
  return Uint8Array.of(tag, 0x80 | octets.length, ...octets);
}

/** SEQUENCE { (tag 00) × n } filling `bytes` bytes in all. */
function flat(bytes: number, inner: number): Uint8Array {
  const n = Math.floor((bytes - 6) / 2);
  const h = header(0x30, n * 2);
  const out = new Uint8Array(h.length + n * 2);
  out.set(h);
  for (let i = h.length; i < out.length; i += 2) out[i] = inner;
  return out;
}

/** SEQUENCEs nested as deep as `bytes` bytes allow. */
function deep(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let pos = bytes;
  let len = 0;
  for (;;) {
    const h = header(0x30, len);
    if (pos < h.length) break;
    pos -= h.length;
    out.set(h, pos);
    len += h.length;
  }
  return out.subarray(pos);
}

/** The corpus CRL with its revokedCertificates replaced by empty SEQUENCEs, about `bytes` bytes. */
function crlEntries(bytes: number): Uint8Array {
  const crl = decode(corpus('crl.der'));
  const [tbs, alg, sig] = children(crl);
  const fields = children(tbs!);
  // version, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] extensions?
  const at = fields.findIndex((f) => f.tag === 0x30 && f !== fields[1] && f !== fields[2]);
  const n = Math.floor((bytes - 400) / 2);
  const list = flat(n * 2 + 6, 0x30);
  const before = fields.slice(0, at === -1 ? 5 : at).map((f) => f.raw);
  const after = fields.slice(at === -1 ? 5 : at + 1).map((f) => f.raw);
  const tbsBody = concat([...before, list, ...after]);
  const tbsNew = concat([header(0x30, tbsBody.length), tbsBody]);
  const body = concat([tbsNew, alg!.raw, sig!.raw]);
  return concat([header(0x30, body.length), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

interface Row {
  parser: string;
  shape: string;
  mib: number;
  ms: number;
  peakRssMiB: number;
  outcome: string;
}

async function one(parser: string, shape: string, mib: number): Promise<Row> {
  const bytes = mib * 1024 * 1024;
  const input =
    shape === 'normal'
      ? corpus('cert.der')
      : shape === 'deep'
        ? deep(bytes)
        : shape === 'crl-entries'
          ? crlEntries(bytes)
          : flat(bytes, 0x05);
  const runs = shape === 'normal' ? 1000 : 1;
  const t0 = performance.now();
  let outcome = 'value';
  for (let i = 0; i < runs; i++) {
    try {
      await PARSERS[parser]!(input);
    } catch (e) {
      outcome = (e as { code?: string }).code ?? `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
  const ms = (performance.now() - t0) / runs;
  return {
    parser,
    shape,
    mib: shape === 'normal' ? input.length / 1024 / 1024 : mib,
    ms,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    outcome,
  };
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,4,8' },
    format: { type: 'string', default: 'text' },
    one: { type: 'string' },
  },
});

if (values.one) {
  const [parser, shape, mib] = JSON.parse(values.one) as [string, string, number];
  process.stdout.write(JSON.stringify(await one(parser, shape, mib)));
} else {
  const self = fileURLToPath(import.meta.url);
  const sizes = values.sizes.split(',').map(Number);
  const cases: [string, string, number][] = [['certificate', 'normal', 0]];
  for (const mib of sizes) {
    for (const parser of Object.keys(PARSERS)) cases.push([parser, 'flat', mib]);
    cases.push(['crl', 'crl-entries', mib]);
    cases.push(['der (decode + validateTree)', 'deep', mib]);
  }
  const rows: Row[] = [];
  for (const c of cases) {
    const out = execFileSync(process.execPath, [self, '--one', JSON.stringify(c)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const row = JSON.parse(out) as Row;
    rows.push(row);
    if (values.format !== 'json')
      process.stderr.write(`${row.parser} ${row.shape} ${row.mib.toFixed(2)} MiB\n`);
  }
  if (values.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    console.log('| parser | shape | MiB | ms | peak RSS MiB | outcome |');
    console.log('| --- | --- | ---: | ---: | ---: | --- |');
    for (const r of rows)
      console.log(
        `| ${r.parser} | ${r.shape} | ${r.mib < 0.1 ? r.mib.toFixed(4) : r.mib} | ${r.ms < 10 ? r.ms.toFixed(3) : Math.round(r.ms)} | ${Math.round(r.peakRssMiB)} | ${r.outcome} |`,
      );
  }
}
