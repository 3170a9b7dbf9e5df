/** What the app needs from outside: everything stateful or environment-specific is injected. */
import type { Certificate, Issuer } from '@nodeid/sdk';
import type { Store } from '@nodeid/store';
import type { Context, MiddlewareHandler } from 'hono';
import type { AcmeOptions } from './acme/acme-routes.js';
import type { AdminTokens } from './lib/admin-auth.js';
import type { Signer } from './lib/issuance.js';

/**
 * Dependencies of {@link createApp}. `ca`, `previousCa` and `trustBundle` are read per request:
 * nodeid-server replaces them together when its CA folder changes (`lib/ca-reload.ts`).
 */
export interface AppDeps {
  /** The CA that signs: certificate, private key and the CAs above it. */
  ca: Issuer;
  /**
   * During a CA rotation (`ca rotate` until `ca retire-old`): the old root and its key. It signs
   * the CRL of the certificates it issued, served beside the current key's (`/v1/crl?format=pem`
   * holds both; `/v1/crl/previous` its DER).
   */
  previousCa?: Issuer;
  /** Cluster name: the CN of node certificates. */
  clusterName: string;
  /**
   * The roots nodes should trust now (the CA folder's `ca-bundle.crt` after `ca rotate`: new
   * root and old root), served at `/v1/ca/bundle` and trusted for renewals over mutual TLS, so
   * the leaves of the old key can renew onto the new one. Default: the root of `ca`.
   */
  trustBundle?: Certificate[];
  /**
   * More paths where the CRL of `ca` is served besides `/v1/crl`: the paths of the CRL addresses
   * its certificates carry (the CA folder's `crlUrl` and the earlier ones, RFC 5280 §4.2.1.13).
   * Read per request: nodeid-server adds a new address's path when its CA folder is reloaded.
   */
  crlPaths?: string[];
  /**
   * For an intermediate `ca`: the root's CRL (signed offline with `nodeid crl create --dir
   * ROOT`), served at `/v1/crl/root` and at `paths` (the CRL address in the intermediate's own
   * certificate). `read` is called per request, so a re-made file is served without a restart.
   */
  rootCrl?: { read: () => Promise<{ der: Uint8Array; pem: string }>; paths: string[] };
  /** Inventory, tokens and audit trail. */
  store: Store;
  /**
   * The admin tokens: their SHA-256 digests, or a source that can change while the app runs
   * (nodeid-server passes `openAdminTokenFile`, which re-reads the file when it changes).
   */
  adminTokenHashes: readonly Buffer[] | AdminTokens;
  /** Clock; default the system clock. */
  now?: () => Date;
  crypto?: Crypto;
  /**
   * Runs the CSR check and signing of `/v1/sign` and `/v1/renew`; default on the request's
   * thread with `crypto`. nodeid-server passes its signing threads.
   */
  signer?: Signer;
  /** Receives one JSON object per audited event (enrollment, issuance, renewal, revocation); never secrets. */
  audit?: (event: Record<string, unknown>) => void;
  /**
   * How long after its notAfter an expired client certificate may still renew over mutual TLS
   * (once, if it is the newest, unrevoked, not superseded certificate for its names), in ms;
   * 0 or absent: never (`nodeid-server --renew-expired-within`).
   */
  renewExpiredWithinMs?: number;
  /** DER of the client certificate of a mutual-TLS request, when there is one. */
  peerCertificate?: (c: Context) => Uint8Array | undefined;
  /** The server's own TLS certificate, for its expiry metric. */
  serverCertificate?: () => Certificate | undefined;
  /** Serves the web page for anything outside the API. */
  staticFiles?: MiddlewareHandler;
  /**
   * The ACME server under `/acme` (RFC 8555), on by default: its validation ports and resolver,
   * and whether accounts may be made without an enrollment token (`open`). `false` turns it off.
   */
  acme?: AcmeOptions | false;
  /** Origins allowed to call the API from a browser; none by default. */
  corsOrigins?: string[];
  limits?: {
    /** Largest request body in bytes; default 64 KiB. */
    bodyBytes?: number;
    /** `/v1/sign` requests a client may make per minute (and at once); default 60 (burst 30). */
    signPerMinute?: number;
    signBurst?: number;
    /** `/v1/enrollments` creations per minute; default 120 (burst 60). */
    enrollPerMinute?: number;
    enrollBurst?: number;
    /** `/v1/renew` calls per client address per minute; default 30 (burst 10). */
    renewPerMinute?: number;
    renewBurst?: number;
    /** `/v1/renew` calls per presented certificate per minute; default 0.1, one in 10 minutes (burst 3). */
    renewPerCertificatePerMinute?: number;
    renewPerCertificateBurst?: number;
  };
}
