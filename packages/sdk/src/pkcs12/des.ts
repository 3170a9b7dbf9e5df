/**
 * DES (FIPS 46-3) and Triple DES in EDE form (NIST SP 800-67 Rev. 2 §3), in plain TypeScript:
 * WebCrypto has neither, and legacy PKCS#12 files encrypt their keys with
 * pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 Appendix C). Only what reading such a file needs is
 * exported: the block function and Triple DES decryption in CBC mode (SP 800-38A §6.2). This
 * decrypts data under a passphrase its owner holds, so it is not written to be constant-time.
 */

// FIPS 46-3, the tables of the cipher function and the key schedule, 1-based bit numbers with
// bit 1 the most significant bit of the block.

/** Initial permutation IP. Its inverse IP⁻¹ is computed from it. */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64,
  56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53,
  45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];

/** The permutation P applied to the S-box outputs. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13,
  30, 6, 22, 11, 4, 25,
];

/** Permuted choice 1: the 56 key bits (parity bits dropped) into C and D. */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
  52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21,
  13, 5, 28, 20, 12, 4,
];

/** Permuted choice 2: the 48 bits of a round key from C and D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
  31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/** Left shifts of C and D before each of the 16 rounds. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/** The selection functions S1..S8, each four rows of sixteen. Exported for their test. */
export const S_BOXES: readonly (readonly number[])[] = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11,
    9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5,
    11, 3, 14, 10, 0, 6, 13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10,
    6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2,
    11, 6, 7, 12, 0, 5, 14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12,
    11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4,
    15, 14, 3, 11, 5, 2, 12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1,
    10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9,
    4, 5, 11, 12, 7, 2, 14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10,
    3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6,
    15, 0, 9, 10, 4, 5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14,
    0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10,
    11, 14, 1, 7, 6, 0, 8, 13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12,
    2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9,
    5, 0, 15, 14, 2, 3, 12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11,
    0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13,
    15, 12, 9, 0, 3, 5, 6, 11,
  ],
];

/** IP⁻¹, the final permutation: output bit IP[i] is input bit i + 1. */
const FP = (() => {
  const out = new Array<number>(64);
  IP.forEach((from, i) => {
    out[from - 1] = i + 1;
  });
  return out;
})();

/** The bits of `bytes`, most significant first, one per entry. */
function toBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length * 8);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return out;
}

/** `table` applied to `bits`: output bit i is input bit table[i] (1-based). */
function permute(bits: Uint8Array, table: readonly number[]): Uint8Array {
  const out = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = bits[table[i]! - 1]!;
  return out;
}

/** 32 bits (most significant first) as an unsigned word. */
function word(bits: Uint8Array, from: number): number {
  let w = 0;
  for (let i = 0; i < 32; i++) w = (w << 1) | bits[from + i]!;
  return w >>> 0;
}

/**
 * spTables()[i][six]: S-box i + 1 on a six-bit input (row from the outer bits b1 b6, column from b2..b5),
 * its four output bits placed at bits 4i+1..4i+4 of the 32-bit word, then permuted by P.
 */
function spTables(): Uint32Array[] {
  return S_BOXES.map((box, i) => {
    const table = new Uint32Array(64);
    for (let six = 0; six < 64; six++) {
      const row = ((six >> 4) & 2) | (six & 1);
      const column = (six >> 1) & 15;
      const s = box[row * 16 + column]!;
      const bits = new Uint8Array(32);
      for (let b = 0; b < 4; b++) bits[4 * i + b] = (s >> (3 - b)) & 1;
      table[six] = word(permute(bits, P), 0);
    }
    return table;
  });
}

/** The 16 round keys of one DES key, each as eight six-bit groups (one per S-box). */
export type DesSchedule = Uint8Array[];

/** The key schedule of FIPS 46-3 for an 8-byte key (its parity bits are ignored, as PC-1 does). */
export function desSchedule(key: Uint8Array): DesSchedule {
  if (key.length !== 8) throw new RangeError('a DES key is 8 bytes');
  const cd = permute(toBits(key), PC1);
  let c = Array.from(cd.subarray(0, 28));
  let d = Array.from(cd.subarray(28));
  const keys: DesSchedule = [];
  for (const shift of SHIFTS) {
    c = [...c.slice(shift), ...c.slice(0, shift)];
    d = [...d.slice(shift), ...d.slice(0, shift)];
    const k = permute(Uint8Array.from([...c, ...d]), PC2);
    const groups = new Uint8Array(8);
    for (let g = 0; g < 8; g++) {
      let six = 0;
      for (let b = 0; b < 6; b++) six = (six << 1) | k[g * 6 + b]!;
      groups[g] = six;
    }
    keys.push(groups);
  }
  return keys;
}

/** The cipher function f(R, K): E expansion, XOR with the round key, S-boxes and P. */
function f(r: number, k: Uint8Array, sp: Uint32Array[]): number {
  // E takes, for S-box i, bits 4i..4i+5 of R (bit 0 meaning bit 32): R rotated right by one
  // bit puts them at positions 4i+1..4i+6 of the word.
  const y = ((r >>> 1) | (r << 31)) >>> 0;
  let out = 0;
  for (let i = 0; i < 7; i++) out |= sp[i]![((y >>> (26 - 4 * i)) & 0x3f) ^ k[i]!]!;
  out |= sp[7]![(((y & 0xf) << 2) | (y >>> 30)) ^ k[7]!]!;
  return out >>> 0;
}

/**
 * A 64-bit permutation as lookup tables: for input byte p and its value v, entries 2(256p + v)
 * and 2(256p + v) + 1 are the output's high and low words holding that byte's bits, so the
 * permutation of a block is the OR of eight lookups.
 */
function byteTables(table: readonly number[]): Int32Array {
  const out = new Int32Array(8 * 256 * 2);
  for (let i = 0; i < 64; i++) {
    const q = table[i]! - 1; // the input bit that output bit i takes
    const p = q >> 3;
    const mask = 0x80 >> (q & 7);
    for (let v = 0; v < 256; v++)
      if (v & mask) out[2 * (256 * p + v) + (i < 32 ? 0 : 1)]! |= 1 << (31 - (i & 31));
  }
  return out;
}

let tables: { sp: Uint32Array[]; ip: Int32Array; fp: Int32Array } | undefined;

/**
 * The lookup tables, built at the first block: loading the SDK (every command, every issuing
 * thread) no longer pays about 4 ms for them when nothing is decrypted with DES.
 */
function desTables(): { sp: Uint32Array[]; ip: Int32Array; fp: Int32Array } {
  tables ??= { sp: spTables(), ip: byteTables(IP), fp: byteTables(FP) };
  return tables;
}

/** `tables` applied to the eight bytes of `b`: the two output words. */
function permute64(tables: Int32Array, b: ArrayLike<number>): [number, number] {
  let hi = 0;
  let lo = 0;
  for (let p = 0; p < 8; p++) {
    const at = 2 * (256 * p + b[p]!);
    hi |= tables[at]!;
    lo |= tables[at + 1]!;
  }
  return [hi, lo];
}

/**
 * One 8-byte block through DES: encryption with the round keys in order, decryption (FIPS 46-3,
 * "Deciphering") with the same keys in reverse.
 */
export function desBlock(schedule: DesSchedule, block: Uint8Array, decrypt: boolean): Uint8Array {
  const { sp, ip, fp } = desTables();
  let [l, r] = permute64(ip, block);
  l >>>= 0;
  r >>>= 0;
  for (let round = 0; round < 16; round++) {
    const k = schedule[decrypt ? 15 - round : round]!;
    const next = (l ^ f(r, k, sp)) >>> 0;
    l = r;
    r = next;
  }
  // The preoutput is R16 L16, then IP⁻¹.
  const pre = [
    r >>> 24,
    (r >>> 16) & 255,
    (r >>> 8) & 255,
    r & 255,
    l >>> 24,
    (l >>> 16) & 255,
    (l >>> 8) & 255,
    l & 255,
  ];
  const [hi, lo] = permute64(fp, pre);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setInt32(0, hi);
  view.setInt32(4, lo);
  return out;
}

/**
 * Triple DES decryption of one block, SP 800-67 §3.2: P = D_K1(E_K2(D_K3(C))). A 16-byte key is
 * keying option 2 (K3 = K1), as pbeWithSHAAnd2-KeyTripleDES-CBC uses it.
 */
export function tripleDesDecryptor(key: Uint8Array): (block: Uint8Array) => Uint8Array {
  if (key.length !== 24 && key.length !== 16) throw new RangeError('a 3DES key is 16 or 24 bytes');
  const k1 = desSchedule(key.subarray(0, 8));
  const k2 = desSchedule(key.subarray(8, 16));
  const k3 = key.length === 24 ? desSchedule(key.subarray(16, 24)) : k1;
  return (block) => desBlock(k1, desBlock(k2, desBlock(k3, block, true), false), true);
}
