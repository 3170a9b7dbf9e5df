/** Checking that a private key belongs to a certificate. */
import { type CertificateInput, parseCertificate } from '../certificate/parse-certificate.js';
import { guard, NodeIdError } from '../errors.js';
import { bytesEqual, toArrayBuffer } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { decode } from '../lib/der.js';
import { derivePublicKey, exportSpki, privateKeyArgument } from '../lib/key-import.js';
import { sign, signatureAlgorithmFor, verifySignature } from '../lib/signature.js';
import { importParams, type KeyPair, keyAlgorithmOf } from './key-algorithm.js';

/**
 * True when `privateKey` is the private half of the certificate's public key, as
 * `openssl x509 -noout -pubkey` and `openssl pkey -pubout` agree. An extractable key is compared
 * by its SubjectPublicKeyInfo (both sides re-encoded by WebCrypto, so the encodings cannot differ);
 * a non-extractable key proves itself by signing a random challenge that the certificate's key
 * verifies. A `KeyPair`'s stored public key is never trusted for this: the private key decides.
 *
 * @example
 * ```ts
 * const keys = await importPrivateKeyPem(keyPem);
 * if (!(await keyMatchesCertificate(keys, certPem))) throw new Error('node.key does not match node.crt');
 * ```
 */
export async function keyMatchesCertificate(
  privateKey: CryptoKey | KeyPair,
  certificate: CertificateInput,
  options: CryptoOptions = {},
): Promise<boolean> {
  const crypto = getCrypto(options);
  const key = privateKeyArgument(privateKey);
  const algorithm = keyAlgorithmOf(key);
  const cert = parseCertificate(certificate);
  if (key.extractable) {
    const ours = await exportSpki(crypto.subtle, await derivePublicKey(crypto.subtle, key));
    let theirs: Uint8Array;
    try {
      const certKey = await crypto.subtle.importKey(
        'spki',
        toArrayBuffer(cert.publicKey.spki),
        importParams(algorithm),
        true,
        ['verify'],
      );
      theirs = await exportSpki(crypto.subtle, certKey);
    } catch {
      return false; // the certificate's key is of another type, or not one WebCrypto reads
    }
    return bytesEqual(ours, theirs);
  }
  if (!key.usages.includes('sign'))
    throw new NodeIdError(
      'ERR_KEY_NOT_EXTRACTABLE',
      'the private key is neither extractable nor allowed to sign, so it cannot be matched',
    );
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const signature = await guard('ERR_KEY_INVALID', 'the private key cannot sign', () =>
    sign(crypto.subtle, key, challenge),
  );
  return verifySignature(
    crypto.subtle,
    cert.publicKey.spki,
    decode(signatureAlgorithmFor(key)),
    challenge,
    signature,
  );
}
