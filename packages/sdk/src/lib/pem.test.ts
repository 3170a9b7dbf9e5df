/**
 * The PEM splitter (RFC 7468 §2): blocks in order, text around them ignored, a BEGIN line
 * without its END skipped; and regressions from tools/fuzz.
 */
import { describe, expect, it } from 'vitest';
import { decodePem, encodePem } from './pem.js';

const der = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07);
const block = encodePem('CERTIFICATE', der);

describe('decodePem', () => {
  it('reads every block in order and ignores the text around and between them', () => {
    const text = `subject=x\n${block}junk\r\n${encodePem('X509 CRL', der).replace(/\n/g, '\r\n')}tail`;
    expect(decodePem(text).map((b) => b.label)).toEqual(['CERTIFICATE', 'X509 CRL']);
    expect(decodePem(text)[1]!.der).toEqual(der);
  });

  it('pairs a BEGIN line only with an END line of the same label', () => {
    const mismatched = `-----BEGIN CERTIFICATE-----\nMAMCAQc=\n-----END X509 CRL-----\n`;
    expect(decodePem(mismatched)).toEqual([]);
    // the BEGIN line's block runs to the next END CERTIFICATE line, over the other block's BEGIN
    expect(() => decodePem(mismatched + block)).toThrow(/does not contain valid base64/);
  });

  it('skips a BEGIN line with no END and still finds the block after it', () => {
    const text = `-----BEGIN PRIVATE KEY-----\nAAAA\n${block}`;
    expect(decodePem(text).map((b) => b.label)).toEqual(['CERTIFICATE']);
  });

  it('fuzz pem-begins: 40,000 BEGIN lines without an END are read in one pass', () => {
    // tools/fuzz target csr, seed 1, index 154 (minimized): 1.3 MB of BEGIN lines took 26 s with
    // a lazy BEGIN…END regex, which scanned to the end of the text from every BEGIN line
    const begins = '-----BEGIN CERTIFICATE-----\n'.repeat(40_000);
    expect(decodePem(begins)).toEqual([]);
    expect(() => decodePem(begins + block)).toThrow(/does not contain valid base64/);
    const labels = Array.from({ length: 20_000 }, (_, i) => `-----BEGIN L${i}-----\n`).join('');
    expect(decodePem(labels + block)).toHaveLength(1);
  });
});
