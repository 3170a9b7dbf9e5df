/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary folder, started with
 * `pg_ctl` on 127.0.0.1 and a free port, trust authentication for one local user, stopped and
 * deleted afterwards. As root it runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export { freePort };

/** A running server. */
export interface PostgresServer {
  /** URL of the `postgres` database, for the test user. */
  url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops a database made by {@link createDatabase}. */
  dropDatabase(url: string): Promise<void>;
  stop(): void;
}

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

/** Starts a server from the binaries in `bin`. */
export async function startPostgres(bin: string): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nodeid-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) chownSync(dir, Number(id('-u')), Number(id('-g')));
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    return execFileSync(command, argv, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
  };
  run('initdb', ['-D', data, '-U', 'nodeid', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`;
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    options,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const url = `postgres://nodeid@127.0.0.1:${port}/postgres`;
  let counter = 0;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    url,
    async createDatabase() {
      const name = `store_test_${process.pid}_${++counter}`;
      await admin(`CREATE DATABASE ${name}`);
      return `postgres://nodeid@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(databaseUrl) {
      const name = new URL(databaseUrl).pathname.slice(1);
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** `id -u postgres` / `id -g postgres`. */
function id(flag: '-u' | '-g'): string {
  return execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim();
}
