/**
 * Certificate profiles: which key usages and extended key usages each kind of identity gets.
 *
 * | profile   | subject CN            | SANs                                  | extended key usage     |
 * |-----------|-----------------------|---------------------------------------|------------------------|
 * | `node`    | the cluster name      | short name, FQDN, extra DNS/IP/URI    | serverAuth, clientAuth |
 * | `server`  | the name              | the name, extra DNS/IP/URI            | serverAuth             |
 * | `client`  | the user name         | only extra names given                | clientAuth             |
 * | `control` | `control-service`     | the hostname, extra DNS/IP/URI        | serverAuth             |
 *
 * Every leaf gets basicConstraints CA:FALSE (critical), keyUsage digitalSignature (plus
 * keyEncipherment for RSA keys, for TLS 1.2 RSA key exchange), SKI and AKI.
 */
import type { KeyUsage } from '../certificate/parse-certificate.js';
import type { KeyAlgorithm } from '../keys/key-algorithm.js';
import { OID } from '../lib/oids.js';

/** The kinds of identity the SDK issues. */
export type Profile = 'node' | 'server' | 'client' | 'control';

/** All profiles. */
export const PROFILES: readonly Profile[] = ['node', 'server', 'client', 'control'];

/** Default leaf lifetime in days: one year. */
export const DEFAULT_LEAF_DAYS = 365;

/** Default CA lifetime in days: ten years. */
export const DEFAULT_CA_DAYS = 3650;

/** The common name of a Flocker-style control service certificate. */
export const CONTROL_SERVICE_CN = 'control-service';

/** Extended key usage OIDs of a profile. */
export function profileExtendedKeyUsage(profile: Profile): string[] {
  switch (profile) {
    case 'node':
      return [OID.serverAuth, OID.clientAuth];
    case 'server':
    case 'control':
      return [OID.serverAuth];
    case 'client':
      return [OID.clientAuth];
  }
}

/** Key usages of a leaf with a key of `algorithm`. */
export function leafKeyUsage(algorithm: KeyAlgorithm): KeyUsage[] {
  return algorithm.startsWith('RSA')
    ? ['digitalSignature', 'keyEncipherment']
    : ['digitalSignature'];
}

/** True when `value` names a profile. */
export function isProfile(value: unknown): value is Profile {
  return typeof value === 'string' && (PROFILES as readonly string[]).includes(value);
}
