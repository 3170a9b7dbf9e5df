/** Private helper: SHA-256 and SHA-1 fingerprints of DER, as openssl prints them. */
import { guard } from '../errors.js';
import { toArrayBuffer, toColonHex } from '../lib/bytes.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';

/** Colon-separated upper-case hex digests of `der`. @internal */
export async function fingerprints(
  der: Uint8Array,
  options: CryptoOptions = {},
): Promise<{ sha256: string; sha1: string }> {
  const { subtle } = getCrypto(options);
  const [sha256, sha1] = await guard('ERR_CRYPTO_UNAVAILABLE', 'cannot compute a digest', () =>
    Promise.all([
      subtle.digest('SHA-256', toArrayBuffer(der)),
      subtle.digest('SHA-1', toArrayBuffer(der)),
    ]),
  );
  return { sha256: toColonHex(new Uint8Array(sha256)), sha1: toColonHex(new Uint8Array(sha1)) };
}
