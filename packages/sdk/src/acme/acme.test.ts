/**
 * ACME rules of the SDK from their RFC text: JWK thumbprints (RFC 7638 §3.1, RFC 8037 §A.3),
 * the JWS shape of RFC 8555 §6.2, External Account Binding (§7.3.4), key authorizations (§8.1,
 * §8.4) and which identifiers a token's account may order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import { renewalWindow } from '../expiry/renewal-window.js';
import { fromBase64Url, toBase64Url, utf8 } from '../lib/base64url.js';
import { loadPublicSuffixList } from '../verify/public-suffix.js';
import { jwkThumbprint } from './account-key.js';
import { acmeProblemTypeOf } from './acme-problem.js';
import {
  createExternalAccountBinding,
  parseExternalAccountBinding,
  verifyExternalAccountBinding,
} from './external-account-binding.js';
import { dns01TxtValue, http01ResponseMatches, keyAuthorization } from './key-authorization.js';
import { acmeOrderIdentifiers } from './order-identifiers.js';
import { parseRenewalInfoId } from './renewal-info-id.js';
import { parseAcmeJws, verifyAcmeJws } from './verify-acme-jws.js';

const RFC7638_RSA = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

/** The problem type an ACME check threw with. */
async function problemOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return acmeProblemTypeOf(e) ?? `not an ACME error: ${String(e)}`;
  }
  return undefined;
}

const ALGS = {
  ES256: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  ES384: { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  RS256: {
    gen: {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  EdDSA: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
} as const;

async function accountKey(alg: keyof typeof ALGS) {
  const pair = (await crypto.subtle.generateKey(ALGS[alg].gen as never, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { key_ops: _o, ext: _e, ...jwk } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { alg, pair, jwk: jwk as Record<string, string> & { kty: string } };
}

async function signJws(
  key: Awaited<ReturnType<typeof accountKey>>,
  header: Record<string, unknown>,
  payload: unknown,
) {
  const protectedPart = toBase64Url(utf8(JSON.stringify({ alg: key.alg, ...header })));
  const payloadPart = payload === '' ? '' : toBase64Url(utf8(JSON.stringify(payload)));
  const sig = await crypto.subtle.sign(
    ALGS[key.alg].sign as never,
    key.pair.privateKey,
    utf8(`${protectedPart}.${payloadPart}`) as BufferSource,
  );
  return {
    protected: protectedPart,
    payload: payloadPart,
    signature: toBase64Url(new Uint8Array(sig)),
  };
}

const NONCE = toBase64Url(new Uint8Array(16).fill(7));
const URL_ = 'https://ca.test/acme/new-account';

describe('JWK thumbprint (RFC 7638)', () => {
  it('gives the RFC 7638 §3.1 example thumbprint, ignoring optional members', async () => {
    expect(await jwkThumbprint(RFC7638_RSA)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
  it('gives the RFC 8037 §A.3 Ed25519 thumbprint', async () => {
    expect(
      await jwkThumbprint({
        kty: 'OKP',
        crv: 'Ed25519',
        x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      }),
    ).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
  it('refuses a key type it does not know as badPublicKey', async () => {
    expect(await problemOf(() => jwkThumbprint({ kty: 'oct', k: 'AAAA' }))).toBe('badPublicKey');
  });
});

describe('ACME JWS (RFC 8555 §6.2)', () => {
  for (const alg of ['ES256', 'ES384', 'RS256', 'EdDSA'] as const) {
    it(`verifies a ${alg} request signed with the header's jwk, and refuses it with one byte changed`, async () => {
      const key = await accountKey(alg);
      const body = await signJws(
        key,
        { nonce: NONCE, url: URL_, jwk: key.jwk },
        { termsOfServiceAgreed: true },
      );
      const jws = parseAcmeJws(body);
      expect(jws.header).toMatchObject({ alg, nonce: NONCE, url: URL_ });
      expect(jws.payload).toEqual({ termsOfServiceAgreed: true });
      await verifyAcmeJws(jws, key.jwk);
      const sig = fromBase64Url(body.signature)!;
      sig[5] = sig[5]! ^ 1;
      const tampered = parseAcmeJws({ ...body, signature: toBase64Url(sig) });
      expect(await problemOf(() => verifyAcmeJws(tampered, key.jwk))).toBe('malformed');
    });
  }

  it('reads an empty payload as POST-as-GET (§6.3)', async () => {
    const key = await accountKey('ES256');
    const jws = parseAcmeJws(
      await signJws(key, { nonce: NONCE, url: URL_, kid: 'https://ca.test/acme/acct/1' }, ''),
    );
    expect(jws.payload).toBeUndefined();
    expect(jws.header.kid).toBe('https://ca.test/acme/acct/1');
  });

  it('refuses "none" and MAC algorithms as badSignatureAlgorithm', async () => {
    for (const alg of ['none', 'HS256']) {
      const p = toBase64Url(utf8(JSON.stringify({ alg, nonce: NONCE, url: URL_, kid: 'k' })));
      expect(
        await problemOf(() => parseAcmeJws({ protected: p, payload: '', signature: 'AAAA' })),
      ).toBe('badSignatureAlgorithm');
    }
  });

  it('refuses what §6.2 forbids: an unprotected header, both or neither of jwk and kid, no nonce, no url, b64 false', async () => {
    const key = await accountKey('ES256');
    const ok = { nonce: NONCE, url: URL_, kid: 'k' };
    const sign = (h: Record<string, unknown>) => signJws(key, h, {});
    expect(
      await problemOf(async () => parseAcmeJws({ ...(await sign(ok)), header: { kid: 'k' } })),
    ).toBe('malformed');
    expect(await problemOf(async () => parseAcmeJws(await sign({ ...ok, jwk: key.jwk })))).toBe(
      'malformed',
    );
    expect(await problemOf(async () => parseAcmeJws(await sign({ nonce: NONCE, url: URL_ })))).toBe(
      'malformed',
    );
    expect(await problemOf(async () => parseAcmeJws(await sign({ url: URL_, kid: 'k' })))).toBe(
      'badNonce',
    );
    expect(await problemOf(async () => parseAcmeJws(await sign({ nonce: NONCE, kid: 'k' })))).toBe(
      'unauthorized',
    );
    expect(
      await problemOf(async () => parseAcmeJws(await sign({ ...ok, b64: false, crit: ['b64'] }))),
    ).toBe('malformed');
    expect(await problemOf(() => parseAcmeJws('a.b.c'))).toBe('malformed');
  });

  it('refuses an RSA account key under 2048 bits and a key that does not fit alg as badPublicKey', async () => {
    const small = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey('jwk', small.publicKey)) as Record<
      string,
      string
    > & { kty: string };
    const key = { alg: 'RS256' as const, pair: small, jwk };
    const jws = parseAcmeJws(await signJws(key, { nonce: NONCE, url: URL_, jwk }, {}));
    expect(await problemOf(() => verifyAcmeJws(jws, jwk))).toBe('badPublicKey');
    const ec = await accountKey('ES256');
    const lying = parseAcmeJws(
      await signJws(ec, { alg: 'ES384', nonce: NONCE, url: URL_, jwk: ec.jwk }, {}),
    );
    expect(await problemOf(() => verifyAcmeJws(lying, ec.jwk))).toBe('badPublicKey');
  });
});

describe('External Account Binding (RFC 8555 §7.3.4)', () => {
  const hmacKey = new Uint8Array(32).fill(9);
  it('verifies a binding of the account key by the MAC key, and refuses another key, url or MAC key', async () => {
    const key = await accountKey('ES256');
    const other = await accountKey('ES256');
    const eab = await createExternalAccountBinding({
      kid: 'abc',
      hmacKey,
      url: URL_,
      accountJwk: key.jwk,
    });
    const binding = parseExternalAccountBinding(eab);
    expect(binding.kid).toBe('abc');
    await verifyExternalAccountBinding({ binding, accountJwk: key.jwk, url: URL_, hmacKey });
    expect(
      await problemOf(() =>
        verifyExternalAccountBinding({ binding, accountJwk: other.jwk, url: URL_, hmacKey }),
      ),
    ).toBe('unauthorized');
    expect(
      await problemOf(() =>
        verifyExternalAccountBinding({ binding, accountJwk: key.jwk, url: `${URL_}x`, hmacKey }),
      ),
    ).toBe('malformed');
    expect(
      await problemOf(() =>
        verifyExternalAccountBinding({
          binding,
          accountJwk: key.jwk,
          url: URL_,
          hmacKey: new Uint8Array(32),
        }),
      ),
    ).toBe('unauthorized');
  });
  it('refuses a binding signed with an account algorithm, carrying a nonce or an unprotected header', async () => {
    const p = (h: object) => toBase64Url(utf8(JSON.stringify(h)));
    expect(
      await problemOf(() =>
        parseExternalAccountBinding({
          protected: p({ alg: 'ES256', kid: 'k', url: URL_ }),
          payload: '',
          signature: 'AA',
        }),
      ),
    ).toBe('badSignatureAlgorithm');
    expect(
      await problemOf(() =>
        parseExternalAccountBinding({
          protected: p({ alg: 'HS256', kid: 'k', url: URL_, nonce: NONCE }),
          payload: '',
          signature: 'AA',
        }),
      ),
    ).toBe('malformed');
    // an unprotected header would carry members the MAC does not cover
    expect(
      await problemOf(() =>
        parseExternalAccountBinding({
          protected: p({ alg: 'HS256', kid: 'k', url: URL_ }),
          header: { kid: 'other' },
          payload: '',
          signature: 'AA',
        }),
      ),
    ).toBe('malformed');
  });
});

describe('key authorizations (RFC 8555 §8.1, §8.3, §8.4)', () => {
  it('is token.thumbprint; dns-01 publishes base64url(SHA-256) of it; http-01 ignores trailing whitespace only', async () => {
    const keyAuth = await keyAuthorization(
      'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA',
      RFC7638_RSA,
    );
    expect(keyAuth).toBe(
      'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', utf8(keyAuth) as BufferSource),
    );
    expect(await dns01TxtValue(keyAuth)).toBe(toBase64Url(digest));
    expect(http01ResponseMatches(`${keyAuth}\r\n`, keyAuth)).toBe(true);
    expect(http01ResponseMatches(` ${keyAuth}`, keyAuth)).toBe(false);
    expect(http01ResponseMatches(`${keyAuth}x`, keyAuth)).toBe(false);
  });
});

describe('identifiers an account may order', () => {
  const token = {
    name: 'node1.example.net',
    profile: 'node',
    dns: ['node1-ib.example.net'],
    ips: ['10.0.0.1', 'fd00::1'],
  };
  it('grants exactly the names of the token (short name included), normalised', () => {
    const { identifiers, rejected } = acmeOrderIdentifiers(
      [
        { type: 'dns', value: 'Node1.Example.NET' },
        { type: 'dns', value: 'node1' },
        { type: 'ip', value: 'fd00:0::1' },
      ],
      token,
    );
    expect(rejected).toEqual([]);
    expect(identifiers).toEqual([
      { type: 'dns', value: 'node1.example.net' },
      { type: 'dns', value: 'node1' },
      { type: 'ip', value: 'fd00::1' },
    ]);
  });
  it('rejects names outside the token, wildcards and unknown identifier types, one subproblem each', () => {
    const { rejected } = acmeOrderIdentifiers(
      [
        { type: 'dns', value: 'node2.example.net' },
        { type: 'dns', value: '*.example.net' },
        { type: 'ip', value: '10.0.0.2' },
        { type: 'email', value: 'a@b' },
        { type: 'dns', value: 'node1.example.net' },
      ],
      token,
    );
    expect(rejected.map((r) => [r.type, r.identifier.value])).toEqual([
      ['rejectedIdentifier', 'node2.example.net'],
      ['rejectedIdentifier', '*.example.net'],
      ['rejectedIdentifier', '10.0.0.2'],
      ['unsupportedIdentifier', 'a@b'],
    ]);
  });
});

describe('wildcard identifiers (RFC 8555 §7.1.3, granted explicitly)', () => {
  const token = {
    name: 'node1.cluster.example',
    profile: 'server',
    dns: [],
    ips: [],
    wildcards: ['*.cluster.example'],
  };
  let publicSuffixes: Awaited<ReturnType<typeof loadPublicSuffixList>>;
  beforeAll(async () => {
    publicSuffixes = await loadPublicSuffixList();
  });
  it('grants a wildcard the token lists, normalised, beside its exact names', () => {
    const { identifiers, rejected } = acmeOrderIdentifiers(
      [
        { type: 'dns', value: '*.Cluster.Example' },
        { type: 'dns', value: 'node1.cluster.example' },
      ],
      token,
      { publicSuffixes },
    );
    expect(rejected).toEqual([]);
    expect(identifiers).toEqual([
      { type: 'dns', value: '*.cluster.example' },
      { type: 'dns', value: 'node1.cluster.example' },
    ]);
  });
  it('refuses a wildcard the token does not list, one not leftmost, over a public suffix, over an IP, without a token or without the list', () => {
    const asked = [
      '*.other.example',
      '*.node1.cluster.example',
      'a.*.cluster.example',
      'f*.cluster.example',
      '*.*.cluster.example',
      '*.co.uk',
      '*.10.0.0.1',
      '*',
    ].map((value) => ({ type: 'dns', value }));
    const { identifiers, rejected } = acmeOrderIdentifiers(asked, token, { publicSuffixes });
    expect(identifiers).toEqual([]);
    expect(rejected.map((r) => [r.type, r.identifier.value])).toEqual(
      asked.map((a) => ['rejectedIdentifier', a.value]),
    );
    expect(rejected[0]!.detail).toMatch(/not a wildcard this account's enrollment token grants/);
    expect(rejected[5]!.detail).toMatch(/public suffix "co.uk"/);
    expect(rejected[6]!.detail).toMatch(/IP address/);
    // the exact name of a token never grants the wildcard below it, and 'any' grants none
    expect(
      acmeOrderIdentifiers(
        [{ type: 'dns', value: '*.cluster.example' }],
        { ...token, wildcards: [] },
        {
          publicSuffixes,
        },
      ).rejected,
    ).toHaveLength(1);
    expect(
      acmeOrderIdentifiers([{ type: 'dns', value: '*.cluster.example' }], 'any', { publicSuffixes })
        .rejected[0]!.detail,
    ).toMatch(/only an enrollment token that lists it/);
    expect(
      acmeOrderIdentifiers([{ type: 'dns', value: '*.cluster.example' }], token).rejected,
    ).toHaveLength(1);
    // a stored wildcard that is no longer valid grants nothing
    expect(
      acmeOrderIdentifiers(
        [{ type: 'dns', value: '*.github.io' }],
        { ...token, wildcards: ['*.github.io'] },
        {
          publicSuffixes,
        },
      ).rejected[0]!.detail,
    ).toMatch(/public suffix "github.io"/);
  });
});

describe('ACME Renewal Information (RFC 9773)', () => {
  it('reads the certificate id of RFC 9773 §4.1 (AKI keyIdentifier . serial)', () => {
    expect(parseRenewalInfoId('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE')).toEqual({
      keyIdentifier: '69885b6b87464041e1b37b847ba0ae2cde01c8d4',
      serialNumber: '87654321',
    });
    expect(() => parseRenewalInfoId('aYhba4dGQEHhs3uEe6CuLN4ByNQ')).toThrow();
    expect(() => parseRenewalInfoId('aYhba4dGQEHhs3uEe6CuLN4ByNQ.gA')).toThrow(); // a negative serial
  });

  it('suggests a window around two thirds of the lifetime, inside the validity; a revoked one at once', async () => {
    const { certificate } = await createCa({ clusterName: 'ari.cluster' });
    const start = certificate.notBefore.getTime();
    const lifetime = certificate.notAfter.getTime() - start;
    const w = renewalWindow(certificate.pem);
    expect(w.start.getTime()).toBeCloseTo(start + (lifetime * 2) / 3 - lifetime * 0.05, -3);
    expect(w.end.getTime()).toBeCloseTo(start + (lifetime * 2) / 3 + lifetime * 0.05, -3);
    const now = new Date(start + 1000);
    const r = renewalWindow(certificate.pem, { revoked: true, now });
    expect(r.end.getTime()).toBe(now.getTime());
    expect(r.start < r.end).toBe(true);
  });
});
