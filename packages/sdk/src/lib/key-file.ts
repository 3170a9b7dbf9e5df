/**
 * Reading key files in the forms openssl writes. A private key — PEM or DER; PKCS#8, encrypted
 * PKCS#8, SEC1 or PKCS#1; with the extra blocks openssl puts around them (`EC PARAMETERS`) — comes
 * down to one plain PKCS#8 DER, decrypted when needed. A public key comes down to SPKI DER.
 */
import { NodeIdError } from '../errors.js';
import { children, decode, expectTag, nul, oid, seq, Tag, tlv } from './der.js';
import { OID } from './oids.js';
import { decryptPrivateKey, readEncryptedPrivateKey } from './pbes2.js';
import { toBlocks } from './pem.js';
import {
  classifyPrivateKeyDer,
  describePkcs8,
  type PrivateKeyFormat,
  pkcs1ToPkcs8,
  readEcParameters,
  sec1ToPkcs8,
} from './pkcs8.js';

/** A passphrase as text (encoded as UTF-8, as openssl reads it from a terminal) or bytes. */
export type Passphrase = string | Uint8Array;

/** A private key as found in a file, not yet decrypted. */
export interface PrivateKeySource {
  format: PrivateKeyFormat;
  /** The key's DER as found. */
  der: Uint8Array;
  /** Curve OID from an `EC PARAMETERS` block next to a SEC1 key. */
  curveOid?: string;
  /** The PEM label of a key with legacy encryption (`Proc-Type: 4,ENCRYPTED`), which we do not read. */
  legacyEncrypted?: string;
}

/** Why a legacy encrypted PEM cannot be read, and how to convert it. */
export function legacyEncryptionError(label: string): NodeIdError {
  return new NodeIdError(
    'ERR_KEY_UNSUPPORTED',
    `legacy encrypted PEM ("${label}" with Proc-Type: 4,ENCRYPTED) is not supported; ` +
      'convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key`',
  );
}

const LABELS: Record<string, PrivateKeyFormat> = {
  'PRIVATE KEY': 'pkcs8',
  'ENCRYPTED PRIVATE KEY': 'encrypted-pkcs8',
  'EC PRIVATE KEY': 'sec1',
  'RSA PRIVATE KEY': 'pkcs1',
};

/** Marks DER input in {@link toBlocks}: no PEM label can be empty. */
const DER_LABEL = '';

/**
 * Finds the one private key in PEM text or DER bytes. Other blocks (certificates in a combined
 * file, `EC PARAMETERS`) are skipped; two private keys are refused as ambiguous.
 */
export function readPrivateKeyFile(input: string | Uint8Array): PrivateKeySource {
  const blocks = toBlocks(input, DER_LABEL);
  let source: PrivateKeySource;
  if (blocks.length === 1 && blocks[0]!.label === DER_LABEL) {
    const der = blocks[0]!.der;
    source = { format: classifyPrivateKeyDer(der), der };
  } else {
    const keys = blocks.filter((b) => LABELS[b.label] !== undefined);
    if (keys.length === 0) {
      const found = [...new Set(blocks.map((b) => b.label))].join(', ');
      throw new NodeIdError('ERR_KEY_INVALID', `no private key found: the input holds ${found}`);
    }
    if (keys.length > 1)
      throw new NodeIdError(
        'ERR_KEY_INVALID',
        'the input holds more than one private key; give one key at a time',
      );
    const block = keys[0]!;
    source = { format: LABELS[block.label]!, der: block.der };
    if ((block.headers['Proc-Type'] ?? '').includes('ENCRYPTED')) {
      source.legacyEncrypted = block.label;
      return source;
    }
    const params = blocks.find((b) => b.label === 'EC PARAMETERS');
    if (source.format === 'sec1' && params) source.curveOid = readEcParameters(params.der);
  }
  return source;
}

/** UTF-8 bytes of a passphrase. */
export function passphraseBytes(passphrase: Passphrase): Uint8Array {
  if (typeof passphrase === 'string') return new TextEncoder().encode(passphrase);
  if (passphrase instanceof Uint8Array) return passphrase;
  throw new NodeIdError('ERR_INVALID_ARGUMENT', 'the passphrase must be a string or bytes');
}

/**
 * The plain PKCS#8 DER of a key source: rewrapped when SEC1 or PKCS#1, decrypted when encrypted.
 * The result's structure is checked (`describePkcs8`); for an encrypted key a result that does not
 * parse means the passphrase was wrong.
 */
export async function unlockPrivateKey(
  subtle: SubtleCrypto,
  source: PrivateKeySource,
  passphrase: Passphrase | undefined,
): Promise<Uint8Array> {
  if (source.legacyEncrypted) throw legacyEncryptionError(source.legacyEncrypted);
  switch (source.format) {
    case 'sec1':
      return sec1ToPkcs8(source.der, source.curveOid);
    case 'pkcs1':
      return pkcs1ToPkcs8(source.der);
    case 'pkcs8':
      describePkcs8(source.der);
      return source.der;
    case 'encrypted-pkcs8': {
      const encrypted = readEncryptedPrivateKey(source.der);
      if (passphrase === undefined)
        throw new NodeIdError(
          'ERR_PASSPHRASE_REQUIRED',
          'the private key is encrypted: a passphrase is required',
        );
      const plain = await decryptPrivateKey(subtle, encrypted, passphraseBytes(passphrase));
      try {
        describePkcs8(plain);
      } catch (cause) {
        if (NodeIdError.isInstance(cause) && cause.code !== 'ERR_KEY_INVALID') throw cause;
        throw new NodeIdError(
          'ERR_PASSPHRASE_WRONG',
          'wrong passphrase: the decrypted private key is not valid',
          { cause },
        );
      }
      return plain;
    }
  }
}

/**
 * The SubjectPublicKeyInfo DER of a public key file: a `PUBLIC KEY` (SPKI), an `RSA PUBLIC KEY`
 * (PKCS#1, wrapped into SPKI), or SPKI DER. Only the outer shape is checked here.
 */
export function readPublicKeyFile(input: string | Uint8Array): Uint8Array {
  const blocks = toBlocks(input, DER_LABEL);
  const block = blocks.find(
    (b) => b.label === DER_LABEL || b.label === 'PUBLIC KEY' || b.label === 'RSA PUBLIC KEY',
  );
  if (!block) {
    const found = [...new Set(blocks.map((b) => b.label))].join(', ');
    throw new NodeIdError('ERR_KEY_INVALID', `no public key found: the input holds ${found}`);
  }
  const parts = children(
    expectTag(decode(block.der, 'ERR_KEY_INVALID'), Tag.SEQUENCE, 'public key', 'ERR_KEY_INVALID'),
    'ERR_KEY_INVALID',
  );
  if (block.label === 'RSA PUBLIC KEY') {
    if (parts.length !== 2 || parts.some((p) => p.tag !== Tag.INTEGER))
      throw new NodeIdError('ERR_KEY_INVALID', 'malformed RSA public key');
    return seq(
      seq(oid(OID.rsaEncryption), nul()),
      tlv(Tag.BIT_STRING, Uint8Array.of(0), block.der),
    );
  }
  if (parts.length !== 2 || parts[0]!.tag !== Tag.SEQUENCE || parts[1]!.tag !== Tag.BIT_STRING)
    throw new NodeIdError('ERR_KEY_INVALID', 'not a public key: expected a SubjectPublicKeyInfo');
  return block.der;
}
