/** Parses PKCS#10 certificate requests (our own strict parser) and checks their signatures. */
import type { Extension, KeyUsage } from '../certificate/parse-certificate.js';
import { KEY_USAGE_NAMES } from '../certificate/parse-certificate.js';
import { NodeIdError, parseFailure } from '../errors.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import {
  children,
  type Der,
  decode,
  expectTag,
  readBitString,
  readBoolean,
  readOid,
  readSmallInt,
  Tag,
} from '../lib/der.js';
import { decodeGeneralNames } from '../lib/general-name.js';
import { type DistinguishedName, decodeName } from '../lib/name.js';
import { OID } from '../lib/oids.js';
import { encodePem, toBlocks } from '../lib/pem.js';
import {
  describePublicKey,
  describeSignatureAlgorithm,
  type PublicKeyInfo,
  readSignatureValue,
  type SignatureAlgorithmInfo,
  verifySignature,
} from '../lib/signature.js';

const CODE = 'ERR_CSR_INVALID';

/** Names a CSR asks for, by type. */
export interface RequestedNames {
  dns: string[];
  ips: string[];
  uris: string[];
  emails: string[];
  /** Other name types (directory names, other names) found in the request; never granted. */
  other: string[];
}

/** A parsed certificate signing request. */
export interface CertificateRequest {
  der: Uint8Array;
  pem: string;
  subject: DistinguishedName;
  publicKey: PublicKeyInfo;
  signatureAlgorithm: SignatureAlgorithmInfo;
  /** Whether the request is signed by the key it carries (proof of possession). */
  signatureValid: boolean;
  /** The names in the subjectAltName of the extension request. */
  requestedNames: RequestedNames;
  /** Every extension of the extension request. */
  requestedExtensions: Extension[];
  /** True when the request asks for basicConstraints CA:TRUE. */
  requestsCa: boolean;
  /** Key usages asked for, if any. */
  requestedKeyUsage?: KeyUsage[];
  /** Extended key usage OIDs asked for, if any. */
  requestedExtendedKeyUsage?: string[];
}

function readExtensions(node: Der): Extension[] {
  return children(expectTag(node, Tag.SEQUENCE, 'extensions', CODE), CODE).map((e) => {
    const f = children(expectTag(e, Tag.SEQUENCE, 'extension', CODE), CODE);
    const critical = f[1]?.tag === Tag.BOOLEAN ? readBoolean(f[1], CODE) : false;
    const value = expectTag(
      f[f[1]?.tag === Tag.BOOLEAN ? 2 : 1],
      Tag.OCTET_STRING,
      'extension value',
      CODE,
    ).value;
    return { oid: readOid(f[0]!, CODE), critical, value };
  });
}

/**
 * Parses a CSR from PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER and checks
 * its signature. Never trusts it: `signatureValid` says whether it is self-consistent, and
 * {@link signCsr} refuses it when it is not.
 *
 * @example
 * ```ts
 * const csr = await parseCsr(pemText);
 * if (!csr.signatureValid) throw new Error('tampered CSR');
 * console.log(csr.subject.text, csr.requestedNames.dns);
 * ```
 */
export async function parseCsr(
  input: string | Uint8Array,
  options: CryptoOptions = {},
): Promise<CertificateRequest> {
  const block = toBlocks(input, 'CERTIFICATE REQUEST').find(
    (b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST',
  );
  if (!block) throw new NodeIdError(CODE, 'no CERTIFICATE REQUEST block found in the input');
  const der = block.der;
  let parsed: Omit<CertificateRequest, 'signatureValid'> & {
    info: Uint8Array;
    sigAlgNode: Der;
    signature: Uint8Array;
  };
  try {
    const root = decode(der, CODE);
    const [info, sigAlg, sig, extra] = children(
      expectTag(root, Tag.SEQUENCE, 'certificate request', CODE),
      CODE,
      4,
    );
    if (extra) throw new NodeIdError(CODE, 'malformed certificate request: extra fields');
    const [version, subjectNode, spki, attrs, more] = children(
      expectTag(info, Tag.SEQUENCE, 'request info', CODE),
      CODE,
      5,
    );
    if (readSmallInt(expectTag(version, Tag.INTEGER, 'version', CODE), CODE) !== 0)
      throw new NodeIdError(CODE, 'unsupported certificate request version');
    if (more) throw new NodeIdError(CODE, 'malformed certificate request info');
    const requestedNames: RequestedNames = { dns: [], ips: [], uris: [], emails: [], other: [] };
    let requestedExtensions: Extension[] = [];
    if (attrs) {
      if (attrs.tag !== 0xa0)
        throw new NodeIdError(CODE, 'malformed certificate request attributes');
      for (const attr of children(attrs, CODE)) {
        const [type, values] = children(expectTag(attr, Tag.SEQUENCE, 'attribute', CODE), CODE);
        if (readOid(type!, CODE) !== OID.extensionRequest) continue;
        const [first] = children(expectTag(values, Tag.SET, 'attribute values', CODE), CODE);
        if (first) requestedExtensions = requestedExtensions.concat(readExtensions(first));
      }
    }
    let requestsCa = false;
    let requestedKeyUsage: KeyUsage[] | undefined;
    let requestedExtendedKeyUsage: string[] | undefined;
    for (const ext of requestedExtensions) {
      const v = decode(ext.value, CODE);
      if (ext.oid === OID.subjectAltName) {
        for (const n of decodeGeneralNames(v, CODE)) {
          if (n.type === 'dns') requestedNames.dns.push(n.value);
          else if (n.type === 'ip') requestedNames.ips.push(n.value);
          else if (n.type === 'uri') requestedNames.uris.push(n.value);
          else if (n.type === 'email') requestedNames.emails.push(n.value);
          else requestedNames.other.push(`${n.type}:${n.value}`);
        }
      } else if (ext.oid === OID.basicConstraints) {
        const [ca] = children(v, CODE);
        requestsCa = ca?.tag === Tag.BOOLEAN && readBoolean(ca, CODE);
      } else if (ext.oid === OID.keyUsage) {
        const { bytes } = readBitString(v, CODE);
        requestedKeyUsage = KEY_USAGE_NAMES.filter(
          (_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0,
        );
      } else if (ext.oid === OID.extKeyUsage) {
        requestedExtendedKeyUsage = children(v, CODE).map((o) => readOid(o, CODE));
      }
    }
    parsed = {
      der,
      pem: encodePem('CERTIFICATE REQUEST', der),
      subject: decodeName(subjectNode!, CODE),
      publicKey: describePublicKey(expectTag(spki, Tag.SEQUENCE, 'subject public key info', CODE)),
      signatureAlgorithm: describeSignatureAlgorithm(
        expectTag(sigAlg, Tag.SEQUENCE, 'signature algorithm', CODE),
      ),
      requestedNames,
      requestedExtensions,
      requestsCa,
      ...(requestedKeyUsage && { requestedKeyUsage }),
      ...(requestedExtendedKeyUsage && { requestedExtendedKeyUsage }),
      info: info!.raw,
      sigAlgNode: sigAlg!,
      signature: readSignatureValue(sig, CODE),
    };
  } catch (e) {
    throw parseFailure(e, CODE, 'certificate request');
  }
  const { info, sigAlgNode, signature, ...request } = parsed;
  const signatureValid = await verifySignature(
    getCrypto(options).subtle,
    request.publicKey.spki,
    sigAlgNode,
    info,
    signature,
  );
  return { ...request, signatureValid };
}
