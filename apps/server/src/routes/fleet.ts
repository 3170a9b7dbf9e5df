/**
 * `POST /v1/admin/fleet-check`: the cluster's health on demand. The server connects to the node
 * of each valid certificate of its inventory (by the certificate's FQDN, else its first IP
 * address) on one TLS port, a bounded number at a time, reads the chain each presents without
 * trusting it (`readPresentedChains`) and judges it with the SDK's `judgeFleetNode` against its
 * own CA, cluster name, CRL and the inventory's revoked and superseded serials: one line per
 * node with its ALERT, as `nodeid fleet check` prints them. A large fleet is checked in pages
 * (`offset`, `limit`, with the `total`), so that each call stays short and the page can show
 * its progress.
 */
import { type FleetNodeResult, judgeFleetNode, unreachableFleetNode } from '@nodeid/sdk';
import { formatEndpoint, readPresentedChains, type TlsEndpoint } from '@nodeid/sdk/node';
import type { CertificateRecord } from '@nodeid/store';
import { Hono } from 'hono';
import type { Services } from '../lib/context.js';
import { trustBundle } from '../lib/trust-bundle.js';
import { jsonBody, optInt, optStr } from '../lib/validate.js';

/** At most this many nodes per call: a larger inventory is checked in pages (`offset`, `limit`). */
export const MAX_FLEET_NODES = 5000;

/** The host a node is reached by: its certificate's first DNS name with a dot, else its first IP. */
export function nodeHost(record: Pick<CertificateRecord, 'names'>): string | undefined {
  const dns = record.names.find((n) => n.startsWith('DNS:') && n.includes('.', 4));
  const ip = record.names.find((n) => n.startsWith('IP:'));
  return (dns ?? ip)?.replace(/^(DNS|IP):/, '');
}

/** One line of the answer. */
interface FleetLine {
  node: string;
  endpoint: string;
  severity: FleetNodeResult['severity'];
  alerts: FleetNodeResult['alerts'];
  /** The alerts joined by commas, empty when the node is fine. */
  alert?: string;
  /** The problems' messages, or what the node presents when it is fine. */
  message: string;
  serialNumber?: string;
}

export function fleetRoutes(s: Services): Hono {
  const app = new Hono();

  app.post('/v1/admin/fleet-check', async (c) => {
    const body = await jsonBody(c, s.bodyBytes);
    const port = optInt(body, 'port', 1, 65_535) ?? 443;
    const concurrency = optInt(body, 'concurrency', 1, 64) ?? 16;
    const timeoutMs = optInt(body, 'timeoutMs', 200, 30_000) ?? 5000;
    const q = optStr(body, 'q', 253);
    const offset = optInt(body, 'offset', 0, 1_000_000_000) ?? 0;
    const limit = optInt(body, 'limit', 1, MAX_FLEET_NODES) ?? MAX_FLEET_NODES;
    // the CRLs first: one made during this call has a thisUpdate after a `now` read before it,
    // and would not be valid yet at the time the nodes are judged
    const crl = await s.crl.get().catch(() => undefined);
    const now = s.now();
    const store = s.deps.store;
    const [valid, revoked, superseded] = await Promise.all([
      store.listCertificates({ now, status: 'valid', ...(q && { search: q }) }),
      store.listCertificates({ now, status: 'revoked' }),
      store.listCertificates({ now, status: 'superseded' }),
    ]);
    // every node once, in the inventory's order (soonest expiry first); this call checks a page
    const all = [...new Set(valid.map(nodeHost).filter((h): h is string => h !== undefined))];
    const hosts = all.slice(offset, offset + limit);
    const endpoints: TlsEndpoint[] = hosts.map((host) => ({ host, port }));
    const results = await readPresentedChains(endpoints, { concurrency, timeoutMs });
    const nodes: FleetLine[] = [];
    for (const [i, r] of results.entries()) {
      const host = hosts[i]!;
      const verdict = r.ok
        ? await judgeFleetNode({
            chain: r.chain,
            reachedName: host,
            // during a rotation the old root too, and the old key's CRL of its own leaves
            // (RFC 5280 §6.3.3 (f): an old-key leaf is judged by a CRL the old key signed)
            trustAnchors: [s.deps.ca.certificate, ...(s.deps.ca.chain ?? []), ...trustBundle(s)],
            clusterName: s.deps.clusterName,
            ...(crl && { crls: [crl.der, ...(crl.previous ? [crl.previous.der] : [])] }),
            revokedSerials: revoked.map((x) => x.serialNumber),
            supersededSerials: superseded.map((x) => x.serialNumber),
            now,
            crypto: s.deps.crypto,
          })
        : unreachableFleetNode(r.message);
      nodes.push({
        node: host,
        endpoint: formatEndpoint(endpoints[i]!),
        severity: verdict.severity,
        alerts: verdict.alerts,
        ...(verdict.alerts.length && { alert: verdict.alerts.join(',') }),
        message: verdict.problems.length
          ? verdict.problems.map((p) => p.message).join('; ')
          : `presents ${verdict.leaf?.serialNumber ?? '?'}, valid until ${verdict.leaf?.notAfter.toISOString() ?? '?'}`,
        ...(verdict.leaf && { serialNumber: verdict.leaf.serialNumber }),
      });
    }
    await s.audit('fleet.check', { nodes: nodes.length, port, offset, total: all.length });
    const count = (severity: FleetLine['severity']) =>
      nodes.filter((n) => n.severity === severity).length;
    return c.json({
      checkedAt: now.toISOString(),
      port,
      total: all.length,
      offset,
      nodes,
      summary: { ok: count('ok'), warning: count('warning'), error: count('error') },
    });
  });
  return app;
}
