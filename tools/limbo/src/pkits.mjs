/**
 * NIST PKITS (Public Key Interoperability Test Suite, 2011 edition with SHA-256 and RSA-2048)
 * as an x509-limbo suite (format version 1), so that the same harness that runs limbo runs
 * RFC 5280 path validation, name constraints, policies and CRL processing cases written by
 * someone else.
 *
 * The test data comes from Debian's `python3-cryptography-vectors` package
 * (`cryptography_vectors/x509/PKITS_data`); `PKITS_DIR` points elsewhere. Each PKITS test has
 * one end-entity certificate; its expected result under PKITS' default settings (initial policy
 * set anyPolicy, no explicit policy, mapping and anyPolicy allowed) is its file name's prefix
 * (`Valid…` / `Invalid…`), and for the 20 policy tests whose file names carry no prefix, the
 * default-settings result PKITS gives for them (DEFAULT_RESULTS below). A case gets the
 * certificates and CRLs that can matter to it: every CA certificate reachable from the end
 * entity by issuer name, every CRL issued under one of those names or named as a cRLIssuer in
 * their distribution points, and the certificates of those CRL issuers, to a fixed point.
 * Names are matched loosely here (case and spaces folded) so that the name-chaining tests
 * still get their candidates: the verifier decides.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificateDer } from '@nodeid/sdk';

/** Where Debian installs the PKITS data. */
export const DEBIAN_PKITS_DIR =
  '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';

/** The validation time of every case: inside the validity of every good certificate and CRL. */
export const PKITS_TIME = '2020-01-01T00:00:00Z';

/**
 * Default-settings results of the PKITS tests whose end-entity file names say neither Valid
 * nor Invalid (PKITS §4.8, §4.12.3: these are run under several settings; this is the run with
 * the default ones).
 */
export const DEFAULT_RESULTS = {
  AllCertificatesNoPoliciesTest2: 'SUCCESS', // 4.8.2, settings 1
  DifferentPoliciesTest3: 'SUCCESS', // 4.8.3, settings 1
  DifferentPoliciesTest4: 'FAILURE', // 4.8.4
  DifferentPoliciesTest5: 'FAILURE', // 4.8.5
  OverlappingPoliciesTest6: 'SUCCESS', // 4.8.6, settings 1
  DifferentPoliciesTest7: 'FAILURE', // 4.8.7
  DifferentPoliciesTest8: 'FAILURE', // 4.8.8
  DifferentPoliciesTest9: 'FAILURE', // 4.8.9
  AllCertificatesSamePoliciesTest10: 'SUCCESS', // 4.8.10, settings 1
  AllCertificatesanyPolicyTest11: 'SUCCESS', // 4.8.11, settings 1
  DifferentPoliciesTest12: 'FAILURE', // 4.8.12
  AllCertificatesSamePoliciesTest13: 'SUCCESS', // 4.8.13
  AnyPolicyTest14: 'SUCCESS', // 4.8.14
  UserNoticeQualifierTest15: 'SUCCESS', // 4.8.15
  UserNoticeQualifierTest16: 'SUCCESS', // 4.8.16
  UserNoticeQualifierTest17: 'SUCCESS', // 4.8.17
  UserNoticeQualifierTest18: 'SUCCESS', // 4.8.18
  UserNoticeQualifierTest19: 'SUCCESS', // 4.8.19
  CPSPointerQualifierTest20: 'SUCCESS', // 4.8.20
  inhibitAnyPolicyTest3: 'SUCCESS', // 4.12.3, settings 1
};

/** The PKITS folder to read: `PKITS_DIR`, else Debian's; undefined when neither exists. */
export function pkitsDir(env = process.env) {
  const dir = env.PKITS_DIR || DEBIAN_PKITS_DIR;
  return existsSync(join(dir, 'certs')) ? dir : undefined;
}

const pem = (der, label) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

/** One DER value at `at` of `der`: its tag, where its contents start, and where it ends. */
function tlv(der, at) {
  const first = der[at + 1];
  let len = first;
  let size = 1;
  if (first >= 0x80) {
    size += first & 0x7f;
    len = 0;
    for (let i = 2; i < size + 1; i++) len = len * 256 + der[at + i];
  }
  return { tag: der[at], start: at, inner: at + 1 + size, end: at + 1 + size + len };
}

/** The values inside a constructed DER value. */
function children(der, node) {
  const out = [];
  for (let at = node.inner; at < node.end; ) {
    const child = tlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/**
 * A loose key for a DER Name: its attribute types and values in any order, values with case
 * and spaces folded. Read by this file's own small DER walk so that the choice of inputs does not depend
 * on the SDK under test (which may, rightly, refuse to parse a certificate).
 */
function nameKey(der, name) {
  return children(der, name)
    .flatMap((set) => children(der, set))
    .map((atv) => {
      const [type, value] = children(der, atv);
      const text = der.subarray(value.inner, value.end).toString('latin1');
      return `${der.subarray(type.inner, type.end).toString('hex')}=${text
        .toLowerCase()
        .trim()
        .replace(/\s+/g, ' ')}`;
    })
    .sort() // RDN order is the verifier's to judge (PKITS 4.3.2): pick the candidate anyway
    .join('|');
}

/** Issuer and subject names of a certificate, as name keys. */
function certificateNames(der) {
  const tbs = tlv(der, tlv(der, 0).inner);
  const fields = children(der, tbs);
  const at = fields[0].tag === 0xa0 ? 1 : 0; // [0] version
  return { issuer: nameKey(der, fields[at + 2]), subject: nameKey(der, fields[at + 4]) };
}

/** The issuer name of a CRL (CertificateList → tbsCertList → issuer), as a name key. */
function crlIssuer(der) {
  const fields = children(der, tlv(der, tlv(der, 0).inner));
  const at = fields[0].tag === 0x02 ? 1 : 0; // version
  return nameKey(der, fields[at + 1]);
}

/**
 * cRLIssuer directory names in a certificate's cRLDistributionPoints, as name keys; the SDK
 * parses the extension, and a certificate it cannot parse simply names none.
 */
function crlIssuerNames(der) {
  let cert;
  try {
    cert = parseCertificateDer(new Uint8Array(der));
  } catch {
    return [];
  }
  return (cert.crlDistributionPoints ?? []).flatMap((dp) =>
    (dp.crlIssuer ?? [])
      .filter((n) => n.type === 'dirName')
      .map((n) => {
        const raw = Buffer.from(n.name.raw);
        return nameKey(raw, tlv(raw, 0));
      }),
  );
}

/** Reads every certificate and CRL of the PKITS folder. */
function readPkits(dir) {
  const certs = readdirSync(join(dir, 'certs'))
    .filter((f) => f.endsWith('.crt'))
    .sort()
    .map((file) => {
      const der = readFileSync(join(dir, 'certs', file));
      return {
        file,
        pem: pem(der, 'CERTIFICATE'),
        ...certificateNames(der),
        crlIssuers: crlIssuerNames(der),
      };
    });
  const crls = readdirSync(join(dir, 'crls'))
    .filter((f) => f.endsWith('.crl'))
    .sort()
    .map((file) => {
      const der = readFileSync(join(dir, 'crls', file));
      return { file, pem: pem(der, 'X509 CRL'), issuer: crlIssuer(der) };
    });
  return { certs, crls };
}

/** The CA certificates and CRLs that can matter to the path of `ee`. */
function relevantInputs(ee, cas, crls) {
  const names = new Set([ee.issuer, ...ee.crlIssuers]);
  const pickedCas = new Set();
  const pickedCrls = new Set();
  for (let grew = true; grew; ) {
    grew = false;
    for (const ca of cas) {
      if (pickedCas.has(ca) || !names.has(ca.subject)) continue;
      pickedCas.add(ca);
      for (const n of [ca.issuer, ...ca.crlIssuers]) names.add(n);
      grew = true;
    }
    for (const crl of crls) {
      if (pickedCrls.has(crl) || !names.has(crl.issuer)) continue;
      pickedCrls.add(crl);
      grew = true;
    }
  }
  return { cas: [...pickedCas], crls: [...pickedCrls] };
}

/**
 * Builds the PKITS suite from the folder `dir` (default: {@link pkitsDir}). Throws when the
 * data is missing, naming the package to install.
 */
export function buildPkitsSuite(dir = pkitsDir()) {
  if (!dir)
    throw new Error(
      `PKITS data not found at ${DEBIAN_PKITS_DIR} (apt-get install python3-cryptography-vectors, or set PKITS_DIR)`,
    );
  const { certs, crls } = readPkits(dir);
  const anchor = certs.find((c) => c.file === 'TrustAnchorRootCertificate.crt');
  if (!anchor) throw new Error(`no TrustAnchorRootCertificate.crt in ${dir}/certs`);
  const cas = certs.filter((c) => !c.file.endsWith('EE.crt') && c !== anchor);
  const testcases = certs
    .filter((c) => c.file.endsWith('EE.crt'))
    .map((ee) => {
      const name = ee.file.replace(/EE\.crt$/, '');
      const expected = name.startsWith('Valid')
        ? 'SUCCESS'
        : name.startsWith('Invalid')
          ? 'FAILURE'
          : DEFAULT_RESULTS[name];
      if (!expected) throw new Error(`no expected result for PKITS test ${name}`);
      const inputs = relevantInputs(ee, cas, crls);
      return {
        id: `pkits::${name}`,
        conflicts_with: [],
        features: /DSA/.test(name) ? ['pkits-dsa'] : [],
        description: `NIST PKITS test ${name} under the default settings (end entity ${ee.file}; CAs ${inputs.cas.map((c) => c.file).join(', ') || 'none'}; CRLs ${inputs.crls.map((c) => c.file).join(', ') || 'none'}).`,
        validation_kind: 'SERVER',
        trusted_certs: [anchor.pem],
        untrusted_intermediates: inputs.cas.map((c) => c.pem),
        peer_certificate: ee.pem,
        validation_time: PKITS_TIME,
        signature_algorithms: [],
        key_usage: [],
        extended_key_usage: [],
        expected_result: expected,
        expected_peer_name: null,
        expected_peer_names: [],
        max_chain_depth: null,
        crls: inputs.crls.map((c) => c.pem),
      };
    });
  return { version: 1, testcases };
}
