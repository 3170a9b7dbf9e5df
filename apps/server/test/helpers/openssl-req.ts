/**
 * `openssl req` with a new P-256 key, the peer that makes the CSRs and self-signed certificates
 * the tests feed the server (so they are not made by the code under test).
 */
import { spawnSync } from 'node:child_process';

/**
 * Runs `openssl req -new` (a CSR) or `openssl req -x509` (a self-signed certificate) with a new
 * unencrypted P-256 key written to `files.key`, the result to `files.out`, subject `subject` and
 * `extra` flags (`-outform DER`, `-days 1`, `-addext ...`). Fails with openssl's stderr unless it
 * exits 0.
 */
export function opensslReq(
  mode: '-new' | '-x509',
  files: { key: string; out: string },
  subject: string,
  extra: string[] = [],
): void {
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const args = ['req', mode, ...newKey, '-keyout', files.key, '-out', files.out, '-subj', subject];
  const r = spawnSync('openssl', [...args, ...extra], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`openssl req ${mode} exited ${r.status ?? r.signal}: ${r.stderr ?? r.error}`);
}
