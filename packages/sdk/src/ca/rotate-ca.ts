/**
 * `rotateCa`: a root CA key update after RFC 4210 §4.4 ("Root CA Key Update"). The CA gets a new
 * key and a new self-signed certificate (NewWithNew), and two cross certificates link the old
 * and the new key both ways: NewWithOld (the new key certified by the old one) and OldWithNew
 * (the old key certified by the new one). During the overlap, nodes trust the bundle of both
 * roots; a node that still trusts only one of them can reach the other through a cross
 * certificate.
 *
 * The new root keeps the old root's subject name, byte for byte. RFC 4210 §4.4 keeps the CA's
 * name across a key update, so the cross certificates are self-issued (RFC 5280 §3.2, §6.1: they
 * count for no path length and name constraints are not applied to them), the issuer name of
 * every leaf matches both roots, and what tells the two keys apart is the key identifier: each
 * leaf's authorityKeyIdentifier names the key that signed it (RFC 5280 §4.2.1.1), which is how
 * openssl, Go, NSS and our own verifier choose among same-named issuers.
 */
import type { Certificate, CertificateInput } from '../certificate/parse-certificate.js';
import { parseCertificate } from '../certificate/parse-certificate.js';
import { NodeIdError } from '../errors.js';
import type { Identity, Issuer } from '../issue/identity.js';
import { DEFAULT_CA_DAYS } from '../issue/profiles.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import { type KeyAlgorithm, type KeyPair, keyAlgorithmOf } from '../keys/key-algorithm.js';
import { bytesEqual } from '../lib/bytes.js';
import { signCertificate } from '../lib/certificate-encoder.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { exportSpki, keyIdentifier } from '../lib/key-id.js';
import { randomSerial } from '../lib/serial.js';
import { verifySignature } from '../lib/signature.js';
import { BACKDATE_MS, computeValidity, type ValidityOptions } from '../lib/validity.js';
import { assertRootCa, caExtensionsWithKeyIds, caKeyIdentifier } from './renew-ca.js';

/** Options of {@link rotateCa}. `days`/`notAfter` set the new root's lifetime (default 3650 days). */
export interface RotateCaOptions extends CryptoOptions, ValidityOptions {
  /** The current root CA: its certificate and private key. */
  ca: Issuer;
  /** Algorithm of the new key; default the current key's. Ignored when `keyPair` is given. */
  algorithm?: KeyAlgorithm;
  /** Use this key pair as the new CA key instead of generating one. */
  keyPair?: KeyPair;
  /** Whether the new private key can be exported; default `true` (it must be written to a file). */
  extractable?: boolean;
}

/** The result of {@link rotateCa}. */
export interface RotateCaResult {
  /** The new root (NewWithNew) with its key: issue from it from now on. */
  ca: Identity;
  /** The new key certified by the old key (RFC 4210 §4.4 NewWithOld). */
  newWithOld: Certificate;
  /** The old key certified by the new key (RFC 4210 §4.4 OldWithNew). */
  oldWithNew: Certificate;
  /**
   * The trust bundle of the overlap (`ca-bundle.crt`, what nodeid-server serves at
   * `/v1/ca/bundle`): the new root, the old root, and the two cross certificates, through which
   * a node that trusts only one of the roots can accept the other (`acceptTrustBundle`, RFC 4210
   * §4.4): NewWithOld for nodes of the old root, OldWithNew for nodes enrolled after the rotation.
   */
  bundle: Certificate[];
  warnings: string[];
}

function seconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function earliest(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * Rotates a root CA's key (RFC 4210 §4.4): a new key pair and a self-signed root with the same
 * subject name and extensions (basicConstraints, keyUsage, name constraints) as the current one,
 * and the two cross certificates. Validity: the new root from now for `days` (default 3650);
 * OldWithNew from now until the old root's not-after ("until the expiry of the old key",
 * §4.4); NewWithOld from now until the earlier of the two not-afters (the old key cannot vouch
 * past its own end). Refused for an expired root (`ERR_CA_EXPIRED`: renew it first, which keeps
 * the key) and for anything but a self-signed root whose key is given.
 *
 * @example
 * ```ts
 * const { issuer } = await loadCaFolder(dir, { passphrase });
 * const { ca, newWithOld, oldWithNew, bundle } = await rotateCa({ ca: issuer });
 * const node = await issueIdentity({ ca, name: 'node1.example.net' }); // new leaves: new key
 * ```
 */
export async function rotateCa(options: RotateCaOptions): Promise<RotateCaResult> {
  const crypto = getCrypto(options);
  const oldCa = options.ca;
  const old = oldCa.certificate;
  await assertRootCa(crypto, oldCa, 'rotate');
  const now = options.now ?? new Date();
  if (old.notAfter.getTime() < now.getTime())
    throw new NodeIdError(
      'ERR_CA_EXPIRED',
      `the CA "${old.subject.text}" expired at ${old.notAfter.toISOString()}, so its key can no longer vouch for a new one; renew it first (nodeid ca renew keeps the key), then rotate`,
    );
  const keyPair =
    options.keyPair ??
    (await generateKeyPair({
      algorithm: options.algorithm ?? keyAlgorithmOf(oldCa.privateKey),
      extractable: options.extractable ?? true,
      crypto,
    }));
  const newSpki = await exportSpki(crypto.subtle, keyPair.publicKey);
  const newKeyId = keyIdentifier(newSpki);
  const oldKeyId = caKeyIdentifier(old);
  if (bytesEqual(newKeyId, oldKeyId))
    throw new NodeIdError(
      'ERR_INVALID_ARGUMENT',
      'the new CA key is the current one; a rotation needs a new key (nodeid ca renew keeps the key)',
    );
  const { notBefore, notAfter, warnings } = computeValidity(options, DEFAULT_CA_DAYS);
  const crossStart = seconds(new Date(now.getTime() - BACKDATE_MS));
  const sign = (
    spki: Uint8Array,
    extensions: Uint8Array[],
    from: Date,
    to: Date,
    key: CryptoKey,
  ): Promise<Certificate> =>
    signCertificate(
      crypto.subtle,
      {
        serialNumber: randomSerial(crypto),
        issuer: old.subject.raw,
        subject: old.subject.raw,
        notBefore: from,
        notAfter: to,
        spki,
        extensions,
      },
      key,
    );

  const newRoot = await sign(
    newSpki,
    caExtensionsWithKeyIds(old, newKeyId, newKeyId),
    notBefore,
    notAfter,
    keyPair.privateKey,
  );
  const newWithOld = await sign(
    newSpki,
    caExtensionsWithKeyIds(old, newKeyId, oldKeyId),
    crossStart,
    earliest(notAfter, old.notAfter),
    oldCa.privateKey,
  );
  const oldWithNew = await sign(
    old.publicKey.spki,
    caExtensionsWithKeyIds(old, oldKeyId, newKeyId),
    crossStart,
    earliest(old.notAfter, notAfter),
    keyPair.privateKey,
  );
  return {
    ca: {
      certificate: newRoot,
      privateKey: keyPair.privateKey,
      publicKey: keyPair.publicKey,
      algorithm: keyPair.algorithm,
      chain: [],
      warnings,
    },
    newWithOld,
    oldWithNew,
    bundle: [newRoot, old, newWithOld, oldWithNew],
    warnings,
  };
}

/**
 * True when `certificate` was signed by the key of the CA certificate `ca`: its issuer name is
 * the CA's subject (by encoding) and either its authorityKeyIdentifier names the CA's key
 * (RFC 5280 §4.2.1.1) or, without one, the CA's key verifies its signature. After a rotation
 * this tells the leaves of the old key from those of the new one, which share the issuer name.
 *
 * @example
 * ```ts
 * const old = records.filter((r) => isIssuedBy(r.pem, oldRoot)); // what `ca retire-old` counts
 * ```
 */
export async function isIssuedBy(
  certificate: CertificateInput,
  ca: CertificateInput,
  options: CryptoOptions = {},
): Promise<boolean> {
  const leaf = parseCertificate(certificate);
  const issuer = parseCertificate(ca);
  if (!bytesEqual(leaf.issuer.raw, issuer.subject.raw)) return false;
  const aki = leaf.authorityKeyIdentifier?.keyIdentifier;
  if (aki) return bytesEqual(aki, caKeyIdentifier(issuer));
  return verifySignature(
    getCrypto(options).subtle,
    issuer.publicKey.spki,
    leaf.signatureAlgorithmNode,
    leaf.tbs,
    leaf.signature,
  );
}
