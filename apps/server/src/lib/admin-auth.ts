/**
 * Admin authentication: the admin token file and the `requireAdmin` middleware.
 *
 * The file holds one token a line (`#` starts a comment). It is refused at start, as ssh refuses
 * a private key, when group or others may read or write it, and every token in it must carry at
 * least 128 bits by the estimate of {@link estimateTokenBits}. It is re-read when it changes
 * (a stat per admin request: inode, size, mtime and ctime), so a token removed from the file stops
 * working at once. Presented tokens are compared by SHA-256 digest with `timingSafeEqual`
 * against every stored digest, with no early exit. Failed attempts are throttled per client
 * address (a sliding minute) and audited, never with the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Stats, statSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { NodeIdError } from '@nodeid/sdk';
import type { Context, MiddlewareHandler } from 'hono';
import type { AuditEnv } from './context.js';
import { HttpError } from './http-error.js';

/** Fewest bits of estimated entropy an admin token must carry (NIST SP 800-131A's 128-bit floor). */
export const MIN_TOKEN_BITS = 128;

/**
 * The alphabets a token is judged against, smallest first. A token's alphabet is the first one
 * that holds every character of it.
 */
const ALPHABETS: readonly { name: string; size: number; test: RegExp }[] = [
  { name: 'digits', size: 10, test: /^[0-9]+$/ },
  { name: 'hex', size: 16, test: /^(?:[0-9a-f]+|[0-9A-F]+)$/ },
  { name: 'letters', size: 26, test: /^(?:[a-z]+|[A-Z]+)$/ },
  { name: 'lower-case letters and digits', size: 36, test: /^(?:[a-z0-9]+|[A-Z0-9]+)$/ },
  { name: 'letters and digits', size: 62, test: /^[A-Za-z0-9]+$/ },
  { name: 'base64url', size: 64, test: /^[A-Za-z0-9_-]+$/ },
  { name: 'base64', size: 65, test: /^[A-Za-z0-9+/=]+$/ },
  { name: 'printable ASCII', size: 95, test: /^[\x20-\x7e]+$/ },
];

/**
 * An upper bound of a token's entropy in bits: its length times log2 of the size of the
 * smallest usual alphabet that holds all its characters (digits 10, hex 16, letters 26, letters
 * and digits 36/62, base64url 64, base64 65, printable ASCII 95; anything else counts as
 * 256 per UTF-8 byte). A token drawn at random from that alphabet has exactly this entropy; a
 * chosen one has less, which no estimate can see, so generate tokens (`openssl rand -hex 32`):
 * 128 bits are 32 hex digits, 22 base64url characters or 20 printable ones.
 *
 * @example
 * ```ts
 * estimateTokenBits('zq'); // 9.4 (two letters: 676 guesses)
 * estimateTokenBits(randomBytes(32).toString('base64url')); // 258
 * ```
 */
export function estimateTokenBits(token: string): number {
  const alphabet = ALPHABETS.find((a) => a.test.test(token));
  if (!alphabet) return Buffer.byteLength(token, 'utf8') * 8;
  return token.length * Math.log2(alphabet.size);
}

/** SHA-256 of a token: what is kept in memory and compared. */
function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A short, non-secret name for the holder of a token: `admin:` and 8 hex digits of its SHA-256. */
export function adminActor(digest: Buffer): string {
  return `admin:${digest.subarray(0, 4).toString('hex')}`;
}

/** The tokens of a file's text; throws when one is too weak or there is none. */
export function parseAdminTokens(text: string, file: string): Buffer[] {
  const tokens = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (tokens.length === 0) throw new NodeIdError('ERR_SECRET_WEAK', `${file} holds no admin token`);
  tokens.forEach((token, i) => {
    // what `Authorization: Bearer` can carry (RFC 6750 §2.1, b64token): a token with a space or
    // a quote in it could never be presented
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token))
      throw new NodeIdError(
        'ERR_INVALID_ARGUMENT',
        `the admin token on line ${i + 1} of ${file} is not a bearer token: use letters, digits and - . _ ~ + / only (RFC 6750 §2.1)`,
      );
    const bits = estimateTokenBits(token);
    if (bits < MIN_TOKEN_BITS)
      throw new NodeIdError(
        'ERR_SECRET_WEAK',
        `the admin token on line ${i + 1} of ${file} has about ${Math.floor(bits)} bits of entropy; at least ${MIN_TOKEN_BITS} are needed (e.g. openssl rand -hex 32)`,
      );
  });
  return tokens.map(digestOf);
}

/**
 * Refuses a token file that group or others may read or write, or that another user owns (the
 * rule ssh applies to private keys). Not checked on Windows, where modes do not mean this.
 */
export function checkTokenFileMode(info: Stats, file: string): void {
  if (process.platform === 'win32') return;
  if ((info.mode & 0o077) !== 0)
    throw new NodeIdError(
      'ERR_FILE_PERMISSIONS',
      `${file} is accessible by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); run chmod 600 ${file}`,
    );
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0)
    throw new NodeIdError(
      'ERR_FILE_PERMISSIONS',
      `${file} is owned by user ${info.uid}, not by this user (${uid}) or root`,
    );
}

/** The admin tokens the API accepts: their SHA-256 digests, as of now. */
export interface AdminTokens {
  /** The current digests; a file source re-reads its file first when it changed. */
  hashes(): Promise<readonly Buffer[]>;
}

/** A fixed set of admin tokens given by their SHA-256 digests (tests, embedding). */
export function fixedAdminTokens(hashes: readonly Buffer[]): AdminTokens {
  return { hashes: async () => hashes };
}

/** Options of {@link openAdminTokenFile}. */
export interface AdminTokenFileOptions {
  /** Create the file with one fresh 256-bit token (mode 0600) when it does not exist. */
  create?: boolean;
  /** Told about each reload and each refused change; never given a token. */
  onEvent?: (event: {
    event: 'admin-tokens-reloaded' | 'admin-tokens-refused';
    message: string;
    code?: string;
    tokens?: number;
  }) => void;
}

const changed = (a: Stats, b: Stats) =>
  a.ino !== b.ino ||
  a.dev !== b.dev ||
  a.size !== b.size ||
  a.mode !== b.mode ||
  a.uid !== b.uid ||
  a.mtimeMs !== b.mtimeMs ||
  a.ctimeMs !== b.ctimeMs;

/**
 * File times advance in clock ticks of a few milliseconds, so a file written twice within one
 * tick keeps its mtime (git's "racily clean" problem): a file modified this recently is read
 * again, whatever its stat says.
 */
const RACY_MS = 2000;

/**
 * Opens the admin token file: refuses to start (a `NodeIdError`, `ERR_FILE_PERMISSIONS` or
 * `ERR_SECRET_WEAK`) on a file that group or others can access or a token under 128 bits. After
 * that, `hashes()` stats the file and re-reads it when it changed; a change that fails the same
 * checks, or a file gone, leaves no token accepted (fail closed) until it is fixed.
 *
 * @example
 * ```ts
 * const tokens = await openAdminTokenFile('ca/admin.token', { create: true });
 * app.use('/v1/certificates/*', requireAdmin({ tokens, clientAddress }));
 * ```
 */
export async function openAdminTokenFile(
  file: string,
  options: AdminTokenFileOptions = {},
): Promise<AdminTokens> {
  let info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT' || !options.create)
      throw new NodeIdError(
        'ERR_FILE_IO',
        `cannot read the admin token file ${file}: ${e.message}`,
      );
    return undefined;
  });
  if (!info) {
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    process.stderr.write(`created an admin token in ${file} (mode 0600)\n`);
    info = statSync(file);
  }
  checkTokenFileMode(info, file);
  let text = await readFile(file, 'utf8');
  let current: readonly Buffer[] = parseAdminTokens(text, file);
  let accepted = true;
  let seen: Stats | undefined = info;
  let checking: Promise<readonly Buffer[]> | undefined;

  let lastRefusal: string | undefined;
  const refuse = (message: string, code?: string) => {
    current = [];
    accepted = false;
    lastRefusal = message;
    options.onEvent?.({ event: 'admin-tokens-refused', message, code });
  };
  async function check(): Promise<readonly Buffer[]> {
    let now: Stats;
    try {
      now = await stat(file);
    } catch (e) {
      if (seen)
        refuse(
          `${file} is gone: no admin token is accepted (${(e as Error).message})`,
          'ERR_FILE_IO',
        );
      seen = undefined;
      return current;
    }
    const racy = Date.now() - now.mtimeMs < RACY_MS;
    if (seen && !changed(seen, now) && !racy) return current;
    seen = now;
    try {
      checkTokenFileMode(now, file);
      const next = await readFile(file, 'utf8');
      if (accepted && next === text) return current;
      current = parseAdminTokens(next, file);
      text = next;
      accepted = true;
      options.onEvent?.({
        event: 'admin-tokens-reloaded',
        message: `${file} changed: ${current.length} admin token(s)`,
        tokens: current.length,
      });
    } catch (e) {
      const message = `${file} changed and is refused, so no admin token is accepted: ${(e as Error).message}`;
      // told once per refusal, not on every request while the file stays bad
      if (accepted || message !== lastRefusal) refuse(message, (e as { code?: string }).code);
    }
    return current;
  }
  return {
    hashes() {
      // concurrent requests share one stat
      checking ??= check().finally(() => {
        checking = undefined;
      });
      return checking;
    },
  };
}

/** The digest among `hashes` that `presented` hashes to, compared in constant time with each. */
export function matchAdminToken(presented: string, hashes: readonly Buffer[]): Buffer | undefined {
  const digest = digestOf(presented);
  let match: Buffer | undefined;
  for (const h of hashes)
    if (h.length === digest.length && timingSafeEqual(h, digest) && !match) match = h;
  return match;
}

/** Options of {@link requireAdmin}. */
export interface RequireAdminOptions {
  tokens: AdminTokens;
  /** The client address a request came from: failures are counted per address. */
  clientAddress: (c: Context<AuditEnv>) => string;
  /** Failed attempts allowed per address in any minute before 429s; default 10. */
  failuresPerMinute?: number;
  /** Addresses remembered at most (the oldest is forgotten first); default 10,000. */
  maxClients?: number;
  /** Receives `admin.auth-failed` and `admin.auth-throttled` events; never the token. */
  audit?: (action: string, fields: Record<string, unknown>) => void | Promise<void>;
  /** Milliseconds clock; default `Date.now`. */
  now?: () => number;
}

const WINDOW_MS = 60_000;

/**
 * Middleware that lets a request through only with `Authorization: Bearer <admin token>`, and
 * sets `actor` (`admin:<8 hex digits of the token's SHA-256>`) for the audit trail. An address
 * with `failuresPerMinute` failed attempts in the last minute gets 429 with `Retry-After`, before
 * any comparison, so guessing cannot go faster whatever it presents; other addresses are not
 * affected. Create it once and mount it on every admin prefix, so the count is shared.
 *
 * @example
 * ```ts
 * const admin = requireAdmin({ tokens, clientAddress: (c) => c.env.incoming.socket.remoteAddress });
 * app.use('/v1/enrollments/*', admin);
 * app.use('/v1/certificates/*', admin);
 * ```
 */
export function requireAdmin(options: RequireAdminOptions): MiddlewareHandler<AuditEnv> {
  const limit = options.failuresPerMinute ?? 10;
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? Date.now;
  /** Per address, the times of its failed attempts in the last minute, oldest first (insertion order = least recently failed first). */
  const failures = new Map<string, number[]>();

  const recent = (address: string, t: number): number[] => {
    const list = (failures.get(address) ?? []).filter((at) => at > t - WINDOW_MS);
    if (list.length === 0) failures.delete(address);
    return list;
  };

  return async function requireAdminMiddleware(c, next) {
    const address = options.clientAddress(c);
    const t = now();
    const list = recent(address, t);
    if (list.length >= limit) {
      const retryAfter = Math.max(
        1,
        Math.ceil((list[list.length - limit]! + WINDOW_MS - t) / 1000),
      );
      c.header('Retry-After', String(retryAfter));
      throw new HttpError(
        429,
        'ERR_RATE_LIMITED',
        `too many failed admin attempts from this address; retry in ${retryAfter} s`,
      );
    }
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('authorization') ?? '');
    const match = m ? matchAdminToken(m[1]!, await options.tokens.hashes()) : undefined;
    if (!match) {
      list.push(t);
      failures.delete(address);
      failures.set(address, list);
      while (failures.size > maxClients) failures.delete(failures.keys().next().value!);
      await options.audit?.(list.length >= limit ? 'admin.auth-throttled' : 'admin.auth-failed', {
        client: address,
        method: c.req.method,
        path: c.req.path,
        reason: m ? 'wrong token' : 'no bearer token',
        failures: list.length,
      });
      throw new HttpError(
        401,
        'ERR_UNAUTHORIZED',
        'this call needs an admin token: Authorization: Bearer <token>',
      );
    }
    c.set('actor', adminActor(match));
    await next();
  };
}
