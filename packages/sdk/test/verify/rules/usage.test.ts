/**
 * RFC 5280 §4.2.1.12: "If a certificate contains both a key usage extension and an extended key
 * usage extension, then both extensions MUST be processed independently and the certificate
 * MUST only be used for a purpose consistent with both extensions." The key usage bits that
 * may be consistent with each purpose are the ones listed under each KeyPurposeId there.
 * Certificates are made by pyca/cryptography at test time (make-pki.py).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsSan, eku, ku, leaf, makePki, type Pki, root, verify } from './pki.js';

let pki: Pki;

const leafWith = (id: string, bits: string[] | undefined, purposes: string[] | undefined) =>
  leaf(id, 'r', {
    ext: [...(bits ? [ku(bits)] : []), ...(purposes ? [eku(purposes)] : []), dnsSan('example.com')],
  });

beforeAll(() => {
  pki = makePki([
    root('r'),
    leafWith('certSignOnly', ['keyCertSign'], ['serverAuth']),
    leafWith('encipher', ['keyEncipherment'], ['serverAuth', 'clientAuth']),
    leafWith('agree', ['keyAgreement'], ['serverAuth', 'clientAuth']),
    leafWith('sign', ['digitalSignature'], ['serverAuth', 'clientAuth']),
    leafWith('kuOnly', ['keyEncipherment'], undefined),
    leafWith('ekuOnly', undefined, ['serverAuth']),
  ]);
});

const check = (id: string, usage: 'server' | 'client') =>
  verify(pki, { leaf: id, anchors: ['r'], usage, host: 'example.com' });

describe('RFC 5280 §4.2.1.12: keyUsage consistent with the purpose', () => {
  it('U1: serverAuth needs digitalSignature, keyEncipherment or keyAgreement', async () => {
    const bad = await check('certSignOnly', 'server');
    expect(bad).toMatchObject({ ok: false, code: 'ERR_KEY_USAGE', depth: 0 });
    expect(bad.ok || bad.message).toMatch(/not consistent with serverAuth/);
    for (const id of ['encipher', 'agree', 'sign'])
      expect((await check(id, 'server')).ok, id).toBe(true);
  });

  it('U2: clientAuth needs digitalSignature or keyAgreement (keyEncipherment is not enough)', async () => {
    expect(await check('encipher', 'client')).toMatchObject({ ok: false, code: 'ERR_KEY_USAGE' });
    for (const id of ['agree', 'sign']) expect((await check(id, 'client')).ok, id).toBe(true);
  });

  it('U3: the rule binds only a certificate with both extensions', async () => {
    expect((await check('kuOnly', 'client')).ok).toBe(true);
    expect((await check('ekuOnly', 'server')).ok).toBe(true);
  });
});
