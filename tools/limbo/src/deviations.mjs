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
};
