/**
 * Prometheus metrics: request counts by route and status, a signing latency histogram, and the
 * CA's own dates (each CA certificate's not-after, each CRL's nextUpdate), so an alert fires
 * before the CA or its CRL lapses and locks every node out.
 */
import { type Certificate, parseCrl } from '@nodeid/sdk';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly signBuckets = new Array<number>(BUCKETS.length).fill(0);
  private signCount = 0;
  private signSum = 0;

  countRequest(route: string, method: string, status: number): void {
    const key = `route="${route}",method="${method}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  observeSigning(seconds: number): void {
    this.signCount++;
    this.signSum += seconds;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.signBuckets[i]!++;
    });
  }

  /** The request and latency metrics in the Prometheus text format. */
  render(): string {
    const lines = [
      '# HELP nodeid_http_requests_total HTTP requests by route, method and status.',
      '# TYPE nodeid_http_requests_total counter',
    ];
    for (const [labels, n] of this.requests)
      lines.push(`nodeid_http_requests_total{${labels}} ${n}`);
    lines.push(
      '# HELP nodeid_signing_seconds Time to sign a certificate.',
      '# TYPE nodeid_signing_seconds histogram',
    );
    for (const [i, b] of BUCKETS.entries()) {
      lines.push(`nodeid_signing_seconds_bucket{le="${b}"} ${this.signBuckets[i]}`);
    }
    lines.push(
      `nodeid_signing_seconds_bucket{le="+Inf"} ${this.signCount}`,
      `nodeid_signing_seconds_sum ${this.signSum}`,
      `nodeid_signing_seconds_count ${this.signCount}`,
    );
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/** What {@link renderCaGauges} reports on. */
export interface CaGaugesInput {
  /** The signing CA, then the CAs above it up to the root. */
  chain: readonly Certificate[];
  /** The roots nodes trust now (old and new during a rotation). */
  trustBundle: readonly Certificate[];
  /**
   * The CRLs served (DER): the signing CA's, during a rotation the old key's, and an offline
   * root's when given.
   */
  crls: readonly Uint8Array[];
}

/**
 * Gauges of the CA's own lifecycle: `nodeid_ca_certificate_not_after_seconds` for every CA
 * certificate of the chain and of the trust bundle (labels serial, subject, role `issuing`,
 * `intermediate` or `root`), and `nodeid_crl_next_update_seconds` for each CRL served (labels
 * issuer, key: the CRL's authority key identifier in hex, crl_number), in Unix time.
 */
export function renderCaGauges(input: CaGaugesInput): string[] {
  const lines = [
    '# HELP nodeid_ca_certificate_not_after_seconds When each CA certificate of the chain and the trust bundle expires (Unix time).',
    '# TYPE nodeid_ca_certificate_not_after_seconds gauge',
  ];
  const seen = new Set<string>();
  const add = (c: Certificate, role: string) => {
    if (seen.has(c.serialNumber)) return;
    seen.add(c.serialNumber);
    lines.push(
      `nodeid_ca_certificate_not_after_seconds{serial="${c.serialNumber}",subject="${escapeLabel(c.subject.text)}",role="${role}"} ${unix(c.notAfter)}`,
    );
  };
  for (const [i, c] of input.chain.entries())
    add(c, i === 0 ? 'issuing' : i === input.chain.length - 1 ? 'root' : 'intermediate');
  for (const c of input.trustBundle) add(c, 'root');
  lines.push(
    '# HELP nodeid_crl_next_update_seconds When each CRL served is due to be replaced, its nextUpdate (Unix time).',
    '# TYPE nodeid_crl_next_update_seconds gauge',
  );
  for (const der of input.crls) {
    const crl = parseCrl(der);
    if (!crl.nextUpdate) continue;
    // a rotation keeps the CA's name, so the key (authorityKeyIdentifier, RFC 5280 §5.2.1) tells
    // the new key's CRL from the old key's
    const key = crl.authorityKeyIdentifier?.keyIdentifier;
    const keyHex = key ? Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('') : '';
    lines.push(
      `nodeid_crl_next_update_seconds{issuer="${escapeLabel(crl.issuer.text)}",key="${keyHex}",crl_number="${crl.crlNumber ?? ''}"} ${unix(crl.nextUpdate)}`,
    );
  }
  return lines;
}
