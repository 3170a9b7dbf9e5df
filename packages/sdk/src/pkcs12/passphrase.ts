/** The passphrase of a PKCS#12 file as text: the MAC needs its characters, PBES2 its UTF-8. */
import { NodeIdError } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A string as is; bytes decoded as UTF-8 (`ERR_INVALID_ARGUMENT` when they are not UTF-8). */
export function passphraseText(passphrase: unknown): string {
  if (typeof passphrase === 'string') return passphrase;
  if (passphrase instanceof Uint8Array) {
    try {
      return decoder.decode(passphrase);
    } catch {
      throw new NodeIdError('ERR_INVALID_ARGUMENT', 'the PKCS#12 passphrase must be UTF-8 text');
    }
  }
  throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a PKCS#12 file needs a `passphrase` (text)');
}
