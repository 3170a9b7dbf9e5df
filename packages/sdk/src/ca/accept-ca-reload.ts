/**
 * Whether a running CA service may switch to the CA material it just read from its folder (after
 * `nodeid ca renew`, `ca rotate` or `ca retire-old`, done while it serves): the rule that lets
 * nodeid-server follow the folder without a restart and without ever signing with, or serving,
 * material that is half-written, inconsistent, or not continuous with what its nodes trust now.
 */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { Issuer } from '../issue/identity.js';
import { bytesEqual } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { verifySignature } from '../lib/signature.js';
import { namesEqual } from '../verify/compare-names.js';
import { acceptTrustBundle } from './trust-bundle.js';

/** The CA material a service signs with and serves. */
export interface CaMaterial {
  /** The CA that signs (its private key was checked against its certificate when loaded). */
  issuer: Issuer;
  /** The roots nodes should trust now (`/v1/ca/bundle`): the folder's bundle, else the root. */
  trustBundle: readonly Certificate[];
  /** During a rotation (until `ca retire-old`): the old root and its key, signing its own CRL. */
  previous?: Issuer;
}

/** Options of {@link acceptCaReload}. */
export interface AcceptCaReloadOptions extends CryptoOptions {
  /** When the material must be valid; default the system clock. */
  now?: Date;
}

/** Why new CA material was refused. */
export type CaReloadRefusal =
  /** The signing certificate is not a CA that may sign certificates, or is not valid now. */
  | 'not-a-signing-ca'
  /** A certificate of the chain is not signed by the next one, or the last is not self-signed. */
  | 'chain-broken'
  /** The chain's root is not one of the trust bundle's roots. */
  | 'root-not-in-bundle'
  /** The old root of a rotation is not in the trust bundle. */
  | 'previous-not-in-bundle'
  /** The new trust bundle is not continuous with the current one (see `acceptTrustBundle`). */
  | 'not-continuous';

/** The answer of {@link acceptCaReload}. */
export type AcceptCaReloadResult =
  | {
      accepted: true;
      /** False when the material is the same as now (nothing to switch). */
      changed: boolean;
    }
  | { accepted: false; reason: CaReloadRefusal; message: string };

const describe = (c: Certificate) => `"${c.subject.text}" (serial ${c.serialNumber})`;
/** A trust anchor is a name and a key (RFC 5280 §6.1.1 (d)). */
const sameAnchor = (a: Certificate, b: Certificate) =>
  namesEqual(a.subject, b.subject) && bytesEqual(a.publicKey.spki, b.publicKey.spki);

/**
 * Decides whether `next`, the CA material just read from the folder, may replace `current`, the
 * material in service. It is accepted only when it is complete and consistent on its own, and
 * continuous with what nodes trust now:
 *
 * - the signing certificate is a CA (basicConstraints cA, keyUsage keyCertSign when present,
 *   RFC 5280 §4.2.1.3 and §4.2.1.9) valid at `now`;
 * - every certificate of its chain is signed by the next one and the last is self-signed
 *   (RFC 5280 §6.1: the path the service's leaves will be validated along);
 * - the chain's root, and during a rotation the old root, are roots of the trust bundle;
 * - the trust bundle is accepted by `acceptTrustBundle` against the current one: every root is
 *   trusted now or cross-signed by a root trusted now (RFC 4210 §4.4). A folder replaced by an
 *   unrelated CA is refused (that needs a restart, and nodes re-enrolled).
 *
 * The private keys are not judged here: the loader checks each against its certificate
 * (`loadCaFolder`). `changed` is false when the certificates are the same as in service.
 *
 * @example
 * ```ts
 * const r = await acceptCaReload(inService, justLoaded);
 * if (!r.accepted) log.warn(`CA folder not reloaded (${r.reason}): ${r.message}`);
 * else if (r.changed) inService = justLoaded;
 * ```
 */
export async function acceptCaReload(
  current: CaMaterial,
  next: CaMaterial,
  options: AcceptCaReloadOptions = {},
): Promise<AcceptCaReloadResult> {
  const { subtle } = getCrypto(options);
  const now = (options.now ?? new Date()).getTime();
  const ca = next.issuer.certificate;
  if (!ca.basicConstraints?.ca || (ca.keyUsage && !ca.keyUsage.includes('keyCertSign')))
    return refuse('not-a-signing-ca', `${describe(ca)} is not a CA that may sign certificates`);
  if (now < ca.notBefore.getTime() || now > ca.notAfter.getTime())
    return refuse(
      'not-a-signing-ca',
      `${describe(ca)} is not valid now (${ca.notBefore.toISOString()} to ${ca.notAfter.toISOString()})`,
    );

  const path = [ca, ...(next.issuer.chain ?? [])];
  for (let i = 0; i < path.length; i++) {
    const cert = path[i]!;
    const issuer = path[i + 1] ?? cert;
    if (
      cert.signatureAlgorithmMismatch ||
      !namesEqual(cert.issuer, issuer.subject) ||
      !(await verifySignature(
        subtle,
        issuer.publicKey.spki,
        cert.signatureAlgorithmNode,
        cert.tbs,
        cert.signature,
      ))
    )
      return refuse(
        'chain-broken',
        i + 1 < path.length
          ? `${describe(cert)} is not signed by the next certificate of the chain, ${describe(issuer)}`
          : `the last certificate of the chain, ${describe(cert)}, is not a self-signed root`,
      );
  }
  const root = path.at(-1)!;
  if (!next.trustBundle.some((c) => sameAnchor(c, root)))
    return refuse(
      'root-not-in-bundle',
      `the root ${describe(root)} of the signing CA is not in the trust bundle`,
    );
  const old = next.previous?.certificate;
  if (old && !next.trustBundle.some((c) => sameAnchor(c, old)))
    return refuse(
      'previous-not-in-bundle',
      `the old root ${describe(old)} of the rotation is not in the trust bundle`,
    );

  const bundle = await acceptTrustBundle(current.trustBundle, next.trustBundle, {
    now: options.now,
    crypto: options.crypto,
  });
  if (!bundle.accepted) return refuse('not-continuous', bundle.message);

  const fingerprint = (m: CaMaterial) =>
    [
      m.issuer.certificate,
      ...(m.issuer.chain ?? []),
      ...m.trustBundle,
      ...(m.previous ? [m.previous.certificate] : []),
    ]
      .map((c) => c.pem)
      .join('|') + `|${(m.issuer.crlDistributionPoints ?? []).join(',')}`;
  return { accepted: true, changed: fingerprint(current) !== fingerprint(next) };
}

function refuse(reason: CaReloadRefusal, message: string): AcceptCaReloadResult {
  return { accepted: false, reason, message };
}
