import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, runCli } from './helpers/run-cli.js';

it('nodeid --version prints the version of the package', () => {
  const pkg = JSON.parse(readFileSync(join(CLI, '..', '..', 'package.json'), 'utf8'));
  const r = runCli(['--version']);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe(`${pkg.version}\n`);
});
