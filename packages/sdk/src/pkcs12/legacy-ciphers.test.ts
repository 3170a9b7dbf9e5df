/**
 * The ciphers of legacy PKCS#12 files against their standards' known answers and against openssl:
 * DES (FIPS 81 Appendix B; NIST SP 800-17 Tables 1, 2 and 4, the variable-plaintext,
 * variable-key and substitution-table tests reused by SP 800-20), Triple DES (the SP 800-67
 * Rev. 1 example), RC2 (every vector of RFC 2268 §5), RC4 (RFC 6229 §2, 40- and 128-bit keys),
 * CBC and the PKCS#5 padding check, and random data encrypted by `openssl enc` decrypted here for
 * each cipher PKCS#12 uses.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import { fromHex, toHex } from '../lib/bytes.js';
import { cbcDecrypt, cbcDecryptBlocks } from './cbc.js';
import { desBlock, desSchedule, S_BOXES, tripleDesDecryptor } from './des.js';
import { PITABLE, rc2DecryptBlock, rc2Decryptor, rc2Expand } from './rc2.js';
import { rc4 } from './rc4.js';

const hex = (h: string) => fromHex(h.replace(/\s+/g, ''))!;

describe('DES, FIPS 46-3', () => {
  it('every S-box row is a permutation of 0..15', () => {
    for (const box of S_BOXES)
      for (let row = 0; row < 4; row++)
        expect([...box.slice(row * 16, row * 16 + 16)].sort((a, b) => a - b)).toEqual(
          Array.from({ length: 16 }, (_, i) => i),
        );
  });

  // [key, plaintext, ciphertext]
  const vectors: [string, string, string][] = [
    // FIPS 81 Appendix B, ECB: "Now is t"
    ['0123456789abcdef', '4e6f772069732074', '3fa40e8a984d4815'],
    // SP 800-17 Table 1, variable plaintext (key of all parity bits)
    ['0101010101010101', '8000000000000000', '95f8a5e5dd31d900'],
    ['0101010101010101', '4000000000000000', 'dd7f121ca5015619'],
    ['0101010101010101', '2000000000000000', '2e8653104f3834ea'],
    ['0101010101010101', '1000000000000000', '4bd388ff6cd81d4f'],
    ['0101010101010101', '0800000000000000', '20b9e767b2fb1456'],
    ['0101010101010101', '0400000000000000', '55579380d77138ef'],
    ['0101010101010101', '0200000000000000', '6cc5defaaf04512f'],
    ['0101010101010101', '0100000000000000', '0d9f279ba5d87260'],
    // SP 800-17 Table 2, variable key
    ['8001010101010101', '0000000000000000', '95a8d72813daa94d'],
    ['4001010101010101', '0000000000000000', '0eec1487dd8c26d5'],
    ['2001010101010101', '0000000000000000', '7ad16ffb79c45926'],
    ['1001010101010101', '0000000000000000', 'd3746294ca6a6cf3'],
    ['0801010101010101', '0000000000000000', '809f5f873c1fd761'],
    ['0401010101010101', '0000000000000000', 'c02faffec989d1fc'],
    ['0201010101010101', '0000000000000000', '4615aa1d33e72f10'],
    // SP 800-17 Table 4, substitution table
    ['7ca110454a1a6e57', '01a1d6d039776742', '690f5b0d9a26939b'],
    ['0131d9619dc1376e', '5cd54ca83def57da', '7a389d10354bd271'],
    ['07a1133e4a0b2686', '0248d43806f67172', '868ebb51cab4599a'],
    ['3849674c2602319e', '51454b582ddf440a', '7178876e01f19b2a'],
    ['04b915ba43feb5b6', '42fd443059577fa2', 'af37fb421f8c4095'],
  ];
  for (const [key, plain, cipher] of vectors)
    it(`key ${key}: ${plain} <-> ${cipher}`, () => {
      const schedule = desSchedule(hex(key));
      expect(toHex(desBlock(schedule, hex(plain), false))).toBe(cipher);
      expect(toHex(desBlock(schedule, hex(cipher), true))).toBe(plain);
    });

  it('FIPS 81 Appendix C, CBC: "Now is the time for all " under IV 1234567890abcdef', () => {
    const schedule = desSchedule(hex('0123456789abcdef'));
    const plain = cbcDecryptBlocks(
      (b) => desBlock(schedule, b, true),
      hex('1234567890abcdef'),
      hex('e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6'),
    );
    expect(new TextDecoder().decode(plain)).toBe('Now is the time for all ');
  });

  it('SP 800-67 Rev. 1 example: three keys, "The qufck brown fox jump"', () => {
    const decrypt = tripleDesDecryptor(hex('0123456789abcdef 23456789abcdef01 456789abcdef0123'));
    const ct = hex('a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900');
    const out = [0, 8, 16].map((o) => new TextDecoder().decode(decrypt(ct.subarray(o, o + 8))));
    expect(out.join('')).toBe('The qufck brown fox jump');
  });

  it('2-key Triple DES is 3-key with K3 = K1 (SP 800-67 keying option 2)', () => {
    const k1k2 = hex('0123456789abcdef 23456789abcdef01');
    const two = tripleDesDecryptor(k1k2);
    const three = tripleDesDecryptor(hex('0123456789abcdef 23456789abcdef01 0123456789abcdef'));
    const block = hex('a826fd8ce53b855f');
    expect(toHex(two(block))).toBe(toHex(three(block)));
    expect(toHex(two(block))).not.toBe(
      toHex(tripleDesDecryptor(hex('0123456789abcdef 23456789abcdef01 456789abcdef0123'))(block)),
    );
  });
});

describe('RC2, RFC 2268', () => {
  it('PITABLE is a permutation of 0..255', () => {
    expect(new Set(PITABLE).size).toBe(256);
  });

  // §5: [effective key bits, key, plaintext, ciphertext], all eight.
  const vectors: [number, string, string, string][] = [
    [63, '0000000000000000', '0000000000000000', 'ebb773f993278eff'],
    [64, 'ffffffffffffffff', 'ffffffffffffffff', '278b27e42e2f0d49'],
    [64, '3000000000000000', '1000000000000001', '30649edf9be7d2c2'],
    [64, '88', '0000000000000000', '61a8a244adacccf0'],
    [64, '88bca90e90875a', '0000000000000000', '6ccf4308974c267f'],
    [64, '88bca90e90875a7f0f79c384627bafb2', '0000000000000000', '1a807d272bbe5db1'],
    [128, '88bca90e90875a7f0f79c384627bafb2', '0000000000000000', '2269552ab0f85ca6'],
    [
      129,
      '88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e',
      '0000000000000000',
      '5b78d3a43dfff1f1',
    ],
  ];
  for (const [bits, key, plain, cipher] of vectors)
    it(`${bits} effective bits, key ${key}: ${cipher} -> ${plain}`, () => {
      expect(toHex(rc2DecryptBlock(rc2Expand(hex(key), bits), hex(cipher)))).toBe(plain);
    });

  it('refuses a key or an effective length outside §2', () => {
    expect(() => rc2Expand(new Uint8Array(0), 40)).toThrow(RangeError);
    expect(() => rc2Expand(new Uint8Array(5), 1025)).toThrow(RangeError);
  });
});

describe('RC4, RFC 6229 §2 keystreams', () => {
  // [key, offset, 16 keystream bytes there]
  const vectors: [string, number, string][] = [
    ['0102030405', 0, 'b2396305f03dc027ccc3524a0a1118a8'],
    ['0102030405', 16, '6982944f18fc82d589c403a47a0d0919'],
    ['0102030405', 4096, 'ff25b58995996707e51fbdf08b34d875'],
    ['0102030405060708090a0b0c0d0e0f10', 0, '9ac7cc9a609d1ef7b2932899cde41b97'],
    ['0102030405060708090a0b0c0d0e0f10', 16, '5248c4959014126a6e8a84f11d1a9e1c'],
  ];
  for (const [key, offset, stream] of vectors)
    it(`key ${key}, offset ${offset}`, () => {
      const out = rc4(hex(key), new Uint8Array(offset + 16));
      expect(toHex(out.subarray(offset))).toBe(stream);
    });
});

describe('CBC with PKCS#5 padding', () => {
  const decrypt = tripleDesDecryptor(new Uint8Array(24).fill(7));
  it('a bad padding or a partial block is ERR_PASSPHRASE_WRONG', () => {
    for (const ct of [new Uint8Array(16).fill(1), new Uint8Array(0), new Uint8Array(12)]) {
      try {
        cbcDecrypt(decrypt, new Uint8Array(8), ct);
        expect.unreachable('accepted');
      } catch (e) {
        expect(NodeIdError.isInstance(e) && e.code).toBe('ERR_PASSPHRASE_WRONG');
      }
    }
  });
});

describe('against openssl enc: random data, random keys, PKCS#5 padding', () => {
  // [openssl cipher, key bytes, our decryptor]
  const ciphers: [string, number, (key: Uint8Array) => (b: Uint8Array) => Uint8Array][] = [
    ['des-ede3-cbc', 24, tripleDesDecryptor],
    ['des-ede-cbc', 16, tripleDesDecryptor],
    ['rc2-cbc', 16, (k) => rc2Decryptor(k, 128)],
    ['rc2-40-cbc', 5, (k) => rc2Decryptor(k, 40)],
  ];
  it('rc4: what openssl encrypts decrypts to the same bytes', () => {
    const key = new Uint8Array(randomBytes(16));
    const plain = new Uint8Array(randomBytes(4093));
    const r = spawnSync(
      'openssl',
      ['enc', '-rc4', '-provider', 'legacy', '-provider', 'default', '-K', toHex(key)],
      { input: plain },
    );
    expect(r.status, String(r.stderr)).toBe(0);
    expect(toHex(rc4(key, new Uint8Array(r.stdout)))).toBe(toHex(plain));
  });
  for (const [name, keyLength, decryptor] of ciphers)
    it(`${name}: what openssl encrypts decrypts to the same bytes`, () => {
      const key = new Uint8Array(randomBytes(keyLength));
      const iv = new Uint8Array(randomBytes(8));
      const plain = new Uint8Array(randomBytes(4093));
      const r = spawnSync(
        'openssl',
        [
          'enc',
          `-${name}`,
          '-provider',
          'legacy',
          '-provider',
          'default',
          '-K',
          toHex(key),
          '-iv',
          toHex(iv),
        ],
        { input: plain },
      );
      expect(r.status, String(r.stderr)).toBe(0);
      const ct = new Uint8Array(r.stdout);
      expect(ct.length).toBe(4096);
      expect(toHex(cbcDecrypt(decryptor(key), iv, ct))).toBe(toHex(plain));
    });
});
