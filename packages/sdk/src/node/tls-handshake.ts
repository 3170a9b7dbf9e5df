/**
 * Reading the server's half of a TLS handshake from the bytes received, as the server sent it:
 * the certificate_list in the sender's order (RFC 5246 §7.4.2, RFC 8446 §4.4.2), extra and
 * unrelated certificates included, and whether it asked for a client certificate
 * (CertificateRequest). Node only offers its own view of the peer chain (issuer order, without
 * the certificates that issue none of the others), which hides the misconfigurations an admin
 * needs to see: a wrong intermediate, a chain out of order.
 *
 * TLS 1.2 sends these messages in the clear. TLS 1.3 encrypts everything after ServerHello with
 * the server handshake traffic secret (RFC 8446 §7.1); the client learns it, and Node hands it
 * out through the socket's `keylog` event (the NSS key log format), so the records are decrypted
 * here with the negotiated AEAD (§5.2, §5.3, §7.3). Only records up to the server's Finished are
 * read; application data is never decrypted (its keys are not derived).
 */
import { createDecipheriv, createHmac } from 'node:crypto';

/** What the server's handshake said. */
export interface ServerHandshake {
  /** `TLSv1.2` or `TLSv1.3`, from ServerHello (supported_versions for 1.3, RFC 8446 §4.2.1). */
  version: 'TLSv1.2' | 'TLSv1.3';
  /** The server's certificate_list exactly as sent (DER, sender's order), when it was read. */
  certificates?: Uint8Array[];
  /** True when the server sent a CertificateRequest (it asks for a client certificate). */
  certificateRequested: boolean;
  /** True when every message up to ServerHelloDone (1.2) or Finished (1.3) was read. */
  complete: boolean;
}

/** The NSS key log line's label Node emits for the key that protects the server's handshake. */
const SERVER_HANDSHAKE_SECRET = 'SERVER_HANDSHAKE_TRAFFIC_SECRET';

/** Bytes kept of what the server sends; a handshake larger than this is not read here. */
export const HANDSHAKE_TAP_LIMIT = 512 * 1024;

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). */
const HELLO_RETRY_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

/** TLS 1.3 cipher suites (RFC 8446 §B.4): the AEAD, its key length, the hash of the HKDF. */
const SUITES: Record<number, { cipher: string; keyLength: number; hash: string; tag: number }> = {
  4865: { cipher: 'aes-128-gcm', keyLength: 16, hash: 'sha256', tag: 16 },
  4866: { cipher: 'aes-256-gcm', keyLength: 32, hash: 'sha384', tag: 16 },
  4867: { cipher: 'chacha20-poly1305', keyLength: 32, hash: 'sha256', tag: 16 },
  4868: { cipher: 'aes-128-ccm', keyLength: 16, hash: 'sha256', tag: 16 },
  4869: { cipher: 'aes-128-ccm', keyLength: 16, hash: 'sha256', tag: 8 },
};

const u16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u24 = (b: Uint8Array, i: number) => (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;

/** HKDF-Expand (RFC 5869 §2.3). */
function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    previous = createHmac(hash, prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label(Secret, Label, "", Length) (RFC 8446 §7.1). */
function expandLabel(hash: string, secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([
    Buffer.from([length >> 8, length & 0xff, full.length]),
    full,
    Buffer.from([0]),
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** The secret of a `keylog` line naming the server handshake traffic secret, if it is one. */
export function serverHandshakeSecret(line: string | Uint8Array): Buffer | undefined {
  const text = typeof line === 'string' ? line : Buffer.from(line).toString('latin1');
  const [label, , secret] = text.trim().split(' ');
  return label === SERVER_HANDSHAKE_SECRET && secret && /^[0-9a-f]+$/i.test(secret)
    ? Buffer.from(secret, 'hex')
    : undefined;
}

/**
 * The write key and IV of a TLS 1.3 traffic secret (RFC 8446 §7.3) for a cipher suite, or
 * undefined for a suite not handled here.
 *
 * @internal exported for the RFC 8448 vector test
 */
export function trafficKeys(
  suite: number,
  secret: Buffer,
): { key: Buffer; iv: Buffer } | undefined {
  const s = SUITES[suite];
  if (!s) return undefined;
  return {
    key: expandLabel(s.hash, secret, 'key', s.keyLength),
    iv: expandLabel(s.hash, secret, 'iv', 12),
  };
}

/** Decrypts the server's TLS 1.3 handshake records (RFC 8446 §5.2, §5.3, §7.3). */
class RecordDecrypter {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private seq = 0n;
  constructor(
    private readonly suite: (typeof SUITES)[number],
    keys: { key: Buffer; iv: Buffer },
  ) {
    this.key = keys.key;
    this.iv = keys.iv;
  }

  /** TLSInnerPlaintext's content and type, or undefined when the record does not authenticate. */
  open(header: Uint8Array, body: Uint8Array): { type: number; content: Uint8Array } | undefined {
    const { tag } = this.suite;
    if (body.length < tag + 1) return undefined;
    // The per-record nonce: the 64-bit sequence number, left-padded, XOR the static IV (§5.3).
    const nonce = Buffer.from(this.iv);
    for (let i = 0; i < 8; i++) nonce[11 - i]! ^= Number((this.seq >> BigInt(8 * i)) & 0xffn);
    this.seq++;
    const ciphertext = body.subarray(0, body.length - tag);
    try {
      const decipher = createDecipheriv(this.suite.cipher as 'aes-128-gcm', this.key, nonce, {
        authTagLength: tag,
      });
      decipher.setAuthTag(body.subarray(body.length - tag));
      // additional_data = the record header: opaque_type || legacy_record_version || length.
      decipher.setAAD(header, { plaintextLength: ciphertext.length });
      const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      // TLSInnerPlaintext: content || ContentType type || zeros (§5.2).
      let end = plain.length - 1;
      while (end >= 0 && plain[end] === 0) end--;
      if (end < 0) return undefined;
      return { type: plain[end]!, content: plain.subarray(0, end) };
    } catch {
      return undefined;
    }
  }
}

/** certificate_list of TLS 1.2: opaque ASN.1Cert<1..2^24-1><0..2^24-1> (RFC 5246 §7.4.2). */
function readTls12Certificates(body: Uint8Array): Uint8Array[] | undefined {
  if (body.length < 3 || u24(body, 0) + 3 !== body.length) return undefined;
  const certs: Uint8Array[] = [];
  let i = 3;
  while (i + 3 <= body.length) {
    const n = u24(body, i);
    if (n === 0 || i + 3 + n > body.length) return undefined;
    certs.push(new Uint8Array(body.subarray(i + 3, i + 3 + n)));
    i += 3 + n;
  }
  return i === body.length ? certs : undefined;
}

/**
 * Certificate of TLS 1.3 (RFC 8446 §4.4.2): certificate_request_context<0..2^8-1>, then
 * CertificateEntry certificate_list<0..2^24-1>, each entry cert_data<1..2^24-1> followed by
 * its extensions<0..2^16-1> (OCSP staples, SCTs), which are skipped.
 */
function readTls13Certificates(body: Uint8Array): Uint8Array[] | undefined {
  if (body.length < 1) return undefined;
  let i = 1 + body[0]!;
  if (i + 3 > body.length || i + 3 + u24(body, i) !== body.length) return undefined;
  i += 3;
  const certs: Uint8Array[] = [];
  while (i < body.length) {
    if (i + 3 > body.length) return undefined;
    const n = u24(body, i);
    if (n === 0 || i + 3 + n + 2 > body.length) return undefined;
    certs.push(new Uint8Array(body.subarray(i + 3, i + 3 + n)));
    i += 3 + n;
    i += 2 + u16(body, i);
    if (i > body.length) return undefined;
  }
  return certs;
}

interface Hello {
  retry: boolean;
  version: 'TLSv1.2' | 'TLSv1.3';
  suite: number;
}

/** ServerHello (RFC 8446 §4.1.3; RFC 5246 §7.4.1.3). */
function readServerHello(body: Uint8Array): Hello | undefined {
  if (body.length < 38) return undefined;
  const retry = Buffer.from(body.subarray(2, 34)).equals(HELLO_RETRY_RANDOM);
  let i = 34;
  i += 1 + body[i]!; // legacy_session_id_echo
  if (i + 3 > body.length) return undefined;
  const suite = u16(body, i);
  i += 3; // cipher_suite, legacy_compression_method
  let version: Hello['version'] = 'TLSv1.2';
  if (i + 2 <= body.length) {
    const end = Math.min(body.length, i + 2 + u16(body, i));
    i += 2;
    while (i + 4 <= end) {
      const type = u16(body, i);
      const length = u16(body, i + 2);
      // supported_versions carries the selected version in a ServerHello (§4.2.1).
      if (type === 43 && length === 2 && u16(body, i + 4) === 0x0304) version = 'TLSv1.3';
      i += 4 + length;
    }
  }
  return { retry, version, suite };
}

/**
 * Reads the server's handshake from `received` (every byte the server sent, in order) and, for
 * TLS 1.3, the server handshake traffic secret from the `keylog` event. Returns undefined when
 * not even a ServerHello can be read (not TLS, or nothing received); never throws.
 *
 * @example
 * ```ts
 * const h = readServerHandshake(bytesFromServer, secretFromKeylog);
 * if (h?.certificates) console.log(`${h.certificates.length} certificates, as sent`);
 * ```
 */
export function readServerHandshake(
  received: Uint8Array,
  secret: Buffer | undefined,
): ServerHandshake | undefined {
  let hello: Hello | undefined;
  let decrypter: RecordDecrypter | undefined;
  let handshake = new Uint8Array(0);
  const result: ServerHandshake = {
    version: 'TLSv1.2',
    certificateRequested: false,
    complete: false,
  };
  let i = 0;
  // TLSPlaintext / TLSCiphertext: type(1) legacy_record_version(2) length(2) fragment (§5.1).
  while (i + 5 <= received.length && !result.complete) {
    const type = received[i]!;
    const length = u16(received, i + 3);
    if (i + 5 + length > received.length) break;
    const header = received.subarray(i, i + 5);
    let fragment: Uint8Array = received.subarray(i + 5, i + 5 + length);
    i += 5 + length;
    if (type === 20) continue; // change_cipher_spec (TLS 1.3 middlebox compatibility, §D.4)
    if (hello?.version === 'TLSv1.3' && !hello.retry) {
      if (type !== 23 || !decrypter) break;
      const opened = decrypter.open(header, fragment);
      if (opened?.type !== 22) break;
      fragment = opened.content;
    } else if (type !== 22) break; // an alert, or encrypted data a TLS 1.2 reader cannot open
    handshake = Buffer.concat([handshake, fragment]);
    // Handshake: msg_type(1) length(3) body (RFC 8446 §4; RFC 5246 §7.4).
    while (handshake.length >= 4 && !result.complete) {
      const n = u24(handshake, 1);
      if (handshake.length < 4 + n) break;
      const msgType = handshake[0]!;
      const body = handshake.subarray(4, 4 + n);
      handshake = handshake.subarray(4 + n);
      switch (msgType) {
        case 2: {
          hello = readServerHello(body);
          if (!hello) return undefined;
          result.version = hello.version;
          if (hello.version === 'TLSv1.3' && !hello.retry) {
            const suite = SUITES[hello.suite];
            const keys = secret && trafficKeys(hello.suite, secret);
            if (!suite || !keys) return result;
            decrypter = new RecordDecrypter(suite, keys);
            // Records after ServerHello are protected: what remains of this one is not.
            handshake = new Uint8Array(0);
          }
          break;
        }
        case 11: {
          const certs =
            result.version === 'TLSv1.3'
              ? readTls13Certificates(body)
              : readTls12Certificates(body);
          if (certs) result.certificates = certs;
          break;
        }
        case 13:
          result.certificateRequested = true;
          break;
        case 14: // ServerHelloDone (TLS 1.2)
        case 20: // Finished (TLS 1.3; in 1.2 it is encrypted and never reached here)
          result.complete = true;
          break;
      }
    }
  }
  return hello ? result : undefined;
}
