/**
 * `nodeid token create <name>`: the admin's side of enrollment. Asks nodeid-server for a one-time
 * token bound to one node's names, and prints it once with the CA fingerprint the node must pin.
 */
import { readFile } from 'node:fs/promises';
import {
  enrollArguments,
  loadPublicSuffixList,
  PROFILES,
  type Profile,
  parseCertificates,
  tokenNames,
  tokenWildcards,
} from '@nodeid/sdk';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, type GlobalArgs, list } from '../../lib/command.js';
import { callApi, parseServerUrl, type TlsTrust } from '../../lib/http-client.js';
import { printJson, printText } from '../../lib/output.js';
import {
  fetchPinnedCa,
  fingerprintOf,
  formatFingerprint,
  parseFingerprint,
  readTrustFile,
} from '../../lib/pinned-ca.js';

interface Args extends GlobalArgs {
  name: string;
  server: string;
  adminTokenFile: string;
  caFile?: string;
  fingerprint?: string;
  profile: Profile;
  dns?: string[];
  ip?: string[];
  uri?: string[];
  ttl?: string;
  days?: number;
  acme?: boolean;
  wildcard?: string[];
}

/** What the server answers to POST /v1/enrollments. */
interface Enrollment {
  id: string;
  token: string;
  name: string;
  profile: string;
  dns: string[];
  ips: string[];
  uris: string[];
  expiresAt: string;
  /** External Account Binding for ACME clients, with `--acme`. */
  eab?: { kid: string; hmacKey: string };
  /** Wildcard DNS names the ACME account may order (dns-01 only), with `--wildcard`. */
  wildcards?: string[];
}

/** The ACME client command lines (certbot, lego) that use a token's EAB for its names. */
export function acmeCommandLines(origin: string, created: Enrollment): string[] {
  const eab = created.eab!;
  const directory = `${origin}/acme/directory`;
  const names = [created.name, ...created.dns];
  return [
    `  certbot certonly --server ${directory} --eab-kid=${eab.kid} --eab-hmac-key=${eab.hmacKey} --standalone ${names.map((n) => `-d ${shellWord(n)}`).join(' ')}`,
    `  lego --server ${directory} --eab --kid=${eab.kid} --hmac=${eab.hmacKey} --email EMAIL ${[...names, ...created.ips].map((n) => `--domains ${shellWord(n)}`).join(' ')} --http run`,
    ...(created.wildcards?.length
      ? [
          '  a wildcard is validated by dns-01 only (a TXT record at _acme-challenge.DOMAIN):',
          `  certbot certonly --server ${directory} --eab-kid=${eab.kid} --eab-hmac-key=${eab.hmacKey} --manual --preferred-challenges dns ${created.wildcards.map((n) => `-d ${shellWord(n)}`).join(' ')}`,
          `  lego --server ${directory} --eab --kid=${eab.kid} --hmac=${eab.hmacKey} --email EMAIL ${created.wildcards.map((n) => `--domains ${shellWord(n)}`).join(' ')} --dns PROVIDER run`,
        ]
      : []),
    "  (each must trust the server's CA: REQUESTS_CA_BUNDLE=ca.crt for certbot, LEGO_CA_CERTIFICATES=ca.crt for lego)",
  ];
}

/** `word` as one POSIX shell word: as is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The first token in an admin token file (one a line, `#` comments allowed). */
async function readAdminToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError('ERR_FILE_NOT_FOUND', `cannot read the admin token file ${path}`);
  }
  const token = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (!token) throw new CliError('ERR_FILE_IO', `the admin token file ${path} holds no token`);
  return token;
}

/** How to trust the server: the CA file the admin has, or a pinned fingerprint. */
export async function adminTrust(args: {
  server: URL;
  caFile?: string;
  fingerprint?: string;
}): Promise<TlsTrust> {
  if (args.caFile) return readTrustFile(args.caFile);
  return (await fetchPinnedCa(args.server, parseFingerprint(args.fingerprint!))).trust;
}

export const tokenCreateCommand = defineCommand<Args>({
  command: 'create <name>',
  describe: 'ask nodeid-server for a one-time enrollment token bound to one node (shown once)',
  builder: (y) =>
    y
      .positional('name', {
        type: 'string',
        demandOption: true,
        describe: "the node's FQDN (a user name with --profile client)",
      })
      .option('server', {
        type: 'string',
        demandOption: true,
        describe: 'nodeid-server URL, https://host:port',
      })
      .option('admin-token-file', {
        type: 'string',
        demandOption: true,
        describe: "file holding an admin token (the server's <CA folder>/admin.token)",
      })
      .option('ca-file', {
        type: 'string',
        describe: "trust the server's TLS certificate when it chains to this CA file",
      })
      .option('fingerprint', {
        type: 'string',
        describe: "trust the server's CA only if its SHA-256 is this (SHA256:AB:CD:…)",
      })
      .option('profile', {
        choices: PROFILES as Profile[],
        default: 'node' as Profile,
        describe: 'what the certificate will be for',
      })
      .option('dns', {
        type: 'array',
        string: true,
        describe: 'extra DNS name the node may ask for, exact (repeatable; no *. or . patterns)',
      })
      .option('ip', {
        type: 'array',
        string: true,
        describe: 'IP address the node may ask for, exact (repeatable; no ranges)',
      })
      .option('uri', {
        type: 'array',
        string: true,
        describe: 'absolute URI the node may ask for, exact (repeatable)',
      })
      .option('ttl', {
        type: 'string',
        describe: 'how long the token can be used, e.g. 15m, 1h (server default 1h, at most 7d)',
      })
      .option('days', {
        type: 'number',
        describe: "lifetime of the node's certificate in days (server default 365)",
      })
      .option('acme', {
        type: 'boolean',
        describe:
          'also make the token an ACME External Account Binding (kid + HMAC key) for certbot, lego, Caddy…: the account it creates may order only these names',
      })
      .option('wildcard', {
        type: 'array',
        string: true,
        describe:
          'with --acme: a wildcard DNS name the ACME account may also order, validated by dns-01 only (repeatable; *. as the whole leftmost label, never over a public suffix: *.cluster.example, not *.com)',
      })
      .check((a) => {
        if (Boolean(a['ca-file']) === Boolean(a.fingerprint))
          throw new CliError(
            'ERR_USAGE',
            "give --ca-file or --fingerprint (one of them) so the server's certificate can be checked",
            EXIT.USAGE,
          );
        if (a.acme && a.profile === 'client')
          throw new CliError(
            'ERR_USAGE',
            '--acme is for host certificates: use --profile node, server or control',
            EXIT.USAGE,
          );
        if (a.wildcard?.length && !a.acme)
          throw new CliError(
            'ERR_USAGE',
            '--wildcard is granted only with --acme: an ACME client proves each wildcard by dns-01',
            EXIT.USAGE,
          );
        if (a.days !== undefined && !(Number.isInteger(a.days) && a.days >= 1))
          throw new CliError(
            'ERR_USAGE',
            '--days must be a whole number of days, at least 1',
            EXIT.USAGE,
          );
        return true;
      })
      .example(
        '$0 token create node1.example.net --ip 10.0.0.1 --server https://head:8443 --admin-token-file /etc/nodeid/ca/admin.token --ca-file /etc/nodeid/ca/ca.crt',
        'a token node1 can use once within an hour',
      )
      .example(
        '$0 token create node1.example.net --acme --ttl 1d --server https://head:8443 --admin-token-file /etc/nodeid/ca/admin.token --ca-file /etc/nodeid/ca/ca.crt',
        'an EAB kid and HMAC key for an ACME client (printed with the certbot and lego command lines)',
      )
      .example(
        "$0 token create ingress.cluster.example --acme --wildcard '*.cluster.example' --profile server --server https://head:8443 --admin-token-file /etc/nodeid/ca/admin.token --ca-file /etc/nodeid/ca/ca.crt",
        'an ACME token that may also order *.cluster.example, proven by a dns-01 TXT record',
      )
      .epilog(
        `The token is printed once (the server keeps only its hash) and works once. Give it to the node with the CA fingerprint, over a channel you trust; on the node: nodeid enroll --server URL --token TOKEN --fingerprint SHA256:…\n\n${exitCodes(
          {
            0: 'the token was created and printed',
            1: 'the server refused: wrong admin token, bad names or TTL, rate limited',
            2: 'bad arguments',
            3: 'nothing asked: a name is not an exact DNS name, IP address or absolute URI (ERR_NAME_INVALID), or cannot reach the server or read a file',
            4: 'the server is not trusted: its certificate does not chain to --ca-file, or its CA does not match --fingerprint',
          },
        )}`,
      ),
  handler: action(async (args) => {
    const server = parseServerUrl(args.server);
    if (args.fingerprint) parseFingerprint(args.fingerprint);
    // the SDK's token-name builder, the one the server applies: exact names only, refused here
    // (ERR_NAME_INVALID) before anything is sent
    const asked = tokenNames({
      name: args.name,
      profile: args.profile,
      dns: list(args.dns),
      ips: list(args.ip),
      uris: list(args.uri),
    });
    const wildcards = args.wildcard?.length
      ? tokenWildcards(list(args.wildcard), await loadPublicSuffixList())
      : [];
    const adminToken = await readAdminToken(args.adminTokenFile);
    const trust = await adminTrust({
      server,
      caFile: args.caFile,
      fingerprint: args.fingerprint,
    });
    const created = await callApi<Enrollment>(server, '/v1/enrollments', {
      method: 'POST',
      trust,
      headers: { authorization: `Bearer ${adminToken}` },
      json: {
        name: asked.name,
        profile: asked.profile,
        dns: asked.dns,
        ips: asked.ips,
        uris: asked.uris,
        ...(args.ttl !== undefined && { ttl: args.ttl }),
        ...(args.days !== undefined && { validityDays: args.days }),
        ...(args.acme && { acme: true }),
        ...(wildcards.length && { wildcards }),
      },
    });
    const ca = await callApi<{ pem: string }>(server, '/v1/ca?format=json', { trust });
    const [caCert] = parseCertificates(ca.pem);
    if (!caCert) throw new CliError('ERR_BAD_RESPONSE', 'the server sent no CA certificate');
    const caFingerprint = formatFingerprint(fingerprintOf(caCert));
    const names = [
      ...(created.profile === 'client' ? [`CN:${created.name}`] : [created.name]),
      ...created.dns.map((n) => `DNS:${n}`),
      ...created.ips.map((n) => `IP:${n}`),
      ...created.uris.map((n) => `URI:${n}`),
      ...(created.wildcards ?? []).map((n) => `DNS:${n} (ACME, dns-01 only)`),
    ];
    if (args.format === 'json') {
      printJson({ ...created, server: server.origin, caFingerprint });
    } else {
      printText(
        [
          `enrollment token ${created.id} for ${created.name} (profile ${created.profile}), usable once until ${created.expiresAt}:`,
          `  ${created.token}`,
          `names it allows: ${names.join(', ')}`,
          `CA fingerprint to pin: ${caFingerprint}`,
          'on the node (this token is not shown again):',
          `  nodeid enroll --server ${server.origin} --token "$TOKEN" --fingerprint ${caFingerprint} ${enrollArguments(created).map(shellWord).join(' ')}`,
          ...(created.eab
            ? [
                `or with an ACME client, once (EAB kid ${created.eab.kid}, HMAC key ${created.eab.hmacKey}):`,
                ...acmeCommandLines(server.origin, created),
              ]
            : []),
        ].join('\n'),
      );
    }
    return EXIT.OK;
  }),
});
