/** What bulk issuance's threads and its main thread exchange (see `bulk-issue.ts`). */
import type { BundleFile, BundleLayout, DeniedName, KeyAlgorithm, Profile } from '@nodeid/sdk';
import type { CertificateInput } from '@nodeid/store/record';

/** One node of the input, with the line it came from (1-based). */
export interface NodeJob {
  line: number;
  name: string;
  dns: string[];
  ips: string[];
  uris: string[];
}

/** What every node of a run shares. */
export interface BulkSettings {
  profile: Profile;
  clusterName?: string;
  days?: number;
  algorithm: KeyAlgorithm;
  layout: BundleLayout;
  keyPassphrase?: string;
  /** Flocker: node files named by a fresh UUID each. */
  uuid: boolean;
}

/** A node issued by a thread, not yet written or recorded. */
export interface IssuedNode {
  line: number;
  name: string;
  serialNumber: string;
  notAfter: string;
  files: BundleFile[];
  record: CertificateInput;
  warnings: string[];
  denied: DeniedName[];
}

/** A thread's answer for one node. */
export type NodeOutcome =
  | { ok: true; node: IssuedNode }
  | { ok: false; line: number; name: string; error: { code: string; message: string } };
