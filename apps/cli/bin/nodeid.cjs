#!/usr/bin/env node
/**
 * The `nodeid` command. Sizes libuv's thread pool, then starts the CLI (dist/cli.js). The size
 * must be set before the pool's first use, and the ES module loader already uses the pool to
 * read the CLI's own modules: set inside them, it came too late and the pool kept its default 4
 * threads. This file is CommonJS, which Node loads without the pool. Bulk issuance issues a
 * batch's file syncs together: with more of them waiting at once the file system commits them
 * in fewer journal transactions, where 4 threads let only 4 wait at a time. Idle threads cost
 * only their stacks. An explicit `UV_THREADPOOL_SIZE` is kept.
 */
process.env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE || '32';
// A command lasts seconds. With V8's default tier-up budget (67,584 bytecode units) about 500
// functions reach the optimizing compiler across a bulk run's threads, and compiling them (on
// V8's background threads, beside the two issuing threads on two cores) took a quarter of the
// run's CPU, more than it saved. Bulk issuance, interleaved in one session: 4 times the budget
// cut about 18% of the CPU of 3,000 nodes; 12 times, 7% of the time of 3,000 nodes and of 10,000
// against 4 times (8 and 16 alike, 32 slower). Set before any of the CLI's code is compiled;
// worker threads inherit it. It changes when code is optimized, never what it does.
require('node:v8').setFlagsFromString('--interrupt-budget=811008');
// A bulk issuance's worker threads boot and load their modules while this thread loads the CLI's
// (bin/issue-threads.mjs); the pool takes them once the CA is open.
import('./issue-threads.mjs')
  .then((threads) => {
    if (!threads.isBulkIssue(process.argv)) return;
    const { availableParallelism } = require('node:os');
    const { pathToFileURL } = require('node:url');
    const worker = new URL('../dist/issue-worker.js', pathToFileURL(__filename));
    const count = Math.min(availableParallelism(), 64) - 1;
    threads.prestart(worker, count, threads.keyAlgorithmOf(process.argv));
  })
  // only a head start: without it the pool starts its threads itself
  .catch(() => {})
  .then(() => import('../dist/cli.js'));
