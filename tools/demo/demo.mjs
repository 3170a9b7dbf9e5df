#!/usr/bin/env node
/**
 * `pnpm demo`: what nodeid does, end to end, on its defaults. It creates a cluster CA and two node
 * identities, writes each node's files into its own 0700 folder, verifies both certificates, and
 * makes the two nodes shake hands with mutual TLS on loopback, using the files it wrote.
 * Exits 0 when all of that worked, 1 otherwise.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import tls from 'node:tls';
import * as sdk from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';

const CLUSTER = 'demo.cluster';
const NODES = [
  { name: 'node1.demo.internal', ip: '127.0.0.1' },
  { name: 'node2.demo.internal', ip: '127.0.0.2' },
];

const mode = (path) => `0${(statSync(path).mode & 0o777).toString(8)}`;
const day = (d) => d.toISOString().slice(0, 10);
const sans = (c) =>
  (c.subjectAltNames ?? []).map((n) => `${n.type === 'ip' ? 'IP' : 'DNS'}:${n.value}`).join(', ');

async function verify(node, certPem, caPem) {
  if (typeof sdk.verifyCertificate !== 'function')
    return 'skipped: verifyCertificate is not in this build of the SDK yet';
  const checks = [
    { usage: 'server', host: node.name },
    { usage: 'server', ip: node.ip },
    { usage: 'client' },
  ];
  for (const check of checks) {
    const r = await sdk.verifyCertificate({
      certificate: certPem,
      trustAnchors: [caPem],
      clusterName: CLUSTER,
      ...check,
    });
    if (!r.ok) throw new Error(`${node.name} does not verify as ${check.usage}: ${r.message}`);
  }
  return `ok: chains to the cluster CA, server for ${node.name} and ${node.ip}, client, CN ${CLUSTER}`;
}

/** node2 dials node1; each requires and verifies the other's certificate. */
async function mutualTls(server, client) {
  const srv = tls.createServer({
    cert: server.cert,
    key: server.key,
    ca: server.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const seen = {};
  srv.on('secureConnection', (s) => {
    seen.serverAuthorized = s.authorized;
    seen.clientCN = s.getPeerCertificate().subject?.CN;
    s.end('hello from node1');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  try {
    const reply = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: server.fqdn, ...client });
      let data = '';
      s.on('secureConnect', () => {
        seen.clientAuthorized = s.authorized;
        seen.serverCN = s.getPeerCertificate().subject?.CN;
        seen.protocol = s.getProtocol();
      });
      s.on('data', (d) => {
        data += d;
      });
      s.on('error', reject);
      s.on('close', () => resolve(data));
    });
    const ok =
      seen.serverAuthorized &&
      seen.clientAuthorized &&
      reply === 'hello from node1' &&
      seen.clientCN === CLUSTER &&
      seen.serverCN === CLUSTER;
    if (!ok) throw new Error(`handshake incomplete: ${JSON.stringify({ ...seen, reply })}`);
    return `ok on 127.0.0.1:${port} (${seen.protocol}), both sides authorized, peer CN ${CLUSTER} each way`;
  } finally {
    srv.close();
  }
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'nodeid-demo-'));
  const ca = await sdk.createCa({ clusterName: CLUSTER });
  const out = [
    `nodeid demo: cluster ${CLUSTER}, files in ${root}`,
    '',
    `CA       ${ca.certificate.subject.text}, ${ca.algorithm}, not after ${day(ca.certificate.notAfter)}`,
  ];
  const peers = [];
  for (const node of NODES) {
    const id = await sdk.issueIdentity({ ca, name: node.name, ips: [node.ip] });
    const dir = join(root, sdk.shortName(node.name));
    const written = await writeBundle(dir, await sdk.bundleFiles(id, 'plain'));
    const [certPath, keyPath, caPath] = written.files.map((f) => f.path);
    const [cert, key, caPem] = [certPath, keyPath, caPath].map((p) => readFileSync(p, 'utf8'));
    const c = sdk.parseCertificate(cert);
    out.push(
      '',
      node.name,
      `  files    ${dir} (${mode(dir)}): ${written.files.map((f) => `${basename(f.path)} ${mode(f.path)}`).join(', ')}`,
      `  subject  ${c.subject.text}`,
      `  SANs     ${sans(c)}`,
      `  expires  ${c.notAfter.toISOString().replace(/\.000Z$/, 'Z')}`,
      `  verify   ${await verify(node, cert, caPem)}`,
    );
    peers.push({ fqdn: node.name, cert, key, ca: caPem });
  }
  out.push('', `mutual TLS node2 -> node1: ${await mutualTls(peers[0], peers[1])}`, '');
  process.stdout.write(out.join('\n'));
}

main().catch((e) => {
  process.stderr.write(`demo failed: ${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}\n`);
  process.exit(1);
});
