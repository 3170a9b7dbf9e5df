/**
 * Is the chain a server sends the one it should send? A common admin mistake is a server that
 * sends the wrong intermediate (a stale one after the CA renewed its key, another CA's), an
 * unrelated certificate, or its chain in the wrong order. Clients that build paths themselves
 * (browsers, Go, nodeid) mostly cope; older or stricter ones (Java 8, embedded KMIP clients,
 * OpenSSL 1.0 without the right intermediate in its store) refuse the node. So a fleet check
 * reports them as warnings:
 *
 * - `chain-order`: the certificates of the leaf's chain are not in issuing order. RFC 5246
 *   §7.4.2 (TLS 1.2): "Each following certificate MUST directly certify the one preceding it";
 *   RFC 8446 §4.4.2 (TLS 1.3) keeps it as a SHOULD.
 * - `chain-extra`: a certificate that is not on the leaf's chain (it issued none of the
 *   certificates before it): RFC 8446 §4.4.2 asks clients to be "prepared to handle potentially
 *   extraneous certificates", but it is a sign of a wrong intermediate.
 *
 * The leaf's chain is the verified path when the caller has one (`path`), else it is walked
 * through the presented certificates by name and key identifier (RFC 5280 §4.2.1.1: the
 * issuer's subject is the child's issuer, and its subjectKeyIdentifier the child's
 * authorityKeyIdentifier when both are present). Nothing here checks a signature: this says
 * how the chain is arranged, `verifyCertificate` says whether it is good.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { namesEqual } from '../verify/compare-names.js';

/** One finding about how a presented chain is arranged. */
export interface PresentedChainProblem {
  kind: 'chain-order' | 'chain-extra';
  /** The presented certificate it is about (0 = the leaf). */
  depth: number;
  /** One sentence for the admin. */
  message: string;
}

/** The result of {@link checkPresentedChain}. */
export interface PresentedChainCheck {
  /** The positions of the presented certificates on the leaf's chain, in issuing order. */
  path: number[];
  /** Positions of the presented certificates that are not on the leaf's chain. */
  extra: number[];
  /** True when the certificates of the leaf's chain are sent in issuing order. */
  inOrder: boolean;
  problems: PresentedChainProblem[];
}

/** Options of {@link checkPresentedChain}. */
export interface CheckPresentedChainOptions {
  /**
   * The verified path (leaf first, e.g. `verifyCertificate`'s `chain`): the presented
   * certificates on it are the leaf's chain. Without it the chain is walked by name and key id.
   */
  path?: CertificateInput[];
}

/** True when `issuer` may have issued `child`: names, and key identifiers when both exist. */
function mayIssue(issuer: Certificate, child: Certificate): boolean {
  if (!namesEqual(issuer.subject, child.issuer)) return false;
  const aki = child.authorityKeyIdentifier?.keyIdentifier;
  const ski = issuer.subjectKeyIdentifier;
  return !aki || !ski || bytesEqual(aki, ski);
}

const selfIssued = (c: Certificate) => namesEqual(c.subject, c.issuer);

/** The presented positions of the leaf's chain, walked from the leaf. */
function walk(certs: Certificate[]): number[] {
  const path = [0];
  let current = certs[0]!;
  while (!selfIssued(current)) {
    const next = certs.findIndex((c, i) => !path.includes(i) && mayIssue(c, current));
    if (next < 0) break;
    path.push(next);
    current = certs[next]!;
  }
  return path;
}

/**
 * Checks how a presented chain (leaf first, as sent) is arranged: which certificates are on the
 * leaf's chain, which are extra, and whether the chain is in issuing order. Certificates that
 * cannot be parsed are left out of the check (they are reported elsewhere).
 *
 * @example
 * ```ts
 * const c = checkPresentedChain(presented.chain);
 * for (const p of c.problems) console.warn(`${p.kind}: ${p.message}`);
 * // chain-extra: presented certificate 2 (CN=Old Issuing CA) is not part of the leaf's chain ...
 * ```
 */
export function checkPresentedChain(
  chain: readonly CertificateInput[],
  options: CheckPresentedChainOptions = {},
): PresentedChainCheck {
  const certs: Certificate[] = [];
  for (const input of chain) {
    try {
      certs.push(parseCertificate(input));
    } catch {
      break;
    }
  }
  if (certs.length === 0) return { path: [], extra: [], inOrder: true, problems: [] };
  let path: number[];
  if (options.path) {
    const verified = options.path.map((c) => parseCertificate(c).der);
    path = verified.flatMap((der) => {
      const i = certs.findIndex((c) => bytesEqual(c.der, der));
      return i < 0 ? [] : [i];
    });
    if (path[0] !== 0) path = [0, ...path.filter((i) => i !== 0)];
  } else path = walk(certs);
  const extra = certs.map((_, i) => i).filter((i) => !path.includes(i));
  const inOrder = path.every((p, j) => j === 0 || p > path[j - 1]!);
  const problems: PresentedChainProblem[] = [];
  const name = (i: number) =>
    `presented certificate ${i + 1} (${certs[i]!.subject.text || 'no subject'})`;
  if (!inOrder) {
    const sent = [...path].sort((a, b) => a - b);
    const first = path.findIndex((p, j) => p !== sent[j]);
    const depth = path[first]!;
    problems.push({
      kind: 'chain-order',
      depth,
      message: `the leaf's chain is sent out of order: ${name(depth)} issues certificate ${path[first - 1]! + 1}, so it should come right after it (the certificates sent, in issuing order: ${path.map((p) => p + 1).join(', ')}; RFC 5246 §7.4.2: each certificate must certify the one before it)`,
    });
  }
  for (const i of extra) {
    problems.push({
      kind: 'chain-extra',
      depth: i,
      message: `${name(i)} is not part of the leaf's chain: it issues neither the leaf nor a CA above it (a wrong or stale intermediate?); send only the leaf and the CAs above it`,
    });
  }
  return { path, extra, inOrder, problems };
}
