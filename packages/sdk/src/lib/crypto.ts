/** Picks the WebCrypto implementation: the caller's, else the runtime's global one. */
import { NodeIdError } from '../errors.js';

/** Options every SDK function that uses cryptography accepts. */
export interface CryptoOptions {
  /**
   * A WebCrypto implementation. Defaults to `globalThis.crypto`; pass `new Crypto()` from
   * `@peculiar/webcrypto` on a runtime without one.
   */
  crypto?: Crypto;
}

/** The `Crypto` to use for `options`. */
export function getCrypto(options?: CryptoOptions): Crypto {
  const c = options?.crypto ?? (globalThis as { crypto?: Crypto }).crypto;
  if (!c?.subtle) {
    throw new NodeIdError(
      'ERR_CRYPTO_UNAVAILABLE',
      'no WebCrypto implementation: pass `crypto` (e.g. from @peculiar/webcrypto)',
    );
  }
  return c;
}
