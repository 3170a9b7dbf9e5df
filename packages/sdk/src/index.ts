/**
 * @nodeid/sdk — TLS identities for cluster nodes on WebCrypto: cluster CA, node certificates,
 * CSRs, RFC 5280 verification, inspection, expiry and CRLs. Runs in Node, Deno, Bun and browsers.
 *
 * @packageDocumentation
 */

export {
  type AccountAlgorithm,
  type AccountJwk,
  isAccountAlgorithm,
  jwkMatchesPublicKey,
  jwkThumbprint,
  verifyAccountSignature,
} from './acme/account-key.js';
export {
  type AcmeProblemType,
  acmeError,
  acmeProblemTypeOf,
  acmeProblemUrn,
} from './acme/acme-problem.js';
export {
  createExternalAccountBinding,
  type ParsedExternalAccountBinding,
  parseExternalAccountBinding,
  type VerifyExternalAccountBindingOptions,
  verifyExternalAccountBinding,
} from './acme/external-account-binding.js';
export {
  dns01TxtValue,
  http01ResponseMatches,
  keyAuthorization,
  newChallengeToken,
  tlsAlpn01Digest,
} from './acme/key-authorization.js';
export {
  type AcmeIdentifier,
  type AcmeOrderIdentifiers,
  type AcmeOrderIdentifiersOptions,
  type AcmeTokenGrant,
  acmeOrderIdentifiers,
  checkCsrMatchesOrder,
  MAX_ORDER_IDENTIFIERS,
  type RejectedIdentifier,
} from './acme/order-identifiers.js';
export {
  parseRenewalInfoId,
  type RenewalInfoId,
  renewalInfoId,
} from './acme/renewal-info-id.js';
export {
  type AcmeJws,
  type AcmeProtectedHeader,
  type ParseAcmeJwsOptions,
  parseAcmeJws,
  verifyAcmeJws,
} from './acme/verify-acme-jws.js';
export {
  BUNDLE_LAYOUTS,
  type BundleFile,
  type BundleFilesOptions,
  type BundleIdentity,
  type BundleLayout,
  bundleFileNames,
  bundleFiles,
  CERTIFICATE_FILE_MODE,
  KEY_FILE_MODE,
  layoutProfileWarning,
} from './bundle/bundle-files.js';
export {
  kubernetesSecretName,
  kubernetesSecretYaml,
  type SecretFile,
} from './bundle/kubernetes-secret.js';
export {
  type AcceptCaReloadOptions,
  type AcceptCaReloadResult,
  acceptCaReload,
  type CaMaterial,
  type CaReloadRefusal,
} from './ca/accept-ca-reload.js';
export { type CreateCaOptions, createCa } from './ca/create-ca.js';
export {
  type CreateCaCsrOptions,
  type CreateCaCsrResult,
  createCaCsr,
} from './ca/create-ca-csr.js';
export { checkCrlUrl } from './ca/crl-url.js';
export { type RenewCaOptions, type RenewCaResult, renewCa } from './ca/renew-ca.js';
export {
  isIssuedBy,
  type RotateCaOptions,
  type RotateCaResult,
  rotateCa,
} from './ca/rotate-ca.js';
export {
  DEFAULT_INTERMEDIATE_DAYS,
  remainingPathLength,
  type SignCaCsrOptions,
  type SignCaCsrResult,
  signCaCsr,
} from './ca/sign-ca-csr.js';
export {
  type AcceptTrustBundleOptions,
  type AcceptTrustBundleResult,
  acceptTrustBundle,
  type TrustBundleLink,
  type TrustBundleRefusal,
} from './ca/trust-bundle.js';
export {
  type Certificate,
  type CertificateInput,
  type Extension,
  type GeneralSubtree,
  isCertificate,
  KEY_USAGE_NAMES,
  type KeyUsage,
  parseCertificate,
  parseCertificateDer,
  parseCertificates,
} from './certificate/parse-certificate.js';
export {
  type AcceptCrlOptions,
  type AcceptCrlResult,
  acceptCrl,
  type CrlRefusal,
} from './crl/accept-crl.js';
export {
  type CreateCrlEntry,
  type CreateCrlOptions,
  type CreateCrlResult,
  createCrl,
  DEFAULT_CRL_VALIDITY_MS,
} from './crl/create-crl.js';
export {
  type CreateCrlsByIssuerOptions,
  createCrlsByIssuer,
  type RevocationWithCertificate,
  splitRevocationsByIssuer,
} from './crl/crls-by-issuer.js';
export {
  CRL_REASONS,
  type Crl,
  type CrlEntry,
  type CrlExtension,
  type CrlInput,
  type CrlReason,
  type IssuingDistributionPoint,
  isCrl,
  parseCrl,
  parseCrlDer,
} from './crl/parse-crl.js';
export { verifyCrlSignature } from './crl/verify-crl-signature.js';
export { type CreateCsrOptions, type CreateCsrResult, createCsr } from './csr/create-csr.js';
export { type CertificateRequest, parseCsr, type RequestedNames } from './csr/parse-csr.js';
export { type SignCsrOptions, type SignCsrResult, signCsr } from './csr/sign-csr.js';
export {
  type AllowList,
  type DeniedName,
  requestedNamesPolicy,
  type SigningPolicy,
} from './csr/signing-policy.js';
export {
  enrollArguments,
  exactDnsName,
  exactIpAddress,
  exactUri,
  MAX_TOKEN_NAMES,
  type TokenNames,
  type TokenNamesInput,
  tokenGrantedNames,
  tokenNames,
  tokenSigningPolicy,
  tokenWildcards,
  wildcardDnsName,
  wildcardDnsNameForm,
} from './enroll/token-names.js';
export { NodeIdError, type NodeIdErrorCode, type NodeIdErrorDetails } from './errors.js';
export {
  type CrlExpiryAlert,
  type CrlExpiryState,
  type CrlExpiryStatus,
  type CrlExpiryStatusOptions,
  crlExpiryStatus,
} from './expiry/crl-expiry-status.js';
export {
  type CrlRefreshOptions,
  crlRefreshIn,
  DEFAULT_CRL_REFRESH_MS,
} from './expiry/crl-refresh.js';
export {
  type ExpiredRenewalRecord,
  type ExpiredRenewalWindow,
  type ExpiredRenewalWindowOptions,
  expiredRenewalWindow,
  type MayRenewExpiredResult,
  mayRenewExpired,
} from './expiry/expired-renewal.js';
export {
  DEFAULT_WARN_WITHIN_MS,
  type ExpiryAlert,
  type ExpiryState,
  type ExpiryStatus,
  type ExpiryStatusOptions,
  expiryStatus,
} from './expiry/expiry-status.js';
export {
  DEFAULT_RENEWAL_THRESHOLD,
  type NeedsRenewalOptions,
  needsRenewal,
  type RenewalDueAtOptions,
  renewalDueAt,
} from './expiry/needs-renewal.js';
export { type NextCheckInOptions, nextCheckIn } from './expiry/next-check-in.js';
export { type RenewalRequest, renewalRequestOf } from './expiry/renewal-request.js';
export {
  type RenewalWindow,
  type RenewalWindowOptions,
  renewalWindow,
} from './expiry/renewal-window.js';
export {
  type CheckPresentedChainOptions,
  checkPresentedChain,
  type PresentedChainCheck,
  type PresentedChainProblem,
} from './fleet/check-presented-chain.js';
export {
  FLEET_ALERT_SEVERITY,
  FLEET_ALERTS,
  type FleetAlert,
  type FleetChainEntry,
  type FleetNodeResult,
  type FleetProblem,
  type FleetSeverity,
  fleetExitCode,
  fleetSeverity,
  type JudgeFleetNodeOptions,
  judgeFleetNode,
  unreachableFleetNode,
} from './fleet/judge-fleet-node.js';
export {
  type EndpointTarget,
  type FileTarget,
  HTTPS_DEFAULT_PORT,
  type ParseTargetOptions,
  parseTarget,
  parseTargetsFile,
  type Target,
  type TargetLine,
} from './fleet/parse-target.js';
export {
  caWarnWindow,
  DEFAULT_CA_WARN_WITHIN_MS,
  isCaCertificate,
  warnWindowFor,
} from './fleet/warn-window.js';
export type { InspectedExtension, InspectedName } from './inspect/describe.js';
export {
  type Inspected,
  type InspectedKey,
  type InspectOptions,
  inspect,
  inspectAll,
} from './inspect/inspect.js';
export {
  type InspectedCertificate,
  type InspectedSubjectAltNames,
  inspectCertificate,
} from './inspect/inspect-certificate.js';
export {
  type InspectedCrl,
  type InspectedCrlEntry,
  type InspectedCrlScope,
  inspectCrl,
} from './inspect/inspect-crl.js';
export { type InspectedCsr, inspectCsr } from './inspect/inspect-csr.js';
export { type RenderTextOptions, renderText } from './inspect/render-text.js';
export type { Identity, Issuer } from './issue/identity.js';
export {
  clusterNameOf,
  type IssueCertificateOptions,
  type IssuedCertificate,
  type IssueIdentityOptions,
  issueCertificate,
  issueIdentity,
  shortName,
} from './issue/issue-identity.js';
export {
  CONTROL_SERVICE_CN,
  DEFAULT_CA_DAYS,
  DEFAULT_LEAF_DAYS,
  isProfile,
  PROFILES,
  type Profile,
} from './issue/profiles.js';
export {
  type CheckPublicKeyOptions,
  checkPublicKey,
  type PublicKeyFacts,
  rsaExponentProblem,
} from './keys/check-public-key.js';
export {
  type EcKeyNumbers,
  type EncodedKeyPair,
  encodeEcKeyPair,
} from './keys/encode-ec-key-pair.js';
export {
  DEFAULT_PBKDF2_ITERATIONS,
  type ExportPrivateKeyOptions,
  exportPrivateKeyPem,
} from './keys/export-private-key-pem.js';
export { exportPublicKeyPem } from './keys/export-public-key-pem.js';
export { type GenerateKeyPairOptions, generateKeyPair } from './keys/generate-key-pair.js';
export {
  type ImportPrivateKeyOptions,
  importPrivateKeyPem,
} from './keys/import-private-key-pem.js';
export { importPublicKeyPem } from './keys/import-public-key-pem.js';
export { type InspectKeyOptions, inspectKey, type KeyInfo } from './keys/inspect-key.js';
export {
  isKeyAlgorithm,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyPair,
  keyAlgorithmOf,
} from './keys/key-algorithm.js';
export { keyMatchesCertificate } from './keys/key-matches-certificate.js';
export { fromBase64Url, toBase64Url } from './lib/base64url.js';
export type { CryptoOptions } from './lib/crypto.js';
export {
  formatDuration,
  parseDuration,
  parseRenewalThreshold,
  type RenewalThreshold,
} from './lib/duration.js';
export type { NameConstraintsOptions } from './lib/extensions.js';
export type { GeneralName } from './lib/general-name.js';
export type { DistinguishedName, NameAttribute, NameFields } from './lib/name.js';
export { type SubjectAltNames, shownName } from './lib/san.js';
export type { PublicKeyInfo, SignatureAlgorithmInfo } from './lib/signature.js';
export type { ValidityOptions } from './lib/validity.js';
export {
  type CreatePkcs12Options,
  createPkcs12,
  DEFAULT_PKCS12_ITERATIONS,
} from './pkcs12/create-pkcs12.js';
export {
  type ParsePkcs12Options,
  type Pkcs12Certificate,
  type Pkcs12Contents,
  type Pkcs12Key,
  parsePkcs12,
} from './pkcs12/parse-pkcs12.js';
export type { Pkcs12MacHash } from './pkcs12/pkcs12-mac.js';
export type { VerifyPolicy } from './verify/check-profile.js';
export type { RevocationMode } from './verify/check-revocation.js';
export { loadPublicSuffixList, type PublicSuffixList } from './verify/public-suffix.js';
export {
  DEFAULT_MAX_DEPTH,
  type VerifyCertificateOptions,
  type VerifyResult,
  type VerifyUsage,
  verifyCertificate,
} from './verify/verify-certificate.js';
