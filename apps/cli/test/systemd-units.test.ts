/**
 * The systemd units shipped in apps/cli/systemd: `systemd-analyze verify` accepts them (with
 * ExecStart pointed at a stand-in executable, as verify requires the binary to exist), they carry
 * the hardening the agent is meant to run under, and the command lines they run are ones the CLI
 * accepts (the expiry check writes its textfile; the agent gets past its argument checks).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../server/test/helpers/processes.js';

const UNITS = join(import.meta.dirname, '..', 'systemd');
const BINARY = '/usr/local/bin/nodeid';
let work: string;
/** `${NAME}` as systemd writes it. */
const braced = (name: string) => `\${${name}}`;

/** The unit files copied to `dir` with ExecStart's binary replaced by an executable stand-in. */
function stage(dir: string, edit: (text: string) => string = (t) => t): void {
  mkdirSync(dir, { recursive: true });
  const standIn = join(dir, 'nodeid');
  writeFileSync(standIn, '#!/bin/sh\nexit 0\n');
  chmodSync(standIn, 0o755);
  for (const f of readdirSync(UNITS))
    writeFileSync(
      join(dir, f),
      edit(readFileSync(join(UNITS, f), 'utf8').replaceAll(BINARY, standIn)),
    );
}

function verify(dir: string) {
  const r = spawnSync(
    'systemd-analyze',
    [
      'verify',
      'nodeid-agent@node1.example.net.service',
      'nodeid-expiry-check.service',
      'nodeid-expiry-check.timer',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  if (r.error)
    throw new Error(`systemd-analyze cannot run (Debian package systemd): ${r.error.message}`);
  // verify reports unknown keys and bad values as warnings (exit 0): every line about our units counts
  const problems = r.stderr.split('\n').filter((l) => /nodeid/.test(l));
  return { status: r.status, problems };
}

/** `Key=value` lines of a unit's [Service] section. */
function serviceSettings(file: string): Map<string, string> {
  const settings = new Map<string, string>();
  let section = '';
  for (const line of readFileSync(join(UNITS, file), 'utf8').split('\n')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv && section === 'Service') settings.set(kv[1]!, kv[2]!);
  }
  return settings;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-systemd-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('systemd units', () => {
  it('pass systemd-analyze verify, and a misspelt key would not', () => {
    const good = join(work, 'good');
    stage(good);
    expect(verify(good)).toEqual({ status: 0, problems: [] });
    const bad = join(work, 'bad');
    stage(bad, (t) => t.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    expect(verify(bad).problems.join('\n')).toMatch(/Unknown key .*ProtectSytem/);
  });

  it('run the agent hardened: read-write only in its identity folder, no capabilities, restarted on failure', () => {
    const s = serviceSettings('nodeid-agent@.service');
    expect(Object.fromEntries(s)).toMatchObject({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ReadWritePaths: '/etc/nodeid/%i',
      PrivateTmp: 'yes',
      ProtectHome: 'yes',
      CapabilityBoundingSet: '',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      SystemCallFilter: '@system-service',
      UMask: '0077',
      Restart: 'on-failure',
    });
    expect(s.get('ExecStart')).toContain('--cert /etc/nodeid/%i/%i.crt');
    const timer = readFileSync(join(UNITS, 'nodeid-expiry-check.timer'), 'utf8');
    expect(timer).toMatch(/^OnUnitActiveSec=1h$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
  });

  it("the expiry check's command writes the node_exporter textfile", async () => {
    const exec = serviceSettings('nodeid-expiry-check.service').get('ExecStart')!;
    const identity = join(work, 'etc-nodeid');
    const textfile = join(work, 'textfile', 'nodeid.prom');
    mkdirSync(join(work, 'textfile'));
    const ca = await cli([
      'ca',
      'init',
      'units.cluster',
      '--no-passphrase',
      '--dir',
      join(work, 'ca'),
    ]);
    expect(ca.status, ca.stderr).toBe(0);
    mkdirSync(identity);
    copyFileSync(join(work, 'ca', 'ca.crt'), join(identity, 'ca.crt'));
    const args = exec
      .replace(BINARY, '')
      .replace('/etc/nodeid', identity)
      .replace('/var/lib/prometheus/node-exporter/nodeid.prom', textfile)
      .trim()
      .split(/\s+/);
    const r = await cli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(textfile, 'utf8')).toMatch(/^nodeid_certificate_not_after_seconds\{/m);
  });

  it("the agent's command line is accepted (an empty NODEID_EXEC included): it gets as far as the server", async () => {
    const exec = serviceSettings('nodeid-agent@.service').get('ExecStart')!;
    const folder = join(work, 'node1');
    mkdirSync(folder);
    // systemd's expansion: %i the instance, ${X} one word (empty when unset), $X split on spaces
    const line = exec
      .replace(BINARY, '')
      .replaceAll('/etc/nodeid/%i/', `${folder}/`)
      .replaceAll('%i', 'node1')
      .replace(braced('NODEID_SERVER'), 'https://127.0.0.1:9')
      .replace('$NODEID_AGENT_ARGS', '--once')
      .trim();
    const words = line.split(/\s+/).map((w) => (w === braced('NODEID_EXEC') ? '' : w));
    const r = await cli(words);
    // no usage error (2): it failed on the missing files or the unreachable server (3)
    expect(r.status, r.stderr).toBe(3);
  });
});
