/**
 * The fuzz targets: each names the corpus seeds it starts from, how its inputs are made (DER
 * bytes, PEM text or node-list lines) and the code it runs. A target passes an input when the
 * code returns a value or throws a NodeIdError with a code from packages/sdk/src/errors.ts.
 */

import { readFileSync } from 'node:fs';
import { parseNodeLine } from '../../../apps/cli/src/lib/bulk-issue.js';
import { createCa } from '../../../packages/sdk/src/ca/create-ca.js';
import {
  parseCertificateDer,
  parseCertificates,
} from '../../../packages/sdk/src/certificate/parse-certificate.js';
import { parseCrl, parseCrlDer } from '../../../packages/sdk/src/crl/parse-crl.js';
import { parseCsr } from '../../../packages/sdk/src/csr/parse-csr.js';
import { signCsr } from '../../../packages/sdk/src/csr/sign-csr.js';
import { tokenSigningPolicy } from '../../../packages/sdk/src/enroll/token-names.js';
import { parseTargetsFile } from '../../../packages/sdk/src/fleet/parse-target.js';
import { inspect } from '../../../packages/sdk/src/inspect/inspect.js';
import { renderText } from '../../../packages/sdk/src/inspect/render-text.js';
import type { Issuer } from '../../../packages/sdk/src/issue/identity.js';
import { importPrivateKeyPem } from '../../../packages/sdk/src/keys/import-private-key-pem.js';
import { importPublicKeyPem } from '../../../packages/sdk/src/keys/import-public-key-pem.js';
import { inspectKey } from '../../../packages/sdk/src/keys/inspect-key.js';
import {
  children,
  type Der,
  decode,
  readBigInt,
  readBitString,
  readBoolean,
  readOid,
  readString,
  readTime,
  Tag,
  validateTree,
} from '../../../packages/sdk/src/lib/der.js';
import { decodePem, toBlocks } from '../../../packages/sdk/src/lib/pem.js';
import { readPkcs8 } from '../../../packages/sdk/src/lib/pkcs8.js';
import { buildSanEntries } from '../../../packages/sdk/src/lib/san.js';
import { parsePkcs12 } from '../../../packages/sdk/src/pkcs12/parse-pkcs12.js';
import { concat, lengthOctets, readTree } from './der-tree.js';
import { CORPUS } from './inputs.js';
import { crlWithManyEntries, requestInfoWithManyAttributes } from './structures.js';

/** What a target's run gets besides the input: things made once per worker. */
export interface TargetContext {
  /** A CA for the signing target. */
  ca: Issuer;
  /** The key of the corpus CSR, to sign mutated CertificationRequestInfos again. */
  csrKey: CryptoKey;
}

/** One fuzz target. */
export interface Target {
  /** Corpus files the mutations start from. */
  seeds: readonly string[];
  /** `der`: bytes; `pem`: bytes or, a third of the time, PEM text under `label`; `lines`: node-list text. */
  input: 'der' | 'pem' | 'lines';
  /** The PEM label for text inputs. */
  label?: string;
  /** False for the large structures: their truncations would be the first thousands of inputs. */
  truncate?: boolean;
  /** Turns a seed file into the bytes to mutate (default: as it is). */
  seedOf?: (file: Uint8Array) => Uint8Array;
  /** Runs the code under test on one input. */
  run: (input: Uint8Array | string, ctx: TargetContext) => unknown;
}

/** The context of a worker: a CA made now, and the corpus CSR's key. */
export async function createContext(): Promise<TargetContext> {
  const file = new Uint8Array(readFileSync(new URL('ec-pkcs8.der', CORPUS)));
  const key = await importPrivateKeyPem(file);
  return {
    ca: await createCa({ clusterName: 'fuzz', now: new Date('2026-01-01T00:00:00Z') }),
    csrKey: key.privateKey,
  };
}

const ALL_DER = [
  'cert.der',
  'ca.der',
  'csr.der',
  'crl.der',
  'ec-pkcs8.der',
  'ec-sec1.der',
  'ec-spki.der',
  'rsa-pkcs1.der',
  'rsa-spki.der',
  'ed25519-pkcs8.der',
  'ec-encrypted-pkcs8.der',
];

/** Every primitive reader of lib/der.ts over every node of a decoded tree. */
function readEverything(node: Der): void {
  if (node.tag & 0x20) {
    for (const k of children(node)) readEverything(k);
    return;
  }
  const quiet = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'NodeIdError') throw e;
    }
  };
  quiet(() => readOid(node));
  quiet(() => readBigInt(node));
  quiet(() => readBoolean(node));
  quiet(() => readBitString(node));
  quiet(() => readTime(node));
  readString(node);
}

const textOf = (input: Uint8Array | string) =>
  typeof input === 'string' ? input : new TextDecoder().decode(input);

/** The first element (CertificationRequestInfo) of a CSR, which the signing target mutates. */
function requestInfoOf(csr: Uint8Array): Uint8Array {
  const root = decode(csr);
  return children(root)[0]!.raw.slice();
}

/**
 * signCsr's policy checks on a mutated CertificationRequestInfo signed again with the CSR's own
 * key, under a grant-everything policy and under a token's exact names.
 */
async function signMutatedInfo(info: Uint8Array, ctx: TargetContext): Promise<void> {
  const csr = await signedAgain(info, ctx.csrKey);
  const any = { dns: 'any', ips: 'any', uris: 'any', emails: 'any' } as const;
  const outcomes = [
    () => signCsr({ csr, ca: ctx.ca, policy: any, now: new Date('2026-06-01T00:00:00Z') }),
    () =>
      signCsr({
        csr,
        ca: ctx.ca,
        policy: tokenSigningPolicy({ name: 'node1.example.net', ips: ['10.0.0.1'] }),
        now: new Date('2026-06-01T00:00:00Z'),
      }),
  ];
  await all(outcomes);
}

/** A CSR made of `info` signed again by `key` (ecdsa-with-SHA256, RFC 5758 §3.2). */
async function signedAgain(info: Uint8Array, key: CryptoKey): Promise<Uint8Array> {
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, info as BufferSource),
  );
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0 && !(b[i + 1]! & 0x80)) i++;
    const v = b[i]! & 0x80 ? concat([Uint8Array.of(0), b.subarray(i)]) : b.subarray(i);
    return tlv(Tag.INTEGER, v);
  };
  const sig = tlv(Tag.SEQUENCE, int(raw.subarray(0, 32)), int(raw.subarray(32)));
  const alg = Uint8Array.of(0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
  return tlv(Tag.SEQUENCE, info, alg, tlv(Tag.BIT_STRING, Uint8Array.of(0), sig));
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  return concat([Uint8Array.from([tag, ...lengthOctets(body.length)]), body]);
}

/**
 * Runs every function; throws what one of them threw that is not a NodeIdError, else the first
 * NodeIdError, so that one refusal does not hide another function's crash.
 */
async function all(fns: readonly (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const fn of fns)
    try {
      await fn();
    } catch (e) {
      errors.push(e);
    }
  const crash = errors.find((e) => !(e instanceof Error) || e.name !== 'NodeIdError');
  if (crash !== undefined) throw crash;
  if (errors.length) throw errors[0];
}

/** The targets, by name. */
export const TARGETS: Record<string, Target> = {
  /** lib/der.ts: decode, validateTree and every primitive reader. */
  der: {
    seeds: ALL_DER,
    input: 'der',
    run: (input) => {
      const root = decode(input as Uint8Array);
      validateTree(root);
      readEverything(root);
    },
  },
  /** parseCertificateDer, and parseCertificates for PEM text. */
  certificate: {
    seeds: ['cert.der', 'ca.der'],
    input: 'pem',
    label: 'CERTIFICATE',
    run: (input) =>
      typeof input === 'string' ? parseCertificates(input) : parseCertificateDer(input),
  },
  /** `nodeid cert inspect`: inspect() of anything, then its text rendering. */
  inspect: {
    seeds: ['cert.der', 'csr.der', 'crl.der', 'ec-pkcs8.der', 'rsa-spki.der'],
    input: 'pem',
    label: 'CERTIFICATE',
    run: async (input) => {
      const r = await inspect(input);
      renderText(r as Parameters<typeof renderText>[0]);
    },
  },
  /** parseCsr, its signature check included. */
  csr: {
    seeds: ['csr.der'],
    input: 'pem',
    label: 'CERTIFICATE REQUEST',
    run: (input) => parseCsr(input),
  },
  /**
   * signCsr's policy checks on hostile requests that are validly signed: the mutated
   * CertificationRequestInfo is signed again with the CSR's own key before signCsr sees it,
   * under a grant-everything policy and under a token's exact names.
   */
  'sign-csr': {
    seeds: ['csr.der'],
    input: 'der',
    seedOf: requestInfoOf,
    run: (input, ctx) => signMutatedInfo(input as Uint8Array, ctx),
  },
  /** The CRL parser on a CRL of 400 entries, one of them mutated. */
  'crl-entries': {
    seeds: ['crl.der'],
    input: 'der',
    truncate: false,
    seedOf: (crl) => crlWithManyEntries(crl),
    run: (input) => parseCrlDer(input as Uint8Array),
  },
  /** parseCsr and signCsr on a request with 300 more attributes, signed again after mutation. */
  'csr-attributes': {
    seeds: ['csr.der'],
    input: 'der',
    truncate: false,
    seedOf: (csr) => requestInfoWithManyAttributes(requestInfoOf(csr)),
    run: (input, ctx) => signMutatedInfo(input as Uint8Array, ctx),
  },
  /** parseCrlDer, and parseCrl for PEM text. */
  crl: {
    seeds: ['crl.der'],
    input: 'pem',
    label: 'X509 CRL',
    run: (input) => (typeof input === 'string' ? parseCrl(input) : parseCrlDer(input)),
  },
  /** Private keys: PKCS#8 (plain and PBES2-encrypted), SEC1, PKCS#1, read and imported. */
  'private-key': {
    seeds: [
      'ec-pkcs8.der',
      'ec-sec1.der',
      'rsa-pkcs1.der',
      'ed25519-pkcs8.der',
      'ec-encrypted-pkcs8.der',
    ],
    input: 'pem',
    label: 'PRIVATE KEY',
    run: async (input) => {
      if (input instanceof Uint8Array) {
        try {
          readPkcs8(input);
        } catch (e) {
          if (!(e instanceof Error) || e.name !== 'NodeIdError') throw e;
        }
      }
      return importPrivateKeyPem(input, { passphrase: 'fuzz' });
    },
  },
  /** Public keys (SPKI) and `nodeid key inspect`. */
  'public-key': {
    seeds: ['ec-spki.der', 'rsa-spki.der'],
    input: 'pem',
    label: 'PUBLIC KEY',
    run: async (input) => {
      await all([() => importPublicKeyPem(input), () => inspectKey(input)]);
    },
  },
  /** parsePkcs12, with the legacy RFC 7292 Appendix C decryptors (3DES, RC2, RC4). */
  pkcs12: {
    seeds: ['modern.p12', 'legacy-nomac.p12', 'legacy-rc.p12'],
    input: 'der',
    run: (input) => parsePkcs12(input as Uint8Array, { passphrase: 'fuzz' }),
  },
  /** The PEM splitter (RFC 7468) and the PEM-or-DER front door of every parser. */
  pem: {
    seeds: ['cert.der', 'crl.der', 'ec-encrypted-pkcs8.der'],
    input: 'pem',
    label: 'CERTIFICATE',
    run: (input) => (typeof input === 'string' ? decodePem(input) : toBlocks(input, 'X')),
  },
  /**
   * `nodeid cert issue --from-file`: the node-list line parser, then the name checks issuance
   * applies to what it returns; and the fleet target file parser (`nodeid fleet check`).
   */
  'node-list': {
    seeds: [],
    input: 'lines',
    run: (input) => {
      const text = textOf(input);
      let line = 0;
      for (const raw of text.split(/\r?\n/)) {
        const job = parseNodeLine(raw, ++line);
        if (job)
          try {
            buildSanEntries({ dns: [job.name], ips: job.ips });
          } catch (e) {
            if (!(e instanceof Error) || e.name !== 'NodeIdError') throw e;
          }
      }
      return parseTargetsFile(text);
    },
  },
};

/** True when `bytes` read as a DER tree (for seeds that must be structured). */
export const isDer = (bytes: Uint8Array): boolean => readTree(bytes) !== undefined;
