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

// Fixed times: every case passes `now` (and `at`), so none depends on the machine's clock.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = new Date('2026-06-01T00:00:00Z');
const LATER = new Date(NOW.getTime() + DAY);
const CLUSTER = 'conformance.cluster';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DECODE_CODES = ['ERR_PEM_INVALID', 'ERR_DER_INVALID', 'ERR_INPUT_TOO_LARGE'];

const sanValues = (cert, type) =>
  (cert.subjectAltNames ?? []).filter((n) => n.type === type).map((n) => n.value);

/** A verification that must fail, with this code. */
async function expectRefusal(assert, pending, code) {
  const result = await pending;
  assert.equal(result.ok, false, `verification must fail with ${code}`);
  assert.equal(result.code, code, `refusal code (${result.message})`);
}

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
    const decodeCodes = DECODE_CODES.concat('ERR_CERTIFICATE_INVALID');
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

  'flow: createCa, issueIdentity (node), verifyCertificate for host, IP and cluster name': async (
    sdk,
    assert,
  ) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, organization: 'Conformance', now: NOW });
    const node1 = await sdk.issueIdentity({
      ca,
      name: 'node1.example.net',
      ips: ['127.0.0.1'],
      now: NOW,
    });
    assert.equal(node1.certificate.subject.text, `CN=${CLUSTER},O=Conformance`, 'node subject');
    assert.deepEqual(
      sanValues(node1.certificate, 'dns'),
      ['node1', 'node1.example.net'],
      'DNS SANs',
    );
    assert.deepEqual(sanValues(node1.certificate, 'ip'), ['127.0.0.1'], 'IP SANs');
    assert.deepEqual(
      node1.certificate.extendedKeyUsage,
      [SERVER_AUTH, CLIENT_AUTH],
      'a node is client and server',
    );
    assert.ok(ca.certificate.basicConstraints?.ca, 'the CA is a CA');
    const base = { certificate: node1.certificate, trustAnchors: [ca.certificate], at: LATER };
    const asServer = await sdk.verifyCertificate({
      ...base,
      host: 'node1.example.net',
      usage: 'server',
      clusterName: CLUSTER,
    });
    assert.ok(asServer.ok, `verifies as node1.example.net: ${asServer.message}`);
    assert.equal(asServer.chain.length, 2, 'chain: leaf and root');
    const asClient = await sdk.verifyCertificate({ ...base, ip: '127.0.0.1', usage: 'client' });
    assert.ok(asClient.ok, `verifies as a client at 127.0.0.1: ${asClient.message}`);
    await expectRefusal(
      assert,
      sdk.verifyCertificate({ ...base, host: 'node2.example.net' }),
      'ERR_HOSTNAME_MISMATCH',
    );
    await expectRefusal(
      assert,
      sdk.verifyCertificate({ ...base, ip: '127.0.0.2' }),
      'ERR_IP_MISMATCH',
    );
    await expectRefusal(
      assert,
      sdk.verifyCertificate({ ...base, clusterName: 'other.cluster' }),
      'ERR_CLUSTER_NAME_MISMATCH',
    );
    const otherCa = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    await expectRefusal(
      assert,
      sdk.verifyCertificate({ ...base, trustAnchors: [otherCa.certificate] }),
      'ERR_UNKNOWN_AUTHORITY',
    );
    const afterExpiry = new Date(node1.certificate.notAfter.getTime() + 60_000);
    await expectRefusal(
      assert,
      sdk.verifyCertificate({ ...base, at: afterExpiry }),
      'ERR_CERT_EXPIRED',
    );
  },

  'flow: intermediate CA with Ed25519 and RSA-2048 leaves verifies through the chain': async (
    sdk,
    assert,
  ) => {
    const root = await sdk.createCa({ clusterName: CLUSTER, algorithm: 'P-384', now: NOW });
    const rack = await sdk.createCa({
      commonName: 'rack-1 CA',
      issuer: root,
      pathLength: 0,
      now: NOW,
    });
    assert.equal(rack.certificate.basicConstraints?.pathLength, 0, 'path length');
    assert.equal(rack.certificate.issuer.text, root.certificate.subject.text, 'issued by the root');
    for (const algorithm of ['Ed25519', 'RSA-2048']) {
      const leaf = await sdk.issueIdentity({
        ca: rack,
        profile: 'server',
        name: 'gateway.example.net',
        algorithm,
        now: NOW,
      });
      assert.equal(leaf.algorithm, algorithm, 'leaf key algorithm');
      const result = await sdk.verifyCertificate({
        certificate: leaf.certificate,
        intermediates: [rack.certificate],
        trustAnchors: [root.certificate],
        host: 'gateway.example.net',
        usage: 'server',
        at: LATER,
      });
      assert.ok(result.ok, `${algorithm} leaf verifies: ${result.message}`);
      assert.equal(result.chain.length, 3, 'chain: leaf, intermediate, root');
      await expectRefusal(
        assert,
        sdk.verifyCertificate({
          certificate: leaf.certificate,
          trustAnchors: [root.certificate],
          at: LATER,
        }),
        'ERR_UNKNOWN_AUTHORITY',
      );
    }
  },

  'flow: webpki loads the Public Suffix List and refuses a wildcard on a public suffix': async (
    sdk,
    assert,
  ) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const verify = async (name, host) => {
      const leaf = await sdk.issueIdentity({ ca, profile: 'server', name, now: NOW });
      return sdk.verifyCertificate({
        certificate: leaf.certificate,
        trustAnchors: [ca.certificate],
        policy: 'webpki',
        usage: 'server',
        host,
        at: LATER,
      });
    };
    const ok = await verify('*.example.co.uk', 'www.example.co.uk');
    assert.ok(ok.ok, `a wildcard under a registrable domain verifies: ${ok.message}`);
    const refused = await verify('*.co.uk', 'example.co.uk');
    assert.equal(refused.code, 'ERR_POLICY_VIOLATION', `*.co.uk refused: ${refused.message}`);
    assert.ok(/public suffix "co\.uk"/.test(refused.message), 'refused for the public suffix');
  },

  'flow: inspectCertificate and renderText describe an issued identity': async (sdk, assert) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const node = await sdk.issueIdentity({ ca, name: 'node3.example.net', now: NOW });
    const info = await sdk.inspectCertificate(node.certificate);
    assert.equal(info.kind, 'certificate', 'kind');
    assert.equal(info.subject.text, `CN=${CLUSTER}`, 'subject');
    assert.equal(info.issuer.text, ca.certificate.subject.text, 'issuer');
    assert.deepEqual(info.subjectAltNames.dns, ['node3', 'node3.example.net'], 'DNS SANs');
    assert.equal(info.publicKey.type, 'EC', 'key type');
    assert.equal(info.isCa, false, 'not a CA');
    const digest = new Uint8Array(
      await globalThis.crypto.subtle.digest('SHA-256', node.certificate.der),
    );
    assert.equal(
      info.fingerprints.sha256.replaceAll(':', '').toLowerCase(),
      toHex(digest),
      'SHA-256 fingerprint',
    );
    const text = sdk.renderText(info, { now: LATER });
    for (const expected of ['node3.example.net', info.fingerprints.sha256]) {
      assert.ok(text.includes(expected), `the text shows ${expected}`);
    }
  },

  'flow: expiryStatus, needsRenewal and nextCheckIn follow the lifetime': async (sdk, assert) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const node = await sdk.issueIdentity({ ca, name: 'node4.example.net', days: 90, now: NOW });
    const { notBefore, notAfter } = node.certificate;
    const at = (ms) => new Date(notAfter.getTime() + ms);
    assert.equal(sdk.expiryStatus(node.certificate, { now: LATER }).status, 'valid', 'a day in');
    const soon = sdk.expiryStatus(node.certificate, { now: at(-10 * DAY) });
    assert.equal(soon.status, 'expiring', 'ten days before the end');
    assert.equal(soon.alert, 'tls-cert-will-soon-expire', 'alert when expiring');
    const gone = sdk.expiryStatus(node.certificate, { now: at(1000) });
    assert.equal(gone.status, 'expired', 'after the end');
    assert.equal(gone.alert, 'tls-cert-expired', 'alert when expired');
    const early = sdk.expiryStatus(node.certificate, { now: new Date(notBefore.getTime() - DAY) });
    assert.equal(early.status, 'not-yet-valid', 'before the start');
    assert.equal(sdk.needsRenewal(node.certificate, { now: LATER }), false, 'no renewal a day in');
    assert.equal(
      sdk.needsRenewal(node.certificate, { now: at(-20 * DAY) }),
      true,
      'renewal at 70 of 90 days',
    );
    assert.equal(
      sdk.nextCheckIn(node.certificate, { now: LATER }),
      6 * HOUR,
      'more than 24 h left: 6 h',
    );
    assert.equal(
      sdk.nextCheckIn(node.certificate, { now: at(-2 * HOUR) }),
      10 * MINUTE,
      'more than 1 h: 10 min',
    );
    assert.equal(sdk.nextCheckIn(node.certificate, { now: at(HOUR) }), HOUR, 'expired: 1 h');
  },

  'flow: createCsr, parseCsr and signCsr grant the allowed names and deny the others': async (
    sdk,
    assert,
  ) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const request = await sdk.createCsr({
      name: 'node5.example.net',
      ips: ['127.0.0.5'],
      dns: ['intruder.example.org'],
    });
    const csr = await sdk.parseCsr(request.pem);
    assert.ok(csr.signatureValid, 'the CSR signature verifies');
    assert.equal(csr.requestsCa, false, 'does not ask for CA:TRUE');
    assert.deepEqual(csr.requestedNames.ips, ['127.0.0.5'], 'requested IPs');
    assert.ok(csr.requestedNames.dns.includes('node5.example.net'), 'requested FQDN');
    const signed = await sdk.signCsr({
      csr: request.pem,
      ca,
      policy: { dns: ['.example.net'], ips: ['127.0.0.0/8'], maxDays: 30 },
      now: NOW,
    });
    assert.ok(signed.granted.includes('DNS:node5.example.net'), `granted: ${signed.granted}`);
    assert.ok(signed.granted.includes('IP:127.0.0.5'), `granted: ${signed.granted}`);
    assert.ok(
      signed.denied.some((d) => d.name.includes('intruder.example.org')),
      'the name outside the policy is denied',
    );
    assert.ok(
      !sanValues(signed.certificate, 'dns').includes('intruder.example.org'),
      'not in the certificate',
    );
    assert.ok(
      await sdk.keyMatchesCertificate(request.keyPair, signed.certificate),
      'the key matches',
    );
    const result = await sdk.verifyCertificate({
      certificate: signed.certificate,
      trustAnchors: [ca.certificate],
      host: 'node5.example.net',
      at: LATER,
    });
    assert.ok(result.ok, `the signed certificate verifies: ${result.message}`);
    const forged = Uint8Array.from(request.der);
    forged[forged.length - 1] ^= 1;
    assert.equal(
      (await sdk.parseCsr(forged)).signatureValid,
      false,
      'a forged CSR is seen as such',
    );
    await assert.nodeIdError(
      sdk,
      () => sdk.signCsr({ csr: forged, ca, policy: { dns: 'any' }, now: NOW }),
      'ERR_CSR_SIGNATURE',
    );
  },

  'flow: createCrl and parseCrl; verifyCertificate refuses the revoked node': async (
    sdk,
    assert,
  ) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const revoked = await sdk.issueIdentity({ ca, name: 'node6.example.net', now: NOW });
    const kept = await sdk.issueIdentity({ ca, name: 'node7.example.net', now: NOW });
    const { pem } = await sdk.createCrl({
      issuer: ca,
      entries: [
        { serialNumber: revoked.certificate.serialNumber, revokedAt: NOW, reason: 'keyCompromise' },
      ],
      crlNumber: 3,
      now: NOW,
    });
    const crl = sdk.parseCrl(pem);
    assert.equal(crl.crlNumber, 3n, 'CRL number');
    assert.equal(crl.issuer.text, ca.certificate.subject.text, 'CRL issuer');
    assert.deepEqual(
      crl.entries.map((e) => [e.serialNumber, e.reason]),
      [[revoked.certificate.serialNumber, 'keyCompromise']],
      'entries',
    );
    assert.ok(await sdk.verifyCrlSignature(pem, ca.certificate), 'the CRL signature verifies');
    const other = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    assert.equal(await sdk.verifyCrlSignature(pem, other.certificate), false, 'not by another CA');
    const check = (identity) =>
      sdk.verifyCertificate({
        certificate: identity.certificate,
        trustAnchors: [ca.certificate],
        crls: [pem],
        at: LATER,
      });
    await expectRefusal(assert, check(revoked), 'ERR_REVOKED');
    const result = await check(kept);
    assert.ok(result.ok, `a node not on the CRL verifies: ${result.message}`);
  },

  'keys: exportPrivateKeyPem and importPrivateKeyPem, plain and encrypted': async (sdk, assert) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const node = await sdk.issueIdentity({ ca, name: 'node8.example.net', now: NOW });
    const plain = await sdk.exportPrivateKeyPem(node.privateKey);
    assert.ok(plain.startsWith('-----BEGIN PRIVATE KEY-----'), 'PKCS#8 PEM');
    const locked = await sdk.exportPrivateKeyPem(node.privateKey, {
      passphrase: 'correct horse',
      iterations: 1000,
    });
    assert.ok(locked.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----'), 'encrypted PKCS#8 PEM');
    for (const [pem, passphrase] of [
      [plain, undefined],
      [locked, 'correct horse'],
    ]) {
      const keys = await sdk.importPrivateKeyPem(pem, { passphrase });
      assert.equal(keys.algorithm, 'P-256', 'algorithm');
      assert.ok(
        await sdk.keyMatchesCertificate(keys, node.certificate),
        'the key matches its certificate',
      );
    }
    await assert.nodeIdError(sdk, () => sdk.importPrivateKeyPem(locked), 'ERR_PASSPHRASE_REQUIRED');
    await assert.nodeIdError(
      sdk,
      () => sdk.importPrivateKeyPem(locked, { passphrase: 'wrong horse' }),
      'ERR_PASSPHRASE_WRONG',
    );
    const publicPem = await sdk.exportPublicKeyPem(node.publicKey);
    assert.ok(publicPem.startsWith('-----BEGIN PUBLIC KEY-----'), 'SPKI PEM');
    const other = await sdk.issueIdentity({ ca, name: 'node9.example.net', now: NOW });
    assert.equal(
      await sdk.keyMatchesCertificate(other, node.certificate),
      false,
      'another key does not match',
    );
  },

  'bundle: bundleFiles lays out the kubernetes files with their modes': async (sdk, assert) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const node = await sdk.issueIdentity({ ca, name: 'node10.example.net', now: NOW });
    const files = await sdk.bundleFiles(node, 'kubernetes');
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    assert.deepEqual(Object.keys(byPath).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'file names');
    assert.equal(byPath['tls.key'].mode, 0o600, 'key mode');
    assert.equal(byPath['tls.crt'].mode, 0o644, 'certificate mode');
    assert.equal(
      sdk.parseCertificate(byPath['tls.crt'].contents).serialNumber,
      node.certificate.serialNumber,
      'tls.crt',
    );
    assert.equal(
      sdk.parseCertificate(byPath['ca.crt'].contents).serialNumber,
      ca.certificate.serialNumber,
      'ca.crt',
    );
    const keys = await sdk.importPrivateKeyPem(byPath['tls.key'].contents);
    assert.ok(await sdk.keyMatchesCertificate(keys, node.certificate), 'tls.key matches tls.crt');
  },

  'pkcs12: createPkcs12 and parsePkcs12 round trip on WebCrypto alone; a wrong passphrase is refused':
    async (sdk, assert) => {
      const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
      const node = await sdk.issueIdentity({ ca, name: 'node12.example.net', now: NOW });
      const [keystore, truststore] = await sdk.bundleFiles(node, 'pkcs12', {
        pkcs12Passphrase: 'changeit',
        iterations: 1000,
      });
      const p12 = await sdk.parsePkcs12(keystore.contents, { passphrase: 'changeit' });
      assert.deepEqual(
        p12.certificates.map((c) => [c.certificate.serialNumber, c.hasKey]),
        [
          [node.certificate.serialNumber, true],
          [ca.certificate.serialNumber, false],
        ],
        'keystore entries',
      );
      const keys = await sdk.importPrivateKeyPem(p12.keys[0].pkcs8);
      assert.ok(await sdk.keyMatchesCertificate(keys, node.certificate), 'the key inside matches');
      const trust = await sdk.parsePkcs12(truststore.contents, { passphrase: 'changeit' });
      assert.deepEqual(
        trust.certificates.map((c) => c.trusted),
        [true],
        'truststore entry is trusted',
      );
      await assert.nodeIdError(
        sdk,
        () => sdk.parsePkcs12(keystore.contents, { passphrase: 'wrong' }),
        ['ERR_PASSPHRASE_WRONG'],
        'wrong passphrase',
      );
    },

  'inspect: inspect() tells certificates, CSRs, CRLs and keys apart': async (sdk, assert) => {
    const ca = await sdk.createCa({ clusterName: CLUSTER, now: NOW });
    const request = await sdk.createCsr({ name: 'node11.example.net' });
    const { pem: crlPem } = await sdk.createCrl({
      issuer: ca,
      entries: [],
      crlNumber: 1,
      now: NOW,
    });
    const keyPem = await sdk.exportPrivateKeyPem(ca.privateKey);
    const publicPem = await sdk.exportPublicKeyPem(ca.publicKey);
    const kinds = [];
    for (const input of [ca.certificate.pem, request.pem, crlPem, keyPem, publicPem]) {
      kinds.push((await sdk.inspect(input)).kind);
    }
    assert.deepEqual(kinds, ['certificate', 'csr', 'crl', 'key', 'key'], 'kinds');
    const csrInfo = await sdk.inspect(request.pem);
    assert.ok(JSON.stringify(csrInfo).includes('node11.example.net'), 'the CSR names its FQDN');
    const keyInfo = await sdk.inspect(keyPem);
    assert.ok(
      !JSON.stringify(keyInfo).includes(keyPem.split('\n')[1]),
      'no secret in a key description',
    );
    const publicKey = await sdk.importPublicKeyPem(publicPem);
    assert.equal(sdk.keyAlgorithmOf(publicKey), 'P-256', 'imported public key');
  },

  'errors: hostile CSR, CRL and key inputs yield NodeIdErrors': async (sdk, assert) => {
    const inputs = ['garbage', new Uint8Array([0x30, 0x03, 0x02, 0x01]), OPENSSL_NODE_PEM];
    for (const input of inputs) {
      await assert.nodeIdError(
        sdk,
        () => sdk.parseCsr(input),
        DECODE_CODES.concat('ERR_CSR_INVALID'),
        'parseCsr',
      );
      await assert.nodeIdError(
        sdk,
        () => sdk.parseCrl(input),
        DECODE_CODES.concat('ERR_CRL_INVALID'),
        'parseCrl',
      );
      await assert.nodeIdError(
        sdk,
        () => sdk.importPrivateKeyPem(input),
        DECODE_CODES.concat('ERR_KEY_INVALID', 'ERR_INVALID_ARGUMENT'),
        'importPrivateKeyPem',
      );
    }
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
