/**
 * Pinning the CA before an enrollment token leaves the page. When the page talks to a server
 * other than its own origin, it fetches that server's CA certificate (`GET /v1/ca`), computes
 * the certificate's SHA-256 itself (the reply's own fingerprint field is not trusted), and sends
 * the token only when it equals the fingerprint the admin gave: pasted in advance, or confirmed
 * by the person when shown. The same rule as `nodeid enroll --fingerprint`.
 */
import { inspectCertificate, parseCertificates } from '@nodeid/sdk';
import { fetchCa } from './api.js';
import { byId } from './dom.js';

/** The shape of an enrollment token: `<16 hex id>.<43 base64url>` (256 random bits). */
export const ENROLLMENT_TOKEN = /^[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/;

/**
 * A pasted SHA-256 fingerprint as 64 upper-case hex digits: `SHA256:AB:CD:…` as `nodeid`
 * prints it, or the bare hex with or without colons. `undefined` when it is not one.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text
    .trim()
    .replace(/^sha-?256:/i, '')
    .replace(/[:\s]/g, '');
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toUpperCase() : undefined;
}

/** `AB:CD:…` for display. */
const colons = (hex: string) => hex.match(/../g)!.join(':');

/** Constant-time comparison of two equal-length strings. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Shows the fingerprint and waits for the person to say whether it is the admin's. */
function askToConfirm(subject: string, fingerprint: string): Promise<boolean> {
  const box = byId('enroll-pin');
  byId('enroll-pin-text').textContent =
    `The server at this address presents the CA ${subject} with SHA-256 fingerprint SHA256:${colons(fingerprint)}. Send the token only if this is the fingerprint your admin gave you.`;
  box.hidden = false;
  const yes = byId<HTMLButtonElement>('enroll-pin-yes');
  const no = byId<HTMLButtonElement>('enroll-pin-no');
  yes.focus();
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      box.hidden = true;
      yes.onclick = null;
      no.onclick = null;
      resolve(answer);
    };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
  });
}

/**
 * Whether the token may go to `base`: true at once for the page's own origin; otherwise once
 * the CA's SHA-256 equals `pasted` (when given) or the person confirmed it. Throws a plain Error
 * saying why not (nothing was sent).
 */
export async function pinCa(base: string, pageOrigin: string, pasted: string): Promise<void> {
  if (new URL(base).origin === pageOrigin) return;
  const expected = pasted ? normalizeFingerprint(pasted) : undefined;
  if (pasted && !expected)
    throw new Error('the CA fingerprint is not a SHA-256 fingerprint (SHA256:AB:CD:…, 32 bytes)');
  const ca = await fetchCa(base);
  const [certificate] = parseCertificates(ca.pem);
  if (!certificate) throw new Error('the server sent no CA certificate: nothing was sent');
  const info = await inspectCertificate(certificate);
  const actual = info.fingerprints.sha256.replace(/:/g, '').toUpperCase();
  if (expected) {
    if (!sameText(actual, expected))
      throw new Error(
        `the server's CA (SHA256:${colons(actual)}) is not the one you pinned: the token was not sent`,
      );
    return;
  }
  if (!(await askToConfirm(info.subject.text, actual)))
    throw new Error('you did not confirm the CA fingerprint: the token was not sent');
}
