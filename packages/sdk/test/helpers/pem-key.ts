/** Writes a WebCrypto private key as unencrypted PKCS#8 PEM for openssl (tests only). */
import { encodePem } from '../../src/lib/pem.js';

export async function pkcs8Pem(key: CryptoKey): Promise<string> {
  return encodePem('PRIVATE KEY', new Uint8Array(await crypto.subtle.exportKey('pkcs8', key)));
}
