/**
 * x509-limbo cases where the SDK deliberately gives another answer than the suite expects,
 * because the suite disagrees with the standard it tests (see tools/limbo/README.md for the
 * full reasoning). Each entry says why, and what the SDK's failure must say (`context`), so a
 * case that starts failing for another reason is still caught.
 */
export const DEVIATIONS = {
  'webpki::san::exact-localhost-ip-san': {
    why: 'the leaf has CN=example.com and only an IP SAN (127.0.0.1); BR 7.1.4.3 requires a subject CN, if present, to be one of the SAN values, so the SDK refuses it under webpki',
    context: /subject CN "example\.com" that is not a copy of one of its subjectAltName values/,
  },
  // RFC 5280 §5.1.2.1, §5.1.2.4, §5.1.2.5 make these CRLs non-conforming. limbo expects such a
  // CRL to be ignored, so that the leaf it revokes is accepted; nodeid does not use it, and under
  // `revocation: 'require'` (the harness asks for it whenever a case has CRLs) the leaf's status
  // is then undetermined (§6.3.3 (k)), so the path fails with "the CRL is not usable", never as
  // revoked. limbo itself fails other non-conforming CRLs (no cRLNumber, a critical cRLNumber).
  'crl::external::crl-invalid-version': {
    why: 'a CRL version other than v1 (absent) or v2 is not a CRL this profile defines (RFC 5280 §5.1.2.1); the CRL does not parse, so no usable CRL covers the leaf and `require` fails',
    context: /^ERR_CRL_UNAVAILABLE.*\(not read: CRL #1: .*version/,
  },
  'crl::external::crl-update-generalizedtime-2025': {
    why: 'thisUpdate and nextUpdate in 2025 encoded as GeneralizedTime break RFC 5280 §5.1.2.4 and §5.1.2.5 (UTCTime through 2049); the CRL is not usable, so the status is undetermined and `require` fails',
    context: /^ERR_CRL_INVALID.*as GeneralizedTime before 2050/,
  },
  'crl::external::crl-missing-next-update': {
    why: 'a CRL without nextUpdate breaks RFC 5280 §5.1.2.5 ("MUST include the nextUpdate time in all CRLs") and is never stale; it is not usable, so the status is undetermined and `require` fails',
    context: /^ERR_CRL_INVALID.*has no nextUpdate/,
  },
};
