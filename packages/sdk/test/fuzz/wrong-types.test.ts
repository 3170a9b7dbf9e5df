/**
 * Every public parser given a value of the wrong type (from JavaScript, or JSON read off the
 * network) throws a NodeIdError, never a TypeError: inspectCsr, parseTarget, parseTargetsFile
 * and parseRenewalInfoId threw "Cannot read properties of undefined" / "x.split is not a
 * function" before; and so do the functions of an options object called without one.
 */
import { describe, expect, it } from 'vitest';
import {
  checkPublicKey,
  createCa,
  createCsr,
  createPkcs12,
  importPrivateKeyPem,
  importPublicKeyPem,
  inspect,
  inspectCrl,
  inspectCsr,
  inspectKey,
  issueCertificate,
  issueIdentity,
  NodeIdError,
  parseCertificate,
  parseCertificates,
  parseCrl,
  parseCsr,
  parsePkcs12,
  parseRenewalInfoId,
  parseTarget,
  parseTargetsFile,
  renderText,
  signCsr,
  tokenNames,
} from '../../src/index.js';

const WRONG: unknown[] = [
  undefined,
  null,
  42,
  true,
  {},
  [],
  Symbol('x'),
  new ArrayBuffer(4),
  () => 1,
];

const PARSERS: Record<string, (x: never) => unknown> = {
  inspectCsr,
  parseTarget,
  parseTargetsFile,
  parseRenewalInfoId,
  parseCertificate,
  parseCertificates,
  parseCrl,
  parseCsr,
  inspect,
  inspectCrl,
  inspectKey,
  importPrivateKeyPem,
  importPublicKeyPem,
  parsePkcs12: (x) => parsePkcs12(x, { passphrase: 'x' }),
};

/** Functions of one options (or input) object, called with none. */
const WITH_OPTIONS: Record<string, (x: never) => unknown> = {
  createCa,
  createCsr,
  signCsr,
  issueIdentity,
  issueCertificate,
  tokenNames,
  renderText,
  checkPublicKey,
  createPkcs12,
};

describe('functions of an options object given none', () => {
  for (const [name, fn] of Object.entries(WITH_OPTIONS))
    it(`${name}(undefined) and ${name}(null) throw ERR_INVALID_ARGUMENT`, async () => {
      for (const value of [undefined, null, 42]) {
        let thrown: unknown;
        try {
          await fn(value as never);
        } catch (e) {
          thrown = e;
        }
        expect(NodeIdError.isInstance(thrown), `${name}(${String(value)})`).toBe(true);
      }
    });
});

describe('parsers given the wrong type', () => {
  for (const [name, parse] of Object.entries(PARSERS))
    it(`${name} throws a NodeIdError for each`, async () => {
      for (const value of WRONG) {
        let thrown: unknown;
        try {
          await parse(value as never);
        } catch (e) {
          thrown = e;
        }
        expect(NodeIdError.isInstance(thrown), `${name}(${String(typeof value)})`).toBe(true);
      }
    });
});
