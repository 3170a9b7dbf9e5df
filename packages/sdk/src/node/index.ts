/**
 * @nodeid/sdk/node — Node-only helpers: writing bundles to disk with safe modes,
 * hot-reloading TLS servers, and WebCrypto with synchronous signatures for busy servers.
 * Kept out of the main entry so browsers and Deno never load `node:` modules.
 *
 * @packageDocumentation
 */

export {
  CA_CONFIG_FILE,
  CA_INVENTORY_FILE,
  type CaFolderConfig,
  type LoadCaFolderOptions,
  type LoadedCaFolder,
  loadCaFolder,
  readCaBundle,
  readCaCertificates,
  readCaConfig,
  writeCaConfig,
} from './ca-folder.js';
export { createNodeCrypto } from './node-crypto.js';
export { type BatchSync, syncFilesystem } from './sync-filesystem.js';
export {
  type ClientAuthentication,
  type ClientCertificate,
  checkClientCertificate,
  DEFAULT_TLS_CONCURRENCY,
  DEFAULT_TLS_TIMEOUT_MS,
  formatEndpoint,
  type PresentedChain,
  type PresentedChainResult,
  type ReadPresentedChainOptions,
  type ReadPresentedChainsOptions,
  readPresentedChain,
  readPresentedChains,
  type TlsEndpoint,
  type TlsUnreachableReason,
  type UnreachableEndpoint,
} from './tls-endpoint.js';
export {
  HANDSHAKE_TAP_LIMIT,
  readServerHandshake,
  type ServerHandshake,
} from './tls-handshake.js';
export {
  createTlsReloader,
  RELOADER_WARN_WITHIN,
  type TlsAlert,
  type TlsContextOptions,
  type TlsReloadEvent,
  type TlsReloader,
  type TlsReloaderOptions,
} from './tls-reloader.js';
export {
  BUNDLE_DIR_MODE,
  type BundleBatchEntry,
  type BundleBatchOutcome,
  commitBundleBatch,
  commitBundleBatches,
  openBundleBatch,
  type RecoverBundleBatchesResult,
  recoverBundleBatches,
  type StagedBundleEntry,
  stageBundles,
  stagingSync,
  type WriteBundleBatchOptions,
  type WriteBundleOptions,
  type WriteBundleResult,
  type WrittenFile,
  writeBundle,
  writeBundleBatch,
} from './write-bundle.js';
