/**
 * The one door to @peculiar/x509. It loads the Reflect metadata polyfill the library needs
 * before the library itself, passes `crypto` explicitly (never touching the library's global
 * provider), and returns plain bytes. Used for CSR generation, where the library's generator is
 * well proven and speed does not matter.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { guard } from '../../errors.js';
import { toArrayBuffer } from '../bytes.js';
import type { SanEntry } from '../extensions.js';
import { signatureSchemeFor } from '../signature.js';

/** Parameters of {@link libraryCreateCsr}. @internal */
export interface LibraryCsrParams {
  /** Subject Name DER. */
  subject: Uint8Array;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  sans: SanEntry[];
  crypto: Crypto;
}

/** A PKCS#10 request made by the library's generator: the DER bytes. @internal */
export async function libraryCreateCsr(p: LibraryCsrParams): Promise<Uint8Array> {
  signatureSchemeFor(p.privateKey); // a weak or unsupported key fails with its own code first
  return guard(
    'ERR_KEY_INVALID',
    'cannot create the certificate request with this key',
    async () => {
      const extensions: x509.Extension[] = [];
      if (p.sans.length) {
        extensions.push(
          new x509.SubjectAlternativeNameExtension(
            p.sans.map(
              (s) =>
                ({
                  type: s.type === 'uri' ? 'url' : s.type,
                  value: s.value,
                }) as x509.JsonGeneralName,
            ),
            false,
          ),
        );
      }
      const csr = await x509.Pkcs10CertificateRequestGenerator.create(
        {
          name: new x509.Name(toArrayBuffer(p.subject)),
          keys: { privateKey: p.privateKey, publicKey: p.publicKey },
          // the signature algorithm comes from the SDK's one key -> signature table
          signingAlgorithm: signatureSchemeFor(p.privateKey).params as Algorithm,
          extensions,
        },
        p.crypto,
      );
      return new Uint8Array(csr.rawData);
    },
  );
}
