/**
 * The case generator: from a seed, a chain (root -> 0..2 intermediates -> leaf) described as
 * plain data, a few random mutations applied to it (each named in `mutations`), CRLs when a
 * mutation asks for revocation checking, and the validation inputs (time, peer name, initial
 * policy inputs). The description is turned into certificates by `build.py` (pyca/cryptography's
 * builder, independent of nodeid's own issuance). Deterministic: one seed, one case.
 *
 * Every certificate starts as a profile that RFC 5280 and the CA/Browser Forum Baseline
 * Requirements both accept (SKI and AKI, basicConstraints critical on CAs, keyUsage, a SAN and
 * serverAuth on the leaf), so that a disagreement points at the mutation, not at the baseline.
 */
import { createRandom } from './prng.mjs';

/** The validation time of an unmutated case: 2025-01-01T00:00:00Z, in seconds. */
export const BASE_TIME = 1_735_689_600;
const DAY = 86_400;

/** Object identifiers the generator uses (and build.py, the peers and nodeid understand). */
export const POLICY = {
  any: '2.5.29.32.0',
  p1: '1.3.6.1.4.1.55555.1.1',
  p2: '1.3.6.1.4.1.55555.1.2',
  p3: '1.3.6.1.4.1.55555.1.3',
};

const HOSTS = ['www.example.com', 'example.com', 'a.b.example.com', 'www.example.org', 'host.test'];
const IPS = ['192.0.2.10', '192.0.2.200', '198.51.100.7', '2001:db8::1', '2001:db8:1::5'];
const EMAILS = ['user@example.com', 'user@mail.example.com', 'user@example.org'];
const ORGS = ['nodeid differential', 'Other Org'];

/**
 * @typedef {{ type: 'dns' | 'ip' | 'email' | 'uri' | 'dirname', value: string }} GeneralName
 * @typedef {{
 *   role: 'root' | 'intermediate' | 'leaf',
 *   subject: [string, string][],
 *   key: number,
 *   serial: string,
 *   notBefore: number,
 *   notAfter: number,
 *   ext: Record<string, any>,
 * }} CertSpec
 * @typedef {{
 *   issuer: number,
 *   signer: number,
 *   thisUpdate: number,
 *   nextUpdate: number,
 *   number: number | null,
 *   revoked: { serial: string, reason?: string, certificateIssuer?: number }[],
 *   idp: Record<string, any> | null,
 * }} CrlSpec
 * @typedef {{
 *   seed: number,
 *   mutations: string[],
 *   certs: CertSpec[],
 *   crls: CrlSpec[],
 *   validation: {
 *     at: number,
 *     host?: string,
 *     ip?: string,
 *     checkRevocation: boolean,
 *     requireExplicitPolicy: boolean,
 *     inhibitPolicyMapping: boolean,
 *     inhibitAnyPolicy: boolean,
 *   },
 * }} CaseSpec
 */

/** @param {ReturnType<typeof createRandom>} rng */
function randomSerial(rng) {
  const form = rng.pick(['small', 'high-bit', '64-bit', '159-bit']);
  const bytes = { small: 1, 'high-bit': 1, '64-bit': 8, '159-bit': 20 }[form] ?? 8;
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += rng.int(256).toString(16).padStart(2, '0');
  let n = BigInt(`0x${hex}`);
  if (form === 'small') n = (n % 127n) + 1n; // one content octet, high bit clear
  if (form === 'high-bit') n = n | 0x80n; // needs a leading 00 octet (X.690 §8.3)
  if (form === '159-bit') n = (n & ((1n << 159n) - 1n)) | (1n << 158n); // 20 octets, the RFC 5280 §4.1.2.2 maximum
  if (form === '64-bit') n = n | (1n << 63n);
  return n.toString();
}

/**
 * The unmutated chain: `intermediates` CAs between a root and a leaf for www.example.com.
 * @param {ReturnType<typeof createRandom>} rng
 * @param {number} intermediates
 * @returns {CertSpec[]}
 */
function baseChain(rng, intermediates) {
  const ca = (/** @type {'root' | 'intermediate'} */ role, /** @type {string} */ cn, i) => ({
    role,
    subject: /** @type {[string, string][]} */ ([
      ['O', ORGS[0]],
      ['CN', cn],
    ]),
    key: i,
    serial: randomSerial(rng),
    notBefore: BASE_TIME - (3650 - i) * DAY,
    notAfter: BASE_TIME + (3650 - i) * DAY,
    ext: {
      basicConstraints: { critical: true, ca: true, pathLen: null },
      keyUsage: { critical: true, usages: ['keyCertSign', 'cRLSign'] },
      ski: { mode: 'hash' },
      aki: role === 'root' ? null : { mode: 'keyid' },
    },
  });
  const certs = [ca('root', 'Differential Root', 0)];
  for (let i = 1; i <= intermediates; i++)
    certs.push(ca('intermediate', `Differential Intermediate ${i}`, i));
  certs.push({
    role: 'leaf',
    subject: [
      ['O', ORGS[0]],
      ['CN', 'www.example.com'],
    ],
    key: 9,
    serial: randomSerial(rng),
    notBefore: BASE_TIME - 30 * DAY,
    notAfter: BASE_TIME + 60 * DAY,
    ext: {
      basicConstraints: null,
      keyUsage: { critical: true, usages: ['digitalSignature'] },
      extKeyUsage: { critical: false, usages: ['serverAuth'] },
      san: { critical: false, names: [{ type: 'dns', value: 'www.example.com' }] },
      ski: { mode: 'hash' },
      aki: { mode: 'keyid' },
    },
  });
  return certs;
}

/**
 * The mutations, each a function that changes the case and returns the tag it is listed under
 * (the tag starts with the mutation's kind, the first column of the README's deviations table).
 * @type {Record<string, (c: CaseSpec, rng: ReturnType<typeof createRandom>) => string>}
 */
const MUTATIONS = {
  'basic-constraints': (c, rng) => {
    const i = pickCa(c, rng);
    const cert = c.certs[i];
    const form = rng.pick(['absent', 'non-critical', 'ca-false']);
    if (form === 'absent') cert.ext.basicConstraints = null;
    else if (form === 'non-critical') cert.ext.basicConstraints.critical = false;
    else cert.ext.basicConstraints.ca = false;
    return `basic-constraints:${form}@${i}`;
  },
  'path-length': (c, rng) => {
    const i = pickCa(c, rng);
    const pathLen = rng.int(3);
    if (!c.certs[i].ext.basicConstraints) return 'path-length:none';
    c.certs[i].ext.basicConstraints.pathLen = pathLen;
    const below = c.certs.length - 2 - i; // CA certificates after i, none self-issued
    return `path-length:${pathLen}@${i}${below > pathLen ? ':exceeded' : ''}`;
  },
  'leaf-basic-constraints': (c, rng) => {
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['ca-true', 'ca-false-critical', 'pathlen-on-non-ca']);
    if (form === 'ca-true') leaf.ext.basicConstraints = { critical: true, ca: true, pathLen: null };
    else if (form === 'ca-false-critical')
      leaf.ext.basicConstraints = { critical: true, ca: false, pathLen: null };
    else leaf.ext.basicConstraints = { critical: true, ca: false, pathLen: 0 };
    return `leaf-basic-constraints:${form}`;
  },
  'ca-key-usage': (c, rng) => {
    const i = pickCa(c, rng);
    const cert = c.certs[i];
    const form = rng.pick(['absent', 'no-keyCertSign', 'non-critical', 'no-cRLSign']);
    if (form === 'absent') cert.ext.keyUsage = null;
    else if (form === 'no-keyCertSign') cert.ext.keyUsage.usages = ['digitalSignature', 'cRLSign'];
    else if (form === 'no-cRLSign') cert.ext.keyUsage.usages = ['keyCertSign'];
    else cert.ext.keyUsage.critical = false;
    return `ca-key-usage:${form}@${i}`;
  },
  'leaf-key-usage': (c, rng) => {
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['absent', 'keyEncipherment', 'keyCertSign', 'non-critical']);
    if (form === 'absent') leaf.ext.keyUsage = null;
    else if (form === 'non-critical') leaf.ext.keyUsage.critical = false;
    else leaf.ext.keyUsage.usages = [form];
    return `leaf-key-usage:${form}`;
  },
  'leaf-eku': (c, rng) => {
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['absent', 'clientAuth', 'anyExtendedKeyUsage', 'critical', 'both']);
    if (form === 'absent') leaf.ext.extKeyUsage = null;
    else if (form === 'critical') leaf.ext.extKeyUsage.critical = true;
    else if (form === 'both') leaf.ext.extKeyUsage.usages = ['serverAuth', 'clientAuth'];
    else leaf.ext.extKeyUsage.usages = [form];
    return `leaf-eku:${form}`;
  },
  'ca-eku': (c, rng) => {
    const i = pickCa(c, rng);
    const usages = rng.pick([['serverAuth'], ['clientAuth'], ['anyExtendedKeyUsage']]);
    c.certs[i].ext.extKeyUsage = { critical: false, usages };
    return `ca-eku:${usages[0]}@${i}`;
  },
  'leaf-names': (c, rng) => {
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['cn-only', 'wildcard', 'wildcard-deep', 'ip', 'other-host', 'critical']);
    if (form === 'cn-only') leaf.ext.san = null;
    else if (form.startsWith('wildcard')) {
      // the CN stays a copy of the SAN (BR 7.1.4.3), so only the wildcard is at stake
      leaf.ext.san.names = [{ type: 'dns', value: '*.example.com' }];
      leaf.subject = [
        ['O', ORGS[0]],
        ['CN', '*.example.com'],
      ];
      if (form === 'wildcard-deep') c.validation.host = 'a.www.example.com';
    } else if (form === 'ip') {
      const ip = rng.pick(IPS);
      leaf.ext.san.names = [{ type: 'ip', value: ip }];
      leaf.subject = [['O', ORGS[0]]];
      delete c.validation.host;
      c.validation.ip = rng.chance(0.8) ? ip : rng.pick(IPS);
      return `leaf-names:ip${c.validation.ip === ip ? '' : ':mismatch'}`;
    } else if (form === 'other-host') c.validation.host = rng.pick(HOSTS);
    else {
      leaf.ext.san.critical = true;
      leaf.subject = [];
    }
    return `leaf-names:${form}`;
  },
  'name-constraints-dns': (c, rng) => {
    const i = pickCa(c, rng);
    const value = rng.pick(['example.com', '.example.com', 'www.example.com', 'example.org']);
    const excluded = rng.chance(0.4);
    const host = rng.pick(HOSTS);
    setSanHost(c, host);
    c.certs[i].ext.nameConstraints = {
      critical: true,
      [excluded ? 'excluded' : 'permitted']: [{ type: 'dns', value }],
    };
    return `name-constraints-dns:${excluded ? 'excluded' : 'permitted'}=${value}:san=${host}@${i}`;
  },
  'name-constraints-ip': (c, rng) => {
    const i = pickCa(c, rng);
    const value = rng.pick(['192.0.2.0/24', '192.0.2.128/25', '2001:db8::/32', '2001:db8::/48']);
    const excluded = rng.chance(0.4);
    const ip = rng.pick(IPS);
    const leaf = c.certs[c.certs.length - 1];
    leafSan(c).names = [{ type: 'ip', value: ip }];
    leaf.subject = [['O', ORGS[0]]];
    delete c.validation.host;
    c.validation.ip = ip;
    c.certs[i].ext.nameConstraints = {
      critical: true,
      [excluded ? 'excluded' : 'permitted']: [{ type: 'ip', value }],
    };
    return `name-constraints-ip:${excluded ? 'excluded' : 'permitted'}=${value}:san=${ip}@${i}`;
  },
  'name-constraints-email': (c, rng) => {
    const i = pickCa(c, rng);
    const value = rng.pick(['example.com', '.example.com', 'user@example.com']);
    const excluded = rng.chance(0.4);
    const email = rng.pick(EMAILS);
    leafSan(c).names.push({ type: 'email', value: email });
    c.certs[i].ext.nameConstraints = {
      critical: true,
      [excluded ? 'excluded' : 'permitted']: [{ type: 'email', value }],
    };
    return `name-constraints-email:${excluded ? 'excluded' : 'permitted'}=${value}:san=${email}@${i}`;
  },
  'name-constraints-dirname': (c, rng) => {
    const i = pickCa(c, rng);
    const value = rng.pick(ORGS);
    const excluded = rng.chance(0.4);
    const org = rng.pick(ORGS);
    // Every certificate below the constrained CA is in scope (RFC 5280 §6.1.3 (b)), so the
    // intermediates below it get the leaf's organisation too.
    for (let j = i + 1; j < c.certs.length; j++) c.certs[j].subject[0] = ['O', org];
    c.certs[i].ext.nameConstraints = {
      critical: true,
      [excluded ? 'excluded' : 'permitted']: [{ type: 'dirname', value: `O=${value}` }],
    };
    return `name-constraints-dirname:${excluded ? 'excluded' : 'permitted'}=${value}:subject=${org}@${i}`;
  },
  'name-constraints-non-critical': (c, rng) => {
    const i = pickCa(c, rng);
    c.certs[i].ext.nameConstraints = {
      critical: false,
      permitted: [{ type: 'dns', value: 'example.com' }],
    };
    return `name-constraints-non-critical@${i}`;
  },
  policies: (c, rng) => {
    for (const cert of c.certs) {
      const form = rng.pick(['absent', 'any', 'p1', 'p2', 'p1+p2', 'p1', 'any']);
      if (form === 'absent') {
        delete cert.ext.certificatePolicies;
        continue;
      }
      const policies = form.split('+').map((p) => POLICY[/** @type {keyof POLICY} */ (p)]);
      cert.ext.certificatePolicies = { critical: rng.chance(0.15), policies };
    }
    return `policies:${c.certs.map((cert) => policyTag(cert)).join(',')}`;
  },
  'policy-mappings': (c, rng) => {
    if (c.certs.length < 3) return 'policy-mappings:none';
    const i = 1 + rng.int(c.certs.length - 2);
    const form = rng.pick(['p1->p2', 'p1->p2', 'p2->p3', 'any->p1', 'p1->any']);
    const [from, to] = form.split('->').map((p) => POLICY[/** @type {keyof POLICY} */ (p)]);
    c.certs[i].ext.policyMappings = { critical: rng.chance(0.7), mappings: [[from, to]] };
    c.certs[i].ext.certificatePolicies = { critical: false, policies: [from] };
    for (let j = 0; j < i; j++)
      c.certs[j].ext.certificatePolicies ??= { critical: false, policies: [from] };
    for (let j = i + 1; j < c.certs.length; j++)
      c.certs[j].ext.certificatePolicies = { critical: false, policies: [rng.pick([to, from])] };
    return `policy-mappings:${form}@${i}:${c.certs.map((cert) => policyTag(cert)).join(',')}`;
  },
  'policy-constraints': (c, rng) => {
    const i = pickCa(c, rng);
    const form = rng.pick(['require-0', 'require-1', 'inhibit-mapping-0']);
    c.certs[i].ext.policyConstraints = {
      critical: rng.chance(0.8),
      requireExplicitPolicy: form.startsWith('require') ? Number(form.slice(-1)) : null,
      inhibitPolicyMapping: form === 'inhibit-mapping-0' ? 0 : null,
    };
    maybePolicies(c, rng);
    return `policy-constraints:${form}@${i}:${c.certs.map((cert) => policyTag(cert)).join(',')}`;
  },
  'inhibit-any-policy': (c, rng) => {
    const i = pickCa(c, rng);
    c.certs[i].ext.inhibitAnyPolicy = { critical: true, skipCerts: rng.int(2) };
    for (const cert of c.certs)
      if (rng.chance(0.6))
        cert.ext.certificatePolicies = { critical: false, policies: [POLICY.any] };
    return `inhibit-any-policy:${c.certs[i].ext.inhibitAnyPolicy.skipCerts}@${i}:${c.certs.map((cert) => policyTag(cert)).join(',')}`;
  },
  'explicit-policy-input': (c, rng) => {
    c.validation.requireExplicitPolicy = true;
    maybePolicies(c, rng);
    return `explicit-policy-input:${c.certs.map((cert) => policyTag(cert)).join(',')}`;
  },
  'key-identifiers': (c, rng) => {
    const i = 1 + rng.int(c.certs.length - 1);
    const form = rng.pick(['aki-absent', 'aki-mismatch', 'ski-absent', 'aki-issuer-serial']);
    if (form === 'ski-absent') {
      const ca = pickCa(c, rng);
      c.certs[ca].ext.ski = null;
      return `key-identifiers:ski-absent@${ca}`;
    }
    c.certs[i].ext.aki = form === 'aki-absent' ? null : { mode: form.slice(4) };
    return `key-identifiers:${form}@${i}`;
  },
  'unknown-critical-extension': (c, rng) => {
    const i = rng.int(c.certs.length);
    c.certs[i].ext.unknown = { critical: rng.chance(0.7) };
    return `unknown-critical-extension:${c.certs[i].ext.unknown.critical ? 'critical' : 'non-critical'}@${i}`;
  },
  validity: (c, rng) => {
    const i = rng.chance(0.7) ? c.certs.length - 1 : rng.int(c.certs.length - 1);
    const cert = c.certs[i];
    const form = rng.pick([
      'notBefore',
      'notBefore-1',
      'notAfter',
      'notAfter+1',
      'notBefore+1',
      'notAfter-1',
    ]);
    const bound = form.startsWith('notBefore') ? cert.notBefore : cert.notAfter;
    const shift = form.endsWith('+1') ? 1 : form.endsWith('-1') ? -1 : 0;
    if (i !== c.certs.length - 1) {
      // keep the leaf inside its issuer's dates, so only the CA is at its bound
      const leaf = c.certs[c.certs.length - 1];
      leaf.notBefore = Math.min(leaf.notBefore, cert.notBefore - 10);
      leaf.notAfter = Math.max(leaf.notAfter, cert.notAfter + 10);
      if (form.startsWith('notBefore')) leaf.notBefore = cert.notBefore - 10 * DAY;
      else leaf.notAfter = cert.notAfter + 10 * DAY;
    }
    c.validation.at = bound + shift;
    return `validity:${form}@${i}`;
  },
  'serial-encoding': (c, rng) => {
    // RFC 5280 §4.1.2.2: CAs MUST use positive serials of at most 20 octets, and "certificate
    // users SHOULD be prepared to gracefully handle" those that are not; §6 does not check them
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['negative', 'zero', 'twenty-one-octets']);
    const bytes = (/** @type {number} */ n) =>
      Array.from({ length: n }, () => rng.int(256).toString(16).padStart(2, '0')).join('');
    if (form === 'negative') leaf.serial = `der:${(0x80 | rng.int(128)).toString(16)}${bytes(7)}`;
    else if (form === 'zero') leaf.serial = 'der:00';
    else leaf.serial = `der:00${(0x80 | rng.int(128)).toString(16)}${bytes(19)}`;
    return `serial-encoding:${form}`;
  },
  'self-issued': (c, rng) => {
    if (c.certs.length < 3) return 'self-issued:none';
    // an intermediate named as its issuer (RFC 5280 §6.1: not counted in path lengths)
    const i = 1 + rng.int(c.certs.length - 2);
    c.certs[i].subject = c.certs[i - 1].subject.map(([k, v]) => [k, v]);
    const above = c.certs[i - 1].ext.basicConstraints;
    if (above && rng.chance(0.5)) above.pathLen = 0;
    return `self-issued@${i}${above?.pathLen === 0 ? ':pathlen0-above' : ''}`;
  },
  revocation: (c, rng) => {
    c.validation.checkRevocation = true;
    for (let i = 0; i < c.certs.length - 1; i++) {
      c.crls.push({
        issuer: i,
        signer: i,
        thisUpdate: BASE_TIME - DAY,
        nextUpdate: BASE_TIME + 7 * DAY,
        number: 1 + rng.int(1000),
        revoked: [],
        idp: null,
      });
    }
    const leafIssuer = c.certs.length - 2;
    const leaf = c.certs[c.certs.length - 1];
    let form = rng.pick([
      'none-revoked',
      'leaf-revoked',
      'leaf-revoked',
      'ca-revoked',
      'near-miss-serial',
      'negative-serial-alias',
      'negative-serial-revoked',
      'only-user-certs-leaf-crl',
      'only-user-certs-ca-crl',
      'only-ca-certs',
      'only-some-reasons',
      'indirect',
      'expired-crl',
      'future-crl',
      'missing-crl',
      'no-crl-number',
      'wrong-signer',
      'idp-name-match',
      'idp-name-mismatch',
      'remove-from-crl',
    ]);
    const leafCrl = c.crls[leafIssuer];
    // with no intermediate, the CRL that would cover one is the leaf's own
    if (form === 'only-user-certs-ca-crl' && c.certs.length === 2)
      form = 'only-user-certs-leaf-crl';
    switch (form) {
      case 'leaf-revoked':
        leafCrl.revoked.push({
          serial: leaf.serial,
          reason: rng.pick([undefined, 'keyCompromise', 'superseded']),
        });
        break;
      case 'ca-revoked':
        if (c.certs.length < 3) leafCrl.revoked.push({ serial: leaf.serial });
        else c.crls[leafIssuer - 1].revoked.push({ serial: c.certs[leafIssuer].serial });
        break;
      case 'negative-serial-alias': {
        // the CRL revokes -N, whose content octets are those of the leaf's +N without the
        // leading 00: a different serial (X.690 §8.3.3, two's complement)
        const magnitude = `${(0x80 | rng.int(128)).toString(16)}${'a5'.repeat(7)}`;
        leaf.serial = `der:00${magnitude}`;
        leafCrl.revoked.push({ serial: `der:${magnitude}` });
        break;
      }
      case 'negative-serial-revoked': {
        const negative = `${(0x80 | rng.int(128)).toString(16)}${'5c'.repeat(7)}`;
        leaf.serial = `der:${negative}`;
        leafCrl.revoked.push({ serial: `der:${negative}` });
        break;
      }
      case 'near-miss-serial': {
        const s = BigInt(leaf.serial);
        leafCrl.revoked.push(
          { serial: (s > 1n ? s - 1n : s + 1n).toString() },
          { serial: (s + 1n).toString() },
        );
        break;
      }
      case 'only-user-certs-leaf-crl':
        // the leaf's CRL covers user certificates only; at depth 0 that is the root's CRL, so a
        // second root CRL covers the CA certificates (openssl -crl_check_all checks the root too)
        leafCrl.idp = { onlyUser: true };
        if (c.certs.length === 2)
          c.crls.push({ ...leafCrl, number: (leafCrl.number ?? 0) + 1, idp: { onlyCa: true } });
        break;
      case 'only-user-certs-ca-crl':
        // the CRL that should cover an intermediate covers user certificates only
        c.crls[rng.int(Math.max(1, c.crls.length - 1))].idp = { onlyUser: true };
        break;
      case 'only-ca-certs':
        leafCrl.idp = { onlyCa: true };
        break;
      case 'only-some-reasons':
        leafCrl.idp = { reasons: ['keyCompromise', 'cACompromise'] };
        if (rng.chance(0.5)) leafCrl.revoked.push({ serial: leaf.serial, reason: 'keyCompromise' });
        break;
      case 'indirect': {
        // the leaf's status comes from a CRL signed by the root, naming the leaf's issuer
        if (c.certs.length < 3) {
          leafCrl.idp = { indirect: true };
          break;
        }
        c.crls[0].idp = { indirect: true };
        c.crls[0].revoked.push({ serial: leaf.serial, certificateIssuer: leafIssuer });
        c.crls.splice(leafIssuer, 1);
        break;
      }
      case 'expired-crl':
        leafCrl.nextUpdate = BASE_TIME - 60;
        leafCrl.thisUpdate = BASE_TIME - 2 * DAY;
        break;
      case 'future-crl':
        leafCrl.thisUpdate = BASE_TIME + 60;
        break;
      case 'missing-crl':
        c.crls.splice(rng.int(c.crls.length), 1);
        break;
      case 'no-crl-number':
        leafCrl.number = null;
        break;
      case 'wrong-signer':
        leafCrl.signer = 8; // a key that certified nothing, under the issuer's name
        break;
      case 'idp-name-match':
      case 'idp-name-mismatch':
        leaf.ext.crlDistributionPoints = { uri: 'http://crl.example.com/leaf.crl' };
        leafCrl.idp = {
          uri:
            form === 'idp-name-match'
              ? 'http://crl.example.com/leaf.crl'
              : 'http://crl.example.com/other.crl',
        };
        // at depth 0 the root's CRL is the leaf's; another covers the root for openssl, as above
        if (c.certs.length === 2)
          c.crls.push({ ...leafCrl, number: (leafCrl.number ?? 0) + 1, idp: { onlyCa: true } });
        break;
      case 'remove-from-crl':
        leafCrl.revoked.push({ serial: leaf.serial, reason: 'removeFromCRL' });
        break;
      default:
        break;
    }
    return `revocation:${form}`;
  },
};

/**
 * Mutation families added after the first large runs, each from an RFC 5280 (or RFC 5480, BR)
 * rule on which verifiers are known to differ. They are drawn from a second random stream of
 * the seed (see `generateCase`), so that the mutations of the families above, and what every
 * seed cited in the README means, stay as they were.
 * @type {Record<string, (c: CaseSpec, rng: ReturnType<typeof createRandom>) => string>}
 */
const ENCODING_MUTATIONS = {
  'signature-algorithm': (c, rng) => {
    // §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the
    // signature field in the sequence tbsCertificate"; SHA-1 is refused by the Web PKI (BR 7.1.3.2)
    const i = 1 + rng.int(c.certs.length - 1);
    // RFC 5758 §3.2: ECDSA AlgorithmIdentifiers "MUST omit the parameters field"
    const form = rng.pick(['outer-mismatch', 'sha1', 'sha384', 'ecdsa-null-params']);
    const patch = {
      'outer-mismatch': { outerHash: 'sha384' },
      'ecdsa-null-params': { nullParams: true },
    }[form] ?? { hash: form };
    c.certs[i].der = { ...c.certs[i].der, ...patch };
    return `signature-algorithm:${form}@${i}`;
  },
  version: (c, rng) => {
    // §4.1.2.1: extensions only in v3; §6.1.4 (k): a v1 or v2 intermediate is not a CA
    // (no basicConstraints), while a v1 trust anchor is fine (§6.1.1 (d): its key is an input)
    const leaf = c.certs.length - 1;
    const form = rng.pick([
      'v1-root',
      'v1-intermediate',
      'v1-with-extensions',
      'v2-with-extensions',
    ]);
    let i = 0;
    if (form === 'v1-root') c.certs[0].der = { ...c.certs[0].der, version: 1 };
    else if (form === 'v1-intermediate') {
      i = c.certs.length > 2 ? 1 + rng.int(c.certs.length - 2) : 0;
      c.certs[i].der = { ...c.certs[i].der, version: 1 };
    } else {
      i = rng.chance(0.5) ? leaf : rng.int(leaf);
      c.certs[i].der = {
        ...c.certs[i].der,
        version: form === 'v1-with-extensions' ? 1 : 2,
        keepExtensions: true,
      };
    }
    return `version:${form}@${i}`;
  },
  'unique-ids': (c, rng) => {
    // §4.1.2.8: unique identifiers only in v2 or v3 ("MUST NOT appear if the version is 1");
    // CAs "MUST NOT generate" them, applications "SHOULD be capable of parsing" them
    const i = rng.int(c.certs.length);
    const form = rng.pick(['issuer', 'subject', 'both', 'v1-root']);
    if (form === 'v1-root') c.certs[0].der = { ...c.certs[0].der, version: 1, uniqueId: 'subject' };
    else c.certs[i].der = { ...c.certs[i].der, uniqueId: form };
    return `unique-ids:${form}@${form === 'v1-root' ? 0 : i}`;
  },
  'duplicate-extension': (c, rng) => {
    // §4.2: "A certificate MUST NOT include more than one instance of a particular extension"
    const leaf = c.certs.length - 1;
    const form = rng.pick(['subjectAltName', 'basicConstraints', 'keyUsage', 'extKeyUsage']);
    const i =
      form === 'basicConstraints' ? pickCa(c, rng) : form === 'keyUsage' ? rng.int(leaf + 1) : leaf;
    const oid = {
      subjectAltName: '2.5.29.17',
      basicConstraints: '2.5.29.19',
      keyUsage: '2.5.29.15',
      extKeyUsage: '2.5.29.37',
    }[form];
    c.certs[i].der = { ...c.certs[i].der, duplicateExtension: oid };
    return `duplicate-extension:${form}@${i}`;
  },
  'leaf-subject': (c, rng) => {
    // §4.2.1.6: with an empty subject the SAN MUST be critical; GeneralNames is SIZE (1..MAX)
    const leaf = c.certs[c.certs.length - 1];
    const form = rng.pick(['empty-san-non-critical', 'empty-san-critical', 'san-empty-sequence']);
    if (form === 'san-empty-sequence') leaf.ext.san = { critical: false, names: [], empty: true };
    else {
      leaf.subject = [];
      leaf.ext.san.critical = form === 'empty-san-critical';
    }
    return `leaf-subject:${form}`;
  },
  'key-usage-bits': (c, rng) => {
    // §4.2.1.3: "When the keyUsage extension appears in a certificate, at least one of the bits
    // MUST be set to 1"
    const i = rng.int(c.certs.length);
    c.certs[i].ext.keyUsage = { critical: true, usages: [] };
    return `key-usage-bits:none@${i}`;
  },
  'time-encoding': (c, rng) => {
    // §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; §4.1.2.5.1 UTCTime "MUST
    // include seconds" and be Zulu; §4.1.2.5.2 GeneralizedTime "MUST NOT include fractional seconds"
    const i = rng.chance(0.6) ? c.certs.length - 1 : rng.int(c.certs.length - 1);
    const form = rng.pick([
      'generalized-before-2050',
      'utc-no-seconds',
      'utc-offset',
      'generalized-fraction',
      'generalized-after-2050',
    ]);
    const cert = c.certs[i];
    if (form === 'generalized-after-2050') {
      // valid: a date in 2050 or later is GeneralizedTime; the issuers above outlive it
      const far = 2_556_143_999 + 86_400 * (1 + rng.int(300)); // after 2050-12-31
      for (let j = 0; j <= i; j++) c.certs[j].notAfter = far + (i - j) * DAY;
      return `time-encoding:${form}@${i}`;
    }
    const field = rng.pick(['notBefore', 'notAfter']);
    const encoding = form === 'generalized-before-2050' ? 'generalized' : form;
    cert.der = { ...cert.der, time: { [field]: encoding } };
    return `time-encoding:${form}:${field}@${i}`;
  },
  'key-type': (c, rng) => {
    // RFC 5480 §2.1.1: namedCurve only (specifiedCurve MUST NOT be used); BR 6.1.5: RSA of at
    // least 2048 bits, ECDSA on P-256/P-384/P-521; BR 6.1.6: RSA e odd, at least 3
    const i = rng.int(c.certs.length);
    const form = rng.pick([
      'rsa-2048',
      'rsa-1024',
      'rsa-2048-e3',
      'ec-p384',
      'ec-p192',
      'ec-secp256k1',
      'ec-explicit',
    ]);
    const cert = c.certs[i];
    if (form === 'ec-explicit') cert.der = { ...cert.der, explicitCurve: true };
    else cert.keyKind = form;
    return `key-type:${form}@${i}`;
  },
  'leaf-dns-forms': (c, rng) => {
    // RFC 6125 §6.4.3 wildcards (left-most label only, whole label), BR 3.2.2.6 public
    // suffixes, case-insensitive comparison (§6.4.1), the A-label form of IDNs (RFC 5280 §7.2)
    const form = rng.pick([
      'partial-wildcard',
      'double-wildcard',
      'wildcard-tld',
      'wildcard-apex',
      'upper-case',
      'trailing-dot-san',
      'trailing-dot-host',
      'a-label',
    ]);
    const [san, host] = {
      'partial-wildcard': ['f*.example.com', 'foo.example.com'],
      'double-wildcard': ['*.*.example.com', 'a.b.example.com'],
      'wildcard-tld': ['*.com', 'example.com'],
      'wildcard-apex': ['*.example.com', 'example.com'],
      'upper-case': ['WWW.Example.COM', 'www.example.com'],
      'trailing-dot-san': ['www.example.com.', 'www.example.com'],
      'trailing-dot-host': ['www.example.com', 'www.example.com.'],
      'a-label': ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    }[form];
    setSanHost(c, san);
    c.validation.host = host;
    return `leaf-dns-forms:${form}`;
  },
  'name-constraints-extra': (c, rng) => {
    // §4.2.1.10: URI constraints name a host (a leading period: its subdomains); an IPv4
    // constraint is 8 octets and an IPv6 one 32, each applying to addresses of its length only;
    // minimum MUST be zero and maximum MUST be absent
    const i = pickCa(c, rng);
    const form = rng.pick([
      'uri-permitted-host',
      'uri-permitted-subdomains',
      'uri-excluded-host',
      'uri-ip-host-excluded',
      'ipv4-mapped-excluded',
      'ipv6-permitted',
      'subtree-minimum',
      'subtree-maximum',
    ]);
    const leaf = c.certs[c.certs.length - 1];
    const nc = (/** @type {Record<string, any>} */ v) => {
      c.certs[i].ext.nameConstraints = { critical: true, ...v };
    };
    if (form.startsWith('uri')) {
      // an IP address as the URI's host: no domain name, so it MUST be rejected under any URI
      // constraint (§4.2.1.10)
      const ipHost = form === 'uri-ip-host-excluded';
      leafSan(c).names.push({
        type: 'uri',
        value: ipHost ? 'https://192.0.2.10/node' : 'https://www.example.com/node',
      });
      const value = form === 'uri-permitted-subdomains' ? '.example.com' : 'www.example.com';
      const excluded = form === 'uri-excluded-host' || ipHost;
      nc({ [excluded ? 'excluded' : 'permitted']: [{ type: 'uri', value }] });
    } else if (form === 'ipv4-mapped-excluded' || form === 'ipv6-permitted') {
      const ip = form === 'ipv6-permitted' ? '2001:db8:0:1::7' : '::ffff:192.0.2.10';
      leafSan(c).names = [{ type: 'ip', value: ip }];
      leaf.subject = [['O', ORGS[0]]];
      delete c.validation.host;
      c.validation.ip = ip;
      nc(
        form === 'ipv6-permitted'
          ? { permitted: [{ type: 'ip', value: '2001:db8::/48' }] }
          : { excluded: [{ type: 'ip', value: '192.0.2.0/24' }] },
      );
    } else {
      nc({
        permitted: [{ type: 'dns', value: 'example.com' }],
        ...(form === 'subtree-minimum' ? { minimum: 1 } : { maximum: 2 }),
      });
    }
    return `name-constraints-extra:${form}@${i}`;
  },
  'crl-extensions': (c, rng) => {
    // §5.2 / §5.3: a CRL (or entry) with an unknown critical extension is not usable for that
    // certificate; §5.1.2.4: thisUpdate through 2049 is UTCTime
    const form = rng.pick(['unknown-critical', 'unknown-critical-entry', 'unknown-non-critical']);
    MUTATIONS.revocation(c, { ...rng, pick: (/** @type {any[]} */ a) => a[0] }); // none-revoked
    const crl = c.crls[c.crls.length - 1];
    crl.unknown = {
      critical: form !== 'unknown-non-critical',
      entry: form === 'unknown-critical-entry',
    };
    if (crl.unknown.entry) crl.revoked.push({ serial: '3' });
    return `crl-extensions:${form}`;
  },
};

/**
 * The name-chaining family, drawn from a third stream of the seed so that the families above
 * keep the forms they had for every seed: the issuer field of one certificate written
 * differently from its issuer's subject. RFC 5280 §7.1: names are compared after the LDAP
 * StringPrep of RFC 4518 (case folded, insignificant spaces removed) whatever their string type,
 * so `printable` (PrintableString for UTF8String), `upper` (letter case) and `spaces` (leading,
 * trailing and doubled inner spaces) still chain; `other` (one letter changed) does not.
 */
const NAME_MUTATIONS = {
  'name-encoding': (c, rng) => {
    const i = 1 + rng.int(c.certs.length - 1);
    const form = rng.pick(['printable', 'upper', 'spaces', 'other']);
    c.certs[i].der = { ...c.certs[i].der, issuerName: form };
    return `name-encoding:${form}@${i}`;
  },
};

/** The kinds of mutation, in a fixed order (the order is part of what a seed means). */
export const MUTATION_KINDS = Object.keys(MUTATIONS);

/** The later families, in a fixed order (drawn from the seed's second stream). */
export const ENCODING_KINDS = Object.keys(ENCODING_MUTATIONS);

/** What a mutation is drawn from: revocation four times, since it has the most forms. */
const DRAWS = MUTATION_KINDS.flatMap((k) => (k === 'revocation' ? [k, k, k, k] : [k]));

/** Index of a CA certificate of the chain, intermediates more often than the root. */
function pickCa(/** @type {CaseSpec} */ c, /** @type {ReturnType<typeof createRandom>} */ rng) {
  const cas = c.certs.length - 1;
  if (cas === 1 || rng.chance(0.25)) return 0;
  return 1 + rng.int(cas - 1);
}

function setSanHost(/** @type {CaseSpec} */ c, /** @type {string} */ host) {
  const leaf = c.certs[c.certs.length - 1];
  leafSan(c).names = [{ type: 'dns', value: host }];
  leaf.subject = [
    ['O', ORGS[0]],
    ['CN', host],
  ];
  c.validation.host = host;
  delete c.validation.ip;
}

/** The leaf's SAN extension, made (non-critical, empty) when a mutation took it away. */
function leafSan(/** @type {CaseSpec} */ c) {
  const leaf = c.certs[c.certs.length - 1];
  leaf.ext.san ??= { critical: false, names: [] };
  return leaf.ext.san;
}

function maybePolicies(
  /** @type {CaseSpec} */ c,
  /** @type {ReturnType<typeof createRandom>} */ rng,
) {
  for (const cert of c.certs) {
    const form = rng.pick(['keep', 'absent', 'p1', 'any']);
    if (form === 'absent') delete cert.ext.certificatePolicies;
    else if (form !== 'keep')
      cert.ext.certificatePolicies = {
        critical: false,
        policies: [POLICY[/** @type {'p1' | 'any'} */ (form)]],
      };
  }
}

function policyTag(/** @type {CertSpec} */ cert) {
  const p = cert.ext.certificatePolicies;
  if (!p) return '-';
  const names = p.policies.map(
    (oid) => Object.entries(POLICY).find(([, v]) => v === oid)?.[0] ?? oid,
  );
  return `${names.join('+')}${p.critical ? '!' : ''}`;
}

/**
 * The case of one seed.
 * @param {number} seed
 * @returns {CaseSpec}
 */
export function generateCase(seed) {
  const rng = createRandom(seed);
  const c = startCase(seed, rng, rng.int(3));
  const count = rng.chance(0.08) ? 0 : 1 + rng.int(rng.chance(0.3) ? 3 : 1);
  const chosen = new Set();
  for (let k = 0; k < count; k++) {
    const kind = rng.pick(DRAWS);
    if (chosen.has(kind)) continue;
    // a CRL entry cannot be built for a zero or 21-octet serial; revocation has its own serial forms
    if (
      (kind === 'revocation' && chosen.has('serial-encoding')) ||
      (kind === 'serial-encoding' && chosen.has('revocation'))
    )
      continue;
    chosen.add(kind);
    c.mutations.push(MUTATIONS[kind](c, rng));
  }
  // the later families, from their own stream: about one case in three gets one of them
  const extra = createRandom(seed + 0x9e3779b1);
  if (extra.chance(0.35)) {
    const kind = extra.pick(ENCODING_KINDS);
    if (!(kind === 'crl-extensions' && (chosen.has('revocation') || chosen.has('serial-encoding'))))
      c.mutations.push(ENCODING_MUTATIONS[kind](c, extra));
  }
  // the name-chaining family, from a third stream: about one case in eight
  const names = createRandom(seed + 0x85ebca6b);
  if (names.chance(0.12)) c.mutations.push(NAME_MUTATIONS['name-encoding'](c, names));
  return c;
}

/**
 * An unmutated case: a chain with `intermediates` CAs that every verifier should accept.
 * @param {number} seed
 * @param {number} intermediates 0, 1 or 2
 * @returns {CaseSpec}
 */
export function unmutatedCase(seed, intermediates) {
  return startCase(seed, createRandom(seed), intermediates);
}

/**
 * @param {number} seed
 * @param {ReturnType<typeof createRandom>} rng
 * @param {number} intermediates
 * @returns {CaseSpec}
 */
function startCase(seed, rng, intermediates) {
  const certs = baseChain(rng, intermediates);
  /** @type {CaseSpec} */
  const c = {
    seed,
    mutations: [`depth:${certs.length - 2}`],
    certs,
    crls: [],
    validation: {
      at: BASE_TIME,
      host: 'www.example.com',
      checkRevocation: false,
      requireExplicitPolicy: false,
      inhibitPolicyMapping: false,
      inhibitAnyPolicy: false,
    },
  };
  return c;
}

/** The kind of a mutation tag (`name-constraints-dns:permitted=...@1` -> `name-constraints-dns`). */
export function mutationKind(/** @type {string} */ tag) {
  return tag.split(/[:@]/)[0] ?? tag;
}
