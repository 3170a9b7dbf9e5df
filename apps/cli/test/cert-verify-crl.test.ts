/**
 * `nodeid cert verify --crl FILE --revocation soft|require` and `nodeid cert inspect` of a CRL
 * (its number, its scope from issuingDistributionPoint, delta or complete). The CA, the leaves
 * and the CRLs are made by `openssl ca`; the CLI runs as a process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
let work: string;
const file = (name: string) => join(work, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });

/** A self-signed CA `name` with its key in `name.key`. */
function makeCa(name: string) {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-sha256',
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    `${name}.crt`,
  );
}

function makeLeaf(name: string, serial: string) {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    serial,
    '-days',
    '7',
    '-sha256',
    '-extfile',
    'leaf.ext',
    '-out',
    `${name}.crt`,
  );
}

/** `openssl ca -gencrl` with the extensions of section `exts` of ca.cnf. */
function makeCrl(out: string, exts: string) {
  openssl(
    'ca',
    '-config',
    'ca.cnf',
    '-gencrl',
    '-keyfile',
    'ca.key',
    '-cert',
    'ca.crt',
    '-crlexts',
    exts,
    '-out',
    out,
  );
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-verify-crl-'));
  makeCa('ca');
  makeCa('other');
  writeFileSync(
    file('leaf.ext'),
    'subjectAltName=DNS:node1.example.net\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  makeLeaf('good', '10');
  makeLeaf('revoked', '11');
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('crlnumber'), '0F\n'); // hex: 15
  writeFileSync(
    file('ca.cnf'),
    [
      '[ca]',
      'default_ca = my',
      '[my]',
      'database = index.txt',
      'crlnumber = crlnumber',
      'default_md = sha256',
      'default_crl_days = 7',
      '[plain]',
      'authorityKeyIdentifier = keyid',
      '[partition]',
      'issuingDistributionPoint = critical, @idp',
      '[idp]',
      'fullname = URI:http://crl.example.test/users.crl',
      'onlyuser = TRUE',
      'onlysomereasons = keyCompromise, CACompromise',
      '[delta]',
      'authorityKeyIdentifier = keyid',
      // deltaCRLIndicator (RFC 5280 §5.2.4), BaseCRLNumber 15
      '2.5.29.27 = critical, DER:02:01:0f',
      '',
    ].join('\n'),
  );
  openssl(
    'ca',
    '-config',
    'ca.cnf',
    '-revoke',
    'revoked.crt',
    '-keyfile',
    'ca.key',
    '-cert',
    'ca.crt',
    '-crl_reason',
    'keyCompromise',
  );
  makeCrl('ca.crl', 'plain'); // number 15, revokes serial 11
  makeCrl('partition.crl', 'partition'); // number 16
  openssl(
    'ca',
    '-config',
    'ca.cnf',
    '-revoke',
    'good.crt',
    '-keyfile',
    'ca.key',
    '-cert',
    'ca.crt',
  );
  makeCrl('delta.crl', 'delta'); // number 17, on top of 15: good.crt (serial 10) revoked since
  // a CRL of another CA: it covers nothing of ca's
  writeFileSync(file('crlnumber'), '01\n');
  openssl(
    'ca',
    '-config',
    'ca.cnf',
    '-gencrl',
    '-keyfile',
    'other.key',
    '-cert',
    'other.crt',
    '-out',
    'other.crl',
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const verify = (cert: string, ...more: string[]) =>
  runCli(['cert', 'verify', file(cert), '--ca', file('ca.crt'), ...more], { env: ENV });

describe('cert verify --crl, --revocation', () => {
  it('lists --crl and --revocation soft|require in its help, with an example', () => {
    const r = runCli(['cert', 'verify', '--help'], { env: ENV });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--crl\b/);
    expect(r.stdout).toMatch(/--revocation\b.*\n?.*"soft", "require"/s);
    expect(r.stdout).toMatch(/--revocation require/);
  });

  it("accepts a certificate its CA's CRL does not list, soft and require", () => {
    const crl = ['--crl', file('ca.crl')];
    expect(verify('good.crt', ...crl)).toMatchObject({ status: 0, stderr: '' });
    expect(verify('good.crt', ...crl, '--revocation', 'require')).toMatchObject({ status: 0 });
  });

  it('refuses a revoked certificate (exit 1, ERR_REVOKED with the reason)', () => {
    const r = verify('revoked.crt', '--crl', file('ca.crl'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/revoked at .*reason keyCompromise.*\(ERR_REVOKED\)/);
  });

  it('--revocation require fails when no CRL of the issuer covers the certificate; soft passes', () => {
    const other = ['--crl', file('other.crl')];
    expect(verify('good.crt', ...other)).toMatchObject({ status: 0 });
    const r = verify('good.crt', ...other, '--revocation', 'require', '--format', 'json');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'ERR_CRL_UNAVAILABLE' });
    // a delta CRL alone is never a complete CRL (RFC 5280 §5.2.4)
    expect(verify('good.crt', '--crl', file('delta.crl'), '--revocation', 'require')).toMatchObject(
      { status: 1 },
    );
    // both given: the delta CRL applies on top of its base, and lists good.crt since
    const both = verify('good.crt', '--crl', file('ca.crl'), '--crl', file('delta.crl'));
    expect(both.status).toBe(1);
    expect(both.stdout).toMatch(/revoked at .* by the delta CRL number 17 .*\(ERR_REVOKED\)/);
  });

  it('refuses --revocation require without --crl, and an unknown mode, before any work (exit 2)', () => {
    const none = verify('good.crt', '--revocation', 'require');
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--revocation require needs .*--crl/);
    expect(verify('good.crt', '--revocation', 'hard').status).toBe(2);
  });
});

describe('cert inspect of a CRL', () => {
  const inspect = (name: string, ...more: string[]) =>
    runCli(['cert', 'inspect', file(name), ...more], { env: ENV });

  it('shows the number, "complete CRL" and the full scope when there is no issuingDistributionPoint', () => {
    const r = inspect('ca.crl');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/CRL Number: +15\n/);
    expect(r.stdout).toMatch(/Type: +complete CRL\n/);
    expect(r.stdout).toMatch(/Scope: +every certificate of the issuer, every reason/);
    expect(r.stdout).toMatch(/0b {2}\S+ {2}keyCompromise/);
  });

  it("shows a partitioned CRL's scope: distribution point, onlyContainsUserCerts, onlySomeReasons", () => {
    const text = inspect('partition.crl').stdout;
    expect(text).toMatch(/CRL Number: +16\n/);
    expect(text).toMatch(
      /Scope: +distribution point uri:http:\/\/crl\.example\.test\/users\.crl\n/,
    );
    expect(text).toMatch(/ +only end-entity certificates \(onlyContainsUserCerts\)\n/);
    expect(text).toMatch(/ +only the reasons keyCompromise, cACompromise \(onlySomeReasons\)\n/);
    const json = JSON.parse(inspect('partition.crl', '--format', 'json').stdout);
    const crl = Array.isArray(json) ? json[0] : json;
    expect(crl).toMatchObject({
      kind: 'crl',
      crlNumber: '16',
      scope: {
        critical: true,
        distributionPoint: ['uri:http://crl.example.test/users.crl'],
        onlyContainsUserCerts: true,
        onlyContainsCACerts: false,
        onlySomeReasons: ['keyCompromise', 'cACompromise'],
        indirectCrl: false,
      },
    });
    expect(crl.baseCrlNumber).toBeUndefined();
  });

  it('shows a delta CRL and the number of its base CRL', () => {
    const r = inspect('delta.crl');
    expect(r.stdout).toMatch(/^Certificate Revocation List \(delta\)\n/);
    expect(r.stdout).toMatch(/CRL Number: +17\n/);
    expect(r.stdout).toMatch(/Type: +delta CRL, on top of base CRL number 15\n/);
    const json = JSON.parse(inspect('delta.crl', '--format', 'json').stdout);
    expect(Array.isArray(json) ? json[0] : json).toMatchObject({
      crlNumber: '17',
      baseCrlNumber: '15',
    });
  });
});
