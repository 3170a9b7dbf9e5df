/**
 * The ACME server (RFC 8555) under `/acme`: directory, nonces, accounts made with an enrollment
 * token as External Account Binding (§7.3.4), orders limited to the token's names, http-01,
 * dns-01 and tls-alpn-01 validation, finalize through the same CSR checks and signer as
 * `/v1/sign`, certificate download. Every response carries a fresh Replay-Nonce and
 * `Link: <directory>;rel="index"` (§6.5, §7.1); every failure is a problem document.
 */
import { randomBytes } from 'node:crypto';
import {
  type AccountJwk,
  type AcmeIdentifier,
  acmeOrderIdentifiers,
  CRL_REASONS,
  checkCsrMatchesOrder,
  exactIpAddress,
  fromBase64Url,
  jwkMatchesPublicKey,
  jwkThumbprint,
  keyAuthorization,
  loadPublicSuffixList,
  NodeIdError,
  newChallengeToken,
  type Profile,
  parseAcmeJws,
  parseCertificate,
  parseCsr,
  parseExternalAccountBinding,
  parseRenewalInfoId,
  renewalWindow,
  type SigningPolicy,
  verifyAcmeJws,
  verifyExternalAccountBinding,
} from '@nodeid/sdk';
import type { AcmeObject } from '@nodeid/store';
import { StoreError } from '@nodeid/store/errors';
import { type Context, Hono } from 'hono';
import { clientAddress, type Services, setActor } from '../lib/context.js';
import { signJob } from '../lib/issuance.js';
import { chainPemOf } from '../lib/trust-bundle.js';
import {
  type AccountData,
  type AuthorizationData,
  accountData,
  accountJson,
  authorizationData,
  authorizationJson,
  authorizationStatus,
  type ChallengeData,
  type ChallengeType,
  challengeJson,
  type OrderData,
  orderData,
  orderJson,
} from './acme-objects.js';
import { allowedMethods } from './allowed-methods.js';
import { type AcmeRequest, readAcmeRequest } from './jws-request.js';
import { AcmeProblem, problemResponse, toAcmeProblem } from './problem.js';
import { type AcmeLimits, acmeBuckets } from './rate-limits.js';
import {
  type ValidationOptions,
  validateDns01,
  validateHttp01,
  validateTlsAlpn01,
} from './validate-challenge.js';

/** Settings of the ACME server (nodeid-server's `--acme*` flags). */
export interface AcmeOptions extends ValidationOptions {
  /** Accounts without External Account Binding (`--acme-open`); they may order any name they prove. Default false. */
  open?: boolean;
  /** Lifetime in days of certificates for open accounts; default 90. */
  openValidityDays?: number;
  /** Rate limits per client address and per account. */
  limits?: AcmeLimits;
  /**
   * The terms of service URL (`--acme-terms-of-service`): shown as the directory's
   * `meta.termsOfService`, and newAccount then requires `termsOfServiceAgreed: true` (RFC 8555
   * §7.1.1, §7.3). Default none.
   */
  termsOfService?: string;
  /**
   * Waits before each new validation query after a failed one (RFC 8555 §8.2); default 5 s then
   * 10 s; `[]` decides on the first query.
   */
  retryDelaysMs?: number[];
  /** Orders per page of an account's orders list (§7.1.2.1); default 100. */
  ordersPerPage?: number;
}

const NONCE_LIFETIME_MS = 3_600_000;
const NONCE_BATCH = 32;
const NONCE_POOL_MS = 600_000;
const ORDER_LIFETIME_MS = 7 * 86_400_000;
/** A path parameter ('' when absent). */
const param = (c: Context, name: string): string => c.req.param(name) ?? '';
const randomId = () => randomBytes(12).toString('base64url');

export function acmeRoutes(s: Services, options: AcmeOptions = {}): Hono {
  const app = new Hono();
  const store = s.deps.store;
  const crypto = s.deps.crypto;
  const signer =
    s.deps.signer ?? ((job: Parameters<typeof signJob>[0]) => signJob(job, s.deps.ca, crypto));
  /** Validations running in the background (so a test or a shutdown can wait for them). */
  const running = new Set<Promise<void>>();

  const baseOf = (c: Context) => `${new URL(c.req.url).origin}/acme`;

  // nonces are stored in batches and handed out from this pool: one store write per
  // NONCE_BATCH responses instead of one each; a pooled nonce is dropped after NONCE_POOL_MS so
  // what a client gets always has most of its lifetime left
  const pool: { nonce: string; at: number }[] = [];
  let refilling: Promise<void> | undefined;
  const refill = async () => {
    const at = s.now().getTime();
    const batch = Array.from({ length: NONCE_BATCH }, () => randomBytes(16).toString('base64url'));
    await store.createAcmeNonce(batch, new Date(at + NONCE_LIFETIME_MS));
    pool.push(...batch.map((nonce) => ({ nonce, at })));
  };
  async function newNonce(): Promise<string> {
    for (;;) {
      while (pool.length > 0 && pool[0]!.at < s.now().getTime() - NONCE_POOL_MS) pool.shift();
      const next = pool.shift();
      if (next) return next.nonce;
      refilling ??= refill().finally(() => {
        refilling = undefined;
      });
      await refilling;
    }
  }

  // every response, problems included: a fresh nonce (a badNonce answer carries the one to
  // retry with, §6.5), the directory as index (§7.1), and nothing cached
  app.use('*', async function acmeHeaders(c, next) {
    await next();
    c.header('Link', `<${baseOf(c)}/directory>;rel="index"`, { append: true });
    c.header('Cache-Control', 'no-store');
    try {
      c.header('Replay-Nonce', await newNonce());
    } catch {
      // the store is down: the response (likely a serverInternal problem already) goes without
    }
  });

  const buckets = acmeBuckets(options.limits);

  /** A route whose every failure is answered as a problem document; POSTs count against the client's address. */
  const route =
    (fn: (c: Context) => Promise<Response>) =>
    async (c: Context): Promise<Response> => {
      try {
        if (c.req.method === 'POST') {
          buckets.address.take(clientAddress(c));
          if (c.req.path.endsWith('/new-account')) buckets.newAccount.take(clientAddress(c));
        }
        return await fn(c);
      } catch (e) {
        return problemResponse(c, e);
      }
    };

  const read = (c: Context, key: 'jwk' | 'kid' | 'either') =>
    readAcmeRequest(c, {
      store,
      base: baseOf(c),
      bodyBytes: s.bodyBytes,
      now: s.now(),
      crypto,
      key,
    }).then((r) => {
      if (r.account) {
        setActor(c, `acme:${r.account.id}`);
        buckets.account.take(r.account.id);
      }
      return r;
    });

  /** An object of the requesting account, or a 404 malformed (another account's objects are not there for it). */
  async function owned(kind: 'order' | 'authorization', id: string, req: AcmeRequest) {
    const o = await store.getAcmeObject(kind, id);
    if (!o || o.accountId !== req.account!.id)
      throw new AcmeProblem('malformed', `no such ${kind}`, { status: 404 });
    return o;
  }

  /**
   * RFC 8555 §7.3.3: an account that has not agreed to the terms of service now in the
   * directory may not order or finalize ("userActionRequired", 403, with `Link:
   * rel="terms-of-service"` and an "instance" page saying how to agree); reading, challenges,
   * account updates, key change, deactivation and revocation stay open. The URL agreed to is
   * kept with the account; an account that agreed before versions were kept (before this
   * release: `termsOfServiceAgreed` alone) counts as having agreed to the terms in force the
   * first time it is checked, which is then recorded.
   */
  async function requireCurrentTerms(c: Context, account: AcmeObject): Promise<void> {
    const terms = options.termsOfService;
    if (!terms) return;
    const a = accountData(account);
    if (a.termsOfService === terms) return;
    if (a.termsOfServiceAgreed === true && a.termsOfService === undefined) {
      await store
        .writeAcme({
          update: [
            {
              kind: 'account',
              id: account.id,
              version: account.version,
              status: account.status,
              data: { ...a, termsOfService: terms },
            },
          ],
        })
        .catch(() => false);
      return;
    }
    throw new AcmeProblem(
      'userActionRequired',
      `the terms of service are now ${terms}${a.termsOfService ? ` (this account agreed to ${a.termsOfService})` : ''}: read them, then agree by updating the account with "termsOfServiceAgreed": true`,
      {
        headers: { Link: `<${terms}>;rel="terms-of-service"` },
        extra: { instance: `${baseOf(c)}/terms-of-service` },
      },
    );
  }

  /** The order's status given its authorizations (RFC 8555 §7.1.6). */
  async function orderStatus(order: AcmeObject): Promise<string> {
    const d = orderData(order);
    const now = s.now();
    // a pending order, or one left processing, past its expiry is invalid
    if (order.status === 'processing' && new Date(d.expires) <= now) return 'invalid';
    if (order.status !== 'pending') return order.status;
    if (new Date(d.expires) <= now) return 'invalid';
    const authzs = await Promise.all(
      d.authorizations.map((id) => store.getAcmeObject('authorization', id)),
    );
    const statuses = authzs.map((a) => (a ? authorizationStatus(a, now) : 'invalid'));
    if (statuses.some((st) => st !== 'pending' && st !== 'valid')) return 'invalid';
    return statuses.every((st) => st === 'valid') ? 'ready' : 'pending';
  }

  /** A POST-as-GET (§6.3): signed by an account, with an empty payload; anything else is malformed. */
  const postAsGet = async (c: Context) => {
    const req = await read(c, 'kid');
    if (req.payload !== undefined)
      throw new AcmeProblem(
        'malformed',
        'this resource is read with POST-as-GET: the JWS payload must be empty (RFC 8555 §6.3)',
      );
    return req;
  };

  // §7.1.1; GET and POST-as-GET both (§6.3)
  app.on(
    ['GET', 'POST'],
    '/directory',
    route(async (c) => {
      if (c.req.method === 'POST') await postAsGet(c);
      const base = baseOf(c);
      return c.json({
        newNonce: `${base}/new-nonce`,
        newAccount: `${base}/new-account`,
        newOrder: `${base}/new-order`,
        revokeCert: `${base}/revoke-cert`,
        keyChange: `${base}/key-change`,
        renewalInfo: `${base}/renewal-info`,
        meta: {
          ...(options.termsOfService && { termsOfService: options.termsOfService }),
          externalAccountRequired: !options.open,
        },
      });
    }),
  );

  // HEAD answers 200, GET 204 (§7.2), POST-as-GET (§6.3) 200 as Boulder; the nonce comes from
  // the middleware
  app.on(
    ['GET', 'HEAD', 'POST'],
    '/new-nonce',
    route(async (c) => {
      if (c.req.method === 'POST') await postAsGet(c);
      return c.body(null, c.req.method === 'GET' ? 204 : 200);
    }),
  );

  // ACME Renewal Information (RFC 9773 §4): when to renew, unauthenticated GET by certificate id
  app.get(
    '/renewal-info/:id',
    route(async (c) => {
      const id = parseRenewalInfoId(param(c, 'id'));
      const ski = s.deps.ca.certificate.subjectKeyIdentifier;
      const ours = ski && Buffer.from(ski).toString('hex') === id.keyIdentifier;
      const record = ours
        ? await store.getCertificate(id.serialNumber, { now: s.now() })
        : undefined;
      if (!record)
        throw new AcmeProblem('malformed', 'no certificate of this CA has that id', {
          status: 404,
        });
      const window = renewalWindow(record.pem, {
        revoked: record.status === 'revoked',
        now: s.now(),
      });
      // RFC 9773 §4.3: clients ask again after Retry-After
      c.header('Retry-After', '21600');
      return c.json({
        suggestedWindow: { start: window.start.toISOString(), end: window.end.toISOString() },
      });
    }),
  );

  app.post(
    '/new-account',
    route(async (c) => {
      const req = await read(c, 'jwk');
      const base = baseOf(c);
      const p = req.payload ?? {};
      const thumbprint = await jwkThumbprint(req.jwk, { crypto });
      const answerExisting = (o: AcmeObject) => {
        // §7.3.6: the key of a deactivated account authorizes nothing, this lookup included
        if (o.status !== 'valid')
          throw new AcmeProblem('unauthorized', `the account of this key is ${o.status}`, {
            status: 401,
          });
        c.header('Location', `${base}/account/${o.id}`);
        return c.json(accountJson(o, base), 200);
      };
      // §7.3.1: the same key again finds its account (200, Location, the request's fields ignored)
      const existing = await store.findAcmeObject('account', thumbprint);
      if (existing) return answerExisting(existing);
      if (p['onlyReturnExisting'] === true)
        throw new AcmeProblem('accountDoesNotExist', 'no account has this key');
      // §7.3: with terms of service in the directory, newAccount must agree to them
      if (options.termsOfService && p['termsOfServiceAgreed'] !== true)
        throw new AcmeProblem(
          'malformed',
          `agree to the terms of service (${options.termsOfService}) with "termsOfServiceAgreed": true`,
        );
      const contact = contactsOf(p['contact']);
      const eab = p['externalAccountBinding'];
      const id = randomId();
      const data: AccountData = {
        jwk: publicJwk(req.jwk),
        contact,
        // §7.3.3: which terms were agreed to, so that a change of them can be told (an
        // agreement when the CA has no terms is to nothing, and not kept)
        ...(p['termsOfServiceAgreed'] === true &&
          options.termsOfService && {
            termsOfServiceAgreed: true,
            termsOfService: options.termsOfService,
          }),
      };
      const write: Parameters<typeof store.writeAcme>[0] = { now: s.now() };
      const auditFields: Record<string, unknown> = { account: id };
      if (eab === undefined) {
        if (!options.open)
          throw new AcmeProblem(
            'externalAccountRequired',
            'this CA makes accounts only with External Account Binding: create an enrollment token with --acme (nodeid token create --acme) and pass its kid and hmacKey',
          );
      } else {
        const binding = parseExternalAccountBinding(eab);
        const kid = binding.kid;
        const unusable = () =>
          new AcmeProblem(
            'unauthorized',
            'the enrollment token of this External Account Binding is unknown, already used, cancelled or expired',
          );
        if (!/^[0-9a-f]{16}$/.test(kid)) throw unusable();
        const [key, token] = await Promise.all([
          store.getAcmeObject('eab', kid),
          store.getToken(kid, { now: s.now() }),
        ]);
        if (!key || token?.status !== 'pending') throw unusable();
        const hmacKey = fromBase64Url(String(key.data['hmacKey']));
        if (!hmacKey) throw unusable();
        await verifyExternalAccountBinding({
          binding,
          accountJwk: req.jwk,
          url: req.jws.header.url,
          hmacKey,
          crypto,
        });
        data.tokenId = kid;
        data.token = {
          name: token.name,
          profile: token.profile,
          dns: token.dns,
          ips: token.ips,
          uris: token.uris,
          ...(token.validityDays !== undefined && { validityDays: token.validityDays }),
          // the wildcards the admin granted the token explicitly (kept with its EAB key)
          ...(Array.isArray(key.data['wildcards']) && {
            wildcards: (key.data['wildcards'] as unknown[]).map(String),
          }),
        };
        write.consumeTokenId = kid;
        write.remove = [{ kind: 'eab', id: kid }];
        auditFields['enrollment'] = kid;
        auditFields['name'] = token.name;
      }
      setActor(c, `acme:${id}`);
      const event = s.auditEvent('acme.account.create', auditFields);
      write.insert = [
        { kind: 'account', id, accountId: id, status: 'valid', lookup: thumbprint, data },
      ];
      write.audit = [event.record];
      let ok: boolean;
      try {
        ok = await store.writeAcme(write);
      } catch (e) {
        // the same key registered at the same moment: nothing of this write happened
        if (StoreError.isInstance(e) && e.code === 'ERR_STORE_CONFLICT') {
          const raced = await store.findAcmeObject('account', thumbprint);
          if (raced) return answerExisting(raced);
        }
        throw e;
      }
      // one token, one account, across every instance on the store
      if (!ok)
        throw new AcmeProblem(
          'unauthorized',
          'the enrollment token of this External Account Binding was already used',
        );
      event.emit();
      const account = (await store.getAcmeObject('account', id))!;
      c.header('Location', `${base}/account/${id}`);
      return c.json(accountJson(account, base), 201);
    }),
  );

  app.post(
    '/account/:id',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      const account = req.account!;
      if (account.id !== param(c, 'id'))
        throw new AcmeProblem('unauthorized', 'an account can only see and change itself');
      const p = req.payload;
      // §7.3.2: only "contact" changes, and "status" to "deactivated" (§7.3.6); updates of
      // "orders", other statuses and unknown fields are ignored. "termsOfServiceAgreed": true
      // is the agreement §7.3.3's "instance" page asks for: it records the terms now in the
      // directory as agreed (anything else of it is ignored, as §7.3.2 says)
      const deactivate = p?.['status'] === 'deactivated';
      const current = accountData(account).termsOfService;
      const agrees =
        p?.['termsOfServiceAgreed'] === true &&
        options.termsOfService !== undefined &&
        current !== options.termsOfService;
      if (p === undefined || (!('contact' in p) && !deactivate && !agrees))
        return c.json(accountJson(account, base));
      const data = { ...accountData(account) };
      const status = deactivate ? 'deactivated' : account.status;
      if ('contact' in p) data.contact = contactsOf(p['contact']);
      if (agrees) {
        data.termsOfServiceAgreed = true;
        data.termsOfService = options.termsOfService;
      }
      const audit = [
        ...(agrees
          ? [
              s.auditEvent('acme.account.terms-agreed', {
                account: account.id,
                termsOfService: options.termsOfService,
              }).record,
            ]
          : []),
        ...(status === 'deactivated'
          ? [s.auditEvent('acme.account.deactivate', { account: account.id }).record]
          : []),
      ];
      const ok = await store.writeAcme({
        update: [{ kind: 'account', id: account.id, version: account.version, status, data }],
        ...(audit.length && { audit }),
      });
      if (!ok)
        throw new AcmeProblem('malformed', 'the account changed meanwhile; retry', { status: 409 });
      const updated = (await store.getAcmeObject('account', account.id))!;
      return c.json(accountJson(updated, base));
    }),
  );

  app.post(
    '/account/:id/orders',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      if (req.account!.id !== param(c, 'id'))
        throw new AcmeProblem('unauthorized', 'an account can only list its own orders');
      if (req.payload !== undefined)
        throw new AcmeProblem('malformed', 'the orders list is read with POST-as-GET (§6.3)');
      // §7.1.2.1: pending orders included, invalid ones left out; a page at a time, the next
      // one named by Link rel="next" (the same URL with a cursor, signed as its own "url")
      const cursorText = c.req.query('cursor') ?? '0';
      if (!/^\d{1,6}$/.test(cursorText))
        throw new AcmeProblem('malformed', 'the orders list cursor is not a page offset');
      const cursor = Number(cursorText);
      const all = await store.listAcmeObjects('order', req.account!.id, 10_000);
      const statuses = await Promise.all(all.map((o) => orderStatus(o)));
      const listed = all.filter((_, i) => statuses[i] !== 'invalid');
      const perPage = options.ordersPerPage ?? 100;
      const page = listed.slice(cursor, cursor + perPage);
      if (cursor + perPage < listed.length)
        c.header(
          'Link',
          `<${base}/account/${req.account!.id}/orders?cursor=${cursor + perPage}>;rel="next"`,
          {
            append: true,
          },
        );
      return c.json({ orders: page.map((o) => `${base}/order/${o.id}`) });
    }),
  );

  app.post(
    '/new-order',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      await requireCurrentTerms(c, req.account!);
      const p = req.payload;
      if (!p) throw new AcmeProblem('malformed', 'newOrder needs a payload with "identifiers"');
      if ('notBefore' in p || 'notAfter' in p)
        throw new AcmeProblem(
          'malformed',
          'notBefore and notAfter are not supported: the lifetime comes from the enrollment token',
        );
      // RFC 9773 §5: the certificate this order renews, read and kept (a wrong id is malformed)
      const replaces = p['replaces'];
      if (replaces !== undefined && typeof replaces !== 'string')
        throw new AcmeProblem('malformed', '"replaces" must be a renewalInfo certificate id');
      if (replaces !== undefined) await checkReplaces(replaces, req.account!.id);
      const account = accountData(req.account!);
      const asked = p['identifiers'];
      // a wildcard is judged against the Public Suffix List, loaded when one is asked for
      const wildcardAsked =
        Array.isArray(asked) &&
        asked.some((i) => typeof i?.value === 'string' && i.value.includes('*'));
      const { identifiers, rejected } = acmeOrderIdentifiers(asked, account.token ?? 'any', {
        ...(wildcardAsked && { publicSuffixes: await loadPublicSuffixList() }),
      });
      if (rejected.length > 0) {
        const type = rejected.every((r) => r.type === 'unsupportedIdentifier')
          ? 'unsupportedIdentifier'
          : 'rejectedIdentifier';
        throw new AcmeProblem(
          type,
          `${rejected.length} identifier(s) refused: ${rejected.map((r) => r.identifier.value).join(', ')}${account.token ? " (an account may order only its enrollment token's names)" : ''}`,
          { subproblems: rejected },
        );
      }
      const now = s.now();
      const expires = new Date(now.getTime() + ORDER_LIFETIME_MS).toISOString();
      const orderId = randomId();
      const authzs = identifiers.map((ordered) => ({
        kind: 'authorization' as const,
        id: randomId(),
        accountId: req.account!.id,
        status: 'pending',
        data: {
          // §7.1.4: a wildcard's authorization names the domain below the "*." and says
          // "wildcard": true; §7.1.3 the order keeps the identifier as asked
          ...authorizationIdentifier(ordered),
          expires,
          orderId,
          challenges: challengeTypesFor(ordered).map(
            (type): ChallengeData => ({
              type,
              token: newChallengeToken({ crypto }),
              status: 'pending',
            }),
          ),
        } satisfies AuthorizationData,
        createdAt: now,
      }));
      const order = {
        kind: 'order' as const,
        id: orderId,
        accountId: req.account!.id,
        status: 'pending',
        data: {
          identifiers,
          authorizations: authzs.map((a) => a.id),
          expires,
          ...(replaces !== undefined && { replaces }),
        } satisfies OrderData,
        createdAt: now,
      };
      await store.writeAcme({ insert: [...authzs, order], now });
      const stored = (await store.getAcmeObject('order', orderId))!;
      c.header('Location', `${base}/order/${orderId}`);
      return c.json(orderJson(stored, 'pending', base), 201);
    }),
  );

  /**
   * RFC 9773 §5: the certificate an order "replaces" is one of this CA's, and no finalized order
   * of the account replaced it already (else `alreadyReplaced`).
   */
  async function checkReplaces(replaces: string, accountId: string): Promise<void> {
    const id = parseRenewalInfoId(replaces);
    const ski = s.deps.ca.certificate.subjectKeyIdentifier;
    const ours = ski && Buffer.from(ski).toString('hex') === id.keyIdentifier;
    if (!ours || !(await store.getCertificate(id.serialNumber)))
      throw new AcmeProblem('malformed', '"replaces" names no certificate of this CA');
    const orders = await store.listAcmeObjects('order', accountId, 10_000);
    if (orders.some((o) => o.status === 'valid' && orderData(o)['replaces'] === replaces))
      throw new AcmeProblem(
        'alreadyReplaced',
        'the certificate "replaces" names was already replaced by another finalized order',
      );
  }

  /** True when the account has valid authorizations for every name of `cert` (§7.6). */
  async function holdsAuthorizationsFor(
    accountId: string,
    cert: ReturnType<typeof parseCertificate>,
  ): Promise<boolean> {
    const names = cert.subjectAltNames ?? [];
    if (names.length === 0 || names.some((n) => n.type !== 'dns' && n.type !== 'ip')) return false;
    const authzs = await store.listAcmeObjects('authorization', accountId, 10_000);
    const held = new Set(
      authzs
        .filter((a) => authorizationStatus(a, s.now()) === 'valid')
        .map((a) => {
          const { identifier: id, wildcard } = authorizationData(a);
          return `${id.type}:${wildcard ? '*.' : ''}${id.value}`;
        }),
    );
    return names.every((n) => {
      try {
        const value = n.type === 'ip' ? exactIpAddress(n.value) : n.value.toLowerCase();
        return held.has(`${n.type}:${value}`);
      } catch {
        return false;
      }
    });
  }

  app.post(
    '/order/:id',
    route(async (c) => {
      const req = await postAsGet(c);
      const order = await owned('order', param(c, 'id'), req);
      const status = await orderStatus(order);
      // §7.4: a client polling an order being finalized is told when to ask again
      if (status === 'processing') c.header('Retry-After', '1');
      // §7.1.3 "error": an order made invalid by a failed challenge shows that challenge's problem
      const d = orderData(order);
      if (status === 'invalid' && !d.error) {
        const authzs = await Promise.all(
          d.authorizations.map((id) => store.getAcmeObject('authorization', id)),
        );
        const error = authzs
          .flatMap((a) => (a ? authorizationData(a).challenges : []))
          .find((ch) => ch.status === 'invalid' && ch.error)?.error;
        if (error) return c.json(orderJson({ ...order, data: { ...d, error } }, status, baseOf(c)));
      }
      return c.json(orderJson(order, status, baseOf(c)));
    }),
  );

  app.post(
    '/authz/:id',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      let authz = await owned('authorization', param(c, 'id'), req);
      const p = req.payload;
      if (p !== undefined && Object.keys(p).length > 0) {
        // §7.5.2: a client may deactivate its authorization, nothing else
        if (p['status'] !== 'deactivated')
          throw new AcmeProblem(
            'malformed',
            'an authorization can only be changed to "deactivated"',
          );
        if (!['pending', 'valid'].includes(authorizationStatus(authz, s.now())))
          throw new AcmeProblem('malformed', `the authorization is ${authz.status}`);
        await store.writeAcme({
          update: [
            {
              kind: 'authorization',
              id: authz.id,
              version: authz.version,
              status: 'deactivated',
              data: authz.data,
            },
          ],
        });
        authz = (await store.getAcmeObject('authorization', authz.id))!;
      }
      return c.json(authorizationJson(authz, base, s.now()));
    }),
  );

  app.post(
    '/challenge/:authz/:type',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      const authz = await owned('authorization', param(c, 'authz'), req);
      const d = authorizationData(authz);
      const ch = d.challenges.find((x) => x.type === param(c, 'type'));
      if (!ch) throw new AcmeProblem('malformed', 'no such challenge', { status: 404 });
      c.header('Link', `<${base}/authz/${authz.id}>;rel="up"`, { append: true });
      // POST-as-GET reads it; a response object (`{}` for every type here, §7.5.1 with erratum
      // 5729) asks for validation; sent again while the server retries, it retries now (§8.2)
      const answer = (current: ChallengeData) => {
        if (current.status === 'processing' && current.retryAt) {
          const wait = Math.ceil((new Date(current.retryAt).getTime() - s.now().getTime()) / 1000);
          c.header('Retry-After', String(Math.max(1, wait)));
        }
        return c.json(challengeJson(authz.id, current, base));
      };
      if (req.payload === undefined || authorizationStatus(authz, s.now()) !== 'pending')
        return answer(ch);
      if (ch.status === 'processing') {
        wakers.get(`${authz.id}/${ch.type}`)?.();
        return answer(ch);
      }
      if (ch.status !== 'pending') return answer(ch);
      const next: AuthorizationData = {
        ...d,
        challenges: d.challenges.map((x) =>
          x.type === ch.type ? { ...x, status: 'processing' } : x,
        ),
      };
      const started = await store.writeAcme({
        update: [
          {
            kind: 'authorization',
            id: authz.id,
            version: authz.version,
            status: 'pending',
            data: next,
          },
        ],
      });
      if (started) {
        const task = validate(authz.id, ch.type, req.jwk).finally(() => running.delete(task));
        running.add(task);
      }
      const now = (await store.getAcmeObject('authorization', authz.id))!;
      return answer(authorizationData(now).challenges.find((x) => x.type === ch.type)!);
    }),
  );

  /** Wakes a validation waiting to retry, by `authzId/type` (a client's new POST, §8.2). */
  const wakers = new Map<string, () => void>();
  const retryDelays = options.retryDelaysMs ?? [5_000, 10_000];

  /**
   * Changes one challenge of an authorization (compare-and-set, retried on a race); `change`
   * answers undefined to leave it. False when it was not written.
   */
  async function recordChallenge(
    authzId: string,
    type: ChallengeType,
    change: (ch: ChallengeData) => { challenge: ChallengeData; status: string } | undefined,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const authz = await store.getAcmeObject('authorization', authzId);
        if (!authz) return false;
        const d = authorizationData(authz);
        const ch = d.challenges.find((x) => x.type === type);
        const changed = ch && change(ch);
        if (!changed) return false;
        const ok = await store.writeAcme({
          update: [
            {
              kind: 'authorization',
              id: authzId,
              version: authz.version,
              status: changed.status,
              data: {
                ...d,
                challenges: d.challenges.map((x) => (x.type === type ? changed.challenge : x)),
              },
            },
          ],
        });
        if (ok) return true;
      } catch (e) {
        console.error(`ACME validation of ${authzId} not recorded: ${(e as Error).message}`);
        return false;
      }
    }
    return false;
  }

  /**
   * Validates one challenge and records the outcome on its authorization. A failed query is
   * retried after each of `retryDelaysMs` (RFC 8555 §8.2: the challenge stays "processing", its
   * "error" the last failure, Retry-After on the challenge), at once when the client POSTs the
   * challenge again; after the last one the challenge and authorization are invalid.
   */
  async function validate(authzId: string, type: ChallengeType, jwk: AccountJwk): Promise<void> {
    const key = `${authzId}/${type}`;
    try {
      for (let attempt = 0; ; attempt++) {
        let error: Record<string, unknown> | undefined;
        try {
          const authz = (await store.getAcmeObject('authorization', authzId))!;
          const d = authorizationData(authz);
          const ch = d.challenges.find((x) => x.type === type)!;
          const keyAuth = await keyAuthorization(ch.token, jwk, { crypto });
          if (type === 'http-01') await validateHttp01(d.identifier, ch.token, keyAuth, options);
          else if (type === 'dns-01') await validateDns01(d.identifier, keyAuth, options);
          else await validateTlsAlpn01(d.identifier, keyAuth, options);
        } catch (e) {
          error = toAcmeProblem(e).toJSON();
          delete error['status'];
        }
        const processing = (ch: ChallengeData) => ch.status === 'processing';
        if (!error) {
          await recordChallenge(authzId, type, (ch) => {
            if (!processing(ch)) return undefined;
            const { error: _, retryAt: __, ...rest } = ch;
            return {
              challenge: { ...rest, status: 'valid', validated: s.now().toISOString() },
              status: 'valid',
            };
          });
          return;
        }
        const delay = retryDelays[attempt];
        if (delay === undefined) {
          await recordChallenge(authzId, type, (ch) => {
            if (!processing(ch)) return undefined;
            const { retryAt: _, ...rest } = ch;
            return { challenge: { ...rest, status: 'invalid', error: error! }, status: 'invalid' };
          });
          return;
        }
        const retryAt = new Date(s.now().getTime() + delay).toISOString();
        // the waker is in place before the error shows, so a client's new POST always finds it
        const wait = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          timer.unref?.();
          wakers.set(key, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        const kept = await recordChallenge(authzId, type, (ch) =>
          processing(ch)
            ? { challenge: { ...ch, error: error!, retryAt }, status: 'pending' }
            : undefined,
        );
        if (!kept) return;
        await wait;
        wakers.delete(key);
      }
    } finally {
      wakers.delete(key);
    }
  }

  app.post(
    '/order/:id/finalize',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      const order = await owned('order', param(c, 'id'), req);
      await requireCurrentTerms(c, req.account!);
      const status = await orderStatus(order);
      if (status !== 'ready')
        throw new AcmeProblem('orderNotReady', `the order is ${status}, not ready to be finalized`);
      const d = orderData(order);
      const csrText = req.payload?.['csr'];
      const der = typeof csrText === 'string' ? fromBase64Url(csrText) : undefined;
      if (!der || der.length === 0 || der.length > 16_384)
        throw new AcmeProblem('malformed', 'finalize needs "csr": a base64url DER CSR');
      let csr: Awaited<ReturnType<typeof parseCsr>>;
      try {
        csr = await parseCsr(der, { crypto });
      } catch (e) {
        throw new AcmeProblem('badCSR', `the CSR cannot be read: ${(e as Error).message}`);
      }
      checkCsrMatchesOrder(csr, d.identifiers);
      const account = accountData(req.account!);
      const profile = (account.token?.profile ?? 'server') as Profile;
      const names = {
        dns: d.identifiers.filter((i) => i.type === 'dns').map((i) => i.value),
        ips: d.identifiers.filter((i) => i.type === 'ip').map((i) => i.value),
      };
      const policy: SigningPolicy = {
        dns: names.dns,
        ips: names.ips,
        uris: [],
        commonNames: [],
        exactNames: true,
        // the wildcards of the order, which acmeOrderIdentifiers granted from the token's list
        allowWildcards: names.dns.some((n) => n.startsWith('*.')),
        maxDays: account.token
          ? (account.token.validityDays ?? 365)
          : (options.openValidityDays ?? 90),
      };
      // §7.1.6, §7.4: ready -> processing before signing, by compare-and-set, so one finalize
      // signs; a CSR refused by the signer puts the order back to ready for a corrected CSR
      const processing = await store.writeAcme({
        update: [
          { kind: 'order', id: order.id, version: order.version, status: 'processing', data: d },
        ],
      });
      if (!processing)
        throw new AcmeProblem('orderNotReady', 'the order is being finalized by another request');
      const backToReady = () =>
        store
          .writeAcme({
            update: [
              {
                kind: 'order',
                id: order.id,
                version: order.version + 1,
                status: 'pending',
                data: d,
              },
            ],
          })
          .catch(() => false);
      const started = performance.now();
      let issued: Awaited<ReturnType<typeof signer>>;
      try {
        issued = await signer({
          csr: csr.pem,
          policy,
          profile,
          clusterName: s.deps.clusterName,
          now: s.now(),
          // ACME clients renew the names of the certificate, CN included: the CN is an identifier
          commonNameFromNames: true,
          // the order's identifiers: the CSR names exactly them, some maybe in its CN only (§7.4)
          names,
        });
      } catch (e) {
        await backToReady();
        // the same refusals as /v1/sign: a weak or unsupported key, a bad proof of possession, CA:TRUE
        if (NodeIdError.isInstance(e) && e.code !== 'ERR_INTERNAL' && e.code !== 'ERR_CA_EXPIRED')
          throw new AcmeProblem('badCSR', e.message);
        throw e;
      }
      s.metrics.observeSigning((performance.now() - started) / 1000);
      if (issued.denied.length > 0) {
        await backToReady();
        throw new AcmeProblem(
          'badCSR',
          `the CSR asks for names this account may not have: ${issued.denied.map((x) => x.name).join(', ')}`,
        );
      }
      const event = s.auditEvent('certificate.issue', {
        serialNumber: issued.serialNumber,
        via: 'acme',
        account: req.account!.id,
        order: order.id,
        ...(account.tokenId && { enrollment: account.tokenId }),
        names: issued.granted,
        profile,
      });
      const ok = await store.writeAcme({
        update: [
          {
            kind: 'order',
            id: order.id,
            version: order.version + 1,
            status: 'valid',
            data: { ...d, certificate: issued.serialNumber },
          },
        ],
        certificate: { ...issued.record, profile, issuedBy: 'acme' },
        audit: [event.record],
        now: s.now(),
      });
      // finalized at the same moment by another request: that one's certificate is the order's
      if (!ok) throw new AcmeProblem('orderNotReady', 'the order was finalized meanwhile');
      event.emit();
      const done = (await store.getAcmeObject('order', order.id))!;
      c.header('Location', `${base}/order/${order.id}`);
      return c.json(orderJson(done, 'valid', base));
    }),
  );

  app.post(
    '/certificate/:id',
    route(async (c) => {
      const req = await postAsGet(c);
      const order = await owned('order', param(c, 'id'), req);
      const serial = orderData(order).certificate;
      const record = serial ? await store.getCertificate(serial) : undefined;
      if (!record)
        throw new AcmeProblem('malformed', 'no certificate for this order', { status: 404 });
      // the chain of the key that signed it (the CA folder may have been rotated since)
      return c.body(`${record.pem}${await chainPemOf(s, record.pem)}`, 200, {
        'Content-Type': 'application/pem-certificate-chain',
      });
    }),
  );

  // §7.3.5: the inner JWS, signed by the new key, names the account and its old key
  app.post(
    '/key-change',
    route(async (c) => {
      const req = await read(c, 'kid');
      const base = baseOf(c);
      const account = req.account!;
      const inner = parseAcmeJws(req.payload, { keyChange: true });
      if (inner.header.url !== req.jws.header.url)
        throw new AcmeProblem('malformed', 'the inner JWS url is not the keyChange URL');
      const newJwk = inner.header.jwk!;
      await verifyAcmeJws(inner, newJwk, { crypto });
      const p = (inner.payload ?? {}) as Record<string, unknown>;
      if (p['account'] !== req.jws.header.kid)
        throw new AcmeProblem(
          'malformed',
          'the inner payload "account" is not the account of the request',
        );
      const oldKey = p['oldKey'] as AccountJwk | undefined;
      const current = accountData(account).jwk;
      const oldThumbprint =
        typeof oldKey === 'object' && oldKey !== null
          ? await jwkThumbprint(oldKey, { crypto }).catch(() => undefined)
          : undefined;
      if (
        oldThumbprint === undefined ||
        oldThumbprint !== (await jwkThumbprint(current, { crypto }))
      )
        throw new AcmeProblem('malformed', 'the inner payload "oldKey" is not the account key');
      const lookup = await jwkThumbprint(newJwk, { crypto });
      const taken = await store.findAcmeObject('account', lookup);
      if (taken) {
        c.header('Location', `${base}/account/${taken.id}`);
        throw new AcmeProblem('malformed', 'another account has this key', { status: 409 });
      }
      let ok: boolean;
      try {
        ok = await store.writeAcme({
          update: [
            {
              kind: 'account',
              id: account.id,
              version: account.version,
              status: account.status,
              lookup,
              data: { ...accountData(account), jwk: publicJwk(newJwk) },
            },
          ],
          audit: [s.auditEvent('acme.account.key-change', { account: account.id }).record],
        });
      } catch (e) {
        if (StoreError.isInstance(e) && e.code === 'ERR_STORE_CONFLICT')
          throw new AcmeProblem('malformed', 'another account has this key', { status: 409 });
        throw e;
      }
      if (!ok)
        throw new AcmeProblem('malformed', 'the account changed meanwhile; retry', { status: 409 });
      return c.json(accountJson((await store.getAcmeObject('account', account.id))!, base));
    }),
  );

  // §7.6: by the account that ordered the certificate, or signed with the certificate's own key
  app.post(
    '/revoke-cert',
    route(async (c) => {
      const req = await read(c, 'either');
      const p = req.payload ?? {};
      const der =
        typeof p['certificate'] === 'string' ? fromBase64Url(p['certificate']) : undefined;
      if (!der || der.length === 0)
        throw new AcmeProblem('malformed', 'revokeCert needs "certificate": base64url DER');
      let cert: ReturnType<typeof parseCertificate>;
      try {
        cert = parseCertificate(der);
      } catch {
        throw new AcmeProblem('malformed', 'the certificate cannot be parsed');
      }
      const record = await store.getCertificate(cert.serialNumber);
      if (!record || record.pem.replace(/\s+/g, '') !== cert.pem.replace(/\s+/g, ''))
        throw new AcmeProblem('malformed', 'this CA did not issue that certificate', {
          status: 404,
        });
      const code = p['reason'] ?? 0;
      const reason =
        typeof code === 'number' && Number.isInteger(code) ? CRL_REASONS[code] : undefined;
      // RFC 5280 §5.3.1 codes; removeFromCRL is for delta CRLs, certificateHold is not for ACME
      if (!reason || reason === 'removeFromCRL' || reason === 'certificateHold')
        throw new AcmeProblem(
          'badRevocationReason',
          `revocation reason ${String(code)} is not accepted`,
        );
      let allowed: boolean;
      if (req.account) {
        // §7.6: the account that ordered it, or one holding valid authorizations for every
        // identifier in it
        const orders = await store.listAcmeObjects('order', req.account.id, 10_000);
        allowed =
          orders.some((o) => orderData(o).certificate === record.serialNumber) ||
          (await holdsAuthorizationsFor(req.account.id, cert));
      } else {
        allowed = await jwkMatchesPublicKey(req.jwk, cert.publicKey.spki, { crypto });
      }
      if (!allowed)
        throw new AcmeProblem(
          'unauthorized',
          req.account
            ? 'this account did not order that certificate'
            : 'the JWS key is not the certificate key',
        );
      const revoked = await store.revokeCertificate(record.serialNumber, {
        reason,
        revokedAt: s.now(),
      });
      if (revoked.alreadyRevoked)
        throw new AcmeProblem('alreadyRevoked', 'the certificate is already revoked');
      s.crl.invalidate();
      await s.audit('certificate.revoke', {
        serialNumber: record.serialNumber,
        reason,
        via: 'acme',
        ...(req.account && { account: req.account.id }),
      });
      return c.body(null, 200);
    }),
  );

  // RFC 8555 §7.3.3 "instance": where a human is sent to learn how to agree to changed terms
  app.get(
    '/terms-of-service',
    route(async (c) => {
      const terms = options.termsOfService;
      if (!terms)
        throw new AcmeProblem('malformed', 'this CA has no terms of service', { status: 404 });
      const url = escapeHtml(terms);
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Terms of service</title></head><body>
<h1>The terms of service of this ACME CA</h1>
<p>The terms are at <a href="${url}">${url}</a>. An account that agreed to other terms, or to none, may not order certificates until it agrees to these.</p>
<p>To agree, have your ACME client update its account (a signed POST to the account URL, RFC 8555 §7.3.2) with the payload <code>{"termsOfServiceAgreed": true}</code>. Reading, revoking and deactivating work meanwhile.</p>
</body></html>`,
      );
    }),
  );

  // a resource asked with a method it does not take: 405 with Allow (§6.3); no resource: 404
  app.all(
    '*',
    route(async (c) => {
      const allowed = allowedMethods(c.req.path.replace(/^.*?\/acme(?=\/)/, ''));
      if (allowed)
        throw new AcmeProblem(
          'malformed',
          `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}${allowed.length === 1 ? ' (read it with POST-as-GET, RFC 8555 §6.3)' : ''}`,
          { status: 405, headers: { Allow: allowed.join(', ') } },
        );
      throw new AcmeProblem('malformed', `no ACME resource ${c.req.method} ${c.req.path}`, {
        status: 404,
      });
    }),
  );

  return app;
}

/**
 * The challenge types offered for an order's identifier: dns-01 only for DNS names (RFC 8738
 * §7), and only dns-01 for a wildcard (RFC 8555 §7.1.3, §8.3 and RFC 8737 §3 do not validate
 * one: proving a web server for one name says nothing of every name below the domain).
 */
function challengeTypesFor(identifier: AcmeIdentifier): ChallengeType[] {
  if (identifier.type === 'dns' && identifier.value.startsWith('*.')) return ['dns-01'];
  return identifier.type === 'dns'
    ? ['http-01', 'dns-01', 'tls-alpn-01']
    : ['http-01', 'tls-alpn-01'];
}

/**
 * The identifier of the authorization for an order's identifier: for a wildcard `*.example.net`
 * it is `example.net` with `wildcard: true` (RFC 8555 §7.1.4: "the identifier ... without the
 * '*.' prefix"; dns-01 then looks up `_acme-challenge.example.net`, §8.4).
 */
function authorizationIdentifier(ordered: AcmeIdentifier): {
  identifier: AcmeIdentifier;
  wildcard?: true;
} {
  return ordered.type === 'dns' && ordered.value.startsWith('*.')
    ? { identifier: { type: 'dns', value: ordered.value.slice(2) }, wildcard: true }
    : { identifier: ordered };
}

/** Contact URLs (RFC 8555 §7.3): `mailto:` only, at most 10, none with headers (hfields). */
function contactsOf(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 10 || value.some((v) => typeof v !== 'string'))
    throw new AcmeProblem('invalidContact', '"contact" must be a list of at most 10 mailto: URLs');
  for (const v of value as string[]) {
    if (!v.startsWith('mailto:'))
      throw new AcmeProblem(
        'unsupportedContact',
        `only mailto: contacts are supported, not "${v.slice(0, 64)}"`,
      );
    if (v.includes('?') || v.includes(',') || v.length > 254 || !/^mailto:[^@\s]+@[^@\s]+$/.test(v))
      throw new AcmeProblem(
        'invalidContact',
        `"${v.slice(0, 64)}" is not one plain mailto: address`,
      );
  }
  return value as string[];
}

/** Text for an HTML page. */
function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** Only the public members of an account key are kept. */
function publicJwk(jwk: AccountJwk): AccountJwk {
  const { kty, crv, x, y, n, e } = jwk;
  return Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e }).filter(([, v]) => v !== undefined),
  ) as AccountJwk;
}
