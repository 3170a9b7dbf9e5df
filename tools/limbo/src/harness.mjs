/**
 * The x509-limbo harness logic: maps each test case of a limbo suite (format version 1) to a
 * `verifyCertificate` call and collects the results in limbo's results format. The verifier
 * is a parameter so the same code runs the built SDK from the CLI and from tests.
 */

/** The harness name written into the results. */
export const HARNESS_NAME = 'nodeid-sdk';

/**
 * Features the SDK deliberately does not implement, with the reason written into `context`
 * when a case needs one of them.
 */
export const UNSUPPORTED_FEATURES = {
  'pkits-dsa':
    'DSA signatures are not supported: WebCrypto has no DSA, and these are DSA with SHA-1, which the SDK refuses as weak',
  // x509-limbo's rfc9881:: cases (Feature.has_mldsa)
  'has-mldsa':
    'ML-DSA (RFC 9881) signatures are not supported: the SDK verifies with WebCrypto alone, which has no ML-DSA in the runtimes it supports',
};

const EKU_NAMES = new Set([
  'serverAuth',
  'clientAuth',
  'codeSigning',
  'emailProtection',
  'timeStamping',
  'OCSPSigning',
  'anyExtendedKeyUsage',
]);

/**
 * x509-limbo's `pedantic-smime-*` features mark rules of the CA/Browser Forum S/MIME Baseline
 * Requirements (which EKUs, key usages and SANs an S/MIME certificate may hold): a profile the
 * SDK does not implement (its profiles are RFC 5280 and the TLS BRs).
 */
const SMIME_PROFILE =
  'the CA/Browser Forum S/MIME Baseline Requirements profile is not implemented (the SDK verifies under RFC 5280 or the TLS Baseline Requirements)';

/** Why the SDK skips `testcase`, or undefined when it runs it. */
export function skipReason(testcase) {
  for (const feature of testcase.features ?? []) {
    if (UNSUPPORTED_FEATURES[feature]) return UNSUPPORTED_FEATURES[feature];
    if (feature.startsWith('pedantic-smime')) return SMIME_PROFILE;
  }
  for (const eku of testcase.extended_key_usage ?? []) {
    if (!EKU_NAMES.has(eku)) return `extended key usage ${eku} is not known to the SDK`;
  }
  return undefined;
}

/** The peer names the leaf must be valid for, as verifyCertificate options. */
function peerNameOptions(testcase) {
  const names = [];
  if (testcase.expected_peer_name) names.push(testcase.expected_peer_name);
  for (const n of testcase.expected_peer_names ?? []) names.push(n);
  const options = names.map((n) => {
    switch (n.kind) {
      case 'DNS':
        return { host: n.value };
      case 'IP':
        return { ip: n.value };
      case 'RFC822':
        return { email: n.value };
      default:
        throw new Error(`unknown peer name kind ${n.kind}`);
    }
  });
  return options.length > 0 ? options : [{}];
}

/**
 * The profile a case is written for: `webpki::` cases, and `crl::cabf::` cases (that namespace
 * holds the CRL rules of the CA/Browser Forum Baseline Requirements, BR 7.2.2.1, which RFC
 * 5280 does not have: an indirect or non-URI partitioned CRL is in scope under §6.3.3), run
 * under the Web PKI profile; every other case under RFC 5280. The profile follows the
 * namespace only: no case id is singled out (one that cites a BR rule from another namespace
 * is run as RFC 5280 and listed in tools/limbo/README.md's deviations when the two disagree).
 */
export function policyFor(testcase) {
  const { id } = testcase;
  return id.startsWith('webpki::') || id.startsWith('crl::cabf::') ? 'webpki' : 'rfc5280';
}

/**
 * The usage asked for: a SERVER case wants serverAuth; a CLIENT case names the extended key
 * usages it wants (clientAuth, or emailProtection for x509-limbo's `smime::` cases), and only
 * when it names none does it want clientAuth.
 */
export function usageFor(testcase) {
  if (testcase.validation_kind !== 'CLIENT') return 'server';
  return testcase.extended_key_usage?.length ? 'any' : 'client';
}

/** The verifyCertificate options common to every peer name of `testcase`. */
export function baseOptions(testcase) {
  const options = {
    certificate: testcase.peer_certificate,
    trustAnchors: testcase.trusted_certs ?? [],
    intermediates: testcase.untrusted_intermediates ?? [],
    usage: usageFor(testcase),
    policy: policyFor(testcase),
    // x509-limbo's own cases also expect the RFC 5280 §4 rules for issuing CAs (its rfc5280::
    // cases cite them: a missing AKI, a zero serial, a non-critical nameConstraints); NIST
    // PKITS tests §6 path validation alone (4.6.4 is valid with a non-critical basicConstraints).
    strict: !testcase.id.startsWith('pkits::'),
    extendedKeyUsage: testcase.extended_key_usage ?? [],
    keyUsage: testcase.key_usage ?? [],
    crls: testcase.crls ?? [],
    revocation: testcase.crls?.length ? 'require' : 'soft',
  };
  if (testcase.validation_time) options.at = new Date(testcase.validation_time);
  if (testcase.max_chain_depth !== null && testcase.max_chain_depth !== undefined)
    options.maxDepth = testcase.max_chain_depth;
  return options;
}

/** Runs one test case; returns a limbo result entry. */
export async function runCase(testcase, verifyCertificate) {
  const skip = skipReason(testcase);
  if (skip) return { id: testcase.id, actual_result: 'SKIPPED', context: skip };
  const base = baseOptions(testcase);
  for (const names of peerNameOptions(testcase)) {
    const result = await verifyCertificate({ ...base, ...names });
    if (!result.ok) {
      const where = result.depth === undefined ? '' : ` (depth ${result.depth})`;
      return {
        id: testcase.id,
        actual_result: 'FAILURE',
        context: `${result.code}${where}: ${result.message}`,
      };
    }
  }
  return { id: testcase.id, actual_result: 'SUCCESS', context: null };
}

/** Runs a whole suite; returns the limbo results document. */
export async function runSuite(suite, verifyCertificate) {
  if (suite?.version !== 1 || !Array.isArray(suite.testcases))
    throw new Error('not an x509-limbo suite (version 1)');
  const results = [];
  for (const testcase of suite.testcases) results.push(await runCase(testcase, verifyCertificate));
  return { version: 1, harness: HARNESS_NAME, results };
}

/** Compares results with the suite's expectations. */
export function score(suite, results) {
  const expected = new Map(suite.testcases.map((t) => [t.id, t.expected_result]));
  const tally = { total: 0, passed: 0, wrongAccepts: [], wrongRejects: [], skipped: [] };
  for (const r of results.results) {
    tally.total++;
    const want = expected.get(r.id);
    if (r.actual_result === 'SKIPPED') tally.skipped.push(r);
    else if (r.actual_result === want) tally.passed++;
    else if (r.actual_result === 'SUCCESS') tally.wrongAccepts.push(r);
    else tally.wrongRejects.push(r);
  }
  return tally;
}

/** One line summing up a score. */
export function formatScore(tally) {
  return `limbo: ${tally.passed}/${tally.total} passed, ${tally.wrongAccepts.length} wrong accepts, ${tally.wrongRejects.length} wrong rejects, ${tally.skipped.length} skipped`;
}
