/** The result type shared by CA creation and issuance. */
import type { Certificate } from '../certificate/parse-certificate.js';
import type { DeniedName } from '../csr/signing-policy.js';
import type { KeyAlgorithm } from '../keys/key-algorithm.js';

/**
 * A certificate with its key pair: a CA, a node, a server or a client identity.
 * `chain` holds the issuing CA certificates, nearest first and the root last; it is empty for a root CA.
 */
export interface Identity {
  certificate: Certificate;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  algorithm: KeyAlgorithm;
  chain: Certificate[];
  /** Things the caller should know, e.g. that the lifetime was shortened to the CA's. */
  warnings: string[];
  /**
   * Names asked for but left out, with the reason: those the name constraints of the issuing CA
   * (or a CA above it) refuse (RFC 5280 §4.2.1.10). Empty or absent when every name was issued.
   */
  denied?: DeniedName[];
}

/** A CA that can sign: its certificate, its private key and the CAs above it. */
export interface Issuer {
  certificate: Certificate;
  privateKey: CryptoKey;
  /** CAs above this one, nearest first (empty for a root). */
  chain?: Certificate[];
  /**
   * CRL addresses (http URLs) written as cRLDistributionPoints into every certificate this CA
   * issues (RFC 5280 §4.2.1.13), unless the issuing call gives its own. `loadCaFolder` fills it
   * from the folder's `crlUrl` setting.
   */
  crlDistributionPoints?: readonly string[];
}
