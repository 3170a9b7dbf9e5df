/**
 * The load generator of `server-load.mjs`, in a process of its own (forked, driven over IPC) so
 * that its work is not counted against the bench process: a closed loop of `concurrency`
 * keep-alive HTTPS connections, each sending its next request as soon as the previous one is
 * answered (as `wrk` does), every request with its own body (each /v1/sign call needs its own
 * one-time token). It answers with the count, the errors, the elapsed time and every latency.
 *
 * Messages in: `{ id, url, ca, concurrency, method, path, headers, bodies, warm, expect }`;
 * out: `{ id, ok, elapsedMs, lastSentMs, latenciesMs, errors, firstError }` (`lastSentMs`: when the
 * last request went out, after which fewer connections are busy).
 */
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';

const agents = new Map();

function agentFor(url, ca, concurrency) {
  const key = `${url} ${concurrency}`;
  let agent = agents.get(key);
  if (!agent) {
    // one socket per connection of the loop, kept between requests
    agent = new Agent({
      keepAlive: true,
      maxSockets: concurrency,
      maxFreeSockets: concurrency,
      ca,
    });
    agents.set(key, agent);
  }
  return agent;
}

function send(agent, url, method, path, headers, body) {
  return new Promise((resolve) => {
    const req = request(
      new URL(path, url),
      {
        method,
        agent,
        headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => resolve({ status: 0, text: String(e) }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, text: `${e.code ?? ''} ${e.message}` }));
    req.end(body);
  });
}

async function run(job) {
  const agent = agentFor(job.url, job.ca, job.concurrency);
  // open every connection (TLS handshakes) before the clock starts
  await Promise.all(
    Array.from({ length: job.concurrency }, () =>
      send(agent, job.url, job.warm.method, job.warm.path, job.headers, job.warm.body),
    ),
  );
  const latencies = new Float64Array(job.bodies.length);
  let next = 0;
  let errors = 0;
  let firstError;
  let lastSentMs = 0;
  const start = performance.now();
  async function connection() {
    for (let i = next++; i < job.bodies.length; i = next++) {
      const t = performance.now();
      if (i === job.bodies.length - 1) lastSentMs = t - start;
      const res = await send(agent, job.url, job.method, job.path, job.headers, job.bodies[i]);
      latencies[i] = performance.now() - t;
      if (res.status !== 200 || !res.text.includes(job.expect)) {
        errors++;
        firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, connection));
  const elapsedMs = performance.now() - start;
  return { elapsedMs, lastSentMs, latenciesMs: Array.from(latencies), errors, firstError };
}

process.on('message', (job) => {
  if (job === 'exit') {
    for (const a of agents.values()) a.destroy();
    process.disconnect();
    return;
  }
  run(job).then(
    (r) => process.send({ id: job.id, ok: true, ...r }),
    (e) => process.send({ id: job.id, ok: false, firstError: String(e?.stack ?? e) }),
  );
});
