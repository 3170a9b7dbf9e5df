/** Creates a cluster CA: a self-signed root, or an intermediate signed by another CA. */
import { NodeIdError } from '../errors.js';
import type { Identity, Issuer } from '../issue/identity.js';
import { DEFAULT_CA_DAYS } from '../issue/profiles.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import type { KeyAlgorithm, KeyPair } from '../keys/key-algorithm.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import type { NameConstraintsOptions } from '../lib/extensions.js';
import { exportSpki } from '../lib/key-id.js';
import { encodeName } from '../lib/name.js';
import { optionsArgument } from '../lib/options-argument.js';
import type { ValidityOptions } from '../lib/validity.js';
import { assertPathLength, signCaCertificate } from './ca-certificate.js';

/** Options for {@link createCa}. */
export interface CreateCaOptions extends CryptoOptions, ValidityOptions {
  /**
   * The cluster this CA serves. It is recorded as the CA's organizational unit (`OU`), so node
   * identities issued later get it as their CN without repeating it.
   */
  clusterName?: string;
  /** The CA's common name; default `<clusterName> CA`. One of the two is required. */
  commonName?: string;
  /** Organization (O). */
  organization?: string;
  /** Two-letter country code (C). */
  country?: string;
  /** Key algorithm; default `P-256`. Ignored when `keyPair` is given. */
  algorithm?: KeyAlgorithm;
  /** Use this key pair instead of generating one. */
  keyPair?: KeyPair;
  /** Most CAs allowed below this one (basicConstraints pathLenConstraint); default unlimited. */
  pathLength?: number;
  /** Names this CA may or may not issue for. */
  nameConstraints?: NameConstraintsOptions;
  /** Sign with this CA instead of self-signing: makes an intermediate CA. */
  issuer?: Issuer;
  /** Whether the new private key can be exported; default `true` (it must be written to a file). */
  extractable?: boolean;
}

/**
 * Creates a CA certificate and key: a self-signed root by default, an intermediate when `issuer`
 * is given. The CA gets basicConstraints CA:TRUE (critical, with the path length if given),
 * keyUsage keyCertSign + cRLSign (critical), SKI, AKI, and name constraints if given; under an
 * issuer with `crlDistributionPoints`, those CRL addresses (RFC 5280 §4.2.1.13).
 * Default lifetime: 3650 days (an intermediate's is clamped to its issuer's).
 *
 * @example
 * ```ts
 * const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example', days: 3650 });
 * const intermediate = await createCa({ commonName: 'rack-1 CA', issuer: ca, pathLength: 0 });
 * ```
 */
export async function createCa(options: CreateCaOptions): Promise<Identity> {
  optionsArgument(options, 'createCa');
  const crypto = getCrypto(options);
  const commonName =
    options.commonName ?? (options.clusterName ? `${options.clusterName} CA` : undefined);
  if (!commonName)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a CA needs a cluster name or a common name');
  assertPathLength(options.pathLength);
  const issuer = options.issuer;
  if (issuer && !issuer.certificate.basicConstraints?.ca)
    throw new NodeIdError(
      'ERR_CA_INVALID',
      `"${issuer.certificate.subject.text}" is not a CA certificate`,
    );
  const keyPair =
    options.keyPair ??
    (await generateKeyPair({
      algorithm: options.algorithm,
      extractable: options.extractable ?? true,
      crypto,
    }));
  const spki = await exportSpki(crypto.subtle, keyPair.publicKey);
  const subject = encodeName({
    country: options.country,
    organization: options.organization,
    organizationalUnit: options.clusterName,
    commonName,
  });
  const { certificate, warnings } = await signCaCertificate(crypto, {
    ...options,
    issuer,
    selfSigningKey: keyPair.privateKey,
    subject,
    spki,
    defaultDays: DEFAULT_CA_DAYS,
  });
  return {
    certificate,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    algorithm: keyPair.algorithm,
    chain: issuer ? [issuer.certificate, ...(issuer.chain ?? [])] : [],
    warnings,
  };
}
