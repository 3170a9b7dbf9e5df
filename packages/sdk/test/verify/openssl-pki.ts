/**
 * Builds small PKIs with the openssl CLI for the verification scenarios: keys, CAs,
 * intermediates and leaves with chosen extensions, and CRLs made by `openssl ca -gencrl`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Issued {
  name: string;
  cert: string;
  keyPath: string;
  certPath: string;
}

export class OpensslPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'nodeid-verify-'));

  private run(args: string[]): string {
    return execFileSync('openssl', args, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  }

  /** A new key: `ec` (P-256) or `rsa:<bits>`. */
  key(name: string, kind = 'ec'): string {
    const path = join(this.dir, `${name}.key`);
    if (kind === 'ec')
      this.run([
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        path,
      ]);
    else
      this.run([
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        `rsa_keygen_bits:${kind.slice(4)}`,
        '-out',
        path,
      ]);
    return path;
  }

  private extfile(name: string, lines: string[]): string {
    const path = join(this.dir, `${name}.ext`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  /** A self-signed root CA. */
  root(name: string, options: { ext?: string[]; key?: string; days?: number } = {}): Issued {
    const keyPath = this.key(name, options.key);
    const certPath = join(this.dir, `${name}.pem`);
    const ext = this.extfile(name, [
      '[v3]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      ...(options.ext ?? []),
    ]);
    this.run([
      'req',
      '-x509',
      '-new',
      '-key',
      keyPath,
      '-subj',
      `/CN=${name}`,
      '-days',
      String(options.days ?? 365),
      '-sha256',
      '-config',
      ext,
      '-extensions',
      'v3',
      '-out',
      certPath,
    ]);
    return { name, cert: readFileSync(certPath, 'utf8'), keyPath, certPath };
  }

  /** A certificate for `subject` signed by `issuer`, with the extension lines given. */
  issue(
    name: string,
    issuer: Issued,
    ext: string[],
    options: { subject?: string; key?: string; digest?: string; days?: number } = {},
  ): Issued {
    const keyPath = this.key(name, options.key);
    const csrPath = join(this.dir, `${name}.csr`);
    const certPath = join(this.dir, `${name}.pem`);
    this.run([
      'req',
      '-new',
      '-key',
      keyPath,
      '-subj',
      options.subject ?? `/CN=${name}`,
      '-out',
      csrPath,
    ]);
    const ownSki = ext.some((l) => l.startsWith('subjectKeyIdentifier'));
    const extPath = this.extfile(name, [
      ...(ownSki ? [] : ['subjectKeyIdentifier = hash']),
      'authorityKeyIdentifier = keyid:always',
      ...ext,
    ]);
    this.run([
      'x509',
      '-req',
      '-in',
      csrPath,
      '-CA',
      issuer.certPath,
      '-CAkey',
      issuer.keyPath,
      '-set_serial',
      String(Math.floor(Math.random() * 1e9) + 1),
      '-days',
      String(options.days ?? 30),
      `-${options.digest ?? 'sha256'}`,
      '-extfile',
      extPath,
      '-out',
      certPath,
    ]);
    return { name, cert: readFileSync(certPath, 'utf8'), keyPath, certPath };
  }

  /** An intermediate CA, with an optional path length constraint and extra extension lines. */
  intermediate(
    name: string,
    issuer: Issued,
    options: { pathlen?: number; ext?: string[] } = {},
  ): Issued {
    const pathlen = options.pathlen === undefined ? '' : `, pathlen:${options.pathlen}`;
    // longer than a leaf's 30 days: a leaf made a second later must not outlive its CA
    return this.issue(
      name,
      issuer,
      [
        `basicConstraints = critical, CA:true${pathlen}`,
        'keyUsage = critical, keyCertSign, cRLSign',
        ...(options.ext ?? []),
      ],
      { days: 180 },
    );
  }

  /** A CRL from `ca` revoking `revoked`, made by `openssl ca -revoke` and `-gencrl`. */
  crl(ca: Issued, revoked: Issued[]): string {
    const dbDir = join(this.dir, `${ca.name}-db`);
    execFileSync('mkdir', ['-p', dbDir]);
    writeFileSync(join(dbDir, 'index.txt'), '');
    writeFileSync(join(dbDir, 'crlnumber'), '01\n');
    const conf = this.extfile(`${ca.name}-ca`, [
      '[ca]',
      'default_ca = CA_default',
      '[CA_default]',
      `database = ${join(dbDir, 'index.txt')}`,
      `crlnumber = ${join(dbDir, 'crlnumber')}`,
      `certificate = ${ca.certPath}`,
      `private_key = ${ca.keyPath}`,
      'default_md = sha256',
      'default_crl_days = 30',
      'crl_extensions = crl_ext',
      '[crl_ext]',
      'authorityKeyIdentifier = keyid:always',
    ]);
    for (const r of revoked)
      this.run(['ca', '-config', conf, '-revoke', r.certPath, '-crl_reason', 'keyCompromise']);
    const out = join(this.dir, `${ca.name}.crl`);
    this.run(['ca', '-config', conf, '-gencrl', '-out', out]);
    return readFileSync(out, 'utf8');
  }

  /** Checks a chain with `openssl verify`, returning whether it accepted it. */
  opensslVerifies(leaf: Issued, root: Issued, untrusted: Issued[] = []): boolean {
    const args = ['verify', '-CAfile', root.certPath];
    if (untrusted.length > 0) {
      const bundle = join(this.dir, `untrusted-${leaf.name}.pem`);
      writeFileSync(bundle, untrusted.map((u) => u.cert).join(''));
      args.push('-untrusted', bundle);
    }
    try {
      this.run([...args, leaf.certPath]);
      return true;
    } catch {
      return false;
    }
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
