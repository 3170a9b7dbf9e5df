/**
 * NIST PKITS (the Public Key Interoperability Test Suite, as shipped by Debian's
 * python3-cryptography-vectors) for the CRL sections: 4.4 Basic CRL Tests, 4.5 Self-Issued
 * Certificates, 4.7 Key Usage (CRL signing), 4.14 Distribution Points and 4.15 Delta-CRLs.
 * Each end-entity certificate is verified with the suite's trust anchor, every CA certificate
 * as an intermediate and every CRL, with `revocation: 'require'`; the expected result is in
 * the file name (Valid... / Invalid..., for the default settings).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { verifyCertificate } from '../../src/verify/verify-certificate.js';

const PKITS = '/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data';
const present = fs.existsSync(path.join(PKITS, 'certs'));

/** PKITS test names (file name stems) by section, from the PKITS description. */
const SECTIONS: Record<string, string[]> = {
  '4.4': [
    'InvalidMissingCRLTest1',
    'InvalidRevokedCATest2',
    'InvalidRevokedEETest3',
    'InvalidBadCRLSignatureTest4',
    'InvalidBadCRLIssuerNameTest5',
    'InvalidWrongCRLTest6',
    'ValidTwoCRLsTest7',
    'InvalidUnknownCRLEntryExtensionTest8',
    'InvalidUnknownCRLExtensionTest9',
    'InvalidUnknownCRLExtensionTest10',
    'InvalidOldCRLnextUpdateTest11',
    'Invalidpre2000CRLnextUpdateTest12',
    'ValidGeneralizedTimeCRLnextUpdateTest13',
    'ValidNegativeSerialNumberTest14',
    'InvalidNegativeSerialNumberTest15',
    'ValidLongSerialNumberTest16',
    'ValidLongSerialNumberTest17',
    'InvalidLongSerialNumberTest18',
    'ValidSeparateCertificateandCRLKeysTest19',
    'InvalidSeparateCertificateandCRLKeysTest20',
    'InvalidSeparateCertificateandCRLKeysTest21',
  ],
  '4.5': [
    'ValidBasicSelfIssuedOldWithNewTest1',
    'InvalidBasicSelfIssuedOldWithNewTest2',
    'ValidBasicSelfIssuedNewWithOldTest3',
    'ValidBasicSelfIssuedNewWithOldTest4',
    'InvalidBasicSelfIssuedNewWithOldTest5',
    'ValidBasicSelfIssuedCRLSigningKeyTest6',
    'InvalidBasicSelfIssuedCRLSigningKeyTest7',
    'InvalidBasicSelfIssuedCRLSigningKeyTest8',
  ],
  '4.7': [
    'InvalidkeyUsageCriticalkeyCertSignFalseTest1',
    'InvalidkeyUsageNotCriticalkeyCertSignFalseTest2',
    'ValidkeyUsageNotCriticalTest3',
    'InvalidkeyUsageCriticalcRLSignFalseTest4',
    'InvalidkeyUsageNotCriticalcRLSignFalseTest5',
  ],
  '4.14': [
    'ValiddistributionPointTest1',
    'InvaliddistributionPointTest2',
    'InvaliddistributionPointTest3',
    'ValiddistributionPointTest4',
    'ValiddistributionPointTest5',
    'InvaliddistributionPointTest6',
    'ValiddistributionPointTest7',
    'InvaliddistributionPointTest8',
    'InvaliddistributionPointTest9',
    'ValidNoissuingDistributionPointTest10',
    'InvalidonlyContainsUserCertsTest11',
    'InvalidonlyContainsCACertsTest12',
    'ValidonlyContainsCACertsTest13',
    'InvalidonlyContainsAttributeCertsTest14',
    'InvalidonlySomeReasonsTest15',
    'InvalidonlySomeReasonsTest16',
    'InvalidonlySomeReasonsTest17',
    'ValidonlySomeReasonsTest18',
    'ValidonlySomeReasonsTest19',
    'InvalidonlySomeReasonsTest20',
    'InvalidonlySomeReasonsTest21',
    'ValidIDPwithindirectCRLTest22',
    'InvalidIDPwithindirectCRLTest23',
    'ValidIDPwithindirectCRLTest24',
    'ValidIDPwithindirectCRLTest25',
    'InvalidIDPwithindirectCRLTest26',
    'InvalidcRLIssuerTest27',
    'ValidcRLIssuerTest28',
    'ValidcRLIssuerTest29',
    'ValidcRLIssuerTest30',
    'InvalidcRLIssuerTest31',
    'InvalidcRLIssuerTest32',
    'ValidcRLIssuerTest33',
    'InvalidcRLIssuerTest34',
    'InvalidcRLIssuerTest35',
  ],
  '4.15': [
    'InvaliddeltaCRLIndicatorNoBaseTest1',
    'ValiddeltaCRLTest2',
    'InvaliddeltaCRLTest3',
    'InvaliddeltaCRLTest4',
    'ValiddeltaCRLTest5',
    'InvaliddeltaCRLTest6',
    'ValiddeltaCRLTest7',
    'ValiddeltaCRLTest8',
    'InvaliddeltaCRLTest9',
    'InvaliddeltaCRLTest10',
  ],
};

/**
 * Every PKITS CRL is dated 2010-2011 and the delta CRLs of 4.15 are issued 2011-01-01T08:30Z,
 * so the suite is run a day later, when every certificate and every CRL meant to be current is.
 */
const AT = new Date('2011-01-02T00:00:00Z');

function load() {
  const certs = path.join(PKITS, 'certs');
  const crls = path.join(PKITS, 'crls');
  const read = (dir: string, f: string) => new Uint8Array(fs.readFileSync(path.join(dir, f)));
  const names = fs.readdirSync(certs);
  const anchor = parseCertificate(read(certs, 'TrustAnchorRootCertificate.crt'));
  // The DSA CA certificates of 4.1 do not parse (the SDK has no DSA); they are not needed here.
  const parsed = <T>(parse: () => T): T[] => {
    try {
      return [parse()];
    } catch {
      return [];
    }
  };
  const intermediates = names
    .filter((f) => f.endsWith('.crt') && !f.endsWith('EE.crt') && !f.startsWith('TrustAnchor'))
    .flatMap((f) => parsed(() => parseCertificate(read(certs, f))));
  // Raw bytes: under `require` a CRL that cannot be read (4.4.4 has one) is left out.
  const allCrls = fs.readdirSync(crls).map((f) => read(crls, f));
  return { certs, read, anchor, intermediates, allCrls };
}

describe.skipIf(!present)('NIST PKITS CRL sections, revocation "require"', () => {
  const suite = present ? load() : undefined;
  for (const [section, tests] of Object.entries(SECTIONS)) {
    for (const [i, name] of tests.entries()) {
      it(`${section}.${i + 1} ${name}`, async () => {
        const { certs, read, anchor, intermediates, allCrls } = suite!;
        const file = path.join(certs, `${name}EE.crt`);
        expect(fs.existsSync(file)).toBe(true);
        const result = await verifyCertificate({
          certificate: read(certs, `${name}EE.crt`),
          trustAnchors: [anchor],
          intermediates,
          crls: allCrls,
          revocation: 'require',
          at: AT,
        });
        const expected = name.startsWith('Valid');
        expect(
          result.ok,
          result.ok ? 'accepted' : `${result.code} (depth ${result.depth}): ${result.message}`,
        ).toBe(expected);
      });
    }
  }
});
