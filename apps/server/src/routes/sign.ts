/**
 * Issuance: `/v1/sign` with a one-time token, `/v1/renew` with the current certificate over
 * mutual TLS. Nothing is stored until the token is consumed: the certificate is signed first
 * (cheap), and only handed out and recorded once the atomic consume succeeds.
 */
import {
  expiredRenewalWindow,
  mayRenewExpired,
  type Profile,
  parseCertificate,
  renewalRequestOf,
  type SigningPolicy,
  tokenSigningPolicy,
  verifyCertificate,
} from '@nodeid/sdk';
import { hashToken } from '@nodeid/store';
import { Hono } from 'hono';
import { type Services, setActor } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { type Issued, signJob } from '../lib/issuance.js';
import { tokenId } from '../lib/tokens.js';
import { trustBundle } from '../lib/trust-bundle.js';
import { jsonBody, str } from '../lib/validate.js';

/** id-kp-clientAuth (RFC 5280 §4.2.1.12). */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const superseded = (by: string | undefined) =>
  new HttpError(
    409,
    'ERR_CERTIFICATE_SUPERSEDED',
    `the client certificate was already renewed${by ? ` (by serial ${by})` : ''}; renew with the newest certificate`,
  );

const invalidToken = () =>
  new HttpError(
    401,
    'ERR_TOKEN_INVALID',
    'the enrollment token is unknown, already used, cancelled or expired',
  );

export function signRoutes(s: Services): Hono {
  const app = new Hono();

  const signer =
    s.deps.signer ??
    ((job: Parameters<typeof signJob>[0]) => signJob(job, s.deps.ca, s.deps.crypto));

  /** Checks the CSR and signs it (on a signing thread in nodeid-server), timed for /metrics. */
  async function issue(csr: string, profile: Profile, policy: SigningPolicy): Promise<Issued> {
    const started = performance.now();
    const issued = await signer({
      csr,
      policy,
      profile,
      clusterName: s.deps.clusterName,
      now: s.now(),
    });
    s.metrics.observeSigning((performance.now() - started) / 1000);
    return issued;
  }

  function inventoryRecord(issued: Issued, profile: string) {
    return { ...issued.record, profile, issuedBy: 'server' };
  }

  function response(issued: Issued) {
    return {
      certificate: issued.pem,
      chain: issued.chain,
      granted: issued.granted,
      denied: issued.denied,
      serialNumber: issued.serialNumber,
      notAfter: issued.notAfter.toISOString(),
    };
  }

  app.post('/v1/sign', async (c) => {
    const body = await jsonBody(c, s.bodyBytes);
    const token = str(body, 'token', 128);
    const csr = str(body, 'csr', 32_768);
    const id = tokenId(token);
    if (!id) throw invalidToken();
    setActor(c, `enrollment:${id}`);
    // the token's secret first (the store compares its hash in constant time): a request without
    // a pending token and its secret costs one lookup, never a CSR check or a signature
    const pending = await s.deps.store.getToken(id, { now: s.now(), tokenHash: hashToken(token) });
    if (pending?.status !== 'pending') throw invalidToken();
    const issued = await issue(csr, pending.profile as Profile, tokenSigningPolicy(pending));
    // the one atomic step, one commit: the token is consumed, the certificate recorded and the
    // event audited together; across every instance on the store, one token yields one certificate
    const event = s.auditEvent('certificate.issue', {
      serialNumber: issued.serialNumber,
      enrollment: id,
      names: issued.granted,
      denied: issued.denied.map((d) => d.name),
      profile: pending.profile,
    });
    const redeemed = await s.deps.store.redeemToken({
      tokenHash: hashToken(token),
      now: s.now(),
      certificate: inventoryRecord(issued, pending.profile),
      audit: event.record,
    });
    if (redeemed?.id !== id) throw invalidToken();
    event.emit();
    return c.json(response(issued));
  });

  // Renewal authenticates a node by its certificate, so the certificate must be one issued for
  // client authentication: extKeyUsage present with id-kp-clientAuth (RFC 5280 §4.2.1.12). An
  // absent extKeyUsage means "any purpose" in RFC 5280, but every profile of this CA states its
  // usages, so a certificate without one was not made for this; a serverAuth-only certificate
  // (the server's own) is a TLS server, not a node that may renew.
  app.post('/v1/renew', async (c) => {
    const der = s.deps.peerCertificate?.(c);
    if (!der || der.length === 0)
      throw new HttpError(
        401,
        'ERR_CLIENT_CERTIFICATE_REQUIRED',
        'renewal needs the current certificate, presented over mutual TLS',
      );
    const current = parseCertificate(der);
    // before the signature checks: a certificate of the wrong kind costs nothing
    if (!current.extendedKeyUsage?.includes(CLIENT_AUTH))
      throw new HttpError(
        403,
        'ERR_EXTENDED_KEY_USAGE',
        'the client certificate is not for client authentication (its extKeyUsage has no clientAuth), so it cannot renew',
      );
    const verifyAt = (at: Date) =>
      verifyCertificate({
        certificate: current,
        // during a CA rotation the old root too: leaves of the old key renew onto the new one
        trustAnchors: trustBundle(s),
        intermediates: [s.deps.ca.certificate, ...(s.deps.ca.chain ?? [])],
        at,
        usage: 'client',
        crypto: s.deps.crypto,
      });
    const now = s.now();
    let verified = await verifyAt(now);
    // Renewal after downtime (--renew-expired-within): the TLS layer requests the certificate
    // without judging it (main.ts: rejectUnauthorized false), so an expired one arrives here.
    // When only the leaf's date fails and it expired inside the window, the SDK verifies it
    // again at its notAfter: the one check moved, for this rule only; the inventory decides next.
    let expired: { expiredForMs: number } | undefined;
    const within = s.deps.renewExpiredWithinMs ?? 0;
    if (!verified.ok && verified.code === 'ERR_CERT_EXPIRED' && (verified.depth ?? 0) === 0) {
      const window = expiredRenewalWindow(current, { now, within });
      if (!window.eligible)
        throw new HttpError(
          401,
          'ERR_CERT_EXPIRED',
          `the client certificate is not valid: ${window.message}`,
        );
      verified = await verifyAt(window.verifyAt);
      if (verified.ok) expired = { expiredForMs: window.expiredForMs };
    }
    if (!verified.ok)
      throw new HttpError(
        401,
        verified.code,
        `the client certificate is not valid: ${verified.message}`,
      );
    setActor(c, `certificate:${current.serialNumber}`);
    const known = await s.deps.store.getCertificate(current.serialNumber, { now: s.now() });
    if (!known)
      throw new HttpError(
        401,
        'ERR_UNKNOWN_CERTIFICATE',
        'the client certificate was not issued by this server',
      );
    if (expired) {
      // once, and only the newest certificate for its names (the SDK's rule over the inventory)
      const related = await Promise.all(
        known.names.map((name) => s.deps.store.listCertificates({ name, now })),
      );
      const decision = mayRenewExpired(known, related.flat());
      if (!decision.allowed) {
        if (decision.reason === 'superseded') throw superseded(decision.by);
        if (decision.reason === 'newer-certificate')
          throw new HttpError(409, 'ERR_CERTIFICATE_SUPERSEDED', decision.message);
        throw new HttpError(401, 'ERR_REVOKED', `the client certificate is ${known.status}`);
      }
    }
    if (known.status === 'superseded') throw superseded(known.supersededBy);
    if (known.status !== 'valid' && !(expired && known.status === 'expired'))
      throw new HttpError(401, 'ERR_REVOKED', `the client certificate is ${known.status}`);
    const body = await jsonBody(c, s.bodyBytes);
    const csr = str(body, 'csr', 32_768);
    // the same names, CN and lifetime as the certificate being renewed (the SDK's one reading)
    const request = renewalRequestOf(current);
    const profile = (known.profile ?? request.profile) as Profile;
    const issued = await issue(csr, profile, {
      dns: request.dns,
      ips: request.ips,
      uris: request.uris,
      commonNames: request.commonName ? [request.commonName] : [],
      maxDays: request.lifetimeDays,
    });
    await s.deps.store.recordCertificate(inventoryRecord(issued, profile));
    // one certificate renews once: the store lets exactly one of concurrent renewals supersede
    // it. The loser's certificate is recorded but never handed out, so it is revoked (reason
    // superseded, RFC 5280 §5.3.1) to keep the inventory honest.
    try {
      await s.deps.store.markSuperseded(current.serialNumber, issued.serialNumber, s.now());
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_STORE_CONFLICT') throw e;
      await s.deps.store.revokeCertificate(issued.serialNumber, {
        reason: 'superseded',
        revokedAt: s.now(),
      });
      const now = await s.deps.store.getCertificate(current.serialNumber, { now: s.now() });
      if (now?.status === 'superseded') throw superseded(now.supersededBy);
      throw new HttpError(401, 'ERR_REVOKED', `the client certificate is ${now?.status}`);
    }
    // a distinct event: an expired certificate renewed inside the grace window
    await s.audit(expired ? 'certificate.renew-expired' : 'certificate.renew', {
      serialNumber: issued.serialNumber,
      replaces: current.serialNumber,
      names: issued.granted,
      ...(expired && {
        expiredAt: current.notAfter.toISOString(),
        expiredForSeconds: Math.round(expired.expiredForMs / 1000),
      }),
    });
    return c.json(response(issued));
  });
  return app;
}
