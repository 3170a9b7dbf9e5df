/** Object identifiers of PKCS#12 (RFC 7292), PKCS#7 content types and Java's trust attribute. */
export const P12 = {
  /** PKCS#7 `data` (RFC 2315 §8). */
  data: '1.2.840.113549.1.7.1',
  /** PKCS#7 `encryptedData` (RFC 2315 §13). */
  encryptedData: '1.2.840.113549.1.7.6',
  /** PKCS#7 `signedData`: the public-key integrity mode, which we do not read. */
  signedData: '1.2.840.113549.1.7.2',
  /** PKCS#7 `envelopedData`: the public-key privacy mode, which we do not read. */
  envelopedData: '1.2.840.113549.1.7.3',
  // RFC 7292 §4.2 bag types
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  crlBag: '1.2.840.113549.1.12.10.1.4',
  secretBag: '1.2.840.113549.1.12.10.1.5',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  /** CertBag type `x509Certificate` (RFC 7292 §4.2.3). */
  x509Certificate: '1.2.840.113549.1.9.22.1',
  /** PKCS#9 friendlyName (a BMPString), the alias Java and OpenSSL show. */
  friendlyName: '1.2.840.113549.1.9.20',
  /** PKCS#9 localKeyId, pairing a key bag with its certificate bag. */
  localKeyId: '1.2.840.113549.1.9.21',
  /**
   * Oracle's trusted key usage attribute (`ORACLE_TrustedKeyUsage`): a certificate bag carrying
   * it is a `trustedCertEntry` for Java (`keytool -importcert` writes anyExtendedKeyUsage, as
   * does OpenSSL 3's `pkcs12 -export -jdktrust anyExtendedKeyUsage`).
   */
  javaTrustedKeyUsage: '2.16.840.1.113894.746875.1.1',
  /** PBMAC1 (RFC 9579), written by OpenSSL 3.4+ only with `-pbmac1_pbkdf2`. */
  pbmac1: '1.2.840.113549.1.5.14',
  // digests of the MAC (MacData.mac.digestAlgorithm)
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/**
 * The legacy password-based encryption schemes, by name: RFC 7292 Appendix C (SHA-1 with RC4,
 * 3DES or RC2), written by `openssl pkcs12 -export -legacy`, OpenSSL 1.x and old Java, and the
 * PBES1 schemes of PKCS#5 v1.5 (RFC 8018 Appendix A.3). WebCrypto has none of these ciphers:
 * pbe-legacy.ts reads all but the MD2/MD5 ones, which are named and refused.
 */
export const LEGACY_PBE: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
};
