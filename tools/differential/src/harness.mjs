/**
 * The differential run: generates the cases of a range of seeds, builds them (build.py), runs
 * them through nodeid and each peer, and compares. nodeid's `rfc5280` result is compared with
 * openssl and Go, its `webpki` result with pyca/cryptography (whose verifier implements the
 * CA/Browser Forum profile). The verifier is a parameter so that tests and the CLI share it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCase } from './generate.mjs';
import { runGo, runNodeid, runOpenssl, runPyca } from './peers.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The peers, and which nodeid profile each is compared with. */
export const PEERS = /** @type {const} */ ({
  openssl: { run: runOpenssl, nodeid: 'rfc5280' },
  go: { run: runGo, nodeid: 'rfc5280' },
  pyca: { run: runPyca, nodeid: 'webpki' },
});

/**
 * The case descriptions of `count` seeds from `start`.
 * @param {number} start
 * @param {number} count
 */
export function generateCases(start, count) {
  return Array.from({ length: count }, (_, i) => generateCase(start + i));
}

/**
 * Certificates and CRLs for each description, made by build.py with pyca/cryptography.
 * @param {import('./generate.mjs').CaseSpec[]} specs
 * @returns {import('./peers.mjs').BuiltCase[]}
 */
export function buildCases(specs) {
  const run = spawnSync('python3', [join(here, 'build.py')], {
    input: JSON.stringify(specs),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`build.py failed: ${run.stderr || run.error?.message}`);
  const built = JSON.parse(run.stdout);
  return specs.map((spec, i) => {
    if (built[i].error)
      throw new Error(`seed ${spec.seed}: build.py could not build the case: ${built[i].error}`);
    return { spec, certs: built[i].certs, crls: built[i].crls };
  });
}

/**
 * How nodeid and a peer agree on each case.
 * @param {import('./peers.mjs').PeerResult} ours
 * @param {import('./peers.mjs').PeerResult} theirs
 */
export function agreement(ours, theirs) {
  if (theirs.outcome === 'n/a') return 'n/a';
  if (ours.outcome === theirs.outcome)
    return ours.outcome === 'accept' ? 'agree-accept' : 'agree-reject';
  return ours.outcome === 'accept' ? 'nodeid-accepts-peer-rejects' : 'nodeid-rejects-peer-accepts';
}

/**
 * Runs every case through nodeid (both profiles) and every peer.
 * @param {import('./peers.mjs').BuiltCase[]} cases
 * @param {(options: any) => Promise<any>} verifyCertificate
 */
export async function runCases(cases, verifyCertificate) {
  const nodeid = {
    rfc5280: await runNodeid(cases, verifyCertificate, 'rfc5280'),
    webpki: await runNodeid(cases, verifyCertificate, 'webpki'),
  };
  /** @type {Record<string, import('./peers.mjs').PeerRun>} */
  const peers = {};
  const runs = await Promise.all(
    Object.entries(PEERS).map(async ([name, p]) => [name, await p.run(cases)]),
  );
  for (const [name, run] of runs) peers[/** @type {string} */ (name)] = /** @type {any} */ (run);
  return { cases, nodeid, peers };
}

/**
 * Agreement counts per peer, and the disagreements (one entry per case, listing each peer that
 * disagreed), from a run.
 * @param {Awaited<ReturnType<typeof runCases>>} run
 */
export function compare(run) {
  /** @type {Record<string, Record<string, number> | { unavailable: string }>} */
  const counts = {};
  /** @type {any[]} */
  const disagreements = [];
  for (const [name, peer] of Object.entries(run.peers)) {
    if (!peer.available) {
      counts[name] = { unavailable: peer.reason };
      continue;
    }
    counts[name] = {
      'agree-accept': 0,
      'agree-reject': 0,
      'nodeid-accepts-peer-rejects': 0,
      'nodeid-rejects-peer-accepts': 0,
      'n/a': 0,
    };
  }
  run.cases.forEach((c, i) => {
    /** @type {Record<string, any>} */
    const against = {};
    for (const [name, peer] of Object.entries(run.peers)) {
      if (!peer.available) continue;
      const profile = PEERS[/** @type {keyof typeof PEERS} */ (name)].nodeid;
      const ours = run.nodeid[profile].results[i];
      const theirs = peer.results[i];
      if (!ours || !theirs)
        throw new Error(`seed ${c.spec.seed}: no result from ${ours ? name : 'nodeid'}`);
      const a = agreement(ours, theirs);
      /** @type {any} */ (counts[name])[a]++;
      if (a.startsWith('nodeid-')) against[name] = { agreement: a, nodeid: ours, peer: theirs };
    }
    if (Object.keys(against).length > 0)
      disagreements.push({
        seed: c.spec.seed,
        mutations: c.spec.mutations,
        nodeid: { rfc5280: run.nodeid.rfc5280.results[i], webpki: run.nodeid.webpki.results[i] },
        peers: Object.fromEntries(
          Object.entries(run.peers).map(([n, p]) => [
            n,
            p.available ? p.results[i] : { outcome: 'unavailable' },
          ]),
        ),
        disagree: against,
      });
  });
  return { counts, disagreements };
}

/**
 * The cases nodeid (rfc5280) accepts and that every installed peer among openssl and Go that can
 * judge them rejects (at least one can): the ones that must be a documented deviation or a bug.
 * @param {Awaited<ReturnType<typeof runCases>>} run
 */
export function acceptedAgainstReference(run) {
  const judges = ['openssl', 'go'].map((n) => run.peers[n]).filter((p) => p?.available);
  return run.cases.flatMap((c, i) => {
    if (run.nodeid.rfc5280.results[i]?.outcome !== 'accept') return [];
    const verdicts = judges
      .map((p) => /** @type {any} */ (p).results[i])
      .filter((r) => r.outcome !== 'n/a');
    if (verdicts.length === 0 || verdicts.some((r) => r.outcome !== 'reject')) return [];
    return [
      { seed: c.spec.seed, mutations: c.spec.mutations, reasons: verdicts.map((r) => r.reason) },
    ];
  });
}

/**
 * The documented deviations: the rows of the table under "## Documented deviations" in the
 * README, keyed by the mutation-tag prefix in their first column.
 * @param {string} [path]
 * @returns {{ kind: string, status: string, row: string }[]}
 */
export function readDeviations(path = join(here, '../README.md')) {
  const text = readFileSync(path, 'utf8');
  const section = text.split(/^## Documented deviations\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((row) => {
      const cells = row.split('|').map((s) => s.trim());
      return {
        kind: (cells[1] ?? '').replace(/`/g, ''),
        status: cells[cells.length - 2] ?? '',
        row,
      };
    });
}

/**
 * The deviation row that explains a case, if any: each ` + `-separated part of the row's kind is
 * the start of one of the case's mutation tags.
 */
export function deviationFor(
  /** @type {{ mutations: string[] }} */ c,
  /** @type {ReturnType<typeof readDeviations>} */ deviations,
) {
  return deviations.find((d) =>
    d.kind.split(' + ').every((part) => c.mutations.some((m) => m.startsWith(part.trim()))),
  );
}

/** Agreement counts as text, one line per peer. */
export function formatCounts(
  /** @type {ReturnType<typeof compare>['counts']} */ counts,
  total = 0,
) {
  return Object.entries(counts)
    .map(([name, c]) =>
      'unavailable' in c
        ? `${name}: unavailable (${c.unavailable})`
        : `${name}: ${Object.entries(c)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}${total ? ` (of ${total})` : ''}`,
    )
    .join('\n');
}
