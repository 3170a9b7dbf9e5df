/**
 * Whether a node may replace the CA certificates it trusts with a bundle it fetched: the rule
 * that lets `nodeid agent` follow a CA key rotation by itself without ever trusting a root that
 * nothing it trusts now vouches for.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
  parseCertificates,
} from '../certificate/parse-certificate.js';
import { bytesEqual } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { verifySignature } from '../lib/signature.js';
import { namesEqual } from '../verify/compare-names.js';

/** Options of {@link acceptTrustBundle}. */
export interface AcceptTrustBundleOptions extends CryptoOptions {
  /** The time a cross certificate must be valid at; default the system clock. */
  now?: Date;
}

/** Why a bundle was refused. */
export type TrustBundleRefusal =
  /** The bundle holds no self-signed CA certificate. */
  | 'no-roots'
  /** A self-signed certificate of the bundle is not a CA (no basicConstraints cA). */
  | 'not-a-ca'
  /** A root of the bundle is neither trusted now nor cross-signed by a root trusted now. */
  | 'not-continuous'
  /** A certificate of the bundle is neither a root nor a cross certificate between roots. */
  | 'unexpected-certificate';

/** A new root and the certificate that links it to a root trusted now (RFC 4210 §4.4 newWithOld). */
export interface TrustBundleLink {
  root: Certificate;
  /** Subject and key of `root`, signed by `signer`'s key. */
  crossCertificate: Certificate;
  /** The root trusted now that signed `crossCertificate`. */
  signer: Certificate;
}

/** The answer of {@link acceptTrustBundle}. */
export type AcceptTrustBundleResult =
  | {
      accepted: true;
      /** False when the bundle holds exactly the certificates trusted now. */
      changed: boolean;
      /** Every certificate of the bundle, in its order: what to write to the CA file. */
      certificates: Certificate[];
      /** The bundle's roots (self-signed CA certificates). */
      roots: Certificate[];
      /** Roots of the bundle whose name and key are not trusted now, with their links. */
      added: TrustBundleLink[];
      /** Roots trusted now whose name and key the bundle no longer holds. */
      removed: Certificate[];
      /** The bundle as PEM. */
      pem: string;
    }
  | {
      accepted: false;
      reason: TrustBundleRefusal;
      /** One sentence for a log line, naming the certificate at fault. */
      message: string;
    };

/** Trust anchors are a name and a key (RFC 5280 §6.1.1 (d)): a re-issued copy is the same anchor. */
const sameAnchor = (a: Certificate, b: Certificate) =>
  namesEqual(a.subject, b.subject) && bytesEqual(a.publicKey.spki, b.publicKey.spki);

const signedBy = (cert: Certificate, issuer: Certificate, subtle: SubtleCrypto) =>
  !cert.signatureAlgorithmMismatch &&
  namesEqual(cert.issuer, issuer.subject) &&
  verifySignature(
    subtle,
    issuer.publicKey.spki,
    cert.signatureAlgorithmNode,
    cert.tbs,
    cert.signature,
  );

const describe = (c: Certificate) => `"${c.subject.text}" (serial ${c.serialNumber})`;

/**
 * Decides whether `candidate`, a CA bundle fetched from the server, may replace `current`, the
 * CA certificates a node trusts now. The bundle is accepted only when it is continuous with what
 * is trusted now: every root it holds (a self-signed CA certificate) is either trusted now (same
 * name and key, so a re-issued copy with a new not-after counts) or vouched for by a cross
 * certificate in the bundle: a CA certificate with the new root's subject and public key, issued
 * by a root trusted now under whose key its signature verifies, valid at `now` (RFC 4210 §4.4,
 * "newWithOld"). Roots trusted now may be dropped (after a rotation's overlap) only when that
 * holds for what remains. The other certificates a bundle may hold are cross certificates
 * between its roots or the roots trusted now (newWithOld, oldWithNew); anything else is refused.
 *
 * An unparsable bundle throws `ERR_CERTIFICATE_INVALID` or `ERR_PEM_INVALID`; a refusal is an
 * answer (`accepted: false`), with the reason and a message naming the certificate.
 *
 * @example
 * ```ts
 * const r = await acceptTrustBundle(caFilePem, fetchedPem);
 * if (r.accepted && r.changed) await replaceFile('ca.crt', r.pem);
 * else if (!r.accepted) console.error(`bundle refused (${r.reason}): ${r.message}`);
 * ```
 */
export async function acceptTrustBundle(
  current: string | Uint8Array | readonly CertificateInput[],
  candidate: string | Uint8Array | readonly CertificateInput[],
  options: AcceptTrustBundleOptions = {},
): Promise<AcceptTrustBundleResult> {
  const { subtle } = getCrypto(options);
  const now = (options.now ?? new Date()).getTime();
  const trusted = certificatesOf(current);
  const offered = certificatesOf(candidate);

  const roots: Certificate[] = [];
  const others: Certificate[] = [];
  for (const c of offered) {
    if (namesEqual(c.subject, c.issuer) && (await signedBy(c, c, subtle))) {
      if (!c.basicConstraints?.ca)
        return refuse('not-a-ca', `${describe(c)} is self-signed but not a CA certificate`);
      roots.push(c);
    } else others.push(c);
  }
  if (roots.length === 0)
    return refuse('no-roots', 'the bundle holds no self-signed CA certificate');

  const added: TrustBundleLink[] = [];
  for (const root of roots) {
    if (trusted.some((t) => sameAnchor(t, root))) continue;
    const link = await findLink(root, others, trusted, now, subtle);
    if (!link)
      return refuse(
        'not-continuous',
        `the new root ${describe(root)} is not trusted now and no cross certificate in the bundle signed by a root trusted now (${trusted.map(describe).join(', ')}) vouches for it`,
      );
    added.push(link);
  }
  // cross certificates link two roots of the bundle or of the trust now, either way
  const known = [...roots, ...trusted];
  for (const c of others) {
    if (!c.basicConstraints?.ca || !known.some((r) => sameAnchor(r, c)))
      return refuse(
        'unexpected-certificate',
        `${describe(c)} is neither a root nor a cross certificate of one`,
      );
  }

  const removed = trusted.filter((t) => !roots.some((r) => sameAnchor(r, t)));
  const derKeys = (list: Certificate[]) =>
    list
      .map((c) => Array.from(c.der, (b) => b.toString(16).padStart(2, '0')).join(''))
      .sort()
      .join(',');
  return {
    accepted: true,
    changed: derKeys(trusted) !== derKeys(offered),
    certificates: offered,
    roots,
    added,
    removed,
    pem: offered.map((c) => c.pem).join(''),
  };
}

/** A CA certificate in `others` for `root`'s name and key, signed by a root in `trusted`. */
async function findLink(
  root: Certificate,
  others: readonly Certificate[],
  trusted: readonly Certificate[],
  now: number,
  subtle: SubtleCrypto,
): Promise<TrustBundleLink | undefined> {
  for (const cross of others) {
    if (!sameAnchor(cross, root) || !cross.basicConstraints?.ca) continue;
    if (now < cross.notBefore.getTime() || now > cross.notAfter.getTime()) continue;
    for (const signer of trusted)
      if (await signedBy(cross, signer, subtle)) return { root, crossCertificate: cross, signer };
  }
  return undefined;
}

function certificatesOf(input: string | Uint8Array | readonly CertificateInput[]): Certificate[] {
  return typeof input === 'string' || input instanceof Uint8Array
    ? parseCertificates(input)
    : input.map((c) => parseCertificate(c));
}

function refuse(reason: TrustBundleRefusal, message: string): AcceptTrustBundleResult {
  return { accepted: false, reason, message };
}
