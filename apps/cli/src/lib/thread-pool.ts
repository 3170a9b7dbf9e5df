/**
 * Sizes libuv's thread pool before anything uses it (it is started, at its size, on first use).
 * Bulk issuance syncs every file it writes and issues a batch's syncs together: with more
 * syncs waiting at once the file system commits them in fewer journal transactions, while the
 * default 4 threads would let only 4 wait at a time. Idle threads cost nothing but their stacks.
 * An explicit `UV_THREADPOOL_SIZE` is kept.
 */
process.env.UV_THREADPOOL_SIZE ??= '32';
