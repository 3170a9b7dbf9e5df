/**
 * A throwaway PostgreSQL server on loopback for the two-instance test, found and started the way
 * the store's own tests do it (packages/store/test/postgres-server.ts): `initdb` into a temporary
 * folder, `pg_ctl` on 127.0.0.1 and a free port, trust authentication for one user, stopped and
 * deleted afterwards; as root it runs as the `postgres` user. No client library needed: the
 * servers under test connect to the `postgres` database themselves.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The folder of `initdb` and `pg_ctl`, or `undefined` when PostgreSQL's server is not installed. */
export function findPostgresBin(): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // pg_config is not on PATH
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A running PostgreSQL: the URL of its `postgres` database, and how to stop it. */
export interface Postgres {
  url: string;
  stop(): void;
}

/** Starts a server from the binaries in `bin` (at most 60 s). */
export async function startPostgres(bin: string): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'nodeid-e2e-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  if (asRoot) chownSync(dir, id('-u'), id('-g'));
  const run = (tool: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, tool),
      asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args,
      { cwd: dir, stdio: 'pipe', encoding: 'utf8', timeout: 60_000 },
    );
  run('initdb', ['-D', data, '-U', 'nodeid', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=100`,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  return {
    url: `postgres://nodeid@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
