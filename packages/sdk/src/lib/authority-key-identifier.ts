/**
 * The authorityKeyIdentifier extension, read one way for certificates (RFC 5280 §4.2.1.1) and
 * CRLs (§5.2.1, "identical to the extension of the same name in certificates"):
 *
 *   AuthorityKeyIdentifier ::= SEQUENCE {
 *     keyIdentifier             [0] KeyIdentifier           OPTIONAL,
 *     authorityCertIssuer       [1] GeneralNames            OPTIONAL,
 *     authorityCertSerialNumber [2] CertificateSerialNumber OPTIONAL }
 */
import { NodeIdError, type NodeIdErrorCode } from '../errors.js';
import { toHex } from './bytes.js';
import { children, type Der, expectTag, Tag } from './der.js';
import { decodeGeneralName, type GeneralName } from './general-name.js';

/** A decoded authorityKeyIdentifier: the fields present, each as the parsers return it. */
export interface AuthorityKeyIdentifier {
  /** keyIdentifier [0]: the issuer key's identifier (its subjectKeyIdentifier). */
  keyIdentifier?: Uint8Array;
  /** authorityCertIssuer [1]: the issuer's issuer's names. */
  issuer?: GeneralName[];
  /** authorityCertSerialNumber [2]: the issuer certificate's serial, lower-case hex. */
  serialNumber?: string;
}

/** Decodes the extension's value; anything but the three tagged fields fails with `code`. */
export function decodeAuthorityKeyIdentifier(
  value: Der,
  code: NodeIdErrorCode,
): AuthorityKeyIdentifier {
  const aki: AuthorityKeyIdentifier = {};
  for (const item of children(
    expectTag(value, Tag.SEQUENCE, 'authorityKeyIdentifier', code),
    code,
  )) {
    if (item.tag === 0x80) aki.keyIdentifier = item.value;
    else if (item.tag === 0xa1)
      aki.issuer = children(item, code).map((n) => decodeGeneralName(n, code));
    else if (item.tag === 0x82) aki.serialNumber = toHex(item.value);
    else throw new NodeIdError(code, 'malformed authorityKeyIdentifier');
  }
  return aki;
}
