/** A runtime without WebCrypto passes `crypto` from @peculiar/webcrypto: the whole flow works on it. */
import { Crypto } from '@peculiar/webcrypto';
import { describe, expect, it } from 'vitest';
import { createCa, createCsr, issueIdentity, signCsr, verifyCertificate } from '../../src/index.js';

describe('crypto passed explicitly', () => {
  it('issues, signs a CSR and verifies with @peculiar/webcrypto', async () => {
    const crypto = new Crypto() as unknown as globalThis.Crypto;
    const ca = await createCa({ clusterName: 'c', crypto });
    const node = await issueIdentity({ ca, name: 'n1.example.net', crypto });
    const csr = await createCsr({ name: 'n2.example.net', crypto });
    const signed = await signCsr({ csr: csr.pem, ca, policy: { dns: 'any' }, crypto });
    for (const certificate of [node.certificate, signed.certificate]) {
      const result = await verifyCertificate({
        certificate,
        trustAnchors: [ca.certificate],
        crypto,
      });
      expect(result.ok).toBe(true);
    }
  });
});
