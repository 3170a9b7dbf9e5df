/**
 * Bulk issuance end to end, as an admin runs it: `nodeid cert issue --from-file nodes.txt --out
 * certs/` on 3,000 nodes (keys, certificates, every file written durably with its mode, the
 * inventory), three runs, each into a fresh CA folder; then one run on 10,000 nodes for the
 * peak RSS of the whole process (all threads), read from /proc/<pid>/status (VmHWM) while it
 * runs. Needs the built CLI (`pnpm build`). Printed beside the seeds' openssl recipe measured in
 * the same run by `run.mjs`, with the CPU time of a run and the three floors of `bulk-floor.mjs`
 * (the durable files alone, the cryptography alone, both at once on every core with no
 * encoding), each measured here three times: how far the end-to-end figure is from what this
 * machine's disk and OpenSSL allow.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishedChildrenCpuMs } from './proc-cpu.mjs';
import { durableWorkDir, fileSystemOf } from './work-dir.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '../../apps/cli/bin/nodeid.cjs');
const FLOOR = join(HERE, 'bulk-floor.mjs');

function nodeList(count) {
  const lines = [];
  for (let i = 0; i < count; i++)
    lines.push(`node${i}.bench.internal 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return `${lines.join('\n')}\n`;
}

/** Peak RSS so far of a running process, in KB (0 once it is gone). */
function peakKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * One run of `count` nodes into a fresh CA folder: seconds, nodes/s, peak RSS (KB). Its folder is
 * pushed on `leftovers` and removed after the last run, not before the next: on ext4 the inode
 * allocator skips (and reads the inode table of) inodes deleted a moment ago, so deleting
 * 12,000 files just before a run makes that run pay for the deletion.
 */
async function runOnce(count, leftovers) {
  const work = mkdtempSync(join(durableWorkDir(), 'nodeid-bench-bulk-'));
  leftovers.push(work);
  const ca = join(work, 'ca');
  const init = spawnSync(
    process.execPath,
    [CLI, 'ca', 'init', 'bench.cluster', '--no-passphrase', '--dir', ca],
    {
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) throw new Error(`ca init failed: ${init.stderr}`);
  const list = join(work, 'nodes.txt');
  writeFileSync(list, nodeList(count));
  const cpuBefore = finishedChildrenCpuMs();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      CLI,
      'cert',
      'issue',
      '--from-file',
      list,
      '--out',
      join(work, 'certs'),
      '--dir',
      ca,
      '--quiet',
      '--format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, peakKb(child.pid));
  }, 20);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    // keep only the tail: the summary is at the end, and 10,000 results need not be held
    if (stdout.length > 4096) stdout = stdout.slice(-4096);
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  if (code !== 0) throw new Error(`cert issue --from-file exited ${code}: ${stderr}`);
  const issued = Number(/"issued":(\d+)/.exec(stdout)?.[1]);
  if (issued !== count) throw new Error(`expected ${count} issued, the summary says ${issued}`);
  return {
    seconds,
    rate: count / seconds,
    peakKb: peak,
    cpuSeconds: (finishedChildrenCpuMs() - cpuBefore) / 1000,
  };
}

/**
 * One run of a floor of `bulk-floor.mjs` (`files` or `crypto`) for `count` nodes: its seconds
 * and nodes/s, Node's start-up included as it is in the CLI's runs, and its CPU seconds.
 */
function floorOnce(what, count, leftovers) {
  const work = mkdtempSync(join(durableWorkDir(), 'nodeid-bench-floor-'));
  leftovers.push(work);
  const cpuBefore = finishedChildrenCpuMs();
  const started = performance.now();
  const run = spawnSync(process.execPath, [FLOOR, what, String(count), work], {
    encoding: 'utf8',
    env: { ...process.env, UV_THREADPOOL_SIZE: '32' },
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${what} floor failed: ${run.stderr}`);
  return {
    seconds,
    rate: count / seconds,
    cpuSeconds: (finishedChildrenCpuMs() - cpuBefore) / 1000,
  };
}

/** The middle run of three by rate. */
const middle = (runs) => [...runs].sort((a, b) => a.rate - b.rate)[1];

/**
 * The bulk rows: nodes/s for `count` nodes (median of `runs` runs, with the slowest and fastest),
 * the ratio to `opensslRate` (nodes/s of the seeds' recipe, same run), and the peak RSS at
 * `rssCount` nodes. Answers report lines.
 */
export async function runBulkIssue({ scale = 1, opensslRate, log = () => {} } = {}) {
  if (!existsSync(CLI)) return ['bulk issuance: no built CLI (pnpm build), skipped'];
  const count = Math.max(100, Math.round(3000 * scale));
  const rssCount = Math.max(300, Math.round(10_000 * scale));
  const runs = [];
  const leftovers = [];
  const fileFloor = [];
  const cryptoFloor = [];
  const pipelineFloor = [];
  let big;
  try {
    for (let r = 0; r < 3; r++) {
      log(`nodeid bench: bulk issuance, ${count} nodes, run ${r + 1}/3\n`);
      runs.push(await runOnce(count, leftovers));
    }
    for (let r = 0; r < 3; r++) {
      log(
        `nodeid bench: bulk issuance floors (files, cryptography, both at once), run ${r + 1}/3\n`,
      );
      fileFloor.push(floorOnce('files', count, leftovers));
      cryptoFloor.push(floorOnce('crypto', count, leftovers));
      pipelineFloor.push(floorOnce('pipeline', count, leftovers));
    }
    log(`nodeid bench: bulk issuance, ${rssCount} nodes for the peak RSS\n`);
    big = await runOnce(rssCount, leftovers);
  } finally {
    for (const work of leftovers) rmSync(work, { recursive: true, force: true });
  }
  const rates = runs.map((r) => r.rate).sort((a, b) => a - b);
  const median = rates[1];
  const fmt = (v, d = 0) =>
    v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const ratio = opensslRate ? median / opensslRate : undefined;
  const mb = big.peakKb / 1024;
  // memory flat in the node count: the peak of the median small run beside the big run's
  const smallMb = middle(runs).peakKb / 1024;
  const where = durableWorkDir();
  const fs = fileSystemOf(where);
  const cpu = middle(runs).cpuSeconds;
  const files = middle(fileFloor);
  const keys = middle(cryptoFloor);
  const both = middle(pipelineFloor);
  return [
    `bulk issuance: nodeid cert issue --from-file, end to end (keys, certificates, durable files with modes, inventory); load average ${loadavg()[0].toFixed(1)} at the end`,
    `  files in ${where} (${fs}${fs === 'tmpfs' ? ': syncs cost nothing here, set BENCH_DIR to a folder on a disk' : ''}; BENCH_DIR sets it)`,
    `  ${`${count} nodes`.padEnd(28)} ${fmt(median).padStart(8)} nodes/s   (median of 3: ${rates.map((r) => fmt(r)).join(', ')}; target >= 2,000)   ${median >= 2000 ? 'meets' : 'BELOW TARGET'}`,
    ratio === undefined
      ? '  vs the openssl recipe: not measured'
      : `  ${'vs the openssl recipe'.padEnd(28)} ${fmt(ratio).padStart(8)}x        (${fmt(opensslRate, 1)} nodes/s, this run; target >= 100x)   ${ratio >= 100 ? 'meets' : 'BELOW TARGET'}`,
    `  ${'CPU of the median run'.padEnd(28)} ${fmt(cpu, 2).padStart(8)} s         (user + system, every thread; 2,000 nodes/s on ${cpus().length} cores allows ${fmt((cpus().length * count) / 2000, 2)} s)`,
    `  floors, each alone in a fresh Node process (start-up included), same ${count} nodes, median of 3:`,
    `  ${'durable files, no crypto'.padEnd(28)} ${fmt(files.rate).padStart(8)} nodes/s   (${fmt(files.cpuSeconds, 2)} s CPU; nodeid end to end is ${fmt(median / files.rate, 2)}x this)`,
    `  ${'P-256 key + sign, 1 thread'.padEnd(28)} ${fmt(keys.rate).padStart(8)} nodes/s   (${fmt(keys.cpuSeconds, 2)} s CPU)`,
    `  ${'both at once, no encoding'.padEnd(28)} ${fmt(both.rate).padStart(8)} nodes/s   (${fmt(both.cpuSeconds, 2)} s CPU; a thread per core, keys and signatures made while the files sync; nodeid end to end is ${fmt(median / both.rate, 2)}x this)`,
    `  ${`peak RSS at ${rssCount} nodes`.padEnd(28)} ${fmt(mb).padStart(8)} MB        (${fmt(big.rate)} nodes/s; target < 300 MB)   ${mb < 300 ? 'meets' : 'ABOVE TARGET'}`,
    `  ${`peak RSS at ${count} nodes`.padEnd(28)} ${fmt(smallMb).padStart(8)} MB        (the median run above; ${fmt(rssCount / count, 1)}x the nodes take ${fmt(mb / smallMb, 2)}x the memory: flat in the node count when near 1x)`,
  ];
}
