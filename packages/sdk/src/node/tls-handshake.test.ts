/**
 * readServerHandshake on bytes built from the TLS 1.2 message formats (RFC 5246 §6.2.1, §7.4),
 * and the TLS 1.3 key schedule against RFC 8448 §3's trace. The TLS 1.3 decryption itself is
 * exercised against real servers (node:tls here, openssl s_server and nginx in the CLI's tests).
 */
import { describe, expect, it } from 'vitest';
import { readServerHandshake, serverHandshakeSecret, trafficKeys } from './tls-handshake.js';

const u24 = (n: number) => [n >> 16, (n >> 8) & 0xff, n & 0xff];
const message = (type: number, body: number[]) => [type, ...u24(body.length), ...body];
const record = (type: number, fragment: number[]) => [
  type,
  3,
  3,
  fragment.length >> 8,
  fragment.length & 0xff,
  ...fragment,
];

/** A TLS 1.2 ServerHello: version, random, empty session id, suite 0xc02b, no compression. */
const serverHello12 = message(2, [3, 3, ...Array(32).fill(7), 0, 0xc0, 0x2b, 0]);
const fakeCert = (n: number, fill: number) => [0x30, 0x82, 0, n - 4, ...Array(n - 4).fill(fill)];
const certificate12 = (certs: number[][]) => {
  const list = certs.flatMap((c) => [...u24(c.length), ...c]);
  return message(11, [...u24(list.length), ...list]);
};
const certificateRequest12 = message(13, [1, 64, 0, 2, 4, 3, 0, 0]);
const serverHelloDone = message(14, []);

describe('readServerHandshake (TLS 1.2)', () => {
  const a = fakeCert(40, 1);
  const b = fakeCert(60, 2);
  const c = fakeCert(50, 3);

  it('returns the certificate_list in the order sent, and sees the CertificateRequest', () => {
    const flight = [...serverHello12, ...certificate12([a, c, b]), ...certificateRequest12];
    const h = readServerHandshake(
      Uint8Array.from([...record(22, flight), ...record(22, serverHelloDone)]),
      undefined,
    );
    expect(h).toMatchObject({ version: 'TLSv1.2', certificateRequested: true, complete: true });
    expect(h!.certificates!.map((d) => d[4])).toEqual([1, 3, 2]);
    expect(h!.certificates![1]).toEqual(Uint8Array.from(c));
  });

  it('reads a handshake message split over records (RFC 5246 §6.2.1 fragmentation)', () => {
    const flight = [...serverHello12, ...certificate12([a, b]), ...serverHelloDone];
    const bytes: number[] = [];
    for (let i = 0; i < flight.length; i += 17) bytes.push(...record(22, flight.slice(i, i + 17)));
    const h = readServerHandshake(Uint8Array.from(bytes), undefined);
    expect(h).toMatchObject({ certificateRequested: false, complete: true });
    expect(h!.certificates).toHaveLength(2);
  });

  it('stops at an alert and reads nothing from truncated or foreign bytes, without throwing', () => {
    // ServerHello in its own record, then a record cut short inside the Certificate.
    const cut = [...record(22, serverHello12), ...record(22, certificate12([a, b])).slice(0, 60)];
    expect(readServerHandshake(Uint8Array.from(cut), undefined)).toMatchObject({
      certificateRequested: false,
      complete: false,
    });
    expect(readServerHandshake(Uint8Array.from(cut), undefined)?.certificates).toBeUndefined();
    const alert = [...record(21, [2, 40])];
    expect(readServerHandshake(Uint8Array.from(alert), undefined)).toBeUndefined();
    expect(
      readServerHandshake(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n'), undefined),
    ).toBeUndefined();
    // A certificate_list whose length disagrees with its entries is not read.
    const bad = certificate12([a]);
    bad[6] = 0xff;
    const h = readServerHandshake(
      Uint8Array.from(record(22, [...serverHello12, ...bad, ...serverHelloDone])),
      undefined,
    );
    expect(h?.certificates).toBeUndefined();
  });
});

describe('TLS 1.3 key schedule', () => {
  it('derives the server handshake key and IV of RFC 8448 §3 (TLS_AES_128_GCM_SHA256)', () => {
    // RFC 8448 §3, "{server} derive write traffic keys for handshake data".
    const secret = Buffer.from(
      'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
      'hex',
    );
    const keys = trafficKeys(0x1301, secret)!;
    expect(keys.key.toString('hex')).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(keys.iv.toString('hex')).toBe('5d313eb2671276ee13000b30');
    expect(trafficKeys(0x00ff, secret)).toBeUndefined();
  });

  it('takes the secret from the NSS key log line Node emits, and only that line', () => {
    const random = 'ab'.repeat(32);
    expect(
      serverHandshakeSecret(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${'0f'.repeat(32)}\n`),
    ).toEqual(Buffer.alloc(32, 0x0f));
    expect(
      serverHandshakeSecret(`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random} ${'0f'.repeat(32)}`),
    ).toBeUndefined();
  });
});
