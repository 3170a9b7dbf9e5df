/**
 * `trust install` of a bundle (issue 12): the rotation bundle `ca-bundle.crt` installs each root
 * in its own file and leaves the cross certificates out; Debian's real update-ca-certificates
 * (run on a fake root) then builds a system bundle and hash links under which openssl verifies
 * leaves of both keys; after `ca retire-old`, installing the bundle again removes the old root.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from './helpers/bulk.js';
import { runCli } from './helpers/run-cli.js';

const readFile = (path: string) => readFileSync(path, 'utf8');
const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const UPDATE_CA = ['/usr/sbin/update-ca-certificates', '/usr/bin/update-ca-certificates'].find(
  (p) => existsSync(p),
);

let work: string;
let caDir: string;

/** The CLI run without blocking vitest's worker (many runs in a row starve its messages). */
async function acli(args: string[]) {
  const r = await runCliAsync(args, ENV, 120_000);
  return { ...r, json: () => JSON.parse(r.stdout) };
}

function cli(args: string[]) {
  const r = runCli(args, { env: ENV });
  return { ...r, json: () => JSON.parse(r.stdout) };
}

function opensslVerify(args: string[], cert: string): string {
  const r = spawnSync('openssl', ['verify', ...args, cert], { encoding: 'utf8' });
  return r.status === 0 ? 'ok' : `${r.stdout}${r.stderr}`;
}

/** A fake Debian root; `update` runs the real update-ca-certificates inside its folders. */
function debianRoot(name: string) {
  const root = join(work, name);
  const etcCerts = join(root, 'etc/ssl/certs');
  for (const d of [etcCerts, join(root, 'usr/share/ca-certificates'), join(root, 'hooks')])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(root, 'etc/os-release'), 'ID=ubuntu\nID_LIKE=debian\n');
  writeFileSync(join(root, 'etc/ca-certificates.conf'), '# no distribution CAs in this root\n');
  const update = (extra: string[] = []) => {
    const r = spawnSync(
      UPDATE_CA!,
      [
        ...extra,
        '--certsconf',
        join(root, 'etc/ca-certificates.conf'),
        '--certsdir',
        join(root, 'usr/share/ca-certificates'),
        '--localcertsdir',
        join(root, 'usr/local/share/ca-certificates'),
        '--etccertsdir',
        etcCerts,
        '--hooksdir',
        join(root, 'hooks'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
  };
  return { root, etcCerts, anchors: join(root, 'usr/local/share/ca-certificates'), update };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-trust-bundle-'));
  caDir = join(work, 'ca');
  expect(cli(['ca', 'init', 'tb.cluster', '--no-passphrase', '--dir', caDir]).status).toBe(0);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('trust install of a bundle', () => {
  it('refuses a leaf or a stray CA certificate in a bundle; installs several unrelated roots by name', () => {
    const other = join(work, 'other');
    expect(cli(['ca', 'init', 'ot.cluster', '--no-passphrase', '--dir', other]).status).toBe(0);
    const leafDir = join(work, 'leaf');
    expect(cli(['cert', 'issue', 'n.example.net', '--dir', other, '--out', leafDir]).status).toBe(
      0,
    );
    const root = debianRoot('mixed').root;
    const mixed = join(work, 'mixed.pem');
    writeFileSync(
      mixed,
      `${readFile(join(caDir, 'ca.crt'))}${readFile(join(leafDir, 'n.example.net.crt'))}`,
    );
    const refused = cli(['trust', 'install', mixed, '--root', root]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/is not a CA certificate.*\(ERR_NOT_A_CA\)/);
    const two = join(work, 'two.pem');
    writeFileSync(two, `${readFile(join(caDir, 'ca.crt'))}${readFile(join(other, 'ca.crt'))}`);
    const r = cli(['trust', 'install', two, '--root', root, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readdirSync(join(root, 'usr/local/share/ca-certificates')).sort()).toEqual([
      'nodeid-ot.cluster-ca.crt',
      'nodeid-tb.cluster-ca.crt',
    ]);
  });

  it.skipIf(!UPDATE_CA)(
    'follows a rotation: both roots while it lasts (openssl verifies both keys), the new one alone after retire-old',
    () => {
      const oldLeaf = join(work, 'old');
      const newLeaf = join(work, 'new');
      expect(cli(['cert', 'issue', 'a.example.net', '--dir', caDir, '--out', oldLeaf]).status).toBe(
        0,
      );
      const keep = join(work, 'a-old.crt');
      copyFileSync(join(oldLeaf, 'a.example.net.crt'), keep);
      expect(cli(['ca', 'rotate', '--dir', caDir]).status).toBe(0);
      expect(cli(['cert', 'issue', 'b.example.net', '--dir', caDir, '--out', newLeaf]).status).toBe(
        0,
      );

      const debian = debianRoot('debian');
      const bundle = join(caDir, 'ca-bundle.crt');
      const r = cli(['trust', 'install', bundle, '--root', debian.root, '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = r.json();
      expect(out.certificates).toHaveLength(2);
      expect(out.crossCertificatesSkipped).toHaveLength(2);
      expect(readdirSync(debian.anchors).sort()).toEqual([
        'nodeid-tb.cluster-ca-2.crt',
        'nodeid-tb.cluster-ca.crt',
      ]);
      // installing the same bundle again changes nothing
      const again = cli(['trust', 'install', bundle, '--root', debian.root, '--format', 'json']);
      expect(again.json().alreadyInstalled).toBe(true);

      debian.update();
      const systemBundle = join(debian.etcCerts, 'ca-certificates.crt');
      for (const leaf of [keep, join(newLeaf, 'b.example.net.crt')]) {
        expect(opensslVerify(['-CAfile', systemBundle], leaf)).toBe('ok');
        // the hash links openssl rehash made: one per root file
        expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], leaf)).toBe('ok');
      }

      // the old leaf renews onto the new key, the old key retires, the bundle shrinks
      expect(
        cli(['cert', 'renew', join(oldLeaf, 'a.example.net.crt'), '--dir', caDir]).status,
      ).toBe(0);
      expect(cli(['ca', 'retire-old', '--dir', caDir]).status).toBe(0);
      const after = cli(['trust', 'install', bundle, '--root', debian.root, '--format', 'json']);
      expect(after.status).toBe(0);
      expect(after.json().removed).toEqual([join(debian.anchors, 'nodeid-tb.cluster-ca-2.crt')]);
      expect(after.json().steps.at(-1)).toBe(
        `chroot ${debian.root} update-ca-certificates --fresh`,
      );
      expect(readdirSync(debian.anchors)).toEqual(['nodeid-tb.cluster-ca.crt']);
      debian.update(['--fresh']);
      expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], keep)).toMatch(
        /unable to get local issuer certificate/,
      );
      for (const leaf of [join(oldLeaf, 'a.example.net.crt'), join(newLeaf, 'b.example.net.crt')])
        expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], leaf)).toBe('ok');
    },
  );
});

describe('trust uninstall of a bundle', () => {
  let rotDir: string;
  let oldLeaf: string;
  let newLeaf: string;
  let otherLeaf: string;
  let otherCa: string;

  beforeAll(async () => {
    rotDir = join(work, 'un-ca');
    expect(
      (await acli(['ca', 'init', 'un.cluster', '--no-passphrase', '--dir', rotDir])).status,
    ).toBe(0);
    const o = join(work, 'un-old');
    expect(
      (await acli(['cert', 'issue', 'o.example.net', '--dir', rotDir, '--out', o])).status,
    ).toBe(0);
    oldLeaf = join(o, 'o.example.net.crt');
    expect((await acli(['ca', 'rotate', '--dir', rotDir])).status).toBe(0);
    const n = join(work, 'un-new');
    expect(
      (await acli(['cert', 'issue', 'n.example.net', '--dir', rotDir, '--out', n])).status,
    ).toBe(0);
    newLeaf = join(n, 'n.example.net.crt');
    const other = join(work, 'un-other');
    expect(
      (await acli(['ca', 'init', 'uo.cluster', '--no-passphrase', '--dir', other])).status,
    ).toBe(0);
    otherCa = join(other, 'ca.crt');
    const ol = join(work, 'un-other-leaf');
    expect(
      (await acli(['cert', 'issue', 'x.example.net', '--dir', other, '--out', ol])).status,
    ).toBe(0);
    otherLeaf = join(ol, 'x.example.net.crt');
  });

  it.skipIf(!UPDATE_CA)(
    'Debian: removes the file of each root trust install wrote, and update-ca-certificates --fresh stops trusting both keys; another CA stays',
    async () => {
      const debian = debianRoot('un-debian');
      const bundle = join(rotDir, 'ca-bundle.crt');
      expect((await acli(['trust', 'install', bundle, '--root', debian.root])).status).toBe(0);
      expect((await acli(['trust', 'install', otherCa, '--root', debian.root])).status).toBe(0);
      debian.update();
      for (const leaf of [oldLeaf, newLeaf, otherLeaf])
        expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], leaf)).toBe('ok');

      const dry = await acli(['trust', 'uninstall', bundle, '--root', debian.root, '--dry-run']);
      expect(dry.status).toBe(0);
      expect(dry.stdout).toContain(`rm ${join(debian.anchors, 'nodeid-un.cluster-ca.crt')}`);
      expect(dry.stdout).toContain(`rm ${join(debian.anchors, 'nodeid-un.cluster-ca-2.crt')}`);
      expect(readdirSync(debian.anchors)).toHaveLength(3);

      const r = await acli([
        'trust',
        'uninstall',
        bundle,
        '--root',
        debian.root,
        '--format',
        'json',
      ]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.json().removed.sort()).toEqual([
        join(debian.anchors, 'nodeid-un.cluster-ca-2.crt'),
        join(debian.anchors, 'nodeid-un.cluster-ca.crt'),
      ]);
      expect(r.json().kept).toEqual([]);
      expect(readdirSync(debian.anchors)).toEqual(['nodeid-uo.cluster-ca.crt']);
      debian.update(['--fresh']);
      const systemBundle = readFile(join(debian.etcCerts, 'ca-certificates.crt'));
      for (const root of parsePem(bundle)) expect(systemBundle).not.toContain(root);
      for (const leaf of [oldLeaf, newLeaf])
        expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], leaf)).toMatch(
          /unable to get local issuer certificate/,
        );
      expect(opensslVerify(['-no-CAfile', '-CApath', debian.etcCerts], otherLeaf)).toBe('ok');

      const again = await acli(['trust', 'uninstall', bundle, '--root', debian.root]);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/\(ERR_NOT_INSTALLED\)\n$/);
    },
  );

  it('RHEL: the same from /etc/pki/ca-trust/source/anchors; a renewed copy of a root goes too, a shared file and another key are kept and named', async () => {
    const root = join(work, 'un-rhel');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), 'ID=fedora\n');
    const anchors = join(root, 'etc/pki/ca-trust/source/anchors');
    const bundle = join(rotDir, 'ca-bundle.crt');
    // the new root installed before a `ca renew` (same name and key, another copy)
    const renewDir = join(work, 'un-renew');
    expect(
      (await acli(['ca', 'init', 'ur.cluster', '--no-passphrase', '--dir', renewDir])).status,
    ).toBe(0);
    const before = join(work, 'ur-before.crt');
    copyFileSync(join(renewDir, 'ca.crt'), before);
    expect((await acli(['ca', 'renew', '--dir', renewDir, '--days', '4000'])).status).toBe(0);
    expect(
      (await acli(['trust', 'install', before, '--root', root, '--system', 'rhel'])).status,
    ).toBe(0);
    const renewed = await acli([
      'trust',
      'uninstall',
      join(renewDir, 'ca.crt'),
      '--root',
      root,
      '--system',
      'rhel',
      '--format',
      'json',
    ]);
    expect(renewed.stderr).toBe('');
    expect(renewed.json().removed).toEqual([join(anchors, 'nodeid-ur.cluster-ca.crt')]);

    expect(
      (await acli(['trust', 'install', bundle, '--root', root, '--system', 'rhel'])).status,
    ).toBe(0);
    // an admin's own file holding the old root and another CA
    const [newRoot, oldRoot] = parsePem(bundle).filter((_, i) => i < 2);
    writeFileSync(join(anchors, 'site.crt'), `${oldRoot}${readFile(otherCa)}`);
    // a root of the same name with another key: the old root of an earlier rotation
    const earlier = join(work, 'un-earlier');
    expect(
      (await acli(['ca', 'init', 'un.cluster', '--no-passphrase', '--dir', earlier])).status,
    ).toBe(0);
    copyFileSync(join(earlier, 'ca.crt'), join(anchors, 'nodeid-un-earlier.crt'));
    const r = await acli(['trust', 'uninstall', bundle, '--root', root, '--system', 'rhel']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`removed ${join(anchors, 'nodeid-un.cluster-ca.crt')}`);
    expect(r.stdout).toContain(`removed ${join(anchors, 'nodeid-un.cluster-ca-2.crt')}`);
    expect(r.stdout).toMatch(/warning: .*site\.crt holds this CA among other certificates/);
    expect(r.stdout).toMatch(/warning: .*nodeid-un-earlier\.crt holds a CA of the same name/);
    expect(r.stdout).toContain('update-ca-trust');
    expect(readdirSync(anchors).sort()).toEqual(['nodeid-un-earlier.crt', 'site.crt']);
    expect(newRoot).toBeDefined();
  });
});

/** The PEM blocks of a file, in order. */
function parsePem(path: string): string[] {
  return (
    readFile(path).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []
  );
}
