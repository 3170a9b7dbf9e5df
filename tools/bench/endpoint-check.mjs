/**
 * The endpoint section of `pnpm bench` (issue 11): TLS endpoints checked per second against 100
 * local `node:tls` endpoints (served by `endpoint-servers.mjs` in a process of its own), beside
 * the shell recipe admins use today, in the same run:
 *
 * - nodeid: `readPresentedChains` (connect, handshake without trusting, read the chain) then
 *   `judgeFleetNode` (RFC 5280 path to the CA, name, cluster CN, expiry of every certificate), at
 *   concurrency 16 (the CLI's default) and 1 (one endpoint after the other, as the recipe does);
 * - the recipe: `openssl s_client -connect HOST:PORT -servername HOST </dev/null | openssl x509
 *   -noout -enddate`, one endpoint after the other (two processes per endpoint; it only reads the
 *   date, it verifies nothing).
 *
 * The cases take turns for the rounds; a case's rate is its median round. Nothing here asserts a
 * time: it prints.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as sdk from '@nodeid/sdk';
import * as sdkNode from '@nodeid/sdk/node';

const ENDPOINTS = 100;
const SERVERS = fileURLToPath(new URL('./endpoint-servers.mjs', import.meta.url));

function opensslVersion() {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** Endpoints checked per second over `rounds` rounds of `perRound` checks each; median round. */
async function measure(cases, rounds, log) {
  const rates = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [k, c] of cases.entries()) {
      const start = performance.now();
      const checked = await c.round();
      rates[k].push((checked * 1000) / (performance.now() - start));
    }
    log(`  endpoints: round ${r + 1}/${rounds} done\n`);
  }
  return rates.map((list) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
  });
}

/** Runs the endpoint bench and returns its report lines. */
export async function runEndpointCheck({ scale, rounds, log }) {
  if (typeof sdkNode.readPresentedChains !== 'function' || typeof sdk.judgeFleetNode !== 'function')
    return [
      'endpoint checks: skipped, the built SDK has no readPresentedChains (run `pnpm build`)',
    ];
  const work = mkdtempSync(join(tmpdir(), 'nodeid-bench-endpoints-'));
  let child;
  try {
    const ca = await sdk.createCa({ clusterName: 'bench.cluster' });
    const node = await sdk.issueIdentity({ ca, name: 'localhost', ips: ['127.0.0.1'] });
    writeFileSync(join(work, 'node.crt'), `${node.certificate.pem}${ca.certificate.pem}`);
    writeFileSync(join(work, 'node.key'), await sdk.exportPrivateKeyPem(node.privateKey));
    child = spawn(
      process.execPath,
      [SERVERS, join(work, 'node.crt'), join(work, 'node.key'), String(ENDPOINTS)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const ports = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
      child.once('exit', (code) => reject(new Error(`endpoint servers exited with ${code}`)));
    });
    const endpoints = ports.map((port) => ({ host: '127.0.0.1', port, servername: 'localhost' }));
    const check = async (concurrency) => {
      const results = await sdkNode.readPresentedChains(endpoints, { concurrency });
      for (const r of results) {
        if (!r.ok) throw new Error(r.message);
        const v = await sdk.judgeFleetNode({
          chain: r.chain,
          reachedName: 'localhost',
          trustAnchors: [ca.certificate],
          clusterName: 'bench.cluster',
        });
        if (v.severity !== 'ok') throw new Error(`a good endpoint raised ${v.alerts.join(',')}`);
      }
      return results.length;
    };
    const openssl = opensslVersion();
    const opensslCount = Math.max(2, Math.round(20 * scale));
    const recipe = () => {
      for (const port of ports.slice(0, opensslCount)) {
        const out = execFileSync(
          '/bin/sh',
          [
            '-c',
            `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -enddate`,
          ],
          { encoding: 'utf8' },
        );
        if (!out.startsWith('notAfter=')) throw new Error(`openssl recipe printed ${out}`);
      }
      return opensslCount;
    };
    await check(16); // warm-up
    if (openssl) recipe();
    const cases = [
      { label: 'nodeid, concurrency 16 (read chain + judgeFleetNode)', round: () => check(16) },
      { label: 'nodeid, one at a time (read chain + judgeFleetNode)', round: () => check(1) },
      ...(openssl
        ? [
            {
              label: 'openssl s_client | openssl x509 -enddate, one at a time',
              round: async () => recipe(),
            },
          ]
        : []),
    ];
    log(`nodeid bench: endpoint checks, ${rounds} rounds\n`);
    const figures = await measure(cases, rounds, log);
    const fmt = (v) =>
      v.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
    const base = figures[2]?.median;
    const lines = [
      `  ${`TLS endpoints checked (${ENDPOINTS} local node:tls endpoints)`.padEnd(58)} ${'checks/s'.padStart(10)} ${'vs openssl'.padStart(11)}`,
      ...cases.map(
        (c, i) =>
          `  ${c.label.padEnd(58)} ${fmt(figures[i].median).padStart(10)} ${(base ? `${fmt(figures[i].median / base)}x` : '').padStart(11)}   ${fmt(figures[i].min)}–${fmt(figures[i].max)}`,
      ),
      openssl
        ? `  (openssl: ${openssl}, ${opensslCount} endpoints a round, two processes each, reads the date only, verifies nothing)`
        : '  openssl recipe: skipped, openssl is not on PATH',
    ];
    return lines;
  } finally {
    child?.stdin.end();
    child?.kill();
    rmSync(work, { recursive: true, force: true });
  }
}
