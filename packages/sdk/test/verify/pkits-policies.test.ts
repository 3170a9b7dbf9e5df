/**
 * NIST PKITS (Public Key Interoperability Test Suite, Certification Path Validation, 2004;
 * the 2011 data set) sections 4.8 Certificate Policies, 4.9 Require Explicit Policy,
 * 4.10 Policy Mappings, 4.11 Inhibit Policy Mapping and 4.12 Inhibit Any Policy, under the
 * default settings and under each other set of initial inputs the document gives
 * (initial-policy-set, initial-explicit-policy, initial-policy-mapping-inhibit,
 * initial-any-policy-inhibit), with the user-constrained-policy-set where the document
 * states it.
 *
 * The data is Debian's python3-cryptography-vectors (tools/testing/setup-system.sh installs
 * it). Every CA certificate of PKITS is offered as an intermediate and the path builder finds
 * the path; CRLs are left out, as nothing here is about revocation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Certificate, parseCertificate } from '../../src/certificate/parse-certificate.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';

const CERTS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data/certs';
const AT = new Date('2011-01-01T00:00:00Z');

const ANY = '2.5.29.32.0';
const P1 = '2.16.840.1.101.3.2.1.48.1'; // NIST-test-policy-1
const P2 = '2.16.840.1.101.3.2.1.48.2';
const P3 = '2.16.840.1.101.3.2.1.48.3';
const P6 = '2.16.840.1.101.3.2.1.48.6';

/** The initial inputs of one run; what is left out has its PKITS default. */
interface Settings {
  initialPolicies?: string[];
  requireExplicitPolicy?: true;
  inhibitPolicyMapping?: true;
  inhibitAnyPolicy?: true;
}

/** [PKITS section, end-entity file (without EE.crt), settings, path valid?, user-constrained-policy-set] */
type Row = [string, string, Settings, boolean, string[]?];

const D: Settings = {}; // the default settings
const explicit: Settings = { requireExplicitPolicy: true };
const only = (...initialPolicies: string[]): Settings => ({ initialPolicies });

const ROWS: Row[] = [
  // 4.8 Certificate Policies
  ['4.8.1', 'ValidCertificatePathTest1', D, true, [P1]],
  ['4.8.1', 'ValidCertificatePathTest1', explicit, true, [P1]],
  ['4.8.1', 'ValidCertificatePathTest1', { ...explicit, ...only(P1) }, true, [P1]],
  ['4.8.1', 'ValidCertificatePathTest1', { ...explicit, ...only(P2) }, false],
  ['4.8.1', 'ValidCertificatePathTest1', { ...explicit, ...only(P1, P2) }, true, [P1]],
  ['4.8.2', 'AllCertificatesNoPoliciesTest2', D, true, []],
  ['4.8.2', 'AllCertificatesNoPoliciesTest2', explicit, false],
  ['4.8.3', 'DifferentPoliciesTest3', D, true, []],
  ['4.8.3', 'DifferentPoliciesTest3', explicit, false],
  ['4.8.3', 'DifferentPoliciesTest3', { ...explicit, ...only(P1, P2) }, false],
  ['4.8.4', 'DifferentPoliciesTest4', D, false],
  ['4.8.5', 'DifferentPoliciesTest5', D, false],
  ['4.8.6', 'OverlappingPoliciesTest6', D, true, [P1]],
  ['4.8.6', 'OverlappingPoliciesTest6', only(P1), true, [P1]],
  ['4.8.6', 'OverlappingPoliciesTest6', only(P2), false],
  ['4.8.7', 'DifferentPoliciesTest7', D, false],
  ['4.8.8', 'DifferentPoliciesTest8', D, false],
  ['4.8.9', 'DifferentPoliciesTest9', D, false],
  ['4.8.10', 'AllCertificatesSamePoliciesTest10', D, true, [P1, P2]],
  ['4.8.10', 'AllCertificatesSamePoliciesTest10', only(P1), true, [P1]],
  ['4.8.10', 'AllCertificatesSamePoliciesTest10', only(P2), true, [P2]],
  ['4.8.11', 'AllCertificatesanyPolicyTest11', D, true, [ANY]],
  ['4.8.11', 'AllCertificatesanyPolicyTest11', only(P1), true, [P1]],
  ['4.8.12', 'DifferentPoliciesTest12', D, false],
  ['4.8.13', 'AllCertificatesSamePoliciesTest13', D, true],
  ['4.8.13', 'AllCertificatesSamePoliciesTest13', only(P1), true, [P1]],
  ['4.8.13', 'AllCertificatesSamePoliciesTest13', only(P2), true, [P2]],
  ['4.8.13', 'AllCertificatesSamePoliciesTest13', only(P3), true, [P3]],
  ['4.8.14', 'AnyPolicyTest14', D, true],
  ['4.8.14', 'AnyPolicyTest14', only(P1), true, [P1]],
  ['4.8.14', 'AnyPolicyTest14', only(P2), false],
  ['4.8.15', 'UserNoticeQualifierTest15', D, true, [P1]],
  ['4.8.16', 'UserNoticeQualifierTest16', D, true, [P1]],
  ['4.8.17', 'UserNoticeQualifierTest17', D, true, [P1]],
  ['4.8.18', 'UserNoticeQualifierTest18', only(P1), true, [P1]],
  ['4.8.18', 'UserNoticeQualifierTest18', only(P2), true, [P2]],
  ['4.8.19', 'UserNoticeQualifierTest19', D, true, [P1]],
  ['4.8.20', 'CPSPointerQualifierTest20', D, true, [P1]],
  ['4.8.20', 'CPSPointerQualifierTest20', { ...explicit, ...only(P1) }, true, [P1]],
  // 4.9 Require Explicit Policy
  ['4.9.1', 'ValidrequireExplicitPolicyTest1', D, true, []],
  ['4.9.2', 'ValidrequireExplicitPolicyTest2', D, true, []],
  ['4.9.3', 'InvalidrequireExplicitPolicyTest3', D, false],
  ['4.9.4', 'ValidrequireExplicitPolicyTest4', D, true, [P1]],
  ['4.9.5', 'InvalidrequireExplicitPolicyTest5', D, false],
  ['4.9.6', 'ValidSelfIssuedrequireExplicitPolicyTest6', D, true, []],
  ['4.9.7', 'InvalidSelfIssuedrequireExplicitPolicyTest7', D, false],
  ['4.9.8', 'InvalidSelfIssuedrequireExplicitPolicyTest8', D, false],
  // 4.10 Policy Mappings
  ['4.10.1', 'ValidPolicyMappingTest1', D, true],
  ['4.10.1', 'ValidPolicyMappingTest1', only(P1), true, [P1]],
  ['4.10.1', 'ValidPolicyMappingTest1', only(P2), false],
  ['4.10.1', 'ValidPolicyMappingTest1', { inhibitPolicyMapping: true }, false],
  ['4.10.2', 'InvalidPolicyMappingTest2', D, false],
  ['4.10.2', 'InvalidPolicyMappingTest2', { inhibitPolicyMapping: true }, false],
  ['4.10.3', 'ValidPolicyMappingTest3', D, true],
  ['4.10.3', 'ValidPolicyMappingTest3', only(P1), false],
  ['4.10.3', 'ValidPolicyMappingTest3', only(P2), true, [P2]],
  ['4.10.4', 'InvalidPolicyMappingTest4', D, false],
  ['4.10.5', 'ValidPolicyMappingTest5', D, true],
  ['4.10.5', 'ValidPolicyMappingTest5', only(P1), true, [P1]],
  ['4.10.5', 'ValidPolicyMappingTest5', only(P6), false],
  ['4.10.6', 'ValidPolicyMappingTest6', D, true],
  ['4.10.6', 'ValidPolicyMappingTest6', only(P1), true, [P1]],
  ['4.10.6', 'ValidPolicyMappingTest6', only(P6), false],
  ['4.10.7', 'InvalidMappingFromanyPolicyTest7', D, false],
  ['4.10.8', 'InvalidMappingToanyPolicyTest8', D, false],
  ['4.10.9', 'ValidPolicyMappingTest9', D, true, [P1]],
  ['4.10.10', 'InvalidPolicyMappingTest10', D, false],
  ['4.10.11', 'ValidPolicyMappingTest11', D, true, [P1]],
  ['4.10.12', 'ValidPolicyMappingTest12', D, true],
  ['4.10.12', 'ValidPolicyMappingTest12', only(P1), true, [P1]],
  ['4.10.12', 'ValidPolicyMappingTest12', only(P2), true, [P2]],
  ['4.10.13', 'ValidPolicyMappingTest13', D, true, [P1]],
  ['4.10.13', 'ValidPolicyMappingTest13', only(P1, P2), true, [P1]],
  ['4.10.13', 'ValidPolicyMappingTest13', only(P2), false],
  ['4.10.14', 'ValidPolicyMappingTest14', D, true, [P1]],
  // 4.11 Inhibit Policy Mapping
  ['4.11.1', 'InvalidinhibitPolicyMappingTest1', D, false],
  ['4.11.2', 'ValidinhibitPolicyMappingTest2', D, true, [P1]],
  ['4.11.3', 'InvalidinhibitPolicyMappingTest3', D, false],
  ['4.11.4', 'ValidinhibitPolicyMappingTest4', D, true, [P2]],
  ['4.11.5', 'InvalidinhibitPolicyMappingTest5', D, false],
  ['4.11.6', 'InvalidinhibitPolicyMappingTest6', D, false],
  ['4.11.7', 'ValidSelfIssuedinhibitPolicyMappingTest7', D, true, [P1]],
  ['4.11.8', 'InvalidSelfIssuedinhibitPolicyMappingTest8', D, false],
  ['4.11.9', 'InvalidSelfIssuedinhibitPolicyMappingTest9', D, false],
  ['4.11.10', 'InvalidSelfIssuedinhibitPolicyMappingTest10', D, false],
  ['4.11.11', 'InvalidSelfIssuedinhibitPolicyMappingTest11', D, false],
  // 4.12 Inhibit Any Policy
  ['4.12.1', 'InvalidinhibitAnyPolicyTest1', D, false],
  ['4.12.2', 'ValidinhibitAnyPolicyTest2', D, true, [P1]],
  ['4.12.3', 'inhibitAnyPolicyTest3', D, true, [P1]],
  ['4.12.3', 'inhibitAnyPolicyTest3', { inhibitAnyPolicy: true }, false],
  ['4.12.4', 'InvalidinhibitAnyPolicyTest4', D, false],
  ['4.12.5', 'InvalidinhibitAnyPolicyTest5', D, false],
  ['4.12.6', 'InvalidinhibitAnyPolicyTest6', D, false],
  ['4.12.7', 'ValidSelfIssuedinhibitAnyPolicyTest7', D, true, [P1]],
  ['4.12.8', 'InvalidSelfIssuedinhibitAnyPolicyTest8', D, false],
  ['4.12.9', 'ValidSelfIssuedinhibitAnyPolicyTest9', D, true, [P1]],
  ['4.12.10', 'InvalidSelfIssuedinhibitAnyPolicyTest10', D, false],
];

let anchor: Certificate;
let cas: Certificate[];
const ees = new Map<string, Certificate>();

beforeAll(() => {
  if (!existsSync(CERTS))
    throw new Error(`PKITS data missing at ${CERTS}: apt-get install python3-cryptography-vectors`);
  cas = [];
  for (const file of readdirSync(CERTS)) {
    let cert: Certificate;
    try {
      cert = parseCertificate(new Uint8Array(readFileSync(join(CERTS, file))));
    } catch {
      continue; // a few PKITS certificates of other sections are malformed on purpose
    }
    if (file === 'TrustAnchorRootCertificate.crt') anchor = cert;
    else if (file.endsWith('EE.crt')) ees.set(file.replace(/EE\.crt$/, ''), cert);
    else cas.push(cert);
  }
});

const describeSettings = (s: Settings) =>
  Object.keys(s).length === 0
    ? 'default settings'
    : Object.entries(s)
        .map(([k, v]) => (k === 'initialPolicies' ? `initial-policy-set {${v}}` : k))
        .join(', ');

describe('NIST PKITS 4.8-4.12: certificate policies', () => {
  it.each(ROWS)('%s %s (%o) valid: %s', async (_section, name, settings, valid, policies) => {
    const leaf = ees.get(name);
    expect(leaf, `${name}EE.crt`).toBeDefined();
    const result = await verifyCertificate({
      certificate: leaf!,
      trustAnchors: [anchor],
      intermediates: cas,
      at: AT,
      ...settings,
    });
    const what = `${name} under ${describeSettings(settings)}`;
    if (valid) {
      expect(result, what).toMatchObject({ ok: true });
      if (result.ok && policies) expect([...result.policies].sort(), what).toEqual(policies);
    } else {
      // the path fails, and for the policy reason, not some other check
      expect(result, what).toMatchObject({ ok: false, code: 'ERR_POLICY_VIOLATION' });
    }
  });
});
