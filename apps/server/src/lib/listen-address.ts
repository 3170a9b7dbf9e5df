/**
 * The `--listen HOST:PORT` option, parsed, and the loopback test that `--plain-http` needs. The
 * host is parsed as an address, never matched by prefix: `127.example.com` is a DNS name that
 * can point anywhere, not a loopback address.
 */
import { BlockList, isIP } from 'node:net';

// loopback: IPv4 127.0.0.0/8 (RFC 1122 §3.2.1.3, RFC 6890), IPv6 ::1 (RFC 4291 §2.5.3) and IPv4
// loopback written as IPv4-mapped IPv6 (::ffff:127.0.0.0/104, RFC 4291 §2.5.5.2)
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * True when `address` is an IP address literal on the loopback network. Names (even
 * `localhost`, which /etc/hosts may point elsewhere) are not addresses: false.
 *
 * @example
 * ```ts
 * isLoopbackAddress('127.0.0.2'); // true
 * isLoopbackAddress('127.example.com'); // false
 * ```
 */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return loopback.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A parsed `--listen` value. */
export interface ListenAddress {
  /** An address or a name, without IPv6 brackets. */
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT` (`[v6]:PORT` for IPv6); undefined when it is not of that shape or the port
 * is not 0 to 65535.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}
