/**
 * A load generator for `server-load.mjs` built on `wrk` (Debian's package): the same closed loop
 * of keep-alive connections as `load-client.mjs`, each request with its own body, but in C, so
 * the load generator takes a small share of the machine's CPU instead of about a fifth of it.
 * A Lua script sends the bodies in order, one each, stops when they run out, counts answers
 * that are not 200 with the expected text, and prints 1,000 latency quantiles, from which the
 * bench rebuilds the latency distribution.
 *
 * `run(job)` takes the job of `load-client.mjs` (url, concurrency, method, path, headers, bodies,
 * expect; `ca` and `warm` are not used: wrk opens its connections as the run starts and does not
 * check the server's certificate) and answers in its shape, plus `rate`: requests completed per
 * second over the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedChildrenCpuMs } from './proc-cpu.mjs';

const QUANTILES = 1000;

const SCRIPT = `
local bodies, i = {}, 0
local method, path, expect, headers
local function now() -- wall-clock seconds, to the microsecond
  local pipe = io.popen("date +%s.%N")
  local t = tonumber(pipe:read("*l"))
  pipe:close()
  return t
end
function init(args)
  method, path, expect = args[2], args[3], args[4]
  headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  bad, first, t0, t1 = 0, "", 0, 0
end
function request()
  i = i + 1
  if i == 1 then t0 = now() end
  if i > #bodies then
    if i == #bodies + 1 then
      -- every body is sent: stop this thread and tell the bench, which ends the run (SIGINT)
      t1 = now()
      wrk.thread:stop()
      io.write("nodeid-bench exhausted\\n")
      io.flush()
    end
    return wrk.format(method, path, headers, bodies[#bodies])
  end
  return wrk.format(method, path, headers, bodies[i])
end
function response(status, hdrs, body)
  if status ~= 200 or not string.find(body, expect, 1, true) then
    bad = bad + 1
    if first == "" then first = status .. " " .. string.sub(body, 1, 300) end
  end
end
local threads = {}
function setup(thread) threads[#threads + 1] = thread end
function done(summary, latency, requests)
  local t = threads[1]
  local e = summary.errors
  io.write(string.format("nodeid-bench requests=%d sending_us=%d bad=%d socket_errors=%d\\n",
    summary.requests, (t:get("t1") - t:get("t0")) * 1e6, t:get("bad"),
    e.connect + e.read + e.write + e.timeout))
  io.write("nodeid-bench first=" .. string.gsub(t:get("first"), "\\n", " ") .. "\\n")
  local q = {}
  for k = 1, ${QUANTILES} - 1 do q[#q + 1] = string.format("%d", latency:percentile(k * 100 / ${QUANTILES})) end
  q[#q + 1] = string.format("%d", latency.max)
  io.write("nodeid-bench quantiles_us=" .. table.concat(q, ",") .. "\\n")
end
`;

/** wrk's version (`wrk --version` prints it and exits 1), or undefined when wrk is missing. */
export function wrkVersion() {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return /^wrk (\S+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
}

/**
 * A wrk-driven load generator. `cpuMs()` counts the CPU of the wrk runs that have finished (each
 * run is a child process of this one, and nothing else of this process ends while one runs).
 */
export function wrkGenerator() {
  const dir = mkdtempSync(join(tmpdir(), 'nodeid-bench-wrk-'));
  const script = join(dir, 'load.lua');
  writeFileSync(script, SCRIPT);
  let runs = 0;
  return {
    name: `wrk ${wrkVersion()}, one thread`,
    cpuMs: finishedChildrenCpuMs,
    run(job) {
      const bodies = join(dir, `bodies-${runs++}.txt`);
      // one body a line (JSON has no raw newlines)
      writeFileSync(bodies, `${job.bodies.join('\n')}\n`);
      const url = new URL(job.path, job.url).href;
      return new Promise((resolve, reject) => {
        const child = spawn(
          'wrk',
          [
            '-t1',
            `-c${job.concurrency}`,
            '-d600s',
            '--timeout',
            '30s',
            '-s',
            script,
            url,
            '--',
            bodies,
            job.method,
            job.path,
            job.expect,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => {
          stdout += d;
          // the script has sent every body: end the run now instead of after -d
          if (stdout.includes('nodeid-bench exhausted')) child.kill('SIGINT');
        });
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        child.on('error', reject);
        child.on('close', (code) => {
          rmSync(bodies, { force: true });
          const field = (name) => new RegExp(`nodeid-bench .*?${name}=(\\S*)`).exec(stdout)?.[1];
          const requests = Number(field('requests'));
          const sendingMs = Number(field('sending_us')) / 1000;
          if (!Number.isFinite(requests) || !(sendingMs > 0)) {
            reject(new Error(`wrk failed (${code}): ${stderr} ${stdout.slice(0, 500)}`.trim()));
            return;
          }
          const bad = Number(field('bad')) + Number(field('socket_errors'));
          const quantiles = (field('quantiles_us') ?? '').split(',').map((us) => Number(us) / 1000);
          resolve({
            // as load-client.mjs counts it: requests answered while every connection was busy
            rate: (Math.max(0, job.bodies.length - job.concurrency) * 1000) / sendingMs,
            elapsedMs: sendingMs,
            lastSentMs: sendingMs,
            // the distribution as 1,000 equally likely values (its quantiles)
            latenciesMs: quantiles,
            requests,
            errors: bad,
            firstError: bad
              ? /nodeid-bench first=(.*)/.exec(stdout)?.[1] || 'socket errors'
              : undefined,
          });
        });
      });
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
