/**
 * The verifiers a generated case is run through. Each runner takes the built cases
 * (`{ spec, certs: [root, ...intermediates, leaf], crls }`) and returns one result per case:
 * `{ outcome: 'accept' | 'reject' | 'n/a', reason }`. `n/a` means the peer cannot judge that
 * case (it does not check CRLs, or has no input for an initial policy setting), never that it
 * failed to run. A peer that is not installed is reported `unavailable` with the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ outcome: 'accept' | 'reject' | 'n/a', reason: string }} PeerResult
 * @typedef {{ spec: import('./generate.mjs').CaseSpec, certs: string[], crls: string[] }} BuiltCase
 * @typedef {{ available: true, version: string, results: PeerResult[] } | { available: false, reason: string }} PeerRun
 */

/** Why a peer that checks neither CRLs nor takes initial policy inputs cannot judge a case. */
function pathOnlyReason(/** @type {BuiltCase} */ c, /** @type {string} */ peer) {
  const v = c.spec.validation;
  if (v.checkRevocation) return `${peer} does not check CRLs`;
  if (v.requireExplicitPolicy || v.inhibitPolicyMapping || v.inhibitAnyPolicy)
    return `${peer} takes no initial policy inputs (RFC 5280 §6.1.1)`;
  return undefined;
}

/**
 * Why Go's crypto/x509 cannot judge a case, if it cannot: before Go 1.22 it implements no
 * policy processing and rejects a critical policyMappings, policyConstraints or inhibitAnyPolicy
 * as unhandled; and it implements no dirName name constraints, rejecting a critical
 * nameConstraints that has one. Its rejection then says nothing about the path.
 * @param {BuiltCase} c
 * @param {boolean} policies whether this Go processes policies
 */
function goCannotJudge(c, policies) {
  for (const cert of c.spec.certs) {
    const e = cert.ext;
    if (!policies)
      for (const name of ['policyMappings', 'policyConstraints', 'inhibitAnyPolicy'])
        if (e[name]?.critical)
          return `Go before 1.22 does not process ${name} (RFC 5280 §6.1.4) and rejects it when critical`;
    const nc = e.nameConstraints;
    if (
      nc?.critical &&
      [...(nc.permitted ?? []), ...(nc.excluded ?? [])].some((n) => n.type === 'dirname')
    )
      return 'Go does not implement directoryName name constraints (RFC 5280 §4.2.1.10) and rejects them when critical';
  }
  if (!policies && c.spec.validation.requireExplicitPolicy)
    return 'Go before 1.22 takes no initial policy inputs';
  return undefined;
}

/**
 * nodeid's `verifyCertificate` on every case, with the case's inputs: serverAuth, the peer
 * name, the time, `revocation: 'require'` and the CRLs when the case checks revocation (as
 * `openssl verify -crl_check_all` does), and the initial policy inputs.
 * @param {BuiltCase[]} cases
 * @param {(options: any) => Promise<any>} verifyCertificate
 * @param {'rfc5280' | 'webpki'} policy
 * @returns {Promise<PeerRun>}
 */
export async function runNodeid(cases, verifyCertificate, policy) {
  const results = [];
  for (const c of cases) {
    const v = c.spec.validation;
    const options = {
      certificate: c.certs[c.certs.length - 1],
      trustAnchors: [c.certs[0]],
      intermediates: c.certs.slice(1, -1),
      usage: 'server',
      at: new Date(v.at * 1000),
      policy,
      requireExplicitPolicy: v.requireExplicitPolicy,
      inhibitPolicyMapping: v.inhibitPolicyMapping,
      inhibitAnyPolicy: v.inhibitAnyPolicy,
      ...(v.ip ? { ip: v.ip } : { host: v.host }),
      ...(v.checkRevocation ? { crls: c.crls, revocation: 'require' } : {}),
    };
    try {
      const r = await verifyCertificate(options);
      results.push(
        r.ok
          ? { outcome: 'accept', reason: '' }
          : {
              outcome: 'reject',
              reason: `${r.code}${r.depth === undefined ? '' : ` (depth ${r.depth})`}: ${r.message}`,
            },
      );
    } catch (e) {
      // verifyCertificate must never throw; a throw is a bug, shown as a rejection with its message
      results.push({
        outcome: 'reject',
        reason: `THREW: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  return { available: true, version: `@nodeid/sdk (${policy})`, results };
}

/**
 * `openssl verify` on one case, in its own temporary folder.
 * @param {BuiltCase} c
 * @param {string} dir
 * @returns {Promise<PeerResult>}
 */
function opensslCase(c, dir) {
  const v = c.spec.validation;
  mkdirSync(dir, { recursive: true });
  const file = (/** @type {string} */ name, /** @type {string} */ text) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const args = ['verify', '-no-CApath', '-no-CAstore', '-CAfile', file('root.pem', c.certs[0])];
  if (c.certs.length > 2)
    args.push('-untrusted', file('untrusted.pem', c.certs.slice(1, -1).join('')));
  args.push('-x509_strict', '-policy_check', '-policy', '2.5.29.32.0', '-purpose', 'sslserver');
  if (v.requireExplicitPolicy) args.push('-explicit_policy');
  if (v.inhibitPolicyMapping) args.push('-inhibit_map');
  if (v.inhibitAnyPolicy) args.push('-inhibit_any');
  args.push('-attime', String(v.at));
  if (v.ip) args.push('-verify_ip', v.ip);
  else args.push('-verify_hostname', v.host ?? '');
  if (v.checkRevocation) {
    args.push('-crl_check_all', '-extended_crl');
    if (c.crls.length > 0) args.push('-CRLfile', file('crls.pem', c.crls.join('')));
  }
  args.push(file('leaf.pem', c.certs[c.certs.length - 1]));
  return new Promise((resolve) => {
    const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', (e) =>
      resolve({ outcome: 'reject', reason: `openssl did not run: ${e.message}` }),
    );
    child.on('close', (code) => {
      const errors = out
        .split('\n')
        .filter((l) => /^error \d+ at/.test(l))
        .map((l) => l.trim());
      resolve(
        code === 0
          ? { outcome: 'accept', reason: '' }
          : {
              outcome: 'reject',
              reason: errors.join('; ') || out.trim().split('\n').slice(-1)[0] || `exit ${code}`,
            },
      );
    });
  });
}

/**
 * `openssl verify` (with -x509_strict -policy_check, and -crl_check_all -extended_crl when the
 * case checks revocation) on every case, two at a time.
 * @param {BuiltCase[]} cases
 * @returns {Promise<PeerRun>}
 */
export async function runOpenssl(cases) {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.status !== 0)
    return { available: false, reason: 'openssl is not installed (apt-get install openssl)' };
  const root = mkdtempSync(join(tmpdir(), 'nodeid-differential-openssl-'));
  try {
    /** @type {PeerResult[]} */
    const results = new Array(cases.length);
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        results[i] = await opensslCase(cases[i], join(root, String(i)));
      }
    };
    await Promise.all([worker(), worker()]);
    return { available: true, version: probe.stdout.trim(), results };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Streams cases, one JSON line each, through a peer program that answers one JSON line each.
 * @param {string} command
 * @param {string[]} args
 * @param {object[]} inputs
 * @param {Record<string, string>} [env]
 * @returns {Promise<{ lines: any[], stderr: string, code: number | null }>}
 */
function streamLines(command, args, inputs, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
      resolve({ lines, stderr, code });
    });
    child.stdin.on('error', () => {}); // the peer may exit early (unavailable); its output says why
    child.stdin.end(inputs.map((i) => JSON.stringify(i)).join('\n') + (inputs.length ? '\n' : ''));
  });
}

/** The JSON a streamed peer reads for a case. */
function peerInput(/** @type {BuiltCase} */ c, /** @type {number} */ id) {
  const v = c.spec.validation;
  return { id, certs: c.certs, at: v.at, ...(v.ip ? { ip: v.ip } : { host: v.host ?? '' }) };
}

/**
 * Runs a streamed peer on the cases it can judge; the others are `n/a`.
 * @param {BuiltCase[]} cases
 * @param {string} peer
 * @param {(c: BuiltCase) => string | undefined} cannotJudge why the peer cannot judge a case, if it cannot
 * @param {(inputs: object[]) => Promise<{ lines: any[], stderr: string, code: number | null }>} run
 * @returns {Promise<{ results: PeerResult[], header: any[], problem?: string }>}
 */
async function runStreamed(cases, peer, cannotJudge, run) {
  /** @type {PeerResult[]} */
  const results = cases.map((c) => {
    const why = pathOnlyReason(c, peer) ?? cannotJudge(c);
    return why ? { outcome: 'n/a', reason: why } : { outcome: 'reject', reason: 'no answer' };
  });
  const inputs = cases.flatMap((c, i) => (results[i]?.outcome === 'n/a' ? [] : [peerInput(c, i)]));
  const { lines, stderr, code } = await run(inputs);
  const header = lines.filter((l) => l.id === undefined);
  if (header.some((h) => h.unavailable)) return { results, header };
  const answered = new Set();
  for (const l of lines) {
    if (l.id === undefined) continue;
    answered.add(l.id);
    results[l.id] = l.ok
      ? { outcome: 'accept', reason: '' }
      : { outcome: 'reject', reason: l.reason };
  }
  const missing = inputs.filter((i) => !answered.has(/** @type {any} */ (i).id)).length;
  return {
    results,
    header,
    problem:
      missing > 0
        ? `${peer} answered ${inputs.length - missing}/${inputs.length} cases (exit ${code}): ${stderr.trim()}`
        : undefined,
  };
}

/**
 * pyca/cryptography's verifier (`cryptography.x509.verification`, the CA/Browser Forum
 * profile) on every case it can judge.
 * @param {BuiltCase[]} cases
 * @returns {Promise<PeerRun>}
 */
export async function runPyca(cases) {
  try {
    const { results, header, problem } = await runStreamed(
      cases,
      'pyca/cryptography',
      () => undefined,
      (inputs) => streamLines('python3', [join(here, 'peers/pyca.py')], inputs),
    );
    const unavailable = header.find((h) => h.unavailable);
    if (unavailable) return { available: false, reason: unavailable.unavailable };
    if (problem) throw new Error(problem);
    return { available: true, version: `pyca/cryptography ${header[0]?.version}`, results };
  } catch (e) {
    if (/** @type {any} */ (e).code === 'ENOENT')
      return { available: false, reason: 'python3 is not installed' };
    throw e;
  }
}

/**
 * Go's crypto/x509 on every case it can judge: go/main.go, built with the standard library
 * only into a temporary folder (its own GOCACHE and GOPATH, no network).
 * @param {BuiltCase[]} cases
 * @returns {Promise<PeerRun>}
 */
export async function runGo(cases) {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0)
    return { available: false, reason: 'go is not installed (apt-get install golang)' };
  const { binary, env } = buildGoPeer();
  const [, major = 0, minor = 0] = /go(\d+)\.(\d+)/.exec(version.stdout)?.map(Number) ?? [];
  const policies = major > 1 || minor >= 22; // crypto/x509 processes policies from Go 1.22 on
  const { results, problem } = await runStreamed(
    cases,
    'Go crypto/x509',
    (c) => goCannotJudge(c, policies),
    (inputs) => streamLines(binary, [], inputs, env),
  );
  if (problem) throw new Error(problem);
  return { available: true, version: version.stdout.trim(), results };
}

/** @type {{ binary: string, env: Record<string, string> } | undefined} */
let goPeer;

/**
 * Builds go/main.go once per process, into a temporary folder removed when the process exits.
 * @returns {{ binary: string, env: Record<string, string> }}
 */
function buildGoPeer() {
  if (goPeer) return goPeer;
  const dir = mkdtempSync(join(tmpdir(), 'nodeid-differential-go-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const env = {
    GOCACHE: join(dir, 'cache'),
    GOPATH: join(dir, 'path'),
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  const binary = join(dir, 'verify');
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: join(here, '../go'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (build.status !== 0)
    throw new Error(`go build failed: ${build.stderr || build.error?.message}`);
  goPeer = { binary, env };
  return goPeer;
}
