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

/** Parameters of {@link libraryCreateCsr}. @internal */
export interface LibraryCsrParams {
  /** Subject Name DER. */
  subject: Uint8Array;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  sans: SanEntry[];
  crypto: Crypto;
}

function signingAlgorithm(key: CryptoKey): Algorithm & { hash?: string } {
  const alg = key.algorithm as EcKeyAlgorithm;
  if (alg.name === 'ECDSA')
    return { name: 'ECDSA', hash: alg.namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' };
  if (alg.name === 'Ed25519') return { name: 'Ed25519' };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

/** A PKCS#10 request made by the library's generator: the DER bytes. @internal */
export async function libraryCreateCsr(p: LibraryCsrParams): Promise<Uint8Array> {
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
          signingAlgorithm: signingAlgorithm(p.privateKey),
          extensions,
        },
        p.crypto,
      );
      return new Uint8Array(csr.rawData);
    },
  );
}
