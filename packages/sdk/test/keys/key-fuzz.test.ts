/**
 * The error contract of the key readers under mutated input: whatever the bytes, they return
 * or throw a NodeIdError — never another exception, never a hang.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeIdError } from '../../src/errors.js';
import { exportPrivateKeyPem } from '../../src/keys/export-private-key-pem.js';
import { exportPublicKeyPem } from '../../src/keys/export-public-key-pem.js';
import { generateKeyPair } from '../../src/keys/generate-key-pair.js';
import { importPrivateKeyPem } from '../../src/keys/import-private-key-pem.js';
import { importPublicKeyPem } from '../../src/keys/import-public-key-pem.js';
import { inspectKey } from '../../src/keys/inspect-key.js';
import { children, decode } from '../../src/lib/der.js';
import { decodePem, encodePem } from '../../src/lib/pem.js';

/** Runs `f` and fails the property when it throws anything but a NodeIdError. */
async function onlyNodeIdErrors(f: () => Promise<unknown>): Promise<boolean> {
  try {
    await f();
    return true;
  } catch (e) {
    if (NodeIdError.isInstance(e)) return true;
    throw new Error(`threw a non-NodeIdError: ${String(e)}`, { cause: e });
  }
}

/** One random edit of some bytes: flip a bit, truncate, cut, insert or overwrite. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut'), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('insert'),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('set'), at: fc.nat(), byte: fc.nat(255) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Uint8Array.from(bytes);
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case 'flip':
      out[at] = out[at]! ^ (1 << m.bit);
      return out;
    case 'truncate':
      return out.subarray(0, at);
    case 'cut':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    case 'set':
      out[at] = m.byte;
      return out;
  }
}

const samples: Record<string, { der: Uint8Array; label: string; passphrase?: string }> = {};

beforeAll(async () => {
  const ec = await generateKeyPair({ algorithm: 'P-256', extractable: true });
  const ed = await generateKeyPair({ algorithm: 'Ed25519', extractable: true });
  const rsa = await generateKeyPair({ algorithm: 'RSA-2048', extractable: true });
  const der = async (pem: Promise<string>) => decodePem(await pem)[0]!.der;
  const ecPkcs8 = await der(exportPrivateKeyPem(ec));
  const rsaPkcs8 = await der(exportPrivateKeyPem(rsa));
  samples['pkcs8 EC'] = { der: ecPkcs8, label: 'PRIVATE KEY' };
  samples['pkcs8 Ed25519'] = { der: await der(exportPrivateKeyPem(ed)), label: 'PRIVATE KEY' };
  samples['pkcs8 RSA'] = { der: rsaPkcs8, label: 'PRIVATE KEY' };
  samples['sec1'] = { der: children(decode(ecPkcs8))[2]!.value, label: 'EC PRIVATE KEY' };
  samples['pkcs1'] = { der: children(decode(rsaPkcs8))[2]!.value, label: 'RSA PRIVATE KEY' };
  samples['encrypted'] = {
    der: await der(exportPrivateKeyPem(ec, { passphrase: 'pw', iterations: 1000 })),
    label: 'ENCRYPTED PRIVATE KEY',
    passphrase: 'pw',
  };
  samples['spki'] = { der: await der(exportPublicKeyPem(ec)), label: 'PUBLIC KEY' };
});

describe('key readers under mutated input', () => {
  it('mutated DER and PEM of every key form yield only NodeIdErrors', async () => {
    const names = Object.keys(samples);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        mutation,
        fc.boolean(),
        async (name, m, asPem) => {
          const sample = samples[name]!;
          const bytes = mutate(sample.der, m);
          const input = asPem ? encodePem(sample.label, bytes) : bytes;
          const passphrase = sample.passphrase;
          return (
            (await onlyNodeIdErrors(() => importPrivateKeyPem(input, { passphrase }))) &&
            (await onlyNodeIdErrors(() => importPublicKeyPem(input))) &&
            (await onlyNodeIdErrors(() => inspectKey(input, { passphrase })))
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated PEM text yields only NodeIdErrors', async () => {
    const pem = encodePem(samples['pkcs8 EC']!.label, samples['pkcs8 EC']!.der);
    const text = new TextEncoder().encode(pem);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const input = new TextDecoder().decode(mutate(text, m));
        return (
          (await onlyNodeIdErrors(() => importPrivateKeyPem(input))) &&
          (await onlyNodeIdErrors(() => inspectKey(input)))
        );
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes yield only NodeIdErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        return (
          (await onlyNodeIdErrors(() => importPrivateKeyPem(bytes, { passphrase: 'x' }))) &&
          (await onlyNodeIdErrors(() => importPublicKeyPem(bytes))) &&
          (await onlyNodeIdErrors(() => inspectKey(bytes)))
        );
      }),
      { numRuns: 300 },
    );
  });

  it('a bit flipped anywhere in an encrypted key is caught, never accepted as another key', async () => {
    const sample = samples['encrypted']!;
    const original = await importPrivateKeyPem(encodePem(sample.label, sample.der), {
      passphrase: 'pw',
    });
    const expected = await exportPublicKeyPem(original);
    await fc.assert(
      fc.asyncProperty(fc.nat(sample.der.length - 1), fc.nat(7), async (at, bit) => {
        const bytes = mutate(sample.der, { kind: 'flip', at, bit });
        try {
          const keys = await importPrivateKeyPem(bytes, { passphrase: 'pw' });
          // PBES2 has no integrity check: a flip garbles one CBC block and flips a bit in the
          // next. What still parses must be the same key; an EC key whose scalar no longer
          // matches its embedded public point is refused on import.
          expect(await exportPublicKeyPem(keys)).toBe(expected);
        } catch (e) {
          expect(NodeIdError.isInstance(e)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
