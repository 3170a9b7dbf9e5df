#!/usr/bin/env node
/**
 * `pnpm bench`: how fast the built @nodeid/sdk makes node identities and verifies certificates,
 * next to the same work done other ways, all measured in this one run on this machine:
 *
 * - the WebCrypto floor: key generation + one ECDSA signature over a certificate-sized buffer +
 *   PKCS#8 export, no ASN.1 at all — what no implementation on WebCrypto can beat;
 * - @peculiar/x509's certificate generator used plainly for the same certificate;
 * - the openssl CLI recipe of the seed documents (ecparam -genkey, req, x509 -req with an extfile),
 *   three processes per node;
 * - verification: the SDK's `verifyCertificate` (full RFC 5280 path validation) against
 *   `node:crypto`'s `X509Certificate.verify` (one signature check);
 * - bulk issuance (`bulk-issue.mjs`): `nodeid cert issue --from-file` on 3,000 nodes end to end,
 *   beside the openssl recipe above, and its peak RSS at 10,000 nodes (needs `pnpm build`);
 * - the server (`server-load.mjs`): nodeid-server over HTTPS on loopback under POST /v1/sign at
 *   32 and 64 connections, beside `signCsr` alone and Debian's `cfssl serve` when installed, and
 *   the server's RSS over a longer run (needs `pnpm build`; BENCH_SERVER_LONG=1, BENCH_SERVER_PROF=1);
 * - ACME (`acme-load.mjs`): complete orders per second at 16 clients (one account, http-01),
 *   beside token + /v1/sign enrollments at the same concurrency (needs `pnpm build`);
 * - TLS endpoints checked per second (endpoint-check.mjs): 100 local node:tls endpoints read and
 *   judged by the SDK, beside an `openssl s_client | openssl x509 -enddate` loop;
 * - the web page's gzipped JavaScript (web-size.mjs): at open, the admin views' chunk, the other
 *   chunks loaded on demand, and the whole page beside its 150 KB target.
 *
 * Each case warms up, then the cases take turns for five rounds of sequential iterations on one
 * thread; a case's rate is its median round, so load elsewhere on the machine hits every case
 * alike. Nothing here asserts a time: it prints. BENCH_SCALE=0.2 runs fewer iterations.
 * BENCH_ONLY=bulk,server (any of verify, bulk, server, acme, endpoints, web) runs those sections
 * only, after the identities, which are every ratio's baseline.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as sdk from '@nodeid/sdk';
import * as x509 from '@peculiar/x509';
import { runAcmeLoad } from './acme-load.mjs';
import { runBulkIssue } from './bulk-issue.mjs';
import { runEndpointCheck } from './endpoint-check.mjs';
import { runServerLoad } from './server-load.mjs';
import { webSizeLines } from './web-size.mjs';

const crypto = globalThis.crypto;
x509.cryptoProvider.set(crypto);

const scale = Number(process.env.BENCH_SCALE ?? 1) || 1;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
/** Whether a section runs (BENCH_ONLY names the ones to run; all by default). */
const runs = (section) => !only || only.includes(section);
const n = (count) => Math.max(2, Math.round(count * scale));
const ROUNDS = 5;
const CLUSTER = 'bench.cluster';
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN = { name: 'ECDSA', hash: 'SHA-256' };

/**
 * Measures several cases fairly on a shared machine: each warms up, then they take turns for
 * `rounds` rounds (so a burst of load elsewhere hits every case alike); a case's rate is the
 * median of its rounds, and its spread the slowest and fastest round.
 */
async function compare(cases, rounds = ROUNDS) {
  for (const c of cases) for (let i = 0; i < c.warmup; i++) await c.fn(i);
  const rates = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, c] of cases.entries()) {
      const start = performance.now();
      for (let i = 0; i < c.perRound; i++) await c.fn(i);
      rates[k].push((c.perRound * 1000) / (performance.now() - start));
    }
    process.stderr.write(`  round ${r + 1}/${rounds} done\n`);
  }
  return cases.map((c, k) => {
    const sorted = rates[k].sort((a, b) => a - b);
    const opsPerSec = sorted[Math.floor(sorted.length / 2)];
    return {
      label: c.label,
      iterations: c.perRound * rounds,
      opsPerSec,
      msPerOp: 1000 / opsPerSec,
      min: sorted[0],
      max: sorted[sorted.length - 1],
    };
  });
}

function pem(label, der) {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;
}

function randomSerial() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}

// ---- setup: one cluster CA for every case ------------------------------------------------------
const ca = await sdk.createCa({ clusterName: CLUSTER, organization: 'Example' });
const caKeyPem = await sdk.exportPrivateKeyPem(ca.privateKey);
const caX509 = new X509Certificate(ca.certificate.pem);
const caSki = await x509.SubjectKeyIdentifierExtension.create(ca.publicKey, false, crypto);
const tbsSized = crypto.getRandomValues(new Uint8Array(400));

/** The SDK: a node identity (P-256) and both PEM files. */
async function sdkIdentity(i) {
  const id = await sdk.issueIdentity({ ca, name: `node${i}.bench.internal`, ips: ['10.0.0.1'] });
  const keyPem = await sdk.exportPrivateKeyPem(id.privateKey);
  return { certPem: id.certificate.pem, keyPem };
}

/** The floor: what any WebCrypto implementation must do at least, minus all encoding. */
async function floor() {
  const keys = await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
  await crypto.subtle.sign(SIGN, ca.privateKey, tbsSized);
  await crypto.subtle.exportKey('pkcs8', keys.privateKey);
}

/** @peculiar/x509 used plainly for the same node certificate. */
async function x509Identity(i) {
  const keys = await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${CLUSTER}, O=Example`,
    issuer: caX509.subject.replace(/\n/g, ', '),
    notBefore: now,
    notAfter: new Date(now.getTime() + 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: `node${i}` },
        { type: 'dns', value: `node${i}.bench.internal` },
        { type: 'ip', value: '10.0.0.1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem, keyPem };
}

// ---- openssl: the seeds' recipe, one node per iteration ----------------------------------------
const work = mkdtempSync(join(tmpdir(), 'nodeid-bench-'));
writeFileSync(join(work, 'ca.crt'), ca.certificate.pem);
writeFileSync(join(work, 'ca.key'), caKeyPem, { mode: 0o600 });
writeFileSync(
  join(work, 'ext.cnf'),
  '[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
    'extendedKeyUsage=serverAuth,clientAuth\nsubjectKeyIdentifier=hash\n' +
    'authorityKeyIdentifier=keyid\nsubjectAltName=DNS:node1,DNS:node1.bench.internal,IP:10.0.0.1\n',
);
const run = (args) =>
  execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
function opensslIdentity() {
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'node.key']);
  run(['req', '-new', '-key', 'node.key', '-subj', `/O=Example/CN=${CLUSTER}`, '-out', 'node.csr']);
  run([
    'x509',
    '-req',
    '-in',
    'node.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'node.crt',
    '-days',
    '365',
    '-sha256',
    '-extfile',
    'ext.cnf',
    '-extensions',
    'ext',
  ]);
}

// ---- sanity: every path makes a certificate the CA's key verifies ------------------------------
for (const [label, make] of [
  ['SDK', sdkIdentity],
  ['@peculiar/x509', x509Identity],
]) {
  const { certPem, keyPem } = await make(1);
  const cert = new X509Certificate(certPem);
  if (!cert.verify(caX509.publicKey) || !keyPem.includes('PRIVATE KEY'))
    throw new Error(`${label} produced a certificate the CA key does not verify`);
}
opensslIdentity();
if (!new X509Certificate(run(['x509', '-in', 'node.crt'])).verify(caX509.publicKey))
  throw new Error('the openssl recipe produced a certificate the CA key does not verify');

// ---- identities ---------------------------------------------------------------------------------
process.stderr.write(`nodeid bench: identities, ${ROUNDS} rounds\n`);
const [idFloor, idSdk, idX509, idOpenssl] = await compare([
  { label: 'floor', fn: floor, warmup: n(200), perRound: n(400) },
  { label: 'SDK', fn: sdkIdentity, warmup: n(200), perRound: n(400) },
  { label: 'x509', fn: x509Identity, warmup: n(50), perRound: n(100) },
  { label: 'openssl', fn: opensslIdentity, warmup: 2, perRound: n(6) },
]);
const identity = { floor: idFloor, sdk: idSdk, x509: idX509, openssl: idOpenssl };
rmSync(work, { recursive: true, force: true });

// ---- verifications ------------------------------------------------------------------------------
const leaf = await sdk.issueIdentity({ ca, name: 'node1.bench.internal', ips: ['10.0.0.1'] });
const leafPem = leaf.certificate.pem;
const verifyCases = [
  {
    label: 'node verify',
    fn: () => {
      if (!new X509Certificate(leafPem).verify(caX509.publicKey)) throw new Error('not verified');
    },
    warmup: n(200),
    perRound: n(600),
  },
];
const verifyOptions = {
  certificate: leafPem,
  trustAnchors: [ca.certificate],
  host: 'node1.bench.internal',
  usage: 'server',
  clusterName: CLUSTER,
};
const hasVerify = typeof sdk.verifyCertificate === 'function';
if (hasVerify) {
  const check = await sdk.verifyCertificate(verifyOptions);
  if (!check.ok) throw new Error(`verifyCertificate refused a good certificate: ${check.message}`);
  verifyCases.push({
    label: 'SDK verify',
    fn: async () => {
      const r = await sdk.verifyCertificate(verifyOptions);
      if (!r.ok) throw new Error(r.message);
    },
    warmup: n(200),
    perRound: n(600),
  });
}
let verify;
if (runs('verify')) {
  process.stderr.write(`nodeid bench: verifications, ${ROUNDS} rounds\n`);
  const [verifyNode, verifySdk] = await compare(verifyCases);
  verify = { node: verifyNode, sdk: verifySdk };
}

// ---- bulk issuance through the CLI, beside the openssl recipe above ------------------------------
const bulkLines = runs('bulk')
  ? await runBulkIssue({
      scale,
      opensslRate: identity.openssl.opsPerSec,
      log: (text) => process.stderr.write(text),
    })
  : [];

// ---- the server, the web page ---------------------------------------------------------------------
const serverLines = runs('server')
  ? await runServerLoad({
      scale,
      rounds: ROUNDS,
      log: (text) => process.stderr.write(text),
    })
  : [];

const webLines = runs('web') ? webSizeLines() : [];

const acmeLines = runs('acme')
  ? await runAcmeLoad({ scale, log: (text) => process.stderr.write(text) }).catch((e) => [
      `  ACME load: skipped (${e.message.slice(0, 200)})`,
    ])
  : [];

const endpointLines = runs('endpoints')
  ? await runEndpointCheck({
      scale,
      rounds: ROUNDS,
      log: (text) => process.stderr.write(text),
    })
  : [];

// ---- report -------------------------------------------------------------------------------------
const fmt = (v, d = 1) =>
  v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const row = (label, r, base) =>
  `  ${label.padEnd(50)} ${fmt(r.opsPerSec).padStart(10)} ${fmt(r.msPerOp, 3).padStart(9)} ${(base ? `${fmt(r.opsPerSec / base.opsPerSec, 2)}x` : '').padStart(9)}   ${fmt(r.min, 0)}–${fmt(r.max, 0)}, n=${r.iterations}`;
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '',
  `nodeid bench — Node ${process.version}, ${process.platform}/${process.arch}, ${cpu}, ${cpus().length} cores, one thread`,
  '',
  `  ${'node identities (P-256 key, node certificate, PEM)'.padEnd(50)} ${'ops/s'.padStart(10)} ${'ms/op'.padStart(9)} ${'vs floor'.padStart(9)}`,
  row('WebCrypto floor (keygen + 1 sign + pkcs8, no ASN.1)', identity.floor, identity.floor),
  row('@nodeid/sdk issueIdentity + exportPrivateKeyPem', identity.sdk, identity.floor),
  row('@peculiar/x509 X509CertificateGenerator, plainly', identity.x509, identity.floor),
  row('openssl CLI recipe (ecparam + req + x509 -req)', identity.openssl, identity.floor),
  '',
  ...(verify
    ? [
        `  ${'certificate verifications'.padEnd(50)} ${'ops/s'.padStart(10)} ${'ms/op'.padStart(9)} ${'vs node'.padStart(9)}`,
        row('node:crypto X509Certificate + verify(publicKey)', verify.node, verify.node),
        verify.sdk
          ? row('@nodeid/sdk verifyCertificate (RFC 5280 path)', verify.sdk, verify.node)
          : '  @nodeid/sdk verifyCertificate: not in the built SDK yet, skipped',
      ]
    : []),
  '  (ops/s: median of the rounds; then the slowest–fastest round and the total iterations)',
  '',
  'ratios (same run, medians)',
  `  SDK / floor    ${fmt(identity.sdk.opsPerSec / identity.floor.opsPerSec, 2)}x   (target >= 0.5x)   ${identity.sdk.opsPerSec >= 0.5 * identity.floor.opsPerSec ? 'meets' : 'BELOW TARGET'}`,
  `  SDK / openssl  ${fmt(identity.sdk.opsPerSec / identity.openssl.opsPerSec, 0)}x   (target >= 100x)   ${identity.sdk.opsPerSec >= 100 * identity.openssl.opsPerSec ? 'meets' : 'BELOW TARGET'}`,
  `  SDK / x509     ${fmt(identity.sdk.opsPerSec / identity.x509.opsPerSec, 2)}x`,
  verify?.sdk
    ? `  SDK verify / node:crypto verify  ${fmt(verify.sdk.opsPerSec / verify.node.opsPerSec, 2)}x   (the SDK also checks dates, CA flags, usages, host and cluster name)`
    : '',
  '',
  ...bulkLines,
  '',
  ...serverLines,
  '',
  ...acmeLines,
  '',
  ...endpointLines,
  ...(webLines.length ? ['', 'web page', ...webLines] : []),
  '',
];
process.stdout.write(lines.join('\n'));
