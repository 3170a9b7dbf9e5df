/** Issues a node, server, client or control-service identity: a fresh key pair and its certificate. */
import { NodeIdError } from '../errors.js';
import { checkPublicKey } from '../keys/check-public-key.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import { type KeyAlgorithm, type KeyPair, keyAlgorithmOf } from '../keys/key-algorithm.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { decode } from '../lib/der.js';
import { parseIp } from '../lib/general-name.js';
import { exportSpki } from '../lib/key-id.js';
import { encodeName, type NameFields, nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { optionsArgument } from '../lib/options-argument.js';
import { buildSanEntries, normalizeDnsName, type SubjectAltNames } from '../lib/san.js';
import { describePublicKey, type PublicKeyInfo } from '../lib/signature.js';
import type { ValidityOptions } from '../lib/validity.js';
import type { Identity, Issuer } from './identity.js';
import { applyIssuerConstraints } from './issuer-constraints.js';
import { assertIssuer, signLeaf } from './leaf-certificate.js';
import { CONTROL_SERVICE_CN, isProfile, type Profile } from './profiles.js';

/** Options for {@link issueIdentity}. */
export interface IssueIdentityOptions extends CryptoOptions, ValidityOptions, SubjectAltNames {
  /** The CA that signs. */
  ca: Issuer;
  /** What the identity is for; default `node`. See {@link Profile}. */
  profile?: Profile;
  /**
   * The main name: a node's FQDN (or short name), a server's host name, a client's user name,
   * or the control service's host name.
   */
  name: string;
  /**
   * The cluster name, which becomes the CN of `node` identities (every node of a cluster carries
   * the same CN, as Storage Scale expects). Default: the cluster name `createCa` recorded in the
   * CA's subject (see {@link clusterNameOf}); required for a CA made elsewhere.
   */
  clusterName?: string;
  /** Organization (O) of the subject; default the CA's organization. */
  organization?: string;
  /** Key algorithm of the new key pair; default `P-256`. Ignored when `keyPair` is given. */
  algorithm?: KeyAlgorithm;
  /** Use this key pair instead of generating one. */
  keyPair?: KeyPair;
  /** Whether the new private key can be exported; default `true` (it must be written to a file). */
  extractable?: boolean;
  /**
   * CRL URLs for the certificate's cRLDistributionPoints (RFC 5280 §4.2.1.13); default the CA's
   * `crlDistributionPoints`; `[]` for none.
   */
  crlDistributionPoints?: readonly string[];
}

/** The short name of an FQDN: its first label (`node1` for `node1.example.net`). */
export function shortName(fqdn: string): string {
  return fqdn.split('.')[0]!;
}

/** The subject fields and SANs of a profile. @internal */
export function profileNames(
  profile: Profile,
  name: string,
  options: SubjectAltNames & { clusterName?: string; organization?: string },
): { subject: NameFields; names: SubjectAltNames } {
  const dns = [...(options.dns ?? [])];
  const ips = [...(options.ips ?? [])];
  const subject: NameFields = { organization: options.organization };
  const nameIsIp = parseIp(name) !== undefined;
  switch (profile) {
    case 'node': {
      if (!options.clusterName)
        throw new NodeIdError(
          'ERR_INVALID_ARGUMENT',
          'a node identity needs the cluster name (it becomes the CN)',
        );
      subject.commonName = options.clusterName;
      if (nameIsIp) ips.unshift(name);
      else {
        const fqdn = normalizeDnsName(name);
        dns.unshift(...(fqdn.includes('.') ? [shortName(fqdn), fqdn] : [fqdn]));
      }
      break;
    }
    case 'server':
      subject.commonName = name;
      if (nameIsIp) ips.unshift(name);
      else dns.unshift(normalizeDnsName(name));
      break;
    case 'control':
      subject.commonName = CONTROL_SERVICE_CN;
      if (nameIsIp) ips.unshift(name);
      else dns.unshift(normalizeDnsName(name));
      break;
    case 'client':
      if (!name || /[\u0000-\u001f]/.test(name))
        throw new NodeIdError('ERR_NAME_INVALID', 'a client identity needs a user name');
      subject.commonName = name;
      break;
  }
  return { subject, names: { dns, ips, uris: options.uris, emails: options.emails } };
}

/**
 * Issues an identity signed by `ca`: generates a key pair (or uses `keyPair`) and a certificate
 * for the profile. The lifetime defaults to 365 days and never exceeds the CA's (it is clamped and
 * a warning is added to the result).
 *
 * @example
 * ```ts
 * const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
 * const node1 = await issueIdentity({ ca, name: 'node1.example.net', clusterName: 'scale.cluster', ips: ['10.0.0.1'] });
 * // CN=scale.cluster, SANs: node1, node1.example.net, 10.0.0.1; serverAuth + clientAuth
 * ```
 */
export async function issueIdentity(options: IssueIdentityOptions): Promise<Identity> {
  optionsArgument(options, 'issueIdentity');
  const crypto = getCrypto(options);
  const issue = prepareIssue(options);
  const keyPair =
    options.keyPair ??
    (await generateKeyPair({
      algorithm: options.algorithm,
      extractable: options.extractable ?? true,
      crypto,
    }));
  const spki = await exportSpki(crypto.subtle, keyPair.publicKey);
  const issued = await issue(crypto, spki, keyAlgorithmOf(keyPair.publicKey));
  return {
    ...issued,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    algorithm: keyPair.algorithm,
  };
}

/** Options for {@link issueCertificate}. */
export interface IssueCertificateOptions
  extends Omit<IssueIdentityOptions, 'algorithm' | 'keyPair' | 'extractable'> {
  /**
   * The SubjectPublicKeyInfo (DER) of the key the certificate is for: a key the caller made and
   * holds (e.g. with {@link encodeEcKeyPair}). P-256, P-384, P-521, Ed25519 or RSA of 2048 bits
   * or more.
   */
  publicKey: Uint8Array;
}

/** A certificate issued by {@link issueCertificate}: an {@link Identity} without its keys. */
export type IssuedCertificate = Omit<Identity, 'privateKey' | 'publicKey' | 'algorithm'>;

/**
 * Issues a certificate, as {@link issueIdentity} does, for a public key the caller already holds
 * (its SubjectPublicKeyInfo), instead of making a key pair: same profiles, names, constraints and
 * lifetime rules. There is no proof that the caller holds the private key (a CSR carries one:
 * use {@link signCsr} for keys made elsewhere); this is for a caller that made the key itself
 * outside WebCrypto, such as bulk issuance making keys with Node's own generator. A weak or
 * unsupported key is refused (`ERR_KEY_WEAK`, `ERR_KEY_UNSUPPORTED`), malformed DER is
 * `ERR_KEY_INVALID`.
 *
 * @example
 * ```ts
 * const { spki, pkcs8 } = encodeEcKeyPair({ curve: 'P-256', privateKey: d, publicKey: point });
 * const { certificate, chain } = await issueCertificate({ ca, name: 'node1.example.net', publicKey: spki });
 * const files = await bundleFiles({ certificate, chain, privateKey: pkcs8 }, 'scale');
 * ```
 */
export async function issueCertificate(
  options: IssueCertificateOptions,
): Promise<IssuedCertificate> {
  optionsArgument(options, 'issueCertificate');
  const crypto = getCrypto(options);
  const issue = prepareIssue(options);
  if (!(options.publicKey instanceof Uint8Array))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'expected the public key as SubjectPublicKeyInfo DER',
    );
  let info: PublicKeyInfo;
  try {
    info = describePublicKey(decode(options.publicKey, 'ERR_KEY_INVALID'));
  } catch (e) {
    throw new NodeIdError(
      'ERR_KEY_INVALID',
      `the public key is not a SubjectPublicKeyInfo: ${(e as Error).message}`,
      { cause: e },
    );
  }
  checkPublicKey(info);
  return issue(crypto, info.spki, keyAlgorithmOfInfo(info));
}

/** The key algorithm a certificate's key usage is chosen by (RSA keys of any size are RSA). */
function keyAlgorithmOfInfo(info: PublicKeyInfo): KeyAlgorithm {
  if (info.type === 'RSA') return 'RSA-2048';
  if (info.type === 'Ed25519') return 'Ed25519';
  return info.curve === 'P-384' ? 'P-384' : 'P-256';
}

/**
 * Checks the options of an issuance (profile, name, issuer, names against the CA's constraints)
 * before any key is made, and returns the step that signs a certificate for a key.
 */
function prepareIssue(
  options: Omit<IssueIdentityOptions, 'algorithm' | 'keyPair' | 'extractable'>,
): (crypto: Crypto, spki: Uint8Array, keyAlgorithm: KeyAlgorithm) => Promise<IssuedCertificate> {
  const profile = options.profile ?? 'node';
  if (!isProfile(profile))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `unknown profile "${String(profile)}"; use node, server, client or control`,
    );
  if (typeof options.name !== 'string' || options.name.trim() === '')
    throw new NodeIdError('ERR_NAME_INVALID', 'a name is required');
  assertIssuer(options.ca);
  const caCert = options.ca.certificate;
  const clusterName = options.clusterName ?? clusterNameOf(caCert.subject);
  const organization = options.organization ?? nameValues(caCert.subject, OID.organizationName)[0];
  const { subject, names } = profileNames(profile, options.name.trim(), {
    ...options,
    clusterName,
    organization,
  });
  const sans = buildSanEntries(names);
  if (profile === 'server' || profile === 'control') {
    // the main name is also the CN (server) or the one host name: outside the CA's constraints,
    // there is nothing to issue
    const main = sans[0];
    if (main && applyIssuerConstraints(options.ca, [main]).denied[0])
      throw new NodeIdError(
        'ERR_POLICY_DENIED',
        `"${main.value}" is outside the name constraints of the CA: ${applyIssuerConstraints(options.ca, [main]).denied[0]!.reason}`,
      );
  }
  return async (crypto, spki, keyAlgorithm) => {
    const { certificate, warnings, denied } = await signLeaf(crypto, {
      days: options.days,
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      now: options.now,
      crlDistributionPoints: options.crlDistributionPoints,
      issuer: options.ca,
      profile,
      subject: encodeName(subject),
      subjectEmpty: false,
      spki,
      keyAlgorithm,
      sans,
    });
    return { certificate, chain: [caCert, ...(options.ca.chain ?? [])], warnings, denied };
  };
}

/**
 * The cluster name a CA was created for: `createCa` writes it as the CA's organizational unit
 * (`OU=<cluster>`); `undefined` for other CAs.
 */
export function clusterNameOf(caSubject: {
  rdns: { oid: string; value: string }[][];
}): string | undefined {
  return nameValues(caSubject as never, OID.organizationalUnitName)[0];
}
