#!/usr/bin/env node
/**
 * `pnpm test:all`: installs the system packages the tests need when missing (setup-system.sh),
 * lints the tree (biome), builds every package, typechecks it and runs every test, continuing
 * past failures so that the tally covers every package, then prints the tally. Exits 1 when the
 * lint, a build, a typecheck or a test failed.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const tally = resolve(root, 'tools/testing/src/tally.mjs');
const TASKS = ['build', 'typecheck', 'test'];

/** @type {(command: string, args: string[]) => number} */
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

run('bash', [resolve(root, 'tools/testing/setup-system.sh')]);
run(process.execPath, [tally, '--clean']);
const lint = run(resolve(root, 'node_modules/.bin/biome'), ['check', '.']);
if (lint !== 0) console.log('lint failed (see above): run `pnpm lint` and `pnpm format`');
const turbo = run(resolve(root, 'node_modules/.bin/turbo'), [
  'run',
  ...TASKS,
  '--continue',
  '--concurrency=1',
]);
const tests = run(process.execPath, [tally]);
if (turbo !== 0 && tests === 0) console.log('a build or typecheck failed (see above)');
process.exitCode = lint !== 0 || turbo !== 0 || tests !== 0 ? 1 : 0;
