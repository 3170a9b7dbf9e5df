/**
 * Property tests of the error contract: random and mutated DER and PEM fed to every parser
 * yield a parsed value or a NodeIdError, never another exception and never a hang.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createCa,
  createCsr,
  issueIdentity,
  NodeIdError,
  parseCertificate,
  parseCertificates,
  parseCsr,
} from '../../src/index.js';
import { encodePem } from '../../src/lib/pem.js';

let certDer: Uint8Array;
let csrDer: Uint8Array;

beforeAll(async () => {
  const ca = await createCa({ clusterName: 'fuzz' });
  const id = await issueIdentity({
    ca,
    name: 'node1.example.net',
    ips: ['10.0.0.1'],
    uris: ['spiffe://fuzz/n'],
  });
  certDer = id.certificate.der;
  csrDer = (await createCsr({ name: 'node1.example.net', ips: ['10.0.0.1'] })).der;
});

function mutate(base: Uint8Array) {
  return fc.oneof(
    // flip bytes
    fc
      .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => {
        const out = base.slice();
        for (const [pos, value] of edits) out[pos % out.length] = value;
        return out;
      }),
    // truncate
    fc.nat().map((n) => base.subarray(0, n % base.length)),
    // splice random bytes in
    fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 16 })).map(([pos, bytes]) => {
      const at = pos % base.length;
      const out = new Uint8Array(base.length + bytes.length);
      out.set(base.subarray(0, at));
      out.set(bytes, at);
      out.set(base.subarray(at), at + bytes.length);
      return out;
    }),
  );
}

async function onlyNodeIdErrors(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw new Error(`non-NodeIdError thrown: ${String(e)}`);
  }
}

describe('parsers keep the error contract', () => {
  it('parseCertificate on mutated DER and PEM', async () => {
    await fc.assert(
      fc.asyncProperty(mutate(certDer), async (bytes) => {
        await onlyNodeIdErrors(() => parseCertificate(bytes));
        await onlyNodeIdErrors(() =>
          parseCertificates(encodePem('CERTIFICATE', bytes.length ? bytes : Uint8Array.of(0))),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('parseCsr on mutated DER', async () => {
    await fc.assert(
      fc.asyncProperty(mutate(csrDer), async (bytes) => {
        await onlyNodeIdErrors(() => parseCsr(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes and text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 })),
        async (input) => {
          await onlyNodeIdErrors(() => parseCertificate(input));
          await onlyNodeIdErrors(() => parseCsr(input));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('deep nesting and huge lengths are refused quickly', () => {
    const deep = new Uint8Array(4000);
    for (let i = 0; i < 2000; i++) {
      deep[i * 2] = 0x30;
      deep[i * 2 + 1] = 0x80; // indefinite length: not DER
    }
    expect(() => parseCertificate(deep)).toThrow(NodeIdError);
    const huge = Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00);
    expect(() => parseCertificate(huge)).toThrow(/truncated/);
  });
});
