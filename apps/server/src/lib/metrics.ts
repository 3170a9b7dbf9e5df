/** Prometheus metrics: request counts by route and status, and a signing latency histogram. */

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
