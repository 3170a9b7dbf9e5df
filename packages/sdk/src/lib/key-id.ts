/** Key identifiers (SKI/AKI) and the SubjectPublicKeyInfo of WebCrypto keys. */
import { NodeIdError } from '../errors.js';
import { children, decode } from './der.js';
import { sha1 } from './sha1.js';

/**
 * The key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
 * SHA-1 is fine here: it names a key, it secures nothing.
 */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const bitString = children(decode(spki))[1];
  if (!bitString) throw new NodeIdError('ERR_KEY_INVALID', 'malformed public key');
  return sha1(bitString.value.subarray(1));
}

export { exportSpki } from './key-export.js';
