/**
 * What renewing a certificate asks for: the same names, CN, profile and lifetime as the
 * certificate being renewed. One reading of a certificate shared by `nodeid cert renew`, the
 * agent (whose CSR lists exactly these names) and anything else that renews.
 */
import { type CertificateInput, parseCertificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import { CONTROL_SERVICE_CN, type Profile } from '../issue/profiles.js';
import { OID } from '../lib/oids.js';

/** The request that renews a certificate as it is. */
export interface RenewalRequest {
  /** The profile it was issued with, read back from its extKeyUsage and CN. */
  profile: Profile;
  /**
   * The main name to issue for: a client's CN; else the first DNS name with a dot (a node's
   * FQDN), the first DNS name, or the first IP address.
   */
  name: string;
  /** The subject CN, if any (the cluster name of a node certificate). */
  commonName?: string;
  /** For a `node` certificate: the cluster name, its CN. */
  clusterName?: string;
  /** Every SAN of the certificate, by type, in its order. */
  dns: string[];
  ips: string[];
  uris: string[];
  emails: string[];
  /** Its lifetime in whole days (rounded: notBefore is backdated a few minutes), at least 1. */
  lifetimeDays: number;
}

/** The profile of an issued certificate from its usages and CN (see `issue/profiles.ts`). */
function profileOf(eku: readonly string[] | undefined, cn: string | undefined): Profile {
  if (cn === CONTROL_SERVICE_CN) return 'control';
  const server = eku?.includes(OID.serverAuth) ?? false;
  const client = eku?.includes(OID.clientAuth) ?? false;
  if (server && client) return 'node';
  return client ? 'client' : 'server';
}

/**
 * The renewal request of `cert`: its profile (node = serverAuth + clientAuth, client, server,
 * control), main name, CN, every SAN and its lifetime. Throws `ERR_NAME_INVALID` for a
 * certificate with nothing to renew for (no SAN, and no CN for a client).
 *
 * @example
 * ```ts
 * const r = renewalRequestOf(current);
 * await issueIdentity({ ca, profile: r.profile, name: r.name, clusterName: r.clusterName,
 *   dns: r.dns, ips: r.ips, uris: r.uris, emails: r.emails, days: r.lifetimeDays });
 * ```
 */
export function renewalRequestOf(cert: CertificateInput): RenewalRequest {
  const c = parseCertificate(cert);
  const cn = c.subject.rdns.flat().find((a) => a.oid === OID.commonName)?.value;
  const profile = profileOf(c.extendedKeyUsage, cn);
  const sans = c.subjectAltNames ?? [];
  const of = (type: string) => sans.filter((n) => n.type === type).map((n) => n.value);
  const dns = of('dns');
  const ips = of('ip');
  const name = profile === 'client' ? cn : (dns.find((d) => d.includes('.')) ?? dns[0] ?? ips[0]);
  if (!name)
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `the certificate ${c.subject.text || c.serialNumber} has no name to renew for`,
    );
  const lifetimeDays = Math.max(
    1,
    Math.round((c.notAfter.getTime() - c.notBefore.getTime()) / 86_400_000),
  );
  return {
    profile,
    name,
    ...(cn !== undefined && { commonName: cn }),
    ...(profile === 'node' && cn !== undefined && { clusterName: cn }),
    dns,
    ips,
    uris: of('uri'),
    emails: of('email'),
    lifetimeDays,
  };
}
