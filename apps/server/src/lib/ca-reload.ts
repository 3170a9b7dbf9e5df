/**
 * nodeid-server follows its CA folder while it runs: after `nodeid ca renew`, `ca rotate` or
 * `ca retire-old` on the folder it serves (or on SIGHUP), it reads the folder again, has the SDK
 * judge the new material (`acceptCaReload`: keys match, chain verifies, trust bundle continuous
 * with the one in service) and only then switches everything at once. Material that is
 * half-written or invalid is refused with one logged warning and the CA in service keeps
 * serving; a reload never stops the server.
 */
import { type FSWatcher, watch } from 'node:fs';
import { acceptCaReload, type Certificate, type Issuer } from '@nodeid/sdk';
import { type CaFolderConfig, loadCaFolder, readCaBundle } from '@nodeid/sdk/node';
import type { AppDeps } from '../deps.js';
import { crlPathsOf, issuingCrlPaths } from './crl-addresses.js';
import { serverTlsIssuer } from './trust-bundle.js';

/** The CA material nodeid-server serves, as read from its folder. */
export interface ServedCa {
  config: CaFolderConfig;
  /** The CA that signs. */
  issuer: Issuer;
  /** During a rotation: the old root and its key (it signs the CRL of its own leaves). */
  previous?: Issuer;
  /** What `/v1/ca/bundle` serves: the folder's bundle after `ca rotate`, else the root. */
  trustBundle: Certificate[];
  /** Whether the folder has a bundle file (`trustBundle` is then served as it is). */
  hasBundle: boolean;
  /** The issuer of the server's own TLS certificate (see `serverTlsIssuer`). */
  serverIssuer: Issuer;
}

/**
 * Reads the CA folder as nodeid-server serves it. `passphrase` is the source the server started
 * with (`--passphrase-file`, read again each time, or `NODEID_CA_PASSPHRASE`), so an encrypted
 * key rotated under the same passphrase reloads without anyone typing it.
 */
export async function loadServedCa(
  dir: string,
  passphrase: () => Promise<string | undefined>,
): Promise<ServedCa> {
  const { issuer, config, previous } = await loadCaFolder(dir, { passphrase });
  const trustBundle = await readCaBundle(dir, config);
  const serverIssuer = await serverTlsIssuer(dir, config, issuer);
  return {
    config,
    issuer,
    ...(previous && { previous }),
    trustBundle,
    hasBundle: Boolean(config.bundleFile),
    serverIssuer,
  };
}

/** What a reload did. */
export type CaReloadOutcome = 'reloaded' | 'unchanged' | 'refused';

/** Options of {@link createCaReloader}. */
export interface CaReloaderOptions {
  /** The CA folder; watched unless `watch` is false. */
  dir: string;
  /** The CA in service at start. */
  current: ServedCa;
  /** Reads the folder (`loadServedCa`). */
  load: () => Promise<ServedCa>;
  /**
   * Puts accepted material into service (`trigger`: `watch` or `SIGHUP`); what may fail (the
   * server's own certificate) comes first, the switch itself ({@link switchServedCa}) last.
   */
  apply: (next: ServedCa, previous: ServedCa, trigger: string) => Promise<void>;
  /** One JSON-able object per warning or event, for the log. */
  onEvent: (event: Record<string, unknown>) => void;
  /** Quiet time after the last file event before reading; default 500 ms. */
  debounceMs?: number;
  /** Watch the folder (default true); SIGHUP and `reload()` work either way. */
  watch?: boolean;
}

/** A running {@link createCaReloader}. */
export interface CaReloader {
  /** The CA in service. */
  readonly current: ServedCa;
  /** Reads the folder now (after any reload running); `trigger` names why, for the log. */
  reload(trigger: string): Promise<CaReloadOutcome>;
  close(): void;
}

/**
 * The files of a CA folder whose change may change the CA: certificates, keys and the
 * description. The inventory, the admin tokens, the server's own files and the temporary files
 * of an atomic write (dot files) are not.
 */
export function isCaFile(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('inventory.db') || name === 'admin.token')
    return false;
  return name === 'nodeid.json' || /\.(crt|key|pem)$/.test(name);
}

/**
 * Watches the CA folder and reloads it (debounced) when its CA files change; reloads run one at
 * a time, and an event during a reload makes one more after it (the folder is read only once
 * writing has stopped for `debounceMs`).
 *
 * @example
 * ```ts
 * const reloader = createCaReloader({ dir, current, load: () => loadServedCa(dir, pass), apply, onEvent: log });
 * process.on('SIGHUP', () => void reloader.reload('SIGHUP'));
 * ```
 */
export function createCaReloader(options: CaReloaderOptions): CaReloader {
  let current = options.current;
  let running: Promise<CaReloadOutcome> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const debounceMs = options.debounceMs ?? 500;

  const once = async (trigger: string): Promise<CaReloadOutcome> => {
    let next: ServedCa;
    try {
      next = await options.load();
    } catch (e) {
      options.onEvent({
        event: 'ca-reload-refused',
        trigger,
        code: (e as { code?: string })?.code ?? 'ERR_CA_FOLDER',
        message: `the CA folder ${options.dir} cannot be loaded, the CA in service keeps serving: ${e instanceof Error ? e.message : String(e)}`,
      });
      return 'refused';
    }
    const judged = await acceptCaReload(
      { issuer: current.issuer, trustBundle: current.trustBundle, previous: current.previous },
      { issuer: next.issuer, trustBundle: next.trustBundle, previous: next.previous },
    ).catch((e: unknown) => ({
      accepted: false as const,
      reason: 'unreadable',
      message: e instanceof Error ? e.message : String(e),
    }));
    if (!judged.accepted) {
      options.onEvent({
        event: 'ca-reload-refused',
        trigger,
        code: 'ERR_CA_RELOAD_REFUSED',
        reason: judged.reason,
        message: `the CA folder ${options.dir} was not reloaded, the CA in service keeps serving: ${judged.message}`,
      });
      return 'refused';
    }
    if (!judged.changed) return 'unchanged';
    const before = current;
    await options.apply(next, before, trigger);
    current = next;
    return 'reloaded';
  };

  const reload = (trigger: string): Promise<CaReloadOutcome> => {
    if (running) {
      again = true;
      return running;
    }
    running = once(trigger)
      .catch((e: unknown) => {
        options.onEvent({
          event: 'ca-reload-failed',
          trigger,
          code: 'ERR_CA_RELOAD_REFUSED',
          message: `reloading the CA folder ${options.dir} failed: ${e instanceof Error ? e.message : String(e)}`,
        });
        return 'refused' as const;
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          schedule('watch');
        }
      });
    return running;
  };

  const schedule = (trigger: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(trigger), debounceMs);
    timer.unref();
  };

  if (options.watch ?? true) {
    try {
      // the folder, not the files: an atomic write renames a new file over the old name
      watcher = watch(options.dir, { persistent: false }, (_event, name) => {
        if (name && !isCaFile(name.toString())) return;
        if (running) again = true;
        else schedule('watch');
      });
      watcher.on('error', (e) =>
        options.onEvent({
          event: 'ca-watch-failed',
          message: `stopped watching ${options.dir} (${e.message}); send SIGHUP to reload the CA folder`,
        }),
      );
    } catch (e) {
      options.onEvent({
        event: 'ca-watch-failed',
        message: `cannot watch ${options.dir} (${(e as Error).message}); send SIGHUP to reload the CA folder`,
      });
    }
  }

  return {
    get current() {
      return current;
    },
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/**
 * Puts `next` into service in one synchronous step, so no request sees half of it: the CA that
 * signs (`/v1/sign`, `/v1/renew` and ACME finalize without a signing pool; a pool is switched by
 * its `setCa`), `/v1/ca`, the trust bundle (`/v1/ca/bundle`, client certificates accepted for
 * renewal), the CA keys of the CRLs (`/v1/crl`, `/v1/crl/previous`, made anew on next use),
 * and the CRL addresses: a new `crlUrl` (`nodeid ca set-crl-url`) is in the certificates signed
 * from now on (it is part of `next.issuer`) and its path is served from now on, beside the
 * paths of the earlier addresses, which certificates already issued carry.
 */
export function switchServedCa(deps: AppDeps, next: ServedCa): void {
  // the new CRL address is served before anything is signed with it; the old ones stay served
  deps.crlPaths = [...new Set([...(deps.crlPaths ?? []), ...issuingCrlPaths(next.config.crlUrl)])];
  // an intermediate re-signed by its root with another root CRL address: both are served
  if (deps.rootCrl)
    deps.rootCrl = {
      ...deps.rootCrl,
      paths: [...new Set([...deps.rootCrl.paths, ...crlPathsOf(next.issuer.certificate)])],
    };
  deps.ca = next.issuer;
  deps.previousCa = next.previous;
  deps.trustBundle = next.hasBundle ? next.trustBundle : undefined;
}
