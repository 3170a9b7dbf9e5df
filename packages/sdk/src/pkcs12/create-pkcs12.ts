/**
 * Writes PKCS#12 files (RFC 7292) the way OpenSSL 3's `openssl pkcs12 -export` does by default:
 * the certificates in an `encryptedData` SafeContents and the key in a `pkcs8ShroudedKeyBag`,
 * both PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018), and an HMAC-SHA256 integrity
 * MAC keyed by the PKCS#12 KDF (RFC 7292 Appendix B). Java (keytool, `javax.net.ssl.keyStore`),
 * OpenSSL, Kafka and Elasticsearch read it. A truststore holds CA certificates marked with
 * Java's trusted key usage attribute, which makes them `trustedCertEntry`s.
 */
import {
  type Certificate,
  type CertificateInput,
  parseCertificate,
} from '../certificate/parse-certificate.js';
import { guard, NodeIdError } from '../errors.js';
import { DEFAULT_PBKDF2_ITERATIONS } from '../keys/export-private-key-pem.js';
import { keyMatchesCertificate } from '../keys/key-matches-certificate.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import {
  children,
  decode,
  explicit,
  implicit,
  int,
  nul,
  octets,
  oid,
  seq,
  setOf,
  Tag,
  tlv,
} from '../lib/der.js';
import { exportPkcs8 } from '../lib/key-export.js';
import { privateKeyArgument } from '../lib/key-import.js';
import { nameValues } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { optionsArgument } from '../lib/options-argument.js';
import { encryptPrivateKey } from '../lib/pbes2.js';
import { passphraseText } from './passphrase.js';
import { computeMac } from './pkcs12-mac.js';
import { P12 } from './pkcs12-oids.js';

/**
 * Iterations of the MAC and of the certificates' encryption by default: what Java 17's keytool
 * writes, above OpenSSL 3's 2048. The private key gets {@link DEFAULT_PBKDF2_ITERATIONS}, as an
 * encrypted PEM key does, so a keystore is no easier to brute-force than the key file.
 */
export const DEFAULT_PKCS12_ITERATIONS = 10_000;

/** Fewest iterations accepted when writing (RFC 8018 §4.2 and RFC 7292 Appendix B.3 ask 1000). */
const MIN_ITERATIONS = 1000;

/** Options for {@link createPkcs12}. */
export interface CreatePkcs12Options extends CryptoOptions {
  /**
   * The store's passphrase (not empty). It protects the MAC, the key and the certificates, as
   * Java and OpenSSL expect one password for all three.
   */
  passphrase: string | Uint8Array;
  /** The private key of a keystore entry; must be extractable and match `certificate`. */
  privateKey?: CryptoKey;
  /** The certificate of `privateKey`. */
  certificate?: CertificateInput;
  /** The issuing CAs of `certificate`, nearest first (intermediates, then the root). */
  chain?: CertificateInput[];
  /** CA certificates to trust: each becomes a Java `trustedCertEntry` (a truststore). */
  trusted?: CertificateInput[];
  /**
   * The key entry's alias (friendlyName). Default: the certificate's first fully qualified DNS
   * name, else its first DNS name, else its common name. Trusted certificates are named after their common name.
   */
  friendlyName?: string;
  /** MAC and certificate encryption iterations; default {@link DEFAULT_PKCS12_ITERATIONS}. */
  iterations?: number;
  /** PBKDF2 iterations of the private key; default {@link DEFAULT_PBKDF2_ITERATIONS}. */
  keyIterations?: number;
}

function iterationsOf(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < MIN_ITERATIONS || n > 10_000_000)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      `${what} must be a whole number from ${MIN_ITERATIONS} to 10000000`,
    );
  return n;
}

/** A PKCS#12 attribute: `SEQUENCE { attrId, SET OF value }`. */
const attribute = (id: string, ...values: Uint8Array[]) => seq(oid(id), setOf(...values));

/** A BMPString (friendlyName is one, RFC 2985 §5.5.1). */
function bmpString(text: string): Uint8Array {
  const body = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    body[i * 2] = text.charCodeAt(i) >> 8;
    body[i * 2 + 1] = text.charCodeAt(i) & 0xff;
  }
  return tlv(Tag.BMP_STRING, body);
}

function certBag(cert: Certificate, attributes: Uint8Array[]): Uint8Array {
  const value = seq(oid(P12.x509Certificate), explicit(0, octets(cert.der)));
  return seq(
    oid(P12.certBag),
    explicit(0, value),
    ...(attributes.length ? [setOf(...attributes)] : []),
  );
}

/** `ContentInfo` of type data around `SafeContents`. */
const dataContent = (safeContents: Uint8Array) =>
  seq(oid(P12.data), explicit(0, octets(safeContents)));

/** `ContentInfo` of type encryptedData: PBES2-encrypted `SafeContents` (RFC 2315 §13). */
async function encryptedContent(
  crypto: Crypto,
  safeContents: Uint8Array,
  passphrase: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  // encryptPrivateKey returns SEQUENCE { AlgorithmIdentifier, OCTET STRING ciphertext }: the same
  // two values EncryptedContentInfo carries, the ciphertext as [0] IMPLICIT.
  const [algorithm, ciphertext] = children(
    decode(await encryptPrivateKey(crypto, safeContents, passphrase, iterations)),
  );
  const encryptedContentInfo = seq(oid(P12.data), algorithm!.raw, implicit(0, ciphertext!.value));
  return seq(oid(P12.encryptedData), explicit(0, seq(int(0), encryptedContentInfo)));
}

/** The first fully qualified DNS name, else the first DNS name, else the common name. */
function defaultAlias(cert: Certificate): string {
  const dns = (cert.subjectAltNames ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
  return (
    dns.find((d) => d.includes('.')) ??
    dns[0] ??
    nameValues(cert.subject, OID.commonName)[0] ??
    'nodeid'
  );
}

/**
 * Writes a PKCS#12 file (DER bytes, usually named `.p12` or `.pfx`): a keystore (a private key,
 * its certificate and chain), a truststore (`trusted` CA certificates), or both.
 *
 * - Certificates: one `encryptedData` SafeContents (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC).
 * - Key: a `pkcs8ShroudedKeyBag` (RFC 7292 §4.2.2) with the same scheme; key and certificate bags
 *   share a `localKeyId` (the SHA-1 of the certificate, as OpenSSL writes) and a `friendlyName`.
 * - Trusted CAs: certificate bags with friendlyName and Java's trusted key usage attribute
 *   (`2.16.840.1.113894.746875.1.1` = anyExtendedKeyUsage), as `keytool -importcert` writes.
 * - MAC: HMAC-SHA256 with a 16-byte salt (RFC 7292 §5.1, Appendix B).
 *
 * The passphrase is UTF-8 for PBES2 and a BMPString for the MAC (RFC 7292 Appendix B.1), which is
 * what OpenSSL 3 and Java both do.
 *
 * @example
 * ```ts
 * const keystore = await createPkcs12({
 *   privateKey: node.privateKey, certificate: node.certificate, chain: node.chain,
 *   passphrase: 'changeit',
 * });
 * const truststore = await createPkcs12({ trusted: [ca.certificate], passphrase: 'changeit' });
 * // java -Djavax.net.ssl.keyStore=node.p12 -Djavax.net.ssl.trustStore=truststore.p12 ...
 * ```
 */
export async function createPkcs12(options: CreatePkcs12Options): Promise<Uint8Array> {
  optionsArgument(options, 'createPkcs12');
  const crypto = getCrypto(options);
  const passphrase = passphraseText(options?.passphrase);
  if (passphrase === '')
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'a PKCS#12 file needs a passphrase that is not empty',
    );
  const utf8 = new TextEncoder().encode(passphrase);
  const iterations = iterationsOf(options.iterations, DEFAULT_PKCS12_ITERATIONS, 'iterations');
  const keyIterations = iterationsOf(
    options.keyIterations,
    DEFAULT_PBKDF2_ITERATIONS,
    'keyIterations',
  );
  if ((options.privateKey === undefined) !== (options.certificate === undefined))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'a keystore entry needs both `privateKey` and `certificate`',
    );
  const trusted = (options.trusted ?? []).map((c) => parseCertificate(c));
  if (options.certificate === undefined && trusted.length === 0)
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'nothing to store: pass `privateKey` and `certificate`, or `trusted` certificates',
    );

  const certBags: Uint8Array[] = [];
  const safes: Uint8Array[] = [];
  let keyBag: Uint8Array | undefined;
  if (options.certificate !== undefined) {
    const key = privateKeyArgument(options.privateKey);
    if (!key.extractable)
      throw new NodeIdError(
        'ERR_KEY_NOT_EXTRACTABLE',
        'the private key is not extractable; create or import it with `extractable: true` to store it',
      );
    const cert = parseCertificate(options.certificate);
    if (!(await keyMatchesCertificate(key, cert, { crypto })))
      throw new NodeIdError('ERR_KEY_MISMATCH', 'the private key does not match the certificate');
    const localKeyId = new Uint8Array(await crypto.subtle.digest('SHA-1', cert.der.slice()));
    const alias = options.friendlyName ?? defaultAlias(cert);
    const attributes = [
      attribute(P12.friendlyName, bmpString(alias)),
      attribute(P12.localKeyId, octets(localKeyId)),
    ];
    certBags.push(certBag(cert, attributes));
    for (const c of options.chain ?? []) certBags.push(certBag(parseCertificate(c), []));
    const pkcs8 = await exportPkcs8(crypto.subtle, key);
    const shrouded = await encryptPrivateKey(crypto, pkcs8, utf8, keyIterations);
    keyBag = seq(oid(P12.pkcs8ShroudedKeyBag), explicit(0, shrouded), setOf(...attributes));
  }
  const aliases = new Set<string>();
  for (const ca of trusted) {
    const base = (nameValues(ca.subject, OID.commonName)[0] ?? 'ca').toLowerCase();
    let alias = base;
    for (let i = 2; aliases.has(alias); i++) alias = `${base}-${i}`;
    aliases.add(alias);
    certBags.push(
      certBag(ca, [
        attribute(P12.friendlyName, bmpString(alias)),
        attribute(P12.javaTrustedKeyUsage, oid(OID.anyExtendedKeyUsage)),
      ]),
    );
  }
  safes.push(await encryptedContent(crypto, seq(...certBags), utf8, iterations));
  if (keyBag) safes.push(dataContent(seq(keyBag)));

  // RFC 7292 §5.1: the MAC is over the AuthenticatedSafe, the contents of authSafe's OCTET STRING.
  const authenticatedSafe = seq(...safes);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const mac = await computeMac(
    crypto.subtle,
    'SHA-256',
    passphrase,
    salt,
    iterations,
    authenticatedSafe,
  );
  return guard('ERR_INTERNAL', 'the PKCS#12 file could not be encoded', () =>
    seq(
      int(3),
      dataContent(authenticatedSafe),
      seq(seq(seq(oid(P12.sha256), nul()), octets(mac)), octets(salt), int(iterations)),
    ),
  );
}
