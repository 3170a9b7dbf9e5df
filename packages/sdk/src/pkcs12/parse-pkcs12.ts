/**
 * Reads PKCS#12 files (RFC 7292): what `openssl pkcs12 -export` (OpenSSL 3 defaults), Java's
 * keytool and {@link createPkcs12} write. The MAC is checked first (a wrong passphrase is
 * `ERR_PASSPHRASE_WRONG`), then the encrypted parts are decrypted: PBES2 through WebCrypto, and the
 * legacy PKCS#12 PBEs of RFC 7292 Appendix C (SHA-1 with 3DES, RC2 or RC4: `-legacy`, OpenSSL
 * 1.x, Windows, older Java) and the SHA-1 PBES1 schemes of PKCS#5 v1.5 (DES, RC2) through
 * pbe-legacy.ts, since WebCrypto has none of these ciphers. The MD2/MD5 PBES1 schemes are refused with `ERR_PKCS12_UNSUPPORTED`, naming the cipher and how to
 * re-export. Hostile input is bounded: strict DER, a size limit, a nesting limit and a budget of
 * KDF iterations.
 */
import { type Certificate, parseCertificateDer } from '../certificate/parse-certificate.js';
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import {
  children,
  type Der,
  decode,
  eachChild,
  expectTag,
  octets,
  readBigInt,
  readOid,
  readString,
  seq,
  Tag,
} from '../lib/der.js';
import { decryptPrivateKey, MAX_PBKDF2_ITERATIONS, readEncryptedPrivateKey } from '../lib/pbes2.js';
import { MAX_INPUT_BYTES } from '../lib/pem.js';
import { describePkcs8 } from '../lib/pkcs8.js';
import { passphraseText } from './passphrase.js';
import { decryptLegacyPbe, LEGACY_PBE_CIPHERS, readLegacyPbeParams } from './pbe-legacy.js';
import { checkMac, MAX_MAC_ITERATIONS, type Pkcs12MacHash } from './pkcs12-mac.js';
import { LEGACY_PBE, P12 } from './pkcs12-oids.js';

const CODE: NodeIdErrorCode = 'ERR_PKCS12_INVALID';

/** What to tell the owner of a legacy file. */
const REEXPORT =
  're-export it with OpenSSL 3 defaults: `openssl pkcs12 -legacy -in old.p12 -nodes | openssl pkcs12 -export -out new.p12` (or `keytool -importkeystore` with a JDK 11.0.12+)';

/** Most PBKDF2 iterations spent on one file, over all its encrypted parts. */
const ITERATION_BUDGET = 2 * MAX_PBKDF2_ITERATIONS;

/** SafeContents nested in safeContentsBags deeper than this are refused. */
const MAX_NESTING = 4;

const MAC_HASHES: Record<string, Pkcs12MacHash> = {
  [P12.sha1]: 'SHA-1',
  [P12.sha256]: 'SHA-256',
  [P12.sha384]: 'SHA-384',
  [P12.sha512]: 'SHA-512',
};

/** A certificate found in a PKCS#12 file. */
export interface Pkcs12Certificate {
  certificate: Certificate;
  /** The alias (PKCS#9 friendlyName), when the bag has one. */
  friendlyName?: string;
  /** PKCS#9 localKeyId: a key with the same id is this certificate's key. */
  localKeyId?: Uint8Array;
  /** True when Java's trusted key usage attribute marks it a trusted CA (`trustedCertEntry`). */
  trusted: boolean;
  /** True when a private key of the file has the same localKeyId. */
  hasKey: boolean;
}

/** A private key found in a PKCS#12 file. */
export interface Pkcs12Key {
  /**
   * The PKCS#8 `PrivateKeyInfo` DER, decrypted. Import it with `importPrivateKeyPem(pkcs8)`.
   * A secret: never log it.
   */
  pkcs8: Uint8Array;
  friendlyName?: string;
  localKeyId?: Uint8Array;
}

/** What {@link parsePkcs12} found. */
export interface Pkcs12Contents {
  /** Every certificate, in file order. */
  certificates: Pkcs12Certificate[];
  /** Every private key, in file order. */
  keys: Pkcs12Key[];
  /** The integrity MAC's hash and iterations; absent for a file without a MAC. */
  mac?: { hash: Pkcs12MacHash; iterations: number };
}

/** Options for {@link parsePkcs12}. */
export interface ParsePkcs12Options extends CryptoOptions {
  /** The file's passphrase. */
  passphrase: string | Uint8Array;
}

function fail(message: string): never {
  throw new NodeIdError(CODE, `not a valid PKCS#12 file: ${message}`);
}

function unsupported(message: string): never {
  throw new NodeIdError('ERR_PKCS12_UNSUPPORTED', message);
}

function smallInt(node: Der | undefined, what: string): number {
  const n = readBigInt(expectTag(node, Tag.INTEGER, what, CODE), CODE);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} out of range`);
  return Number(n);
}

/** `ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY }` (RFC 2315 §7). */
function contentInfo(node: Der | undefined, what: string): { type: string; content: Der } {
  const parts = children(expectTag(node, Tag.SEQUENCE, what, CODE), CODE);
  if (parts.length !== 2) fail(`${what} must have a type and a content`);
  const type = readOid(expectTag(parts[0], Tag.OID, `${what} type`, CODE), CODE);
  const wrapper = children(expectTag(parts[1], 0xa0, `${what} content`, CODE), CODE);
  if (wrapper.length !== 1) fail(`${what} content must be one value`);
  return { type, content: wrapper[0]! };
}

/** The bytes of a `data` content: an OCTET STRING (DER, so never constructed). */
function dataBytes(content: Der, what: string): Uint8Array {
  return expectTag(content, Tag.OCTET_STRING, what, CODE).value;
}

interface Attributes {
  friendlyName?: string;
  localKeyId?: Uint8Array;
  trusted: boolean;
}

/** `SET OF PKCS12Attribute` (RFC 7292 §4.2): the ones we use; others are kept out. */
function readAttributes(node: Der | undefined): Attributes {
  const out: Attributes = { trusted: false };
  if (!node) return out;
  for (const attr of children(expectTag(node, Tag.SET, 'bag attributes', CODE), CODE)) {
    const [id, values, extra] = children(expectTag(attr, Tag.SEQUENCE, 'attribute', CODE), CODE);
    if (extra) fail('an attribute has extra fields');
    const oidText = readOid(expectTag(id, Tag.OID, 'attribute type', CODE), CODE);
    const list = children(expectTag(values, Tag.SET, 'attribute values', CODE), CODE);
    if (oidText === P12.friendlyName && list[0]) {
      const text = readString(expectTag(list[0], Tag.BMP_STRING, 'friendlyName', CODE));
      if (text === undefined) fail('friendlyName is not a valid BMPString');
      out.friendlyName = text;
    } else if (oidText === P12.localKeyId && list[0]) {
      out.localKeyId = expectTag(list[0], Tag.OCTET_STRING, 'localKeyId', CODE).value.slice();
    } else if (oidText === P12.javaTrustedKeyUsage) {
      out.trusted = true;
    }
  }
  return out;
}

/** Mutable state of one parse: the passphrase, the results and the work left. */
interface Reader {
  subtle: SubtleCrypto;
  /** The passphrase: its UTF-8 bytes key PBES2, its BMPString the legacy PBEs (B.1). */
  passphrase: string;
  utf8: Uint8Array;
  /** True when the MAC was checked, so a decryption failure is a damaged file, not the passphrase. */
  macChecked: boolean;
  budget: number;
  certificates: (Omit<Pkcs12Certificate, 'hasKey'> & { hasKey?: boolean })[];
  keys: Pkcs12Key[];
}

/** A failed decryption: damaged when the MAC proved the passphrase, else a wrong passphrase. */
function wrongPassphrase(r: Reader, what: string): never {
  if (r.macChecked)
    fail(`the ${what} could not be decrypted though the MAC is right (a damaged file)`);
  throw new NodeIdError(
    'ERR_PASSPHRASE_WRONG',
    `wrong passphrase: the PKCS#12 ${what} could not be decrypted`,
  );
}

/**
 * Decrypts an `AlgorithmIdentifier` + ciphertext: PBES2, or a legacy PKCS#12 PBE of RFC 7292
 * Appendix C (3DES, RC2, RC4) or a SHA-1 PBES1 scheme. The MD5 ones are named and refused; errors
 * of the PKCS#8 reader are given the PKCS#12 codes.
 */
async function decrypt(
  r: Reader,
  algorithm: Der,
  ciphertext: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  const parts = children(expectTag(algorithm, Tag.SEQUENCE, `${what} algorithm`, CODE), CODE);
  const scheme = readOid(expectTag(parts[0], Tag.OID, `${what} algorithm`, CODE), CODE);
  const readable = LEGACY_PBE_CIPHERS[scheme];
  if (readable) {
    if (parts.length !== 2) fail(`the ${what} algorithm must have parameters only`);
    const params = readLegacyPbeParams(parts[1]);
    // Each KDF output block is `iterations` SHA-1 rounds: the key's blocks and the IV's one
    // (PBKDF1 derives both in one).
    const blocks =
      readable.kdf === 'pbkdf1'
        ? 1
        : Math.ceil(readable.keyLength / 20) + (readable.ivLength ? 1 : 0);
    r.budget -= params.iterations * blocks;
    if (r.budget < 0) fail(`refusing more than ${ITERATION_BUDGET} KDF iterations in one file`);
    try {
      return await decryptLegacyPbe(r.subtle, readable, params, r.passphrase, ciphertext);
    } catch (e) {
      if (NodeIdError.isInstance(e) && e.code === 'ERR_PASSPHRASE_WRONG') wrongPassphrase(r, what);
      throw e;
    }
  }
  const legacy = LEGACY_PBE[scheme];
  if (legacy)
    unsupported(
      `the ${what} is encrypted with ${legacy}, an MD5-based PKCS#5 v1.5 scheme nodeid does not read (it reads those of RFC 7292 Appendix C and the SHA-1 ones of PKCS#5); ${REEXPORT}`,
    );
  let encrypted: ReturnType<typeof readEncryptedPrivateKey>;
  try {
    encrypted = readEncryptedPrivateKey(seq(algorithm.raw, octets(ciphertext)));
  } catch (e) {
    if (NodeIdError.isInstance(e) && e.code === 'ERR_KEY_UNSUPPORTED')
      unsupported(
        `the ${what} uses an encryption nodeid cannot read (${e.message.split(';')[0]}); ${REEXPORT}`,
      );
    if (NodeIdError.isInstance(e)) fail(`${what}: ${e.message}`);
    throw e;
  }
  r.budget -= encrypted.params.iterations;
  if (r.budget < 0) fail(`refusing more than ${ITERATION_BUDGET} PBKDF2 iterations in one file`);
  try {
    return await decryptPrivateKey(r.subtle, encrypted, r.utf8);
  } catch (e) {
    if (NodeIdError.isInstance(e) && e.code === 'ERR_PASSPHRASE_WRONG') wrongPassphrase(r, what);
    throw e;
  }
}

/** `SafeContents ::= SEQUENCE OF SafeBag` (RFC 7292 §4.2). */
async function readSafeContents(
  r: Reader,
  bytes: Uint8Array,
  depth: number,
  decrypted = false,
): Promise<void> {
  if (depth > MAX_NESTING) fail('safe contents nested too deeply');
  let root: Der;
  try {
    root = decode(bytes, CODE);
  } catch (e) {
    // Without a MAC, a wrong key passes the padding check one time in 256 and yields garbage.
    if (decrypted && !r.macChecked && NodeIdError.isInstance(e)) wrongPassphrase(r, 'certificates');
    throw e;
  }
  // SafeContents ::= SEQUENCE OF SafeBag (RFC 7292 §4.2), read bag by bag; a SafeBag has at
  // most 3 fields
  for (const bag of eachChild(expectTag(root, Tag.SEQUENCE, 'safe contents', CODE), CODE)) {
    const parts = children(expectTag(bag, Tag.SEQUENCE, 'safe bag', CODE), CODE, 4);
    if (parts.length < 2 || parts.length > 3)
      fail('a safe bag must have a type, a value and attributes');
    const type = readOid(expectTag(parts[0], Tag.OID, 'bag type', CODE), CODE);
    const wrapped = children(expectTag(parts[1], 0xa0, 'bag value', CODE), CODE);
    if (wrapped.length !== 1) fail('a bag value must be one value');
    const value = wrapped[0]!;
    const attributes = readAttributes(parts[2]);
    switch (type) {
      case P12.certBag: {
        const [certType, certValue, extra] = children(
          expectTag(value, Tag.SEQUENCE, 'certificate bag', CODE),
          CODE,
        );
        if (extra) fail('a certificate bag has extra fields');
        const id = readOid(expectTag(certType, Tag.OID, 'certificate type', CODE), CODE);
        if (id !== P12.x509Certificate) break; // SDSI certificates: nothing for TLS
        const inner = children(expectTag(certValue, 0xa0, 'certificate', CODE), CODE);
        const der = expectTag(inner[0], Tag.OCTET_STRING, 'certificate', CODE).value;
        let certificate: Certificate;
        try {
          certificate = parseCertificateDer(der.slice());
        } catch (e) {
          fail(`certificate ${r.certificates.length + 1}: ${(e as Error).message}`);
        }
        r.certificates.push({ certificate, ...attributes });
        break;
      }
      case P12.pkcs8ShroudedKeyBag: {
        const [algorithm, data, extra] = children(
          expectTag(value, Tag.SEQUENCE, 'shrouded key bag', CODE),
          CODE,
        );
        if (!algorithm || extra) fail('a shrouded key bag must have an algorithm and data');
        const ciphertext = expectTag(data, Tag.OCTET_STRING, 'encrypted key', CODE).value;
        const pkcs8 = await decrypt(r, algorithm, ciphertext, 'private key');
        r.keys.push(keyOf(r, pkcs8, attributes));
        break;
      }
      case P12.keyBag:
        r.keys.push(keyOf(r, value.raw.slice(), attributes));
        break;
      case P12.safeContentsBag:
        await readSafeContents(r, value.raw, depth + 1);
        break;
      default:
        break; // CRL and secret bags carry nothing nodeid reports
    }
  }
}

function keyOf(r: Reader, pkcs8: Uint8Array, attributes: Attributes): Pkcs12Key {
  try {
    describePkcs8(pkcs8);
  } catch (e) {
    if (!r.macChecked)
      throw new NodeIdError(
        'ERR_PASSPHRASE_WRONG',
        'wrong passphrase: the PKCS#12 private key could not be decrypted',
      );
    fail(`private key ${r.keys.length + 1}: ${(e as Error).message}`);
  }
  const key: Pkcs12Key = { pkcs8 };
  if (attributes.friendlyName !== undefined) key.friendlyName = attributes.friendlyName;
  if (attributes.localKeyId !== undefined) key.localKeyId = attributes.localKeyId;
  return key;
}

/** `EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }` (RFC 2315 §13). */
async function readEncryptedData(r: Reader, node: Der): Promise<Uint8Array> {
  const [version, info, extra] = children(
    expectTag(node, Tag.SEQUENCE, 'encrypted data', CODE),
    CODE,
  );
  if (extra) fail('encrypted data has extra fields');
  smallInt(version, 'encrypted data version');
  const [type, algorithm, content] = children(
    expectTag(info, Tag.SEQUENCE, 'encrypted content info', CODE),
    CODE,
  );
  if (readOid(expectTag(type, Tag.OID, 'encrypted content type', CODE), CODE) !== P12.data)
    fail('encrypted content is not of type data');
  if (!algorithm) fail('encrypted content has no algorithm');
  if (!content) return new Uint8Array(0);
  // [0] IMPLICIT OCTET STRING: primitive in DER.
  const ciphertext = expectTag(content, 0x80, 'encrypted content', CODE).value;
  return decrypt(r, algorithm, ciphertext, 'certificates');
}

/**
 * Reads a PKCS#12 file (`.p12`, `.pfx`): its certificates (with alias, localKeyId and whether Java
 * treats them as trusted CAs) and its private keys (decrypted PKCS#8). Accepts what OpenSSL 3,
 * Java 17 keytool and {@link createPkcs12} write: PBES2 (PBKDF2 with HMAC-SHA1/256/384/512,
 * AES-CBC) and an HMAC MAC with SHA-1/256/384/512 keyed per RFC 7292 Appendix B; and the legacy
 * files of `openssl pkcs12 -legacy`, OpenSSL 1.x, Windows and older Java: the RFC 7292 Appendix C
 * PBEs with 3-key or 2-key Triple DES, 40- or 128-bit RC2 and 40- or 128-bit RC4, with or without
 * a MAC; and the SHA-1 PBES1 schemes (pbeWithSHA1AndDES-CBC, pbeWithSHA1AndRC2-CBC).
 *
 * Errors: `ERR_PASSPHRASE_WRONG` when the MAC (or, without a MAC, a decryption) fails;
 * `ERR_PKCS12_UNSUPPORTED` for the MD2/MD5 PBES1 schemes, PBMAC1 and the public-key modes;
 * `ERR_PKCS12_INVALID` for anything malformed; `ERR_INPUT_TOO_LARGE` above 8 MiB.
 *
 * @example
 * ```ts
 * const p12 = await parsePkcs12(await readFile('node.p12'), { passphrase: 'changeit' });
 * for (const c of p12.certificates) console.log(c.friendlyName, c.certificate.notAfter);
 * ```
 */
export async function parsePkcs12(
  input: Uint8Array,
  options: ParsePkcs12Options,
): Promise<Pkcs12Contents> {
  const subtle = getCrypto(options).subtle;
  const passphrase = passphraseText(options?.passphrase);
  if (!(input instanceof Uint8Array))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'a PKCS#12 file is bytes (a Uint8Array)');
  if (input.length > MAX_INPUT_BYTES)
    throw new NodeIdError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`);
  if (input.length === 0) fail('the file is empty');
  // A copy that is a plain Uint8Array: a Node Buffer's slice() shares its (pooled) memory, and
  // WebCrypto would be handed the whole pool.
  const pfx = decode(Uint8Array.from(input), CODE);
  // PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData MacData OPTIONAL }
  const parts = children(expectTag(pfx, Tag.SEQUENCE, 'PFX', CODE), CODE, 4);
  if (parts.length < 2 || parts.length > 3) fail('a PFX has a version, contents and a MAC');
  if (smallInt(parts[0], 'version') !== 3) fail('only version 3 (RFC 7292) is known');
  const authSafe = contentInfo(parts[1], 'authenticated safe');
  if (authSafe.type === P12.signedData)
    unsupported('PKCS#12 files in public-key integrity mode (signedData) are not supported');
  if (authSafe.type !== P12.data) fail('the authenticated safe is not of type data');
  const safeBytes = dataBytes(authSafe.content, 'authenticated safe');

  const r: Reader = {
    subtle,
    passphrase,
    utf8: new TextEncoder().encode(passphrase),
    macChecked: false,
    budget: ITERATION_BUDGET,
    certificates: [],
    keys: [],
  };
  let mac: Pkcs12Contents['mac'];
  if (parts[2]) {
    // MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }
    const [digestInfo, saltNode, iterNode, extra] = children(
      expectTag(parts[2], Tag.SEQUENCE, 'MAC data', CODE),
      CODE,
    );
    if (extra) fail('MAC data has extra fields');
    const [algorithm, digest] = children(expectTag(digestInfo, Tag.SEQUENCE, 'MAC', CODE), CODE);
    const algParts = children(expectTag(algorithm, Tag.SEQUENCE, 'MAC algorithm', CODE), CODE);
    const hashOid = readOid(expectTag(algParts[0], Tag.OID, 'MAC algorithm', CODE), CODE);
    if (hashOid === P12.pbmac1)
      unsupported(`PBMAC1 integrity (RFC 9579) is not supported yet; ${REEXPORT}`);
    const hash = MAC_HASHES[hashOid];
    if (!hash)
      unsupported(`the MAC uses digest ${hashOid}, which nodeid does not read; ${REEXPORT}`);
    const value = expectTag(digest, Tag.OCTET_STRING, 'MAC value', CODE).value;
    const salt = expectTag(saltNode, Tag.OCTET_STRING, 'MAC salt', CODE).value;
    const iterations = iterNode ? smallInt(iterNode, 'MAC iterations') : 1;
    if (iterations < 1) fail('MAC iterations below 1');
    if (iterations > MAX_MAC_ITERATIONS)
      fail(`refusing a MAC with ${iterations} iterations (the limit is ${MAX_MAC_ITERATIONS})`);
    await checkMac(subtle, hash, passphrase, salt, iterations, safeBytes, value);
    r.macChecked = true;
    mac = { hash, iterations };
  }

  // AuthenticatedSafe ::= SEQUENCE OF ContentInfo (data, encryptedData or envelopedData)
  const safes = children(
    expectTag(decode(safeBytes, CODE), Tag.SEQUENCE, 'authenticated safe', CODE),
    CODE,
  );
  for (const [i, node] of safes.entries()) {
    const info = contentInfo(node, `safe ${i + 1}`);
    if (info.type === P12.data) await readSafeContents(r, dataBytes(info.content, 'safe'), 0);
    else if (info.type === P12.encryptedData)
      await readSafeContents(r, await readEncryptedData(r, info.content), 0, true);
    else if (info.type === P12.envelopedData)
      unsupported('PKCS#12 files in public-key privacy mode (envelopedData) are not supported');
    else fail(`safe ${i + 1} has unknown content type ${info.type}`);
  }

  const keyIds = r.keys.flatMap((k) => (k.localKeyId ? [k.localKeyId.join()] : []));
  const certificates = r.certificates.map((c) => ({
    ...c,
    hasKey: c.localKeyId !== undefined && keyIds.includes(c.localKeyId.join()),
  }));
  const result: Pkcs12Contents = { certificates, keys: r.keys };
  if (mac) result.mac = mac;
  return result;
}
