/**
 * The ALERT column of a fleet check, as AIStore's `ais show cluster` shows it for each node, with
 * nodeid's own alerts beside AIStore's three: given the chain a node presented, the name it was
 * reached by and what the admin knows (the cluster CA, the cluster name, CRLs, the inventory's
 * revoked and superseded serials), which alerts does the node raise? The Storage Scale failures
 * it names: "certificates signed by different CAs across nodes" (`wrong-ca`), a key server's
 * certificate expiring unnoticed (`tls-cert-will-soon-expire`), a node still serving the
 * certificate that was replaced (`superseded`).
 *
 * Verification is `verifyCertificate`'s and expiry is `expiryStatus`'s: this module only maps
 * their verdicts to alerts, and checks the name and the cluster CN on their own so that a node
 * that is wrong in several ways shows every way.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import type { Crl } from '../crl/parse-crl.js';
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { type ExpiryStatus, expiryStatus } from '../expiry/expiry-status.js';
import { groupGeneralNames } from '../inspect/inspect-certificate.js';
import type { CryptoOptions } from '../lib/crypto.js';
import { parseDuration } from '../lib/duration.js';
import { parseIp } from '../lib/general-name.js';
import { checkClusterName, checkHost, checkIp } from '../verify/match-host.js';
import { verifyCertificate } from '../verify/verify-certificate.js';
import { checkPresentedChain } from './check-presented-chain.js';
import { caWarnWindow, isCaCertificate } from './warn-window.js';

/** Alerts of a fleet check: AIStore's three, then nodeid's. */
export const FLEET_ALERTS = [
  'tls-cert-will-soon-expire',
  'tls-cert-expired',
  'tls-cert-invalid',
  'unreachable',
  'wrong-ca',
  'name-mismatch',
  'wrong-cluster',
  'revoked',
  'superseded',
  'chain-order',
  'chain-extra',
] as const;

/** One alert a node can raise. */
export type FleetAlert = (typeof FLEET_ALERTS)[number];

/** How bad a node is: `warning` only for alerts that do not yet break connections. */
export type FleetSeverity = 'ok' | 'warning' | 'error';

/**
 * The severity of each alert. A certificate about to expire still works, a superseded one
 * works until it is revoked or expires, and most clients build a path from a chain sent out of
 * order or with extra certificates (RFC 8446 §4.4.2): warnings. Everything else makes peers
 * refuse the node.
 */
export const FLEET_ALERT_SEVERITY: Record<FleetAlert, Exclude<FleetSeverity, 'ok'>> = {
  'tls-cert-will-soon-expire': 'warning',
  superseded: 'warning',
  'chain-order': 'warning',
  'chain-extra': 'warning',
  'tls-cert-expired': 'error',
  'tls-cert-invalid': 'error',
  unreachable: 'error',
  'wrong-ca': 'error',
  'name-mismatch': 'error',
  'wrong-cluster': 'error',
  revoked: 'error',
};

/** One reason for an alert. */
export interface FleetProblem {
  alert: FleetAlert;
  /** One sentence for the admin (the SDK's verification or expiry message). */
  message: string;
  /** Position in the presented chain (0 = the leaf), when the problem is one certificate's. */
  depth?: number;
  /** The verification error code behind the alert, when there is one. */
  code?: NodeIdErrorCode;
}

/** The verdict on one presented certificate's dates. */
export interface FleetChainEntry {
  depth: number;
  subject: string;
  serialNumber: string;
  isCa: boolean;
  notAfter: Date;
  /** The warning window applied (ms): `warnWithin`, or `caWarnWithin` for a CA. */
  warnWithinMs: number;
  expiry: ExpiryStatus;
}

/** The verdict on one node. */
export interface FleetNodeResult {
  severity: FleetSeverity;
  /** Distinct alerts, in {@link FLEET_ALERTS} order. */
  alerts: FleetAlert[];
  problems: FleetProblem[];
  /** The leaf, when the node presented one that could be read. */
  leaf?: {
    subject: string;
    serialNumber: string;
    /** The names it is valid for: DNS names, then IP addresses, URIs, emails. */
    names: string[];
    notBefore: Date;
    notAfter: Date;
  };
  /** Every certificate presented, leaf first. */
  chain: FleetChainEntry[];
  /** True when the chain was verified against trust anchors and passed every check. */
  verified?: boolean;
}

/** Options of {@link judgeFleetNode}. */
export interface JudgeFleetNodeOptions extends CryptoOptions {
  /** The certificates the node presented, leaf first, in the order sent (PEM, DER or parsed). */
  chain: CertificateInput[];
  /**
   * The name the node was reached by (the SNI sent, else the host): a DNS name is checked
   * against its dNSName SANs, an IP address against its iPAddress SANs (RFC 6125 §6, RFC 5280
   * §4.2.1.6). Not checked when absent.
   */
  reachedName?: string;
  /** The cluster CA certificate(s). Without them the chain is judged on its dates alone. */
  trustAnchors?: CertificateInput[];
  /** The subject CN every node must carry. */
  clusterName?: string;
  /** CRLs to check the chain against (RFC 5280 §6.3). */
  crls?: (string | Uint8Array | Crl)[];
  /** Serials (hex, any case, leading zeros ignored) the inventory lists as revoked. */
  revokedSerials?: Iterable<string>;
  /** Serials the inventory lists as superseded by a newer certificate for the same node. */
  supersededSerials?: Iterable<string>;
  /** The time to judge at. Default: now. */
  now?: Date;
  /** Warning window for leaves (ms or `'30d'`). Default 30 days. */
  warnWithin?: number | string;
  /** Warning window for CA certificates (ms or `'180d'`). Default 180 days. */
  caWarnWithin?: number | string;
}

const normalizeSerial = (hex: string) =>
  hex
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, '');

function serialSet(serials: Iterable<string> | undefined): Set<string> {
  return new Set([...(serials ?? [])].map(normalizeSerial));
}

/** The alert a failed path validation raises. */
function alertOfCode(code: NodeIdErrorCode): FleetAlert {
  switch (code) {
    // No path to the given anchors, or a certificate naming the CA that the CA did not sign
    // (a second CA of the same name): the node's chain belongs to another CA.
    case 'ERR_UNKNOWN_AUTHORITY':
    case 'ERR_SIGNATURE_INVALID':
      return 'wrong-ca';
    case 'ERR_REVOKED':
      return 'revoked';
    case 'ERR_CERT_EXPIRED':
      return 'tls-cert-expired';
    case 'ERR_HOSTNAME_MISMATCH':
    case 'ERR_IP_MISMATCH':
      return 'name-mismatch';
    case 'ERR_CLUSTER_NAME_MISMATCH':
      return 'wrong-cluster';
    default:
      return 'tls-cert-invalid';
  }
}

/** The verdict for a node that gave no chain: `unreachable` with the reason. */
export function unreachableFleetNode(message: string): FleetNodeResult {
  return {
    severity: 'error',
    alerts: ['unreachable'],
    problems: [{ alert: 'unreachable', message }],
    chain: [],
  };
}

/** `error` when any alert is an error, `warning` when some are warnings, else `ok`. */
export function fleetSeverity(alerts: readonly FleetAlert[]): FleetSeverity {
  if (alerts.some((a) => FLEET_ALERT_SEVERITY[a] === 'error')) return 'error';
  return alerts.length ? 'warning' : 'ok';
}

/** Exit code of a fleet check: 0 all fine, 1 only warnings, 2 any error (or no node at all). */
export function fleetExitCode(nodes: readonly Pick<FleetNodeResult, 'severity'>[]): 0 | 1 | 2 {
  if (nodes.length === 0 || nodes.some((n) => n.severity === 'error')) return 2;
  return nodes.some((n) => n.severity === 'warning') ? 1 : 0;
}

/** A time inside every certificate's validity, to judge the chain apart from its dates. */
function timeInsideAll(certs: Certificate[]): Date | undefined {
  const from = Math.max(...certs.map((c) => c.notBefore.getTime()));
  const to = Math.min(...certs.map((c) => c.notAfter.getTime()));
  return from <= to ? new Date(from + Math.floor((to - from) / 2)) : undefined;
}

/**
 * Judges one node from the chain it presented:
 *
 * - every presented certificate's dates by `expiryStatus`, CA certificates with the longer
 *   `caWarnWithin`: `tls-cert-will-soon-expire`, `tls-cert-expired`, `tls-cert-invalid`;
 * - with `trustAnchors`, the path by `verifyCertificate` (usage `server`, with `crls`): no path
 *   to the anchors or a bad signature is `wrong-ca`, a revoked certificate `revoked`, any other
 *   failure `tls-cert-invalid`. When the only failure is a date (already alerted), the path is
 *   checked again at a time inside every certificate's validity, so that an expired node of
 *   another CA still shows `wrong-ca`;
 * - the leaf against `reachedName` (`name-mismatch`) and `clusterName` (`wrong-cluster`);
 * - the leaf's serial against the inventory: `revoked`, `superseded`;
 * - how the chain is arranged ({@link checkPresentedChain}): `chain-order` when the leaf's chain
 *   is not sent in issuing order, `chain-extra` for a certificate that is not on it (a wrong
 *   intermediate). Both are warnings; give `chain` exactly as sent for them to mean anything.
 *
 * Never throws for what the node presented (an unreadable certificate is `tls-cert-invalid`);
 * throws `ERR_INVALID_ARGUMENT` for bad options (a warning window that is no duration).
 *
 * @example
 * ```ts
 * const r = await judgeFleetNode({ chain: presented, reachedName: 'node1.example.net',
 *   trustAnchors: [caPem], clusterName: 'scale.cluster', warnWithin: '30d' });
 * console.log(r.alerts.join(',') || 'ok'); // wrong-ca,name-mismatch
 * ```
 */
export async function judgeFleetNode(options: JudgeFleetNodeOptions): Promise<FleetNodeResult> {
  const now = options.now ?? new Date();
  const warnWithinMs = parseDuration(options.warnWithin ?? '30d');
  const caWarnWithinMs = caWarnWindow(options.caWarnWithin);
  const problems: FleetProblem[] = [];
  if (options.chain.length === 0) {
    problems.push({ alert: 'tls-cert-invalid', message: 'no certificate was presented' });
    return finish(problems, [], undefined);
  }
  const certs: Certificate[] = [];
  for (const [depth, input] of options.chain.entries()) {
    try {
      certs.push(parseCertificate(input));
    } catch (e) {
      const why = NodeIdError.isInstance(e) ? e.message : String(e);
      problems.push({
        alert: 'tls-cert-invalid',
        depth,
        message: `presented certificate ${depth + 1} cannot be read: ${why}`,
      });
      if (depth === 0) return finish(problems, [], undefined);
      break;
    }
  }
  const leafCert = certs[0]!;
  const chain: FleetChainEntry[] = certs.map((c, depth) => {
    const isCa = isCaCertificate(c);
    const window = isCa ? caWarnWithinMs : warnWithinMs;
    const expiry = expiryStatus(c, { now, warnWithin: window });
    const alert = expiry.alert;
    if (alert) problems.push({ alert, message: expiry.message, depth });
    return {
      depth,
      subject: c.subject.text,
      serialNumber: c.serialNumber,
      isCa,
      notAfter: c.notAfter,
      warnWithinMs: window,
      expiry,
    };
  });
  const sans = groupGeneralNames(leafCert.subjectAltNames);
  const leaf = {
    subject: leafCert.subject.text,
    serialNumber: leafCert.serialNumber,
    names: [...sans.dns, ...sans.ip, ...sans.uri, ...sans.email],
    notBefore: leafCert.notBefore,
    notAfter: leafCert.notAfter,
  };

  let verified: boolean | undefined;
  let verifiedPath: Certificate[] | undefined;
  if (options.trustAnchors?.length) {
    const verify = (at: Date) =>
      verifyCertificate({
        certificate: leafCert,
        intermediates: certs.slice(1),
        trustAnchors: options.trustAnchors!,
        usage: 'server',
        ...(options.crls?.length && { crls: options.crls }),
        ...(options.crypto && { crypto: options.crypto }),
        at,
      });
    let result = await verify(now);
    const dateFailure = (code: NodeIdErrorCode) =>
      code === 'ERR_CERT_EXPIRED' || code === 'ERR_CERT_NOT_YET_VALID';
    if (!result.ok && dateFailure(result.code)) {
      const at = timeInsideAll(certs);
      // The dates are alerted already; judge the rest of the path at a time they all hold.
      if (at) result = await verify(at);
    }
    verified = result.ok;
    if (result.ok) verifiedPath = result.chain;
    if (!result.ok && !dateFailure(result.code)) {
      problems.push({
        alert: alertOfCode(result.code),
        message: result.message,
        code: result.code,
        ...(result.depth !== undefined && { depth: result.depth }),
      });
    } else if (!result.ok && !problems.some((p) => p.alert === 'tls-cert-expired')) {
      // A date failure outside the presented chain: the trust anchor itself.
      problems.push({
        alert: alertOfCode(result.code),
        message: result.message,
        code: result.code,
      });
    }
  }
  // How the chain is arranged: the verified path when there is one, else walked by names.
  for (const p of checkPresentedChain(certs, verifiedPath ? { path: verifiedPath } : {}).problems)
    problems.push({ alert: p.kind, message: p.message, depth: p.depth });
  if (options.reachedName !== undefined) {
    const name = options.reachedName;
    const miss = parseIp(name) ? checkIp(leafCert, name) : checkHost(leafCert, name);
    if (miss) {
      problems.push({ alert: 'name-mismatch', message: miss.message, code: miss.code, depth: 0 });
      verified = verified && false;
    }
  }
  if (options.clusterName !== undefined) {
    const miss = checkClusterName(leafCert, options.clusterName);
    if (miss) {
      problems.push({ alert: 'wrong-cluster', message: miss.message, code: miss.code, depth: 0 });
      verified = verified && false;
    }
  }
  const serial = normalizeSerial(leafCert.serialNumber);
  if (
    serialSet(options.revokedSerials).has(serial) &&
    !problems.some((p) => p.alert === 'revoked')
  ) {
    problems.push({
      alert: 'revoked',
      depth: 0,
      message: `certificate serial ${leafCert.serialNumber} is revoked in the CA's inventory`,
    });
    verified = verified && false;
  }
  if (serialSet(options.supersededSerials).has(serial)) {
    problems.push({
      alert: 'superseded',
      depth: 0,
      message: `certificate serial ${leafCert.serialNumber} has been replaced by a newer certificate in the CA's inventory; install the new one on the node (or reload it)`,
    });
  }
  return finish(problems, chain, leaf, verified);
}

function finish(
  problems: FleetProblem[],
  chain: FleetChainEntry[],
  leaf: FleetNodeResult['leaf'],
  verified?: boolean,
): FleetNodeResult {
  const present = new Set(problems.map((p) => p.alert));
  const alerts = FLEET_ALERTS.filter((a) => present.has(a));
  return {
    severity: fleetSeverity(alerts),
    alerts,
    problems,
    ...(leaf && { leaf }),
    chain,
    ...(verified !== undefined && { verified }),
  };
}
