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
import('../dist/cli.js');
