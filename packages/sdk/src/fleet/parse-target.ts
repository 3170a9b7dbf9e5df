/**
 * What an admin types to name a thing to check: a certificate file, or a TLS endpoint such as the
 * key server `192.168.9.135:5696`, `tls://kms1:5696`, `https://node1.example.net` or
 * `[fd00::5]:8080`. Parsing is pure (no file system): the caller says which texts name an
 * existing path, so that a file called `node1:443` is still read as the file it is.
 */
import { NodeIdError } from '../errors.js';
import { formatIp, parseIp } from '../lib/general-name.js';

/** A certificate file (or `-` for standard input) to read. */
export interface FileTarget {
  kind: 'file';
  /** The text as given. */
  text: string;
  path: string;
}

/** A TLS endpoint to connect to. */
export interface EndpointTarget {
  kind: 'endpoint';
  /** The text as given. */
  text: string;
  /** Host name (lower case) or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** True when `host` is an IP address literal. */
  isIp: boolean;
}

/** A parsed target. */
export type Target = FileTarget | EndpointTarget;

/** Options of {@link parseTarget}. */
export interface ParseTargetOptions {
  /**
   * Says whether `text` names an existing file or folder. A bare `host:port` that is also an
   * existing path is read as the path; `tls://` and `https://` always mean an endpoint.
   */
  isPath?: (text: string) => boolean;
}

/** The port `https://` means when none is given (RFC 9110 §4.2.2). */
export const HTTPS_DEFAULT_PORT = 443;

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function isDnsName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((l) => LABEL.test(l));
}

function bad(text: string, why: string): NodeIdError {
  return new NodeIdError('ERR_INVALID_ARGUMENT', `"${text}" is not a TLS endpoint: ${why}`);
}

function parsePort(text: string, port: string): number {
  const n = /^\d{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 1 && n <= 65535))
    throw bad(text, `the port "${port}" is not a number from 1 to 65535`);
  return n;
}

/** Splits `host`, `host:port`, `[v6]` or `[v6]:port`; `undefined` port when absent. */
function splitAuthority(
  text: string,
  authority: string,
): { host: string; port?: string; bracketed: boolean } {
  if (authority.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(authority);
    if (!m) throw bad(text, 'an IPv6 address in brackets must be followed by ":port" or nothing');
    return { host: m[1]!, ...(m[2] !== undefined && { port: m[2] }), bracketed: true };
  }
  const i = authority.lastIndexOf(':');
  if (i < 0) return { host: authority, bracketed: false };
  if (authority.indexOf(':') !== i)
    throw bad(text, 'write an IPv6 address in brackets, e.g. [fd00::5]:5696');
  return { host: authority.slice(0, i), port: authority.slice(i + 1), bracketed: false };
}

function endpoint(
  text: string,
  parts: { host: string; port?: string; bracketed: boolean },
  defaultPort?: number,
): EndpointTarget {
  const { bracketed } = parts;
  let host = parts.host;
  const ip = parseIp(host);
  if (bracketed && ip?.length !== 16)
    throw bad(text, `"${host}" in brackets is not an IPv6 address`);
  if (!bracketed && ip?.length === 16)
    throw bad(text, 'write an IPv6 address in brackets, e.g. [fd00::5]:5696');
  if (ip) host = formatIp(ip);
  else {
    host = host.toLowerCase().replace(/\.$/, '');
    if (!isDnsName(host)) throw bad(text, `"${parts.host}" is not a host name or IP address`);
  }
  if (parts.port === undefined && defaultPort === undefined)
    throw bad(text, 'a port is needed, e.g. tls://kms1.example.net:5696');
  const port = parts.port === undefined ? defaultPort! : parsePort(text, parts.port);
  return { kind: 'endpoint', text, host, port, isIp: ip !== undefined };
}

/**
 * Parses one target. The rule:
 *
 * 1. `-` is standard input (a file target).
 * 2. `tls://host:port` and `https://host[:port][/path]` are endpoints (https defaults to port
 *    443; a path is ignored). `[v6]` is written in brackets (RFC 3986 §3.2.2).
 * 3. A text for which `isPath` answers true is a file: an existing path wins over the
 *    `host:port` reading (write `tls://` to mean the endpoint).
 * 4. `host:port` and `[v6]:port` with a valid host name or IP address are endpoints.
 * 5. Anything else is a file path (reading it then says "no such file" if it is none).
 *
 * Throws `ERR_INVALID_ARGUMENT` for a `tls://`/`https://` text that is no valid endpoint, and for
 * a `host:port` whose host is valid but whose port is not 1-65535.
 *
 * @example
 * ```ts
 * parseTarget('192.168.9.135:5696'); // { kind: 'endpoint', host: '192.168.9.135', port: 5696, isIp: true, ... }
 * parseTarget('https://[fd00::5]'); // { kind: 'endpoint', host: 'fd00::5', port: 443, isIp: true, ... }
 * parseTarget('/etc/ssl/node1.crt'); // { kind: 'file', path: '/etc/ssl/node1.crt', ... }
 * ```
 */
export function parseTarget(text: string, options: ParseTargetOptions = {}): Target {
  if (typeof text !== 'string') throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a target is text');
  const file = (): FileTarget => ({ kind: 'file', text, path: text });
  if (text === '-') return file();
  const scheme = /^(tls|https):\/\/(.*)$/i.exec(text);
  if (scheme) {
    const https = scheme[1]!.toLowerCase() === 'https';
    let rest = scheme[2]!;
    if (https) rest = rest.replace(/[/?#].*$/, '');
    else if (/[/?#]/.test(rest)) throw bad(text, 'tls:// takes host:port and nothing after it');
    if (rest.includes('@')) throw bad(text, 'user names are not part of a TLS endpoint');
    if (rest === '') throw bad(text, 'the host is missing');
    return endpoint(text, splitAuthority(text, rest), https ? HTTPS_DEFAULT_PORT : undefined);
  }
  if (options.isPath?.(text)) return file();
  const bare = /^(\[[^\]]+\]|[^:/\\\s[\]]+):(\d+)$/.exec(text);
  if (!bare) return file();
  const parts = splitAuthority(text, text);
  if (!parseIp(parts.host) && !isDnsName(parts.host.toLowerCase())) return file();
  return endpoint(text, parts);
}

/** One target of a targets file, with its line number (from 1). */
export interface TargetLine {
  line: number;
  text: string;
}

/**
 * Reads a targets file: one target a line; `#` starts a comment (at the start of a line or after
 * white space); blank lines are skipped. Throws `ERR_INVALID_ARGUMENT` naming the line when a
 * line holds more than one word.
 *
 * @example
 * ```ts
 * parseTargetsFile('# key servers\nkms1:5696\nkms2:5696  # standby\n');
 * // [{ line: 2, text: 'kms1:5696' }, { line: 3, text: 'kms2:5696' }]
 * ```
 */
export function parseTargetsFile(contents: string): TargetLine[] {
  if (typeof contents !== 'string')
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a targets file is text');
  const out: TargetLine[] = [];
  contents.split(/\r?\n/).forEach((raw, i) => {
    const text = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!text) return;
    if (/\s/.test(text))
      throw new NodeIdError(
        'ERR_INVALID_ARGUMENT',
        `line ${i + 1}: one target a line, found "${text}"`,
      );
    out.push({ line: i + 1, text });
  });
  return out;
}
