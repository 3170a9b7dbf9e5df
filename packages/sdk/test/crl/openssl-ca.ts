/**
 * Test helper: a throwaway openssl CA in a temp folder, driven through the openssl CLI, to check
 * that our CRLs interoperate with openssl and that we read the CRLs openssl writes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs openssl with `args` in `cwd`; returns stdout (stderr is folded in on failure). */
export function openssl(cwd: string, args: string[], input?: string): string {
  try {
    return execFileSync('openssl', args, {
      cwd,
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** Like {@link openssl} but returns both streams and the exit status instead of throwing. */
export function opensslStatus(
  cwd: string,
  args: string[],
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A fresh temp folder. */
export function tempDir(prefix = 'nodeid-crl-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const CA_CONFIG = `[ ca ]
default_ca = test_ca

[ test_ca ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/certs
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
crl_extensions = crl_ext
copy_extensions = none

[ policy_any ]
commonName = supplied

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = dn
[ dn ]

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ leaf ]
basicConstraints = CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** An openssl CA (`openssl ca`) with an EC P-256 key, in a temp folder. */
export interface OpensslCa {
  dir: string;
  /** Issues a leaf for `cn` and returns its serial as lower-case hex. */
  issue(cn: string): string;
  /** Revokes the certificate with `serialHex`, optionally with a reason name openssl knows. */
  revoke(serialHex: string, reason?: string): void;
  /** Runs `openssl ca -gencrl` and returns the PEM. */
  gencrl(): string;
}

/** Makes an openssl CA named `cn`. */
export function makeOpensslCa(cn = 'openssl-test-ca'): OpensslCa {
  const dir = tempDir('nodeid-openssl-ca-');
  fs.writeFileSync(path.join(dir, 'openssl.cnf'), CA_CONFIG);
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, 'crlnumber'), '2a\n');
  fs.mkdirSync(path.join(dir, 'certs'));
  openssl(dir, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    'ca.key',
  ]);
  openssl(dir, [
    'req',
    '-x509',
    '-config',
    'openssl.cnf',
    '-key',
    'ca.key',
    '-subj',
    `/CN=${cn}`,
    '-days',
    '30',
    '-extensions',
    'v3_ca',
    '-out',
    'ca.pem',
  ]);
  return {
    dir,
    issue(leafCn) {
      const serial = fs.readFileSync(path.join(dir, 'serial'), 'utf8').trim().toLowerCase();
      openssl(dir, [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        `${leafCn}.key`,
      ]);
      openssl(dir, [
        'req',
        '-new',
        '-config',
        'openssl.cnf',
        '-key',
        `${leafCn}.key`,
        '-subj',
        `/CN=${leafCn}`,
        '-out',
        `${leafCn}.csr`,
      ]);
      openssl(dir, [
        'ca',
        '-batch',
        '-config',
        'openssl.cnf',
        '-extensions',
        'leaf',
        '-in',
        `${leafCn}.csr`,
        '-out',
        `${leafCn}.pem`,
        '-notext',
      ]);
      return serial;
    },
    revoke(serialHex, reason) {
      const certFile = path.join('certs', `${serialHex.toUpperCase()}.pem`);
      const args = ['ca', '-batch', '-config', 'openssl.cnf', '-revoke', certFile];
      if (reason) args.push('-crl_reason', reason);
      openssl(dir, args);
    },
    gencrl() {
      openssl(dir, ['ca', '-batch', '-config', 'openssl.cnf', '-gencrl', '-out', 'crl.pem']);
      return fs.readFileSync(path.join(dir, 'crl.pem'), 'utf8');
    },
  };
}
