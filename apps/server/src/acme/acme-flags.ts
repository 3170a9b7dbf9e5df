/** nodeid-server's `--acme*` flags, read into {@link AcmeOptions}. */
import { parseListenAddress } from '../lib/listen-address.js';
import type { AcmeOptions } from './acme-routes.js';

/** The parseArgs options of the ACME flags. */
export const ACME_FLAGS = {
  acme: { type: 'boolean', default: true },
  'acme-open': { type: 'boolean', default: false },
  'acme-http-port': { type: 'string' },
  'acme-tls-port': { type: 'string' },
  'acme-resolver': { type: 'string' },
  'acme-terms-of-service': { type: 'string' },
} as const;

export const ACME_USAGE = `  --acme / --no-acme     the ACME server (RFC 8555) at /acme/directory; on by default, accounts need
                         External Account Binding from an enrollment token (POST /v1/enrollments "acme": true)
  --acme-open            also accept ACME accounts without EAB: they may order ANY name they prove control of
  --acme-http-port N     port http-01 challenges are fetched from (default 80)
  --acme-tls-port N      port tls-alpn-01 challenges are checked on (default 443)
  --acme-resolver H:P    DNS server for challenge names and dns-01 TXT records (default the system's)
  --acme-terms-of-service URL  terms shown in the directory; new accounts must agree to them`;

const port = (text: string | undefined, flag: string): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new Error(`${flag} must be a port from 1 to 65535`);
  return n;
};

/** A positive number from the environment, or undefined when unset; anything else throws. */
function envNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${name} must be a positive number, got "${text}"`);
  return n;
}

/**
 * The ACME options of the flags, or `false` with `--no-acme`; a bad value throws with the flag's
 * name. Rate limits come from the environment (for load tests): NODEID_ACME_ADDRESS_RATE_PER_MINUTE,
 * NODEID_ACME_ADDRESS_BURST, NODEID_ACME_ACCOUNT_RATE_PER_MINUTE, NODEID_ACME_ACCOUNT_BURST.
 */
export function acmeOptionsOf(
  values: {
    acme?: boolean;
    'acme-open'?: boolean;
    'acme-http-port'?: string;
    'acme-tls-port'?: string;
    'acme-resolver'?: string;
    'acme-terms-of-service'?: string;
  },
  env: Record<string, string | undefined> = {},
): AcmeOptions | false {
  if (values.acme === false) {
    if (
      values['acme-open'] ||
      values['acme-resolver'] ||
      values['acme-http-port'] ||
      values['acme-tls-port'] ||
      values['acme-terms-of-service']
    )
      throw new Error('--no-acme cannot be combined with other --acme-* flags');
    return false;
  }
  const options: AcmeOptions = { open: values['acme-open'] === true };
  const httpPort = port(values['acme-http-port'], '--acme-http-port');
  const tlsPort = port(values['acme-tls-port'], '--acme-tls-port');
  if (httpPort) options.httpPort = httpPort;
  if (tlsPort) options.tlsPort = tlsPort;
  const limits = {
    perAddressPerMinute: envNumber(env, 'NODEID_ACME_ADDRESS_RATE_PER_MINUTE'),
    perAddressBurst: envNumber(env, 'NODEID_ACME_ADDRESS_BURST'),
    perAccountPerMinute: envNumber(env, 'NODEID_ACME_ACCOUNT_RATE_PER_MINUTE'),
    perAccountBurst: envNumber(env, 'NODEID_ACME_ACCOUNT_BURST'),
  };
  options.limits = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  const terms = values['acme-terms-of-service'];
  if (terms !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(terms);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      throw new Error(`--acme-terms-of-service must be an http(s) URL, got "${terms}"`);
    options.termsOfService = url.href;
  }
  const resolver = values['acme-resolver'];
  if (resolver !== undefined) {
    const address = parseListenAddress(resolver);
    if (!address)
      throw new Error(`--acme-resolver must be HOST:PORT or [IPV6]:PORT, got "${resolver}"`);
    options.resolver = resolver;
  }
  return options;
}
