/**
 * Issuance: `/v1/sign` with a one-time token, `/v1/renew` with the current certificate over
 * mutual TLS. Nothing is stored until the token is consumed: the certificate is signed first
 * (cheap), and only handed out and recorded once the atomic consume succeeds.
 */
import {
  type Profile,
  parseCertificate,
  type SigningPolicy,
  tokenSigningPolicy,
  verifyCertificate,
} from '@nodeid/sdk';
import { hashToken } from '@nodeid/store';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { type Issued, signJob } from '../lib/issuance.js';
import { tokenId } from '../lib/tokens.js';
import { jsonBody, str } from '../lib/validate.js';

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
    return {
      serialNumber: issued.serialNumber,
      subject: issued.subject,
      names: issued.names,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      profile,
      pem: issued.pem,
    };
  }

  const chain = [s.deps.ca.certificate, ...(s.deps.ca.chain ?? [])].map((c) => c.pem);
  function response(issued: Issued) {
    return {
      certificate: issued.pem,
      chain,
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
    // the token first: a request without a pending token costs one lookup, not a signature check
    const pending = await s.deps.store.getToken(id, { now: s.now() });
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

  app.post('/v1/renew', async (c) => {
    const der = s.deps.peerCertificate?.(c);
    if (!der || der.length === 0)
      throw new HttpError(
        401,
        'ERR_CLIENT_CERTIFICATE_REQUIRED',
        'renewal needs the current certificate, presented over mutual TLS',
      );
    const current = parseCertificate(der);
    const verified = await verifyCertificate({
      certificate: current,
      trustAnchors: [s.deps.ca.chain?.at(-1) ?? s.deps.ca.certificate],
      intermediates: [s.deps.ca.certificate, ...(s.deps.ca.chain ?? [])],
      at: s.now(),
      crypto: s.deps.crypto,
    });
    if (!verified.ok)
      throw new HttpError(
        401,
        verified.code,
        `the client certificate is not valid: ${verified.message}`,
      );
    const known = await s.deps.store.getCertificate(current.serialNumber, { now: s.now() });
    if (!known)
      throw new HttpError(
        401,
        'ERR_UNKNOWN_CERTIFICATE',
        'the client certificate was not issued by this server',
      );
    if (known.status !== 'valid')
      throw new HttpError(401, 'ERR_REVOKED', `the client certificate is ${known.status}`);
    const body = await jsonBody(c, s.bodyBytes);
    const csr = str(body, 'csr', 32_768);
    const names = { dns: [] as string[], ips: [] as string[], uris: [] as string[] };
    for (const n of current.subjectAltNames ?? []) {
      if (n.type === 'dns') names.dns.push(n.value);
      else if (n.type === 'ip') names.ips.push(n.value);
      else if (n.type === 'uri') names.uris.push(n.value);
    }
    const cn = current.subject.rdns.flat().find((a) => a.type === 'CN')?.value;
    // round, not ceil: notBefore is backdated a few minutes, and ceil made every renewal a day longer
    const lifetimeDays = Math.round(
      (current.notAfter.getTime() - current.notBefore.getTime()) / 86_400_000,
    );
    const profile = (known.profile ?? 'node') as Profile;
    const issued = await issue(csr, profile, {
      ...names,
      commonNames: cn ? [cn] : [],
      maxDays: Math.max(1, lifetimeDays),
    });
    await s.deps.store.recordCertificate(inventoryRecord(issued, profile));
    await s.audit('certificate.renew', {
      serialNumber: issued.serialNumber,
      replaces: current.serialNumber,
      names: issued.granted,
    });
    return c.json(response(issued));
  });
  return app;
}
