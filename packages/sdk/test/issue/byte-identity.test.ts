/**
 * Our fast certificate encoder must produce exactly the TBSCertificate that @peculiar/x509's
 * generator produces for the same inputs. The library path is the reference; the fast path
 * exists only for speed (see tools/bench).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createCa, type Identity, issueIdentity, type KeyAlgorithm } from '../../src/index.js';
import { bytesEqual, toHex } from '../../src/lib/bytes.js';

const crypto = globalThis.crypto;

/** A JsonName with explicit UTF8String values (the library's types only admit plain strings). */
function utf8Name(rdns: Record<string, { utf8String: string }[]>[]): x509.JsonName {
  return rdns as unknown as x509.JsonName;
}

function signingAlgorithm(algorithm: KeyAlgorithm): Algorithm {
  if (algorithm === 'P-256') return { name: 'ECDSA', hash: 'SHA-256' } as Algorithm;
  if (algorithm === 'P-384') return { name: 'ECDSA', hash: 'SHA-384' } as Algorithm;
  if (algorithm === 'Ed25519') return { name: 'Ed25519' };
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
}

/** The same certificate rebuilt with the library from the inputs the SDK used. */
async function libraryTbs(
  id: Identity,
  issuer: Identity,
  extensions: x509.Extension[],
  subject: x509.JsonName,
  issuerName: x509.JsonName,
) {
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: id.certificate.serialNumber,
      subject,
      issuer: issuerName,
      notBefore: id.certificate.notBefore,
      notAfter: id.certificate.notAfter,
      publicKey: id.publicKey,
      signingKey: issuer.privateKey,
      signingAlgorithm: signingAlgorithm(issuer.algorithm),
      extensions,
    },
    crypto,
  );
  return new Uint8Array(cert.rawData);
}

function tbsOf(der: Uint8Array): Uint8Array {
  // SEQUENCE { tbs, ... }: skip the outer header and read the first element's length
  let pos = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  const start = pos;
  const lenByte = der[pos + 1]!;
  let len = lenByte;
  let head = 2;
  if (lenByte & 0x80) {
    head = 2 + (lenByte & 0x7f);
    len = 0;
    for (let i = 0; i < (lenByte & 0x7f); i++) len = len * 256 + der[pos + 2 + i]!;
  }
  pos += head + len;
  return der.subarray(start, pos);
}

describe('fast encoder is byte-identical to @peculiar/x509', () => {
  for (const algorithm of ['P-256', 'P-384', 'Ed25519', 'RSA-2048'] as KeyAlgorithm[]) {
    it(`${algorithm}: CA and node certificate`, async () => {
      const ca = await createCa({
        clusterName: 'scale.cluster',
        organization: 'Example',
        algorithm,
        pathLength: 0,
      });
      const caName = utf8Name([
        { O: [{ utf8String: 'Example' }] },
        { OU: [{ utf8String: 'scale.cluster' }] },
        { CN: [{ utf8String: 'scale.cluster CA' }] },
      ]);
      const caSki = await x509.SubjectKeyIdentifierExtension.create(ca.publicKey, false, crypto);
      const caLib = await libraryTbs(
        ca,
        ca,
        [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(
            x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
            true,
          ),
          caSki,
          new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false),
        ],
        caName,
        caName,
      );
      expect(toHex(tbsOf(caLib))).toBe(toHex(ca.certificate.tbs));

      const node = await issueIdentity({
        ca,
        name: 'node1.example.net',
        ips: ['10.0.0.1', 'fd00::1'],
        uris: ['spiffe://scale.cluster/node1'],
        algorithm,
      });
      const usages = algorithm.startsWith('RSA')
        ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
        : x509.KeyUsageFlags.digitalSignature;
      const nodeLib = await libraryTbs(
        node,
        ca,
        [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(usages, true),
          new x509.ExtendedKeyUsageExtension(
            [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
            false,
          ),
          await x509.SubjectKeyIdentifierExtension.create(node.publicKey, false, crypto),
          new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false),
          new x509.SubjectAlternativeNameExtension(
            [
              { type: 'dns', value: 'node1' },
              { type: 'dns', value: 'node1.example.net' },
              { type: 'ip', value: '10.0.0.1' },
              { type: 'ip', value: 'fd00::1' },
              { type: 'url', value: 'spiffe://scale.cluster/node1' },
            ],
            false,
          ),
        ],
        utf8Name([{ O: [{ utf8String: 'Example' }] }, { CN: [{ utf8String: 'scale.cluster' }] }]),
        caName,
      );
      const ours = node.certificate.tbs;
      expect(toHex(tbsOf(nodeLib))).toBe(toHex(ours));
      expect(bytesEqual(tbsOf(nodeLib), ours)).toBe(true);
    });
  }

  it('P-256: node certificate with a cRLDistributionPoints URL (RFC 5280 §4.2.1.13)', async () => {
    const ca = await createCa({ clusterName: 'scale.cluster', organization: 'Example' });
    const caSki = await x509.SubjectKeyIdentifierExtension.create(ca.publicKey, false, crypto);
    const url = 'http://ca.example.net:8443/v1/crl';
    const node = await issueIdentity({
      ca: { ...ca, crlDistributionPoints: [url] },
      name: 'node1.example.net',
    });
    const nodeLib = await libraryTbs(
      node,
      ca,
      [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(
          [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
          false,
        ),
        await x509.SubjectKeyIdentifierExtension.create(node.publicKey, false, crypto),
        new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false),
        new x509.SubjectAlternativeNameExtension(
          [
            { type: 'dns', value: 'node1' },
            { type: 'dns', value: 'node1.example.net' },
          ],
          false,
        ),
        new x509.CRLDistributionPointsExtension([url], false),
      ],
      utf8Name([{ O: [{ utf8String: 'Example' }] }, { CN: [{ utf8String: 'scale.cluster' }] }]),
      utf8Name([
        { O: [{ utf8String: 'Example' }] },
        { OU: [{ utf8String: 'scale.cluster' }] },
        { CN: [{ utf8String: 'scale.cluster CA' }] },
      ]),
    );
    expect(toHex(tbsOf(nodeLib))).toBe(toHex(node.certificate.tbs));
  });
});
