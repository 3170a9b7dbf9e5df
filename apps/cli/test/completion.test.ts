/** `nodeid completion`: a bash completion script, and completions that know the command groups. */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

describe('nodeid completion', () => {
  it('prints a bash completion script for nodeid', () => {
    const r = runCli(['completion']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('###-begin-nodeid-completions-###');
    expect(r.stdout).toMatch(
      /complete -o bashdefault -o default -F _nodeid_yargs_completions nodeid/,
    );
    expect(r.stdout).toContain('--get-yargs-completions');
  });

  it('completes command groups and their verbs', () => {
    const groups = runCli(['--get-yargs-completions', 'nodeid', '']).stdout.split('\n');
    for (const g of ['ca', 'cert', 'crl', 'csr', 'expiry', 'trust']) expect(groups).toContain(g);
    const expiry = runCli(['--get-yargs-completions', 'nodeid', 'expiry', '']).stdout.split('\n');
    expect(expiry).toEqual(expect.arrayContaining(['check', 'watch']));
    const csr = runCli(['--get-yargs-completions', 'nodeid', 'csr', '']).stdout.split('\n');
    expect(csr).toEqual(expect.arrayContaining(['create', 'sign']));
  });
});
