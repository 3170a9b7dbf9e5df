/** The fast SPKI and PKCS#8 encodings are byte for byte what WebCrypto exports. */
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/index.js';
import { toHex } from '../../src/lib/bytes.js';
import { exportPkcs8, exportSpki } from '../../src/lib/key-export.js';

const subtle = globalThis.crypto.subtle;

describe('fast key exports', () => {
  for (const algorithm of ['P-256', 'P-384', 'Ed25519', 'RSA-2048'] as const) {
    it(`${algorithm}: SPKI and PKCS#8 equal WebCrypto's own exports`, async () => {
      for (let i = 0; i < (algorithm === 'RSA-2048' ? 1 : 20); i++) {
        const keys = await generateKeyPair({ algorithm, extractable: true });
        expect(toHex(await exportSpki(subtle, keys.publicKey))).toBe(
          toHex(new Uint8Array(await subtle.exportKey('spki', keys.publicKey))),
        );
        expect(toHex(await exportPkcs8(subtle, keys.privateKey))).toBe(
          toHex(new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey))),
        );
      }
    });
  }

  it('a non-extractable private key is refused with a NodeIdError', async () => {
    const keys = await generateKeyPair({ extractable: false });
    await expect(exportPkcs8(subtle, keys.privateKey)).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
  });
});
