/**
 * The inventory of a CA folder, opened so that a lost inventory cannot silently un-revoke: once
 * the CA has issued a certificate, its `nodeid.json` says so (`inventory.firstIssuedAt`, written
 * on the first certificate recorded), and an inventory that is then missing or holds no
 * certificate is refused (`ERR_STORE_MISSING`) instead of being started afresh — a fresh one
 * has an empty CRL, so every revoked certificate would be valid again. The CLI and the server
 * open the CA's inventory through this one function.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { DEFAULT_STORE_FILE, openStore } from '../open-store.js';
import type { SqliteStoreOptions } from '../sqlite/open-sqlite-store.js';
import type { Store } from '../store.js';

/** The CA folder's description, whose `inventory` field this module keeps. */
const CONFIG_FILE = 'nodeid.json';

/** Options of {@link openCaInventory}. */
export interface OpenCaInventoryOptions {
  /** `--db`: a PostgreSQL URL or an SQLite path; default `<caDir>/inventory.db`. */
  location?: string;
  /**
   * Start a new, empty inventory even though the CA has issued before (`--new-inventory`):
   * every record of the old one, revocations included, is given up. The marker is cleared
   * until the new inventory records its first certificate.
   */
  newInventory?: boolean;
  sqlite?: SqliteStoreOptions;
}

interface Marker {
  firstIssuedAt: string;
}

async function readConfig(caDir: string): Promise<Record<string, unknown>> {
  const path = join(caDir, CONFIG_FILE);
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    return parsed as Record<string, unknown>;
  } catch (cause) {
    throw new StoreError('ERR_STORE_IO', `cannot read ${path}, the CA folder's description`, {
      cause,
    });
  }
}

function markerOf(config: Record<string, unknown>): Marker | undefined {
  const inventory = config['inventory'] as Partial<Marker> | undefined;
  return typeof inventory?.firstIssuedAt === 'string'
    ? { firstIssuedAt: inventory.firstIssuedAt }
    : undefined;
}

/** Sets (or, with `undefined`, clears) the marker: the file is replaced atomically, mode kept. */
async function writeMarker(caDir: string, marker: Marker | undefined): Promise<void> {
  const path = join(caDir, CONFIG_FILE);
  const config = await readConfig(caDir);
  if (marker) config['inventory'] = marker;
  else delete config['inventory'];
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const { mode } = await stat(path);
    await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: mode & 0o777 });
    await rename(temp, path);
  } catch (cause) {
    throw new StoreError('ERR_STORE_IO', `cannot write ${path}`, { cause });
  }
}

function missing(where: string, marker: Marker, detail: string): StoreError {
  return new StoreError(
    'ERR_STORE_MISSING',
    `the CA's inventory ${where} ${detail}, but this CA has issued certificates since ${marker.firstIssuedAt}: starting with an empty inventory would publish an empty CRL and make every revoked certificate valid again. Restore the inventory from a backup, or start a new one on purpose (nodeid-server --new-inventory)`,
  );
}

/**
 * Opens the inventory of the CA folder `caDir` (`location`, default its `inventory.db`). When
 * the CA has issued before (its `nodeid.json` has `inventory.firstIssuedAt`), an SQLite file
 * that is missing is not created, and an inventory without a single certificate is closed
 * again: both are `ERR_STORE_MISSING`, unless `newInventory`. The store answered writes the
 * marker on the first certificate it records; a folder from before the marker gets it when its
 * inventory holds certificates.
 *
 * @example
 * ```ts
 * const store = await openCaInventory(caDir, { location: argv.db, newInventory: argv['new-inventory'] });
 * ```
 */
export async function openCaInventory(
  caDir: string,
  options: OpenCaInventoryOptions = {},
): Promise<Store> {
  const location = options.location ?? join(caDir, DEFAULT_STORE_FILE);
  const sqlite = !/^postgres(ql)?:\/\//i.test(location) && location !== ':memory:';
  const where = sqlite ? location : 'database';
  let marker = markerOf(await readConfig(caDir));
  if (marker && !options.newInventory && sqlite && !existsSync(location)) {
    throw missing(where, marker, 'is missing');
  }
  const store = await openStore(location, options.sqlite ? { sqlite: options.sqlite } : {});
  try {
    const empty = (await store.listCertificates({ limit: 1 })).length === 0;
    if (marker && empty) {
      if (!options.newInventory) throw missing(where, marker, 'holds no certificate');
      await writeMarker(caDir, undefined);
      marker = undefined;
    }
    if (!marker && !empty) {
      marker = { firstIssuedAt: new Date().toISOString() };
      await writeMarker(caDir, marker);
    }
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
  return marker ? store : markOnFirstIssuance(store, caDir);
}

/** The store, writing the marker once, after the first certificate it records. */
function markOnFirstIssuance(store: Store, caDir: string): Store {
  let marked: Promise<void> | undefined;
  const mark = () => {
    marked ??= writeMarker(caDir, { firstIssuedAt: new Date().toISOString() });
    return marked;
  };
  return {
    ...store,
    kind: store.kind,
    async recordCertificate(input) {
      await store.recordCertificate(input);
      await mark();
    },
    async recordCertificates(inputs, audit) {
      await store.recordCertificates(inputs, audit);
      if (inputs.length > 0) await mark();
    },
    async redeemToken(input) {
      const token = await store.redeemToken(input);
      if (token) await mark();
      return token;
    },
  };
}
