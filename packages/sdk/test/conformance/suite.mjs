/**
 * The conformance suite: written once, run against the built package in Node (ESM and CJS),
 * Deno, Bun and headless Chromium. Every case takes the SDK module and the assertions as
 * parameters and uses nothing but the SDK and the runtime's global WebCrypto, so a case that
 * passes here passes for every user of `@nodeid/sdk`, whatever runs it.
 *
 * A case is `async (sdk, assert) => void`; it fails by throwing.
 */
import { assert as defaultAssert } from './assert.mjs';
import {
  OPENSSL_ED25519_CA_EXPECTED,
  OPENSSL_ED25519_CA_PEM,
  OPENSSL_NODE_EXPECTED,
  OPENSSL_NODE_PEM,
} from './fixtures.mjs';

const encoder = new TextEncoder();

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function signParams(algorithm) {
  if (algorithm === 'P-256') return { name: 'ECDSA', hash: 'SHA-256' };
  if (algorithm === 'P-384') return { name: 'ECDSA', hash: 'SHA-384' };
  if (algorithm === 'Ed25519') return { name: 'Ed25519' };
  return { name: 'RSASSA-PKCS1-v1_5' };
}

/** Generates a key pair and proves it works: a signature made with it verifies, a forged one doesn't. */
async function checkKeyPair(sdk, assert, algorithm) {
  const pair = await sdk.generateKeyPair({ algorithm });
  assert.equal(pair.algorithm, algorithm, 'KeyPair.algorithm');
  assert.equal(sdk.keyAlgorithmOf(pair.publicKey), algorithm, 'keyAlgorithmOf(publicKey)');
  assert.equal(sdk.keyAlgorithmOf(pair.privateKey), algorithm, 'keyAlgorithmOf(privateKey)');
  assert.equal(pair.privateKey.extractable, false, 'private keys are not extractable by default');
  const { subtle } = globalThis.crypto;
  const message = encoder.encode(`conformance ${algorithm}`);
  const params = signParams(algorithm);
  const signature = new Uint8Array(await subtle.sign(params, pair.privateKey, message));
  assert.ok(await subtle.verify(params, pair.publicKey, signature, message), 'signature verifies');
  signature[signature.length - 1] ^= 1;
  assert.ok(!(await subtle.verify(params, pair.publicKey, signature, message)), 'forgery fails');
}

export const cases = {
  'keys: KEY_ALGORITHMS lists every supported algorithm': async (sdk, assert) => {
    assert.deepEqual(
      [...sdk.KEY_ALGORITHMS],
      ['P-256', 'P-384', 'Ed25519', 'RSA-2048', 'RSA-3072', 'RSA-4096'],
      'KEY_ALGORITHMS',
    );
    assert.ok(sdk.isKeyAlgorithm('Ed25519'), 'isKeyAlgorithm(Ed25519)');
    assert.ok(!sdk.isKeyAlgorithm('RSA-1024'), 'isKeyAlgorithm(RSA-1024) is false');
  },

  'keys: generateKeyPair defaults to P-256': async (sdk, assert) => {
    const pair = await sdk.generateKeyPair();
    assert.equal(pair.algorithm, 'P-256', 'default algorithm');
    assert.equal(pair.publicKey.algorithm.namedCurve, 'P-256', 'curve of the CryptoKey');
  },

  'keys: generateKeyPair P-256': (sdk, assert) => checkKeyPair(sdk, assert, 'P-256'),
  'keys: generateKeyPair P-384': (sdk, assert) => checkKeyPair(sdk, assert, 'P-384'),
  'keys: generateKeyPair Ed25519': (sdk, assert) => checkKeyPair(sdk, assert, 'Ed25519'),
  'keys: generateKeyPair RSA-2048': (sdk, assert) => checkKeyPair(sdk, assert, 'RSA-2048'),

  'keys: generateKeyPair extractable keys export as PKCS#8 and SPKI': async (sdk, assert) => {
    const pair = await sdk.generateKeyPair({ algorithm: 'Ed25519', extractable: true });
    const { subtle } = globalThis.crypto;
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
    assert.equal(pkcs8[0], 0x30, 'PKCS#8 is a DER SEQUENCE');
    assert.equal(spki.length, 44, 'an Ed25519 SPKI is 44 bytes');
  },

  'keys: generateKeyPair rejects an unknown algorithm with ERR_KEY_UNSUPPORTED': async (
    sdk,
    assert,
  ) => {
    await assert.nodeIdError(
      sdk,
      () => sdk.generateKeyPair({ algorithm: 'RSA-1024' }),
      'ERR_KEY_UNSUPPORTED',
    );
  },

  'certificate: parseCertificate reads an openssl node certificate': async (sdk, assert) => {
    const cert = sdk.parseCertificate(OPENSSL_NODE_PEM);
    const expected = OPENSSL_NODE_EXPECTED;
    assert.equal(cert.version, 3, 'version');
    assert.equal(cert.serialNumber, expected.serialNumber, 'serial');
    assert.equal(cert.subject.text, expected.subject, 'subject');
    assert.equal(cert.issuer.text, expected.subject, 'issuer of a self-signed certificate');
    assert.equal(cert.notBefore.toISOString(), expected.notBefore, 'notBefore');
    assert.equal(cert.notAfter.toISOString(), expected.notAfter, 'notAfter');
    assert.equal(cert.publicKey.type, 'EC', 'key type');
    assert.equal(cert.publicKey.curve, 'P-256', 'curve');
    assert.equal(cert.signatureAlgorithm.name, 'ecdsa-with-SHA256', 'signature algorithm');
    const names = (type) => cert.subjectAltNames.filter((n) => n.type === type).map((n) => n.value);
    assert.deepEqual(names('dns'), expected.dnsNames, 'DNS SANs');
    assert.deepEqual(names('ip'), expected.ipAddresses, 'IP SANs');
    assert.deepEqual(cert.basicConstraints?.ca, false, 'CA:FALSE');
    assert.deepEqual(cert.keyUsage, expected.keyUsage, 'keyUsage');
    assert.deepEqual(cert.extendedKeyUsage, expected.extendedKeyUsage, 'extendedKeyUsage');
    assert.equal(toHex(cert.subjectKeyIdentifier), expected.subjectKeyIdentifier, 'SKI');
    assert.deepEqual(cert.problems, [], 'problems');
  },

  'certificate: parseCertificate reads an openssl Ed25519 CA': async (sdk, assert) => {
    const cert = sdk.parseCertificate(OPENSSL_ED25519_CA_PEM);
    const expected = OPENSSL_ED25519_CA_EXPECTED;
    assert.equal(cert.serialNumber, expected.serialNumber, 'serial');
    assert.equal(cert.subject.text, expected.subject, 'subject');
    assert.equal(cert.publicKey.type, 'Ed25519', 'key type');
    assert.equal(cert.signatureAlgorithm.family, 'Ed25519', 'signature family');
    assert.deepEqual(
      cert.basicConstraints,
      { ca: true, pathLength: expected.pathLength, critical: true },
      'basicConstraints',
    );
    assert.deepEqual(cert.keyUsage, expected.keyUsage, 'keyUsage');
  },

  'certificate: DER and PEM parse alike, and a bundle parses in order': async (sdk, assert) => {
    const fromPem = sdk.parseCertificate(OPENSSL_NODE_PEM);
    const fromDer = sdk.parseCertificateDer(fromPem.der);
    assert.deepEqual(fromDer.der, fromPem.der, 'DER');
    assert.equal(fromDer.serialNumber, fromPem.serialNumber, 'serial');
    assert.ok(sdk.isCertificate(fromDer), 'isCertificate');
    const bundle = sdk.parseCertificates(OPENSSL_NODE_PEM + OPENSSL_ED25519_CA_PEM);
    assert.deepEqual(
      bundle.map((c) => c.subject.text),
      [OPENSSL_NODE_EXPECTED.subject, OPENSSL_ED25519_CA_EXPECTED.subject],
      'bundle order',
    );
  },

  'errors: garbage input yields a NodeIdError with a stable code': async (sdk, assert) => {
    const decodeCodes = ['ERR_PEM_INVALID', 'ERR_DER_INVALID', 'ERR_CERTIFICATE_INVALID'];
    const der = sdk.parseCertificate(OPENSSL_NODE_PEM).der;
    const garbage = {
      'plain text': 'not a certificate',
      'empty PEM body': '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
      'bad base64': '-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n',
      'another PEM label': '-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n',
      'truncated DER': der.slice(0, der.length - 10),
      'DER with trailing bytes': Uint8Array.of(...der, 0),
      'random bytes': Uint8Array.of(0x30, 0x82, 0xff, 0xff, 1, 2, 3),
      'empty bytes': new Uint8Array(0),
    };
    for (const [label, input] of Object.entries(garbage)) {
      const error = await assert.nodeIdError(
        sdk,
        () => sdk.parseCertificate(input),
        decodeCodes,
        `parseCertificate(${label})`,
      );
      assert.ok(error instanceof sdk.NodeIdError, `${label}: instanceof NodeIdError`);
      assert.ok(error instanceof Error, `${label}: instanceof Error`);
      assert.deepEqual(error.toJSON(), { code: error.code, message: error.message }, 'toJSON');
    }
    await assert.nodeIdError(sdk, () => sdk.parseCertificate(42), 'ERR_INVALID_ARGUMENT');
  },
};

/**
 * Runs every case (or those whose name includes `filter`) and reports each one; never throws.
 * @returns {Promise<{ name: string, ok: boolean, error?: string }[]>}
 */
export async function runSuite(sdk, { assert = defaultAssert, filter = '' } = {}) {
  const results = [];
  for (const [name, run] of Object.entries(cases)) {
    if (!name.includes(filter)) continue;
    try {
      await run(sdk, assert);
      results.push({ name, ok: true });
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ name, ok: false, error: text });
    }
  }
  return results;
}

/** The line a runner prints so that the vitest side can find the results in any output. */
export const RESULT_MARKER = 'CONFORMANCE_RESULTS ';
