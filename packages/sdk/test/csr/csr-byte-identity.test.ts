/**
 * Our PKCS#10 encoder (src/lib/certification-request.ts) must write exactly the request that
 * @peculiar/x509's Pkcs10CertificateRequestGenerator writes for the same key, subject and
 * extensions. The library, which the SDK used to make node CSRs, is the reference here only.
 * Ed25519 and RSASSA-PKCS1-v1_5 signatures are deterministic, so those requests are compared
 * whole; for ECDSA the CertificationRequestInfo is compared and both signatures verified.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import {
  type CreateCsrOptions,
  createCaCsr,
  createCsr,
  generateKeyPair,
  type KeyAlgorithm,
  parseCsr,
} from '../../src/index.js';
import { toArrayBuffer } from '../../src/lib/bytes.js';
import { children, decode } from '../../src/lib/der.js';

const crypto = globalThis.crypto;

/** The CertificationRequestInfo bytes of a request (its first element). */
function infoOf(der: Uint8Array): Uint8Array {
  return children(decode(der))[0]!.raw;
}

/** The same request made by the library from the subject and extensions ours carries. */
async function libraryCsr(
  der: Uint8Array,
  keys: CryptoKeyPair,
): Promise<x509.Pkcs10CertificateRequest> {
  const ours = new x509.Pkcs10CertificateRequest(toArrayBuffer(der));
  return x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: new x509.Name(ours.subjectName.toArrayBuffer()),
      keys,
      signingAlgorithm: ours.signatureAlgorithm as Algorithm,
      extensions: ours.extensions.map((e) => new x509.Extension(e.rawData)),
    },
    crypto,
  );
}

const cases: [string, Omit<CreateCsrOptions, 'keyPair'>][] = [
  [
    'a node with every kind of name',
    {
      name: 'node1.example.net',
      organization: 'Example',
      dns: ['alias.example.net'],
      ips: ['10.0.0.1', '2001:db8::1'],
      uris: ['spiffe://scale.cluster/node1'],
      emails: ['ops@example.net'],
    },
  ],
  ['a server name alone', { name: 'api.example.net', profile: 'server' }],
  ['a client with no subjectAltName (no extensionRequest)', { name: 'alice', profile: 'client' }],
  ['an IP as the name', { name: '192.0.2.7' }],
];

describe('createCsr writes what @peculiar/x509 writes', () => {
  for (const algorithm of ['P-256', 'P-384', 'Ed25519', 'RSA-2048'] as KeyAlgorithm[]) {
    it(`${algorithm}`, async () => {
      const keyPair = await generateKeyPair({ algorithm, crypto });
      const keys = { privateKey: keyPair.privateKey, publicKey: keyPair.publicKey };
      for (const [label, options] of cases) {
        const ours = await createCsr({ ...options, keyPair, crypto });
        const theirs = await libraryCsr(ours.der, keys);
        const theirDer = new Uint8Array(theirs.rawData);
        expect(Buffer.from(infoOf(ours.der)).toString('hex'), label).toBe(
          Buffer.from(infoOf(theirDer)).toString('hex'),
        );
        if (algorithm === 'Ed25519' || algorithm.startsWith('RSA'))
          expect(Buffer.from(ours.der).toString('hex'), label).toBe(
            Buffer.from(theirDer).toString('hex'),
          );
        expect(
          await new x509.Pkcs10CertificateRequest(toArrayBuffer(ours.der)).verify(crypto),
          label,
        ).toBe(true);
        expect((await parseCsr(ours.pem)).signatureValid, label).toBe(true);
      }
    });
  }

  it('the client request has an empty attribute set, as the library writes it', async () => {
    const ours = await createCsr({ name: 'alice', profile: 'client', crypto });
    expect(new x509.Pkcs10CertificateRequest(toArrayBuffer(ours.der)).attributes).toEqual([]);
  });

  it('createCaCsr goes through the same encoder', async () => {
    const ours = await createCaCsr({ clusterName: 'scale.cluster', algorithm: 'Ed25519', crypto });
    const theirs = await libraryCsr(ours.der, {
      privateKey: ours.keyPair.privateKey,
      publicKey: ours.keyPair.publicKey,
    });
    expect(Buffer.from(ours.der).toString('hex')).toBe(
      Buffer.from(new Uint8Array(theirs.rawData)).toString('hex'),
    );
  });
});
