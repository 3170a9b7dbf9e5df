/**
 * Cipher block chaining decryption (NIST SP 800-38A §6.2) and the PKCS#5 padding check (RFC 8018
 * §6.1.1 step 4, the same as RFC 2315 §10.3 note 2) for the 8-byte block ciphers of legacy PKCS#12
 * files, which WebCrypto does not have.
 */
import { NodeIdError } from '../errors.js';

/** A block cipher's decryption of one 8-byte block. */
export type BlockDecryptor = (block: Uint8Array) => Uint8Array;

const BLOCK = 8;

/**
 * Decrypts `ciphertext` in CBC mode, P_j = CIPH⁻¹_K(C_j) ⊕ C_{j-1} with C_0 = IV, and removes the
 * PKCS#5 padding. A length that is not whole blocks or a padding that is not n bytes of value n
 * (1 ≤ n ≤ 8) is `ERR_PASSPHRASE_WRONG`: with a wrong key, that is what the padding shows; the
 * caller says "damaged" instead when a MAC already proved the passphrase.
 */
export function cbcDecrypt(
  decrypt: BlockDecryptor,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) badPadding();
  const out = cbcDecryptBlocks(decrypt, iv, ciphertext);
  const n = out[out.length - 1]!;
  if (n < 1 || n > BLOCK) badPadding();
  for (let i = out.length - n; i < out.length; i++) if (out[i] !== n) badPadding();
  return out.subarray(0, out.length - n);
}

/** CBC decryption of whole blocks, SP 800-38A §6.2, the padding left in place. */
export function cbcDecryptBlocks(
  decrypt: BlockDecryptor,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (iv.length !== BLOCK) throw new RangeError('the IV is one 8-byte block');
  if (ciphertext.length % BLOCK !== 0) throw new RangeError('CBC takes whole 8-byte blocks');
  const out = new Uint8Array(ciphertext.length);
  let previous = iv;
  for (let off = 0; off < ciphertext.length; off += BLOCK) {
    const block = ciphertext.subarray(off, off + BLOCK);
    const plain = decrypt(block);
    for (let i = 0; i < BLOCK; i++) out[off + i] = plain[i]! ^ previous[i]!;
    previous = block;
  }
  return out;
}

function badPadding(): never {
  throw new NodeIdError(
    'ERR_PASSPHRASE_WRONG',
    'the decrypted data has no valid PKCS#5 padding (wrong passphrase or damaged data)',
  );
}
