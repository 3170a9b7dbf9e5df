/**
 * PKCS#12 with Java, the peer keystores are made for (Kafka, Elasticsearch, Spectrum Scale key
 * clients), in few JVM launches:
 * - `nodeid cert issue --layout pkcs12` for P-256, P-384, RSA and Ed25519: `keytool -list` shows a
 *   PrivateKeyEntry (chain of 2) and the truststore a trustedCertEntry; a Java program loads every
 *   keystore and decrypts every key;
 * - that Java program then completes mutual TLS as a client with `javax.net.ssl.keyStore` and
 *   `javax.net.ssl.trustStore` set to nodeid's files, against a node:tls server that requires and
 *   verifies the client certificate;
 * - what keytool writes (`-genkeypair`, `-importcert`) is read by `nodeid expiry check`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';

const run = promisify(execFile);
const ENV = { NODEID_CA_PASSPHRASE: undefined, NODEID_CA_DIR: undefined };
const PASS = 'changeit';

let work: string;
let server: Server | undefined;

const CLIENT = `
import java.io.*;
import java.security.*;
import java.security.cert.Certificate;
import java.util.*;
import javax.net.ssl.*;

public class P12Client {
  public static void main(String[] args) throws Exception {
    char[] pass = args[2].toCharArray();
    // Every keystore named after the port: load it and decrypt every key, as a server would.
    for (int i = 3; i < args.length; i++) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = new FileInputStream(args[i])) { ks.load(in, pass); }
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          Key key = ks.getKey(alias, pass);
          Certificate[] chain = ks.getCertificateChain(alias);
          System.out.println("KEY " + args[i] + " " + alias + " " + key.getAlgorithm() + " chain=" + chain.length);
        } else if (ks.isCertificateEntry(alias)) {
          System.out.println("TRUSTED " + args[i] + " " + alias);
        }
      }
    }
    // Mutual TLS with the JSSE defaults, configured only by javax.net.ssl.* properties.
    SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
    try (SSLSocket socket = (SSLSocket) factory.createSocket(args[0], Integer.parseInt(args[1]))) {
      SSLParameters params = socket.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(params);
      socket.startHandshake();
      Writer out = new OutputStreamWriter(socket.getOutputStream(), "UTF-8");
      out.write("hello from java\\n");
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), "UTF-8"));
      System.out.println("TLS " + socket.getSession().getProtocol() + " " + in.readLine());
    }
  }
}
`;

function nodeid(args: string[]): void {
  const r = runCli(args, { env: ENV });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
}

function keytool(args: string[]): string {
  const r = spawnSync('keytool', args, { encoding: 'utf8' });
  expect(r.status, `keytool ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

const algorithms = ['P-256', 'P-384', 'RSA-2048', 'Ed25519'] as const;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nodeid-java-'));
  writeFileSync(join(work, 'ca-pass'), 'ca secret\n');
  writeFileSync(join(work, 'p12-pass'), `${PASS}\n`);
  const ca = ['--dir', join(work, 'ca'), '--passphrase-file', join(work, 'ca-pass')];
  nodeid(['ca', 'init', 'java.cluster', ...ca]);
  for (const algorithm of algorithms)
    nodeid([
      'cert',
      'issue',
      `client-${algorithm.toLowerCase()}.example.net`,
      '--profile',
      'client',
      '--algorithm',
      algorithm,
      '--layout',
      'pkcs12',
      '--p12-passphrase-file',
      join(work, 'p12-pass'),
      '--out',
      join(work, algorithm),
      ...ca,
    ]);
  nodeid([
    'cert',
    'issue',
    'localhost',
    '--profile',
    'server',
    '--ip',
    '127.0.0.1',
    '--out',
    join(work, 'server'),
    ...ca,
  ]);
}, 180_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('Java reads what nodeid writes', () => {
  it('keytool -list: a PrivateKeyEntry with its chain, and a trustedCertEntry', () => {
    const keystore = keytool([
      '-list',
      '-v',
      '-storetype',
      'PKCS12',
      '-keystore',
      join(work, 'P-256', 'client-p-256.example.net.p12'),
      '-storepass',
      PASS,
    ]);
    expect(keystore).toContain('Alias name: client-p-256.example.net');
    expect(keystore).toContain('Entry type: PrivateKeyEntry');
    expect(keystore).toContain('Certificate chain length: 2');
    const truststore = keytool([
      '-list',
      '-storetype',
      'PKCS12',
      '-keystore',
      join(work, 'P-256', 'truststore.p12'),
      '-storepass',
      PASS,
    ]);
    expect(truststore).toMatch(/java\.cluster ca, .*, trustedCertEntry/);
  });

  it('a Java client loads every keystore and completes mutual TLS with the P-256 one', async () => {
    const server1 = join(work, 'server');
    let peer: { authorized: boolean; cn?: string; line?: string } | undefined;
    const got = new Promise<void>((resolve) => {
      server = createServer(
        {
          cert: readFileSync(join(server1, 'localhost.crt')),
          key: readFileSync(join(server1, 'localhost.key')),
          ca: readFileSync(join(server1, 'ca.crt')),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (socket: TLSSocket) => {
          peer = {
            authorized: socket.authorized,
            cn: socket.getPeerCertificate().subject?.CN as string | undefined,
          };
          socket.once('data', (data) => {
            peer!.line = data.toString().trim();
            socket.end('hello from node\n');
            resolve();
          });
        },
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server!.address() as { port: number }).port;
    writeFileSync(join(work, 'P12Client.java'), CLIENT);
    await run('javac', ['-d', work, join(work, 'P12Client.java')]);
    const keystore = join(work, 'P-256', 'client-p-256.example.net.p12');
    const stores = algorithms.map((a) =>
      join(work, a, `client-${a.toLowerCase()}.example.net.p12`),
    );
    const { stdout } = await run(
      'java',
      [
        `-Djavax.net.ssl.keyStore=${keystore}`,
        '-Djavax.net.ssl.keyStoreType=PKCS12',
        `-Djavax.net.ssl.keyStorePassword=${PASS}`,
        `-Djavax.net.ssl.trustStore=${join(work, 'P-256', 'truststore.p12')}`,
        '-Djavax.net.ssl.trustStoreType=PKCS12',
        `-Djavax.net.ssl.trustStorePassword=${PASS}`,
        '-cp',
        work,
        'P12Client',
        'localhost',
        String(port),
        PASS,
        ...stores,
        join(work, 'P-256', 'truststore.p12'),
      ],
      { timeout: 60_000 },
    );
    await got;
    const keys = stdout.split('\n').filter((l) => l.startsWith('KEY '));
    expect(keys.map((l) => l.split(' ').slice(3).join(' '))).toEqual([
      'EC chain=2',
      'EC chain=2',
      'RSA chain=2',
      expect.stringMatching(/^(Ed25519|EdDSA) chain=2$/),
    ]);
    expect(stdout).toContain(`TRUSTED ${join(work, 'P-256', 'truststore.p12')} java.cluster ca`);
    expect(stdout).toMatch(/^TLS TLSv1\.[23] hello from node$/m);
    // The server required the client certificate and verified it against the CA.
    expect(peer).toEqual({
      authorized: true,
      cn: 'client-p-256.example.net',
      line: 'hello from java',
    });
  }, 120_000);
});

describe('nodeid reads what keytool writes', () => {
  it('expiry check reports the keypair entry and the imported CA of keytool keystores', () => {
    const ks = join(work, 'keytool.p12');
    keytool([
      '-genkeypair',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-alias',
      'kmip-client',
      '-dname',
      'CN=kmip-client',
      '-validity',
      '10',
      '-storetype',
      'PKCS12',
      '-keystore',
      ks,
      '-storepass',
      PASS,
    ]);
    const ts = join(work, 'keytool-trust.p12');
    keytool([
      '-importcert',
      '-noprompt',
      '-alias',
      'cluster-ca',
      '-file',
      join(work, 'server', 'ca.crt'),
      '-storetype',
      'PKCS12',
      '-keystore',
      ts,
      '-storepass',
      PASS,
    ]);
    const r = runCli(
      [
        'expiry',
        'check',
        ks,
        ts,
        '--passphrase-file',
        join(work, 'p12-pass'),
        '--warn',
        '30d',
        '--format',
        'json',
      ],
      { env: ENV },
    );
    const rows = JSON.parse(r.stdout).certificates as {
      file: string;
      alias?: string;
      subject?: string;
      status: string;
    }[];
    expect(rows.map((x) => [x.file, x.alias, x.subject, x.status])).toEqual([
      [ks, 'kmip-client', 'CN=kmip-client', 'expiring'],
      [ts, 'cluster-ca', 'CN=java.cluster CA,OU=java.cluster', 'valid'],
    ]);
    expect(r.status).toBe(1); // the 10-day key pair is within the 30-day window
  });
});
