#!/usr/bin/env node
/**
 * The CI tally: adds up the real vitest results of every workspace package that has a `test`
 * script, from the `.vitest-results.json` that each package's vitest config writes (reporters
 * `['default', 'json']`). CI reads this line, never vitest's own summary.
 *
 * A package counts as one failure when its run produced no readable results (it crashed, its
 * build failed, or it never ran), and so does a test file that failed to load or a run that
 * vitest itself marked unsuccessful without a failing test (an unhandled error, for example).
 *
 * Usage (from any folder; it finds the repository root from its own place):
 *   node tools/testing/src/tally.mjs           a per-package table and a summary, for people
 *   node tools/testing/src/tally.mjs --line    only `tests: N passed, N failed`, for CI (.ci/run)
 *   node tools/testing/src/tally.mjs --clean   delete old result files before a run
 * It exits 1 when anything failed.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RESULTS_FILE = '.vitest-results.json';

/**
 * Lists the workspace packages that have a `test` script, from the `packages:` globs of
 * `pnpm-workspace.yaml` (only the `dir/*` and plain `dir` forms the repository uses).
 * @param {string} root repository root
 * @returns {{ name: string, dir: string }[]}
 */
export function testedPackages(root) {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = yaml.split(/^packages:\s*$/m)[1] ?? '';
  /** @type {string[]} */
  const patterns = [];
  for (const line of block.split('\n').slice(1)) {
    const item = /^\s+-\s+['"]?([^'"\s]+)['"]?\s*$/.exec(line);
    if (!item) break;
    patterns.push(item[1] ?? '');
  }
  const dirs = patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    if (!existsSync(parent)) return [];
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(parent, entry.name));
  });
  const packages = [];
  for (const dir of dirs.sort()) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (pkg.scripts?.test) packages.push({ name: pkg.name ?? dir, dir });
  }
  return packages;
}

/**
 * Names the failed tests of a vitest JSON report, each as `file > test: first line of the
 * message`, so that a CI log's tail says which test failed and why.
 * @param {{ testResults?: { name?: string, message?: string, status?: string, assertionResults?: { status?: string, fullName?: string, failureMessages?: string[] }[] }[] }} report
 * @param {string} dir the package folder, to shorten the file names
 * @returns {string[]}
 */
export function failedTests(report, dir) {
  const files = Array.isArray(report?.testResults) ? report.testResults : [];
  const names = [];
  for (const file of files) {
    const name = String(file.name ?? '?').startsWith(`${dir}/`)
      ? String(file.name).slice(dir.length + 1)
      : String(file.name ?? '?');
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const test of failed) {
      names.push(`${name} > ${test.fullName ?? '?'}: ${firstLine(test.failureMessages?.[0])}`);
    }
    if (failed.length === 0 && file.status === 'failed') {
      names.push(`${name}: ${firstLine(file.message)}`);
    }
  }
  return names;
}

/** @param {string | undefined} text */
function firstLine(text) {
  return (text ?? '').split('\n', 1)[0]?.slice(0, 300) ?? '';
}

/**
 * Counts one package's results.
 * @param {string} file path of a vitest JSON report
 * @returns {{ passed: number, failed: number, note: string, failures: string[] }}
 */
export function countResults(file) {
  if (!existsSync(file))
    return { passed: 0, failed: 1, note: 'no results: the run crashed or never ran', failures: [] };
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { passed: 0, failed: 1, note: 'unreadable results file', failures: [] };
  }
  if (typeof report?.numPassedTests !== 'number' || typeof report?.numFailedTests !== 'number') {
    return { passed: 0, failed: 1, note: 'results file is not a vitest JSON report', failures: [] };
  }
  const passed = report.numPassedTests;
  let failed = report.numFailedTests;
  const notes = [];
  const files = Array.isArray(report.testResults) ? report.testResults : [];
  const unloaded = files.filter(
    (/** @type {{ status?: string, assertionResults?: { status?: string }[] }} */ f) =>
      f.status === 'failed' && !f.assertionResults?.some((a) => a.status === 'failed'),
  );
  if (unloaded.length > 0) {
    failed += unloaded.length;
    notes.push(`${unloaded.length} test file(s) failed outside a test`);
  }
  if (report.success === false && failed === 0) {
    failed = 1;
    notes.push('vitest reported the run as unsuccessful');
  }
  if (passed + failed === 0) {
    failed = 1;
    notes.push('no test ran');
  }
  return { passed, failed, note: notes.join('; '), failures: failedTests(report, dirname(file)) };
}

/**
 * Tallies every tested workspace package.
 * @param {string} root repository root
 */
export function tally(root) {
  const rows = testedPackages(root).map((pkg) => ({
    ...pkg,
    ...countResults(join(pkg.dir, RESULTS_FILE)),
  }));
  const passed = rows.reduce((sum, row) => sum + row.passed, 0);
  const failed = rows.reduce((sum, row) => sum + row.failed, 0);
  return { rows, passed, failed, line: `tests: ${passed} passed, ${failed} failed` };
}

/**
 * Deletes the result files of an earlier run so that a stale file can never be counted.
 * @param {string} root repository root
 */
export function clean(root) {
  for (const pkg of testedPackages(root)) rmSync(join(pkg.dir, RESULTS_FILE), { force: true });
}

/** @param {string[]} argv */
function main(argv) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  if (argv.includes('--clean')) {
    clean(root);
    return 0;
  }
  const result = tally(root);
  if (argv.includes('--line')) {
    console.log(result.line);
  } else {
    const width = Math.max(...result.rows.map((row) => row.name.length), 7);
    for (const row of result.rows) {
      const counts = `${String(row.passed).padStart(5)} ok ${String(row.failed).padStart(4)} not ok`;
      console.log(`  ${row.name.padEnd(width)} ${counts}${row.note ? `  (${row.note})` : ''}`);
    }
    for (const row of result.rows) {
      for (const failure of row.failures) console.log(`  failed: ${row.name} ${failure}`);
    }
    const total = result.passed + result.failed;
    console.log(
      result.failed === 0
        ? `all ${total} tests passed`
        : `${result.failed} of ${total} tests failed (a package without results counts as one)`,
    );
  }
  return result.failed > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  process.exitCode = main(process.argv.slice(2));
}
