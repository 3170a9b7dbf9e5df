/** Makes an intermediate CA's key and the CSR its root signs (`signCaCsr`). */
import { NodeIdError } from '../errors.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import type { KeyAlgorithm, KeyPair } from '../keys/key-algorithm.js';
import { encodeCertificationRequest } from '../lib/certification-request.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { basicConstraintsExtension, keyUsageExtension } from '../lib/extensions.js';
import { encodeName } from '../lib/name.js';
import { encodePem } from '../lib/pem.js';

/** Options for {@link createCaCsr}. */
export interface CreateCaCsrOptions extends CryptoOptions {
  /** The cluster the CA serves, recorded as its OU (as {@link createCa} does). */
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
  /** Whether the new private key can be exported; default `true` (it must be written to a file). */
  extractable?: boolean;
}

/** Result of {@link createCaCsr}. */
export interface CreateCaCsrResult {
  /** The CSR as PEM (`CERTIFICATE REQUEST`): this goes to the root's host. */
  pem: string;
  der: Uint8Array;
  /** The intermediate's key pair, which stays with the intermediate. */
  keyPair: KeyPair;
}

/**
 * Creates a key pair and a PKCS#10 request (RFC 2986) for an intermediate CA: the subject is
 * the CA's name and the extension request (PKCS#9 extensionRequest) asks for basicConstraints
 * CA:TRUE and keyUsage keyCertSign + cRLSign, both critical. The request is signed with the new
 * key (proof of possession). The root decides the path length, name constraints and lifetime
 * when it signs ({@link signCaCsr}).
 *
 * @example
 * ```ts
 * const { pem, keyPair } = await createCaCsr({ clusterName: 'scale.cluster', commonName: 'rack-1 CA' });
 * // carry `pem` to the root's host; keep keyPair.privateKey here
 * ```
 */
export async function createCaCsr(options: CreateCaCsrOptions): Promise<CreateCaCsrResult> {
  const crypto = getCrypto(options);
  const commonName =
    options.commonName ?? (options.clusterName ? `${options.clusterName} CA` : undefined);
  if (!commonName)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a CA needs a cluster name or a common name');
  const keyPair =
    options.keyPair ??
    (await generateKeyPair({
      algorithm: options.algorithm,
      extractable: options.extractable ?? true,
      crypto,
    }));
  const subject = encodeName({
    country: options.country,
    organization: options.organization,
    organizationalUnit: options.clusterName,
    commonName,
  });
  const der = await encodeCertificationRequest({
    subject,
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    extensions: [basicConstraintsExtension(true), keyUsageExtension(['keyCertSign', 'cRLSign'])],
    subtle: crypto.subtle,
  });
  return { pem: encodePem('CERTIFICATE REQUEST', der), der, keyPair };
}
