/**
 * Issuance: `/v1/sign` with a one-time token, `/v1/renew` with the current certificate over
 * mutual TLS. Nothing is stored until the token is consumed: the certificate is signed first
 * (cheap), and only handed out and recorded once the atomic consume succeeds.
 */
import {
  type Certificate,
  type CertificateRequest,
  type Profile,
  parseCertificate,
  parseCsr,
  type SigningPolicy,
  shortName,
  signCsr,
  verifyCertificate,
} from '@nodeid/sdk';
import { hashToken } from '@nodeid/store';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { HttpError } from '../lib/http-error.js';
import { namesOf } from '../lib/names.js';
import { tokenId } from '../lib/tokens.js';
import { jsonBody, str } from '../lib/validate.js';

const invalidToken = () =>
  new HttpError(
    401,
    'ERR_TOKEN_INVALID',
    'the enrollment token is unknown, already used, cancelled or expired',
  );

async function readCsr(s: Services, body: Record<string, unknown>): Promise<CertificateRequest> {
  const csr = await parseCsr(str(body, 'csr', 32_768), { crypto: s.deps.crypto });
  if (!csr.signatureValid)
    throw new HttpError(
      400,
      'ERR_CSR_SIGNATURE',
      'the CSR signature does not verify: it was altered or not signed by its key',
    );
  return csr;
}

/** Names a token allows: its name (and a node's short name) plus the extra names it lists. */
function tokenPolicy(token: {
  name: string;
  profile: string;
  dns: string[];
  ips: string[];
  uris: string[];
  validityDays?: number;
}): SigningPolicy {
  const isIp = /^[0-9.]+$|:/.test(token.name);
  const dns = [...token.dns];
  const ips = [...token.ips];
  if (isIp) ips.push(token.name);
  else if (token.profile !== 'client')
    dns.push(
      token.name,
      ...(token.profile === 'node' && token.name.includes('.') ? [shortName(token.name)] : []),
    );
  return {
    dns,
    ips,
    uris: token.uris,
    commonNames: token.profile === 'client' ? [token.name] : [],
    maxDays: token.validityDays ?? 365,
  };
}

export function signRoutes(s: Services): Hono {
  const app = new Hono();

  async function issue(csr: CertificateRequest, profile: Profile, policy: SigningPolicy) {
    const started = performance.now();
    const signed = await signCsr({
      csr,
      ca: s.deps.ca,
      policy,
      profile,
      clusterName: s.deps.clusterName,
      now: s.now(),
      crypto: s.deps.crypto,
    });
    s.metrics.observeSigning((performance.now() - started) / 1000);
    return signed;
  }

  function inventoryRecord(cert: Certificate, profile: string) {
    return {
      serialNumber: cert.serialNumber,
      subject: cert.subject.text,
      names: namesOf(cert),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      profile,
      pem: cert.pem,
    };
  }

  function response(signed: Awaited<ReturnType<typeof issue>>) {
    return {
      certificate: signed.certificate.pem,
      chain: signed.chain.map((c) => c.pem),
      granted: signed.granted,
      denied: signed.denied,
      serialNumber: signed.certificate.serialNumber,
      notAfter: signed.certificate.notAfter.toISOString(),
    };
  }

  app.post('/v1/sign', async (c) => {
    const body = await jsonBody(c, s.bodyBytes);
    const token = str(body, 'token', 128);
    const id = tokenId(token);
    if (!id) throw invalidToken();
    const csr = await readCsr(s, body);
    const pending = await s.deps.store.getToken(id, { now: s.now() });
    if (pending?.status !== 'pending') throw invalidToken();
    const signed = await issue(csr, pending.profile as Profile, tokenPolicy(pending));
    // the one atomic step, one commit: the token is consumed, the certificate recorded and the
    // event audited together; across every instance on the store, one token yields one certificate
    const cert = signed.certificate;
    const event = s.auditEvent('certificate.issue', {
      serialNumber: cert.serialNumber,
      enrollment: id,
      names: signed.granted,
      denied: signed.denied.map((d) => d.name),
      profile: pending.profile,
    });
    const redeemed = await s.deps.store.redeemToken({
      tokenHash: hashToken(token),
      now: s.now(),
      certificate: inventoryRecord(cert, pending.profile),
      audit: event.record,
    });
    if (redeemed?.id !== id) throw invalidToken();
    event.emit();
    return c.json(response(signed));
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
    const csr = await readCsr(s, body);
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
    const signed = await issue(csr, profile, {
      ...names,
      commonNames: cn ? [cn] : [],
      maxDays: Math.max(1, lifetimeDays),
    });
    await s.deps.store.recordCertificate(inventoryRecord(signed.certificate, profile));
    await s.audit('certificate.renew', {
      serialNumber: signed.certificate.serialNumber,
      replaces: current.serialNumber,
      names: signed.granted,
    });
    return c.json(response(signed));
  });
  return app;
}
