/**
 * Test helper shared by the expiry, inspect and CRL tests: a minimal certificate builder on our
 * DER writer, so tests can pin exact validity dates and extensions without the issuing code.
 */
import { generateKeyPair } from '../../src/keys/generate-key-pair.js';
import type { KeyAlgorithm } from '../../src/keys/key-algorithm.js';
import { toHex } from '../../src/lib/bytes.js';
import { bits, bool, explicit, int, octets, oid, seq, time, uintBytes } from '../../src/lib/der.js';
import { encodeName } from '../../src/lib/name.js';
import { OID } from '../../src/lib/oids.js';
import { encodePem } from '../../src/lib/pem.js';
import { sign, signatureAlgorithmFor, signedEnvelope } from '../../src/lib/signature.js';

export interface TestCertificate {
  pem: string;
  der: Uint8Array;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  ski: Uint8Array;
}

export interface MakeCertificateOptions {
  commonName?: string;
  notBefore: Date;
  notAfter: Date;
  serial?: Uint8Array;
  ca?: boolean;
  algorithm?: KeyAlgorithm;
  /** Sign with this issuer instead of self-signing. */
  issuer?: { certificateSubject: Uint8Array; privateKey: CryptoKey; ski: Uint8Array };
}

function ext(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

/** A certificate with exactly the given dates, self-signed unless `issuer` is set. */
export async function makeCertificate(options: MakeCertificateOptions): Promise<TestCertificate> {
  const keys = await generateKeyPair({
    algorithm: options.algorithm ?? 'P-256',
    extractable: true,
  });
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const ski = new Uint8Array(await crypto.subtle.digest('SHA-1', spki)).subarray(0, 20);
  const subject = encodeName({ commonName: options.commonName ?? 'test' });
  const signer = options.issuer?.privateKey ?? keys.privateKey;
  const issuerName = options.issuer?.certificateSubject ?? subject;
  const akid = options.issuer?.ski ?? ski;
  const extensions = [
    ext(OID.basicConstraints, true, options.ca ? seq(bool(true)) : seq()),
    ext(OID.subjectKeyIdentifier, false, octets(ski)),
    ext(OID.authorityKeyIdentifier, false, seq(Uint8Array.of(0x80, akid.length, ...akid))),
  ];
  if (options.ca) extensions.push(ext(OID.keyUsage, true, bits(Uint8Array.of(0x06))));
  const algorithm = signatureAlgorithmFor(signer);
  let serial = options.serial;
  if (!serial) {
    serial = crypto.getRandomValues(new Uint8Array(12));
    serial[0] = (serial[0]! & 0x7f) | 0x01;
  }
  const tbs = seq(
    explicit(0, int(2)),
    uintBytes(serial),
    algorithm,
    issuerName,
    seq(time(options.notBefore), time(options.notAfter)),
    subject,
    spki,
    explicit(3, seq(...extensions)),
  );
  const der = signedEnvelope(tbs, algorithm, await sign(crypto.subtle, signer, tbs));
  return {
    pem: encodePem('CERTIFICATE', der),
    der,
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    ski,
  };
}

/** Lower-case hex serial as our parsers print it. */
export const serialHex = (serial: Uint8Array): string => toHex(serial);
