/** What bulk issuance's threads and its main thread exchange (see `bulk-issue.ts`). */
import type { BundleLayout, DeniedName, KeyAlgorithm, Profile } from '@nodeid/sdk';
import type { CertificateInput } from '@nodeid/store/record';

/** One node of the input, with the line it came from (1-based). */
export interface NodeJob {
  line: number;
  name: string;
  dns: string[];
  ips: string[];
  uris: string[];
  /** Its bundle's folder (absolute), set once the line is accepted. */
  dir?: string;
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
  /** Replace existing files. */
  force?: boolean;
}

/** A node issued by a thread and staged under its serial number, not yet recorded or visible. */
export interface IssuedNode {
  line: number;
  name: string;
  /** Its bundle's folder. */
  dir: string;
  serialNumber: string;
  notAfter: string;
  /** The staged files: names and modes. */
  files: { path: string; mode: number }[];
  record: CertificateInput;
  warnings: string[];
  denied: DeniedName[];
}

/** A thread's answer for one node. */
export type NodeOutcome =
  | { ok: true; node: IssuedNode }
  | { ok: false; line: number; name: string; error: { code: string; message: string } };
