/**
 * Which command groups a command line loads (`lib/command-groups.ts`): the groups it names, and
 * all of them when it names none, so help, completion and suggestions still see every group.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, groupsFor, loadGroupsFor } from '../src/lib/command-groups.js';
import { runCli } from './helpers/run-cli.js';

const all = COMMANDS.map(([name]) => name);

describe('groupsFor', () => {
  it('is the group a command names, wherever the global options are', () => {
    expect(groupsFor(['cert', 'issue', '--from-file', 'nodes.txt'])).toEqual(['cert']);
    expect(groupsFor(['--format', 'json', 'expiry', 'check', 'certs/'])).toEqual(['expiry']);
    expect(groupsFor(['enroll', '--server', 'https://ca.example.net'])).toEqual(['enroll']);
  });

  it('adds a group an option value happens to name, and keeps help order', () => {
    expect(groupsFor(['trust', 'install', '--dir', 'ca'])).toEqual(['ca', 'trust']);
  });

  it('is every group when none is named: help, completion, version, a typo', () => {
    expect(groupsFor([])).toEqual(all);
    expect(groupsFor(['--help'])).toEqual(all);
    expect(groupsFor(['--get-yargs-completions', 'nodeid', ''])).toEqual(all);
    expect(groupsFor(['cetr', 'issue'])).toEqual(all);
  });
});

describe('loadGroupsFor', () => {
  it('loads the command module of each group, named as the group', async () => {
    const modules = await loadGroupsFor([]);
    expect(modules.map((m) => String(m.command).split(' ')[0])).toEqual(all);
  });
});

describe('the CLI with groups loaded on demand', () => {
  it('lists every group in the top-level help, and suggests one for a typo', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    for (const name of all) expect(help.stdout).toMatch(new RegExp(`nodeid ${name}\\b`));
    const typo = runCli(['cetr', 'list']);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/cert/);
  });

  it('runs a command of a group with a global option before it', () => {
    const r = runCli(['--format', 'json', 'cert', 'inspect', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/nodeid cert inspect/);
  });
});
