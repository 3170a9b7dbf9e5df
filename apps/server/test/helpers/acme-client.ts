/**
 * A minimal ACME client for the in-process tests: ES256 account key, JWS per RFC 8555 §6.2
 * signed with WebCrypto, nonces from the last response. Deliberately dumb: it sends what it is
 * told, so tests can also send what a good client never would.
 */
import { type AccountJwk, createExternalAccountBinding, toBase64Url } from '@nodeid/sdk';
import type { Hono } from 'hono';
import { expect } from 'vitest';

const enc = new TextEncoder();

/** A response, its body parsed when it is JSON. */
export interface AcmeResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON the server answered
  body: any;
  text: string;
}

export class AcmeTestClient {
  nonce: string | undefined;
  kid: string | undefined;
  private constructor(
    readonly app: Hono,
    readonly base: string,
    readonly keys: CryptoKeyPair,
    readonly jwk: AccountJwk,
  ) {}

  static async create(
    app: Hono,
    base = 'https://ca.test/acme',
    existing?: CryptoKeyPair,
  ): Promise<AcmeTestClient> {
    const keys =
      existing ??
      ((await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as CryptoKeyPair);
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey);
    return new AcmeTestClient(app, base, keys, { kty: kty!, crv, x, y });
  }

  async freshNonce(): Promise<string> {
    const res = await this.app.request(`${this.base}/new-nonce`, { method: 'HEAD' });
    return res.headers.get('replay-nonce')!;
  }

  /** A signed body; `header` overrides the protected header members. */
  async jws(url: string, payload: unknown, header: Record<string, unknown> = {}) {
    const nonce = this.nonce ?? (await this.freshNonce());
    this.nonce = undefined;
    const h = {
      alg: 'ES256',
      nonce,
      url,
      ...(this.kid ? { kid: this.kid } : { jwk: this.jwk }),
      ...header,
    };
    for (const k of Object.keys(h))
      if ((h as Record<string, unknown>)[k] === undefined) delete (h as Record<string, unknown>)[k];
    const protectedPart = toBase64Url(enc.encode(JSON.stringify(h)));
    const payloadPart = payload === '' ? '' : toBase64Url(enc.encode(JSON.stringify(payload)));
    const sig = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      this.keys.privateKey,
      enc.encode(`${protectedPart}.${payloadPart}`),
    );
    return {
      protected: protectedPart,
      payload: payloadPart,
      signature: toBase64Url(new Uint8Array(sig)),
    };
  }

  /** POSTs a JWS to `url` (a full URL or a path under the base); `''` payload is POST-as-GET. */
  async post(
    url: string,
    payload: unknown,
    options: { header?: Record<string, unknown>; contentType?: string; sendTo?: string } = {},
  ): Promise<AcmeResponse> {
    const full = url.startsWith('https://') ? url : `${this.base}${url}`;
    const body = await this.jws(full, payload, options.header);
    const res = await this.app.request(options.sendTo ?? full, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'application/jose+json' },
      body: JSON.stringify(body),
    });
    this.nonce = res.headers.get('replay-nonce') ?? undefined;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  eab(kid: string, hmacKey: string) {
    return createExternalAccountBinding({
      kid,
      hmacKey: Buffer.from(hmacKey, 'base64url'),
      url: `${this.base}/new-account`,
      accountJwk: this.jwk,
    });
  }

  /** Creates the account with EAB and remembers its URL. */
  async register(kid: string, hmacKey: string) {
    const res = await this.post('/new-account', {
      termsOfServiceAgreed: true,
      externalAccountBinding: await this.eab(kid, hmacKey),
    });
    if (res.status === 201 || res.status === 200) this.kid = res.headers.get('location')!;
    return res;
  }
}

/** The key authorization of a challenge token for this client (RFC 8555 §8.1). */
export async function keyAuthOf(client: AcmeTestClient, token: string): Promise<string> {
  const { kty, crv, x, y } = client.jwk;
  const digest = await crypto.subtle.digest(
    'SHA-256',
    enc.encode(JSON.stringify({ crv, kty, x, y })),
  );
  return `${token}.${toBase64Url(new Uint8Array(digest))}`;
}

/** The prefix of ACME error types (RFC 8555 §6.7). */
export const ACME_URN = 'urn:ietf:params:acme:error:';

/**
 * Asserts that `res` is a problem document (RFC 7807) of ACME error `type` (RFC 8555 §6.7), with
 * `status` as the HTTP status and the document's own status member when given, a fresh nonce
 * (§6.5) and the link to the directory at `base` (§7.1).
 */
export function expectAcmeProblem(
  res: AcmeResponse,
  type: string,
  status?: number,
  base = 'https://ca.test/acme',
): void {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.body.type).toBe(`${ACME_URN}${type}`);
  if (status) {
    expect(res.status).toBe(status);
    expect(res.body.status).toBe(status);
  }
  expect(res.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  expect(res.headers.get('link')).toContain(`<${base}/directory>;rel="index"`);
}

/**
 * `POST /v1/enrollments` with `acme: true` and `body` on `app` as the admin holding `adminToken`
 * (must answer 201): the enrollment's id and its EAB (RFC 8555 §7.3.4).
 */
export async function createAcmeToken(
  app: Hono,
  adminToken: string,
  body: Record<string, unknown>,
): Promise<{ id: string; eab: { kid: string; hmacKey: string } }> {
  const res = await app.request('https://ca.test/v1/enrollments', {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ acme: true, ...body }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; eab: { kid: string; hmacKey: string } };
}
