/**
 * cRLDistributionPoints in certificates (RFC 5280 §4.2.1.13): names, reasons and cRLIssuer,
 * decoded by the certificate parser for the verifier's CRL scope checks (§6.3.3 (b)).
 */
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/certificate/parse-certificate.js';
import { seq, tlv } from '../../src/lib/der.js';
import { OID } from '../../src/lib/oids.js';
import { certify, dirName, distributionPoint, party, REASON, uriName } from './crl-builder.js';

describe('certificate cRLDistributionPoints', () => {
  it('decodes full names, reasons, cRLIssuer and a name relative to the CRL issuer', async () => {
    const issuer = await party('dp issuer');
    const relative = tlv(
      0xa0,
      tlv(0xa1, seq(tlv(0x06, Uint8Array.of(0x55, 0x04, 0x0b)), tlv(0x0c, Uint8Array.of(0x78)))),
    );
    const cert = await certify(await party('dp subject'), {
      issuer,
      crlDistributionPoints: [
        distributionPoint({
          fullName: [uriName('http://crl.example/1.crl')],
          reasons: REASON.keyCompromise | REASON.aACompromise,
        }),
        distributionPoint({ crlIssuer: [dirName('crl authority')] }),
        seq(relative),
      ],
    });
    const parsed = parseCertificate(cert.der);
    expect(parsed.problems).toEqual([]);
    expect(parsed.crlDistributionPoints).toMatchObject([
      {
        distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/1.crl' }] },
        reasons: ['keyCompromise', 'aACompromise'],
      },
      { crlIssuer: [{ type: 'dirName', value: 'CN=crl authority' }] },
      {
        distributionPoint: {
          nameRelativeToCrlIssuer: [{ oid: OID.organizationalUnitName, value: 'x' }],
        },
      },
    ]);
  });

  it('a malformed cRLDistributionPoints is a problem of the certificate, not a crash', async () => {
    const cert = await certify(await party('bad dp'), {
      issuer: await party('dp issuer 2'),
      crlDistributionPoints: [seq(tlv(0x83, Uint8Array.of(0)))],
    });
    const parsed = parseCertificate(cert.der);
    expect(parsed.crlDistributionPoints).toBeUndefined();
    expect(parsed.problems.join()).toMatch(/malformed extension 2\.5\.29\.31/);
  });
});
