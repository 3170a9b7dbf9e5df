/** Key identifiers (SKI/AKI) and the SubjectPublicKeyInfo of WebCrypto keys. */
import { guard, NodeIdError } from '../errors.js';
import { children, decode } from './der.js';

/**
 * The key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
 * SHA-1 is fine here: it names a key, it secures nothing.
 */
export async function keyIdentifier(subtle: SubtleCrypto, spki: Uint8Array): Promise<Uint8Array> {
  const bitString = children(decode(spki))[1];
  if (!bitString) throw new NodeIdError('ERR_KEY_INVALID', 'malformed public key');
  return new Uint8Array(await subtle.digest('SHA-1', bitString.value.slice(1)));
}

/** The SubjectPublicKeyInfo DER of a public key. */
export async function exportSpki(subtle: SubtleCrypto, publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(
    await guard('ERR_KEY_INVALID', 'cannot export the public key', () =>
      subtle.exportKey('spki', publicKey),
    ),
  );
}
