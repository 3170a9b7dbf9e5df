/**
 * pebble-challtestsrv as the DNS server of the ACME tests (RFC 8555 §8.4 dns-01): every A query
 * answers 127.0.0.1, TXT records are set and cleared through its management API. Only its DNS
 * server runs (the HTTP, HTTPS and TLS-ALPN challenge servers are off, IPv6 answers none), on
 * free loopback ports. The process is registered with the helpers' `killStarted`/`stopAll`.
 */
import { spawn } from 'node:child_process';
import { freePort, Running } from './processes.js';

/** A running pebble-challtestsrv: its DNS port and its management API's port. */
export interface ChallTestSrv {
  dnsPort: number;
  managementPort: number;
  process: Running;
}

/**
 * Starts pebble-challtestsrv with its DNS server on `dnsPort` and its management API on
 * `managementPort` (free loopback ports when not given) and waits until it serves.
 */
export async function startChallTestSrv(
  ports: { dnsPort?: number; managementPort?: number } = {},
): Promise<ChallTestSrv> {
  const dnsPort = ports.dnsPort ?? (await freePort());
  const managementPort = ports.managementPort ?? (await freePort());
  const dns = new Running(
    spawn(
      'pebble-challtestsrv',
      [
        '-dns01',
        `127.0.0.1:${dnsPort}`,
        '-management',
        `127.0.0.1:${managementPort}`,
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-defaultIPv6',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  await dns.waitFor(
    'the DNS server',
    () =>
      /Starting challenge servers|DNS/i.test(dns.stderr + dns.stdoutLines.join('\n')) || undefined,
  );
  return { dnsPort, managementPort, process: dns };
}
