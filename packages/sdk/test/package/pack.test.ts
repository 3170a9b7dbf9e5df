/**
 * What `npm i @nodeid/sdk` users get: the SDK packed with `pnpm pack`, installed with npm into a
 * scratch project outside the workspace (its dependencies come from the registry), then the
 * conformance suite run against that install from ESM (import), CJS (require) and Deno (an `npm:`
 * specifier resolved from the project's node_modules). The package metadata is checked with
 * publint and arethetypeswrong.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { denoPath, type ProcessResult, runProcess } from '@nodeid/testing/runtimes';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsFrom, runner, SDK_DIR } from '../conformance/harness.js';

const BIN = join(SDK_DIR, 'node_modules', '.bin');

/** The environment without the npm_* variables that a surrounding `pnpm run` sets. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

function expectSuccess(result: ProcessResult, what: string) {
  if (result.code !== 0) {
    throw new Error(
      `${what} failed (exit ${result.code ?? result.signal})\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
}

/** Asserts that a conformance run reported every case, all passed, naming the failures. */
function expectAllCasesPassed(result: ProcessResult) {
  const results = resultsFrom(result);
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error}`);
  expect(failed).toEqual([]);
  expect(results.length).toBeGreaterThan(0);
}

/** The first test packs and installs, so every test may take that long. */
const SLOW = { timeout: 450_000 };

describe('the packed @nodeid/sdk', () => {
  let work: string | undefined;
  let installing: Promise<{ work: string; tarball: string; project: string }> | undefined;
  // Packs and installs once, on first use; when that fails every test fails with the reason
  // (a failing beforeAll would only skip them).
  const installed = () => {
    installing ??= packAndInstall();
    return installing;
  };

  async function packAndInstall() {
    work = mkdtempSync(join(tmpdir(), 'nodeid-pack-'));
    expectSuccess(
      await runProcess('pnpm', ['pack', '--pack-destination', work], {
        cwd: SDK_DIR,
        env: cleanEnv(),
        timeoutMs: 120_000,
      }),
      'pnpm pack',
    );
    const packed = readdirSync(work).filter((file) => file.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    const tarball = join(work, packed[0]!);

    const project = join(work, 'project');
    mkdirSync(join(project, 'conformance'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'nodeid-sdk-consumer', private: true }),
    );
    for (const file of ['suite.mjs', 'assert.mjs', 'fixtures.mjs', 'run-esm.mjs', 'run-cjs.cjs']) {
      cpSync(runner(file), join(project, 'conformance', file));
    }
    const esmRunner = readFileSync(runner('run-esm.mjs'), 'utf8');
    expect(esmRunner).toContain("from '@nodeid/sdk'");
    writeFileSync(
      join(project, 'conformance', 'run-deno-npm.mjs'),
      esmRunner.replace("from '@nodeid/sdk'", "from 'npm:@nodeid/sdk'"),
    );

    expectSuccess(
      await runProcess(
        'npm',
        ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball],
        {
          cwd: project,
          env: cleanEnv(),
          timeoutMs: 300_000,
        },
      ),
      'npm install of the tarball',
    );
    return { work, tarball, project };
  }

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds the built entry points with their types, and no sources or tests', SLOW, async () => {
    const { tarball } = await installed();
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const entry of ['index', 'node']) {
      for (const ext of ['js', 'cjs', 'd.ts', 'd.cts']) {
        expect(files).toContain(`package/dist/${entry}.${ext}`);
      }
    }
    expect(files).toContain('package/package.json');
    expect(files.filter((f) => /^package\/(src|test)\//.test(f))).toEqual([]);
  });

  it('declares its registry dependencies, not workspace links', SLOW, async () => {
    const { project } = await installed();
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', '@nodeid', 'sdk', 'package.json'), 'utf8'),
    );
    const ranges = Object.values({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(ranges.filter((range) => String(range).startsWith('workspace:'))).toEqual([]);
  });

  it('passes the conformance suite when imported from ESM', SLOW, async () => {
    const { project } = await installed();
    const file = join(project, 'conformance', 'run-esm.mjs');
    expectAllCasesPassed(
      await runProcess(process.execPath, [file], { cwd: project, env: cleanEnv() }),
    );
  });

  it('passes the conformance suite when required from CommonJS', SLOW, async () => {
    const { project } = await installed();
    const file = join(project, 'conformance', 'run-cjs.cjs');
    expectAllCasesPassed(
      await runProcess(process.execPath, [file], { cwd: project, env: cleanEnv() }),
    );
  });

  it('passes the conformance suite when imported from Deno as npm:@nodeid/sdk', SLOW, async () => {
    const { project } = await installed();
    const file = join(project, 'conformance', 'run-deno-npm.mjs');
    expectAllCasesPassed(
      await runProcess(denoPath, ['run', '--node-modules-dir=manual', file], {
        cwd: project,
        env: cleanEnv({ DENO_NO_UPDATE_CHECK: '1' }),
      }),
    );
  });

  it(
    'exposes the same Node-only helpers at @nodeid/sdk/node to import and require',
    SLOW,
    async () => {
      const { project } = await installed();
      const list = 'console.log(JSON.stringify(Object.keys(m).sort()))';
      const esm = await runProcess(
        process.execPath,
        ['--input-type=module', '-e', `import * as m from '@nodeid/sdk/node'; ${list}`],
        { cwd: project, env: cleanEnv() },
      );
      const cjs = await runProcess(
        process.execPath,
        ['-e', `const m = require('@nodeid/sdk/node'); ${list}`],
        { cwd: project, env: cleanEnv() },
      );
      expectSuccess(esm, 'import @nodeid/sdk/node');
      expectSuccess(cjs, 'require @nodeid/sdk/node');
      const names = JSON.parse(esm.stdout) as string[];
      expect(names.length).toBeGreaterThan(0);
      expect(JSON.parse(cjs.stdout)).toEqual(names);
    },
  );

  it('passes publint --strict', SLOW, async () => {
    const { work, tarball } = await installed();
    // On the unpacked tarball: the very files users get, whatever happens to dist/ meanwhile.
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    const result = await runProcess(join(BIN, 'publint'), ['--strict', join(unpacked, 'package')], {
      cwd: SDK_DIR,
      env: cleanEnv(),
      timeoutMs: 120_000,
    });
    expectSuccess(result, 'publint --strict');
  });

  it(
    'passes arethetypeswrong for every resolution mode (node10, node16 CJS and ESM, bundler)',
    SLOW,
    async () => {
      const { tarball } = await installed();
      const result = await runProcess(join(BIN, 'attw'), [tarball, '--format', 'ascii'], {
        cwd: SDK_DIR,
        env: cleanEnv(),
        timeoutMs: 120_000,
      });
      expectSuccess(result, 'attw');
      expect(result.stdout).toContain('No problems found');
    },
  );
});
