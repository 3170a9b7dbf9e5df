/** Random certificate serial numbers. */

/**
 * 16 random bytes (127 bits of entropy), positive, with a non-zero first byte so the encoding
 * is always 16 bytes long (RFC 5280 allows up to 20).
 */
export function randomSerial(crypto: Crypto): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}
