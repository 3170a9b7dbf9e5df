/**
 * The CRLs of a CA during a key rotation (`ca rotate` until `ca retire-old`): the new key and the
 * old key share the CA's name, and each signs the CRL for the certificates it issued.
 *
 * RFC 5280 §6.3.3 (b)(1), (f): a relying party uses a CRL whose issuer is the certificate's
 * issuer and whose signature verifies under that issuer's key, the one the certificate's
 * authorityKeyIdentifier names (§4.2.1.1, §5.2.1). A revoked old-key leaf listed only in the new
 * key's CRL is therefore not seen as revoked: OpenSSL (and so nginx `ssl_crl`) looks for a CRL
 * signed by the old key.
 */

import { isIssuedBy } from '../ca/rotate-ca.js';
import type { CertificateInput } from '../certificate/parse-certificate.js';
import type { Issuer } from '../issue/identity.js';
import type { CryptoOptions } from '../lib/crypto.js';
import { type CreateCrlEntry, type CreateCrlResult, createCrl } from './create-crl.js';

/** A revocation with the revoked certificate, when the inventory still holds it. */
export interface RevocationWithCertificate extends CreateCrlEntry {
  /** The revoked certificate (PEM or DER); absent when it is not known. */
  certificate?: CertificateInput;
}

/**
 * Splits revocations between the CA keys that issued the revoked certificates: entry `i` of the
 * answer lists the revocations of certificates issued by `issuers[i]` (by issuer name and
 * authorityKeyIdentifier, or by signature without one: {@link isIssuedBy}). A revocation whose
 * certificate is unknown, or that no CA given issued, goes into every list: listing a serial in
 * one CRL too many revokes nothing else (serials are unique per issuer name, RFC 5280 §4.1.2.2),
 * while leaving it out could un-revoke a certificate.
 *
 * @example
 * ```ts
 * const [ofNew, ofOld] = await splitRevocationsByIssuer(entries, [newRoot, oldRoot]);
 * ```
 */
export async function splitRevocationsByIssuer(
  revocations: readonly RevocationWithCertificate[],
  issuers: readonly CertificateInput[],
  options: CryptoOptions = {},
): Promise<CreateCrlEntry[][]> {
  const lists: CreateCrlEntry[][] = issuers.map(() => []);
  for (const r of revocations) {
    const { certificate, ...entry } = r;
    let matched = false;
    if (certificate !== undefined)
      for (const [i, ca] of issuers.entries())
        if (await isIssuedBy(certificate, ca, options).catch(() => false)) {
          lists[i]!.push(entry);
          matched = true;
          break;
        }
    if (!matched) for (const list of lists) list.push(entry);
  }
  return lists;
}

/** Options of {@link createCrlsByIssuer}. */
export interface CreateCrlsByIssuerOptions extends CryptoOptions {
  /** The CA keys that sign, the current one first (then the old key of a rotation). */
  issuers: readonly Issuer[];
  /** Every revocation of the inventory, with the revoked certificate where known. */
  revocations: readonly RevocationWithCertificate[];
  /**
   * The CRL number of this generation, written into every CRL made now: one counter shared by
   * the keys and increased for every generation is monotonic for each of them (RFC 5280
   * §5.2.3), and CRLs of the same generation carry the same number, so a verifier that compares
   * numbers by issuer name alone never sees one of them as older.
   */
  crlNumber: bigint | number;
  now?: Date;
  nextUpdate?: Date | number | string;
}

/**
 * Signs one CRL per CA key, in the order of `issuers`. The current key's CRL (`issuers[0]`)
 * lists every revocation: it is a complete CRL of the CA's name, and a verifier that follows
 * RFC 5280 §6.3.3 (f) to the letter accepts a CRL signed by another key of the same CA (a key
 * rollover) whose path reaches the same trust anchor, and then looks no further (§6.3.3 (l):
 * all reasons covered), so leaving the old key's revocations out of it would un-revoke them
 * there (the SDK's own `verifyCertificate` is such a verifier). Every other key's CRL lists the
 * revocations of the certificates that key issued ({@link splitRevocationsByIssuer}), for
 * verifiers that take only a CRL signed by the certificate's own issuer key (OpenSSL, and so
 * nginx `ssl_crl`, match the CRL to the authorityKeyIdentifier).
 *
 * @example
 * ```ts
 * const crls = await createCrlsByIssuer({ issuers: [ca, previousCa], revocations, crlNumber: 7n });
 * const file = crls.map((c) => c.pem).join(''); // nginx ssl_crl and openssl -CRLfile read all of them
 * ```
 */
export async function createCrlsByIssuer(
  options: CreateCrlsByIssuerOptions,
): Promise<CreateCrlResult[]> {
  const lists = await splitRevocationsByIssuer(
    options.revocations,
    options.issuers.map((i) => i.certificate),
    options,
  );
  const out: CreateCrlResult[] = [];
  for (const [i, issuer] of options.issuers.entries())
    out.push(
      await createCrl({
        issuer,
        entries:
          i === 0 ? options.revocations.map(({ certificate: _, ...entry }) => entry) : lists[i]!,
        crlNumber: options.crlNumber,
        now: options.now,
        nextUpdate: options.nextUpdate,
        crypto: options.crypto,
      }),
    );
  return out;
}
