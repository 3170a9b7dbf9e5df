import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clean, countResults, RESULTS_FILE, tally, testedPackages } from './tally.mjs';

let root: string;

function writePackage(dir: string, manifest: object, results?: object | string) {
  mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, dir, 'package.json'), JSON.stringify(manifest));
  if (results !== undefined) {
    const text = typeof results === 'string' ? results : JSON.stringify(results);
    writeFileSync(join(root, dir, RESULTS_FILE), text);
  }
}

function report(passed: number, failed: number, extra: object = {}) {
  return {
    numPassedTests: passed,
    numFailedTests: failed,
    success: failed === 0,
    testResults: [],
    ...extra,
  };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nodeid-tally-'));
  writeFileSync(
    join(root, 'pnpm-workspace.yaml'),
    'packages:\n  - packages/*\n  - "tools/*"\n  - apps/*\nonlyBuiltDependencies:\n  - esbuild\n',
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('testedPackages', () => {
  it('lists the workspace packages that have a test script, and only those', () => {
    writePackage('packages/sdk', { name: '@x/sdk', scripts: { test: 'vitest run' } });
    writePackage('packages/tsconfig', { name: '@x/tsconfig' });
    writePackage('tools/bench', { name: '@x/bench', scripts: { bench: 'node run.mjs' } });
    writePackage('tools/testing', { name: '@x/testing', scripts: { test: 'vitest run' } });
    expect(testedPackages(root).map((p) => p.name)).toEqual(['@x/sdk', '@x/testing']);
  });
});

describe('countResults', () => {
  it('takes the passed and failed counts of a vitest report', () => {
    writePackage('packages/a', { scripts: { test: 'x' } }, report(7, 2));
    expect(countResults(join(root, 'packages/a', RESULTS_FILE))).toMatchObject({
      passed: 7,
      failed: 2,
    });
  });

  it('counts a missing or unreadable report as one failure', () => {
    expect(countResults(join(root, 'nowhere.json'))).toMatchObject({ passed: 0, failed: 1 });
    writePackage('packages/a', { scripts: { test: 'x' } }, '{"numPassedTests": 3,');
    expect(countResults(join(root, 'packages/a', RESULTS_FILE))).toMatchObject({
      passed: 0,
      failed: 1,
    });
    writePackage('packages/b', { scripts: { test: 'x' } }, { hello: 'world' });
    expect(countResults(join(root, 'packages/b', RESULTS_FILE))).toMatchObject({
      passed: 0,
      failed: 1,
    });
  });

  it('names each failed test with its file and the first line of its message', () => {
    const dir = join(root, 'packages/a');
    const results = report(1, 1, {
      success: false,
      testResults: [
        {
          name: join(dir, 'test/x.test.ts'),
          status: 'failed',
          assertionResults: [
            { status: 'passed', fullName: 'x works' },
            {
              status: 'failed',
              fullName: 'x fails',
              failureMessages: ['AssertionError: 1 !== 2\n  at y'],
            },
          ],
        },
        {
          name: join(dir, 'test/y.test.ts'),
          status: 'failed',
          message: 'cannot load\nstack',
          assertionResults: [],
        },
      ],
    });
    writePackage('packages/a', { scripts: { test: 'x' } }, results);
    expect(countResults(join(dir, RESULTS_FILE)).failures).toEqual([
      'test/x.test.ts > x fails: AssertionError: 1 !== 2',
      'test/y.test.ts: cannot load',
    ]);
  });

  it('counts a test file that failed to load as a failure', () => {
    const loadFailure = { status: 'failed', message: 'boom', assertionResults: [] };
    const assertionFailure = { status: 'failed', assertionResults: [{ status: 'failed' }] };
    const results = report(4, 1, { success: false, testResults: [loadFailure, assertionFailure] });
    writePackage('packages/a', { scripts: { test: 'x' } }, results);
    expect(countResults(join(root, 'packages/a', RESULTS_FILE))).toMatchObject({
      passed: 4,
      failed: 2,
    });
  });

  it('counts an unsuccessful run without failed tests, and a run of no test, as one failure', () => {
    writePackage('packages/a', { scripts: { test: 'x' } }, report(5, 0, { success: false }));
    expect(countResults(join(root, 'packages/a', RESULTS_FILE))).toMatchObject({
      passed: 5,
      failed: 1,
    });
    writePackage('packages/b', { scripts: { test: 'x' } }, report(0, 0));
    expect(countResults(join(root, 'packages/b', RESULTS_FILE))).toMatchObject({
      passed: 0,
      failed: 1,
    });
  });
});

describe('tally', () => {
  it('adds up every tested package, including those that produced no report', () => {
    writePackage('packages/a', { name: 'a', scripts: { test: 'x' } }, report(10, 0));
    writePackage('apps/b', { name: 'b', scripts: { test: 'x' } }, report(3, 1));
    writePackage('tools/c', { name: 'c', scripts: { test: 'x' } });
    const result = tally(root);
    expect(result.line).toBe('tests: 13 passed, 2 failed');
    expect(result.rows.map((row) => [row.name, row.passed, row.failed])).toEqual([
      ['b', 3, 1],
      ['a', 10, 0],
      ['c', 0, 1],
    ]);
  });

  it('clean removes the reports of an earlier run', () => {
    writePackage('packages/a', { name: 'a', scripts: { test: 'x' } }, report(10, 0));
    clean(root);
    expect(tally(root).line).toBe('tests: 0 passed, 1 failed');
  });
});
