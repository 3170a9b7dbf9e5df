/** base64url without padding (RFC 4648 §5), as JOSE (RFC 7515 §2) and ACME use it. */
import { fromBase64, toBase64 } from './bytes.js';

/** base64url of bytes, unpadded. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Bytes of unpadded base64url text; `undefined` when it is not that (padding, `+`, `/`,
 * whitespace or a length of 4n+1 are refused: RFC 7515 §2 allows no padding or line breaks).
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1)
    return undefined;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

/** UTF-8 bytes of text. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
