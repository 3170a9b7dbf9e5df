/** Shared by the bulk issuance tests: node lists, a full check of one bundle, the inventory. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  importPrivateKeyPem,
  keyMatchesCertificate,
  parseCertificate,
  verifyCertificate,
} from '@nodeid/sdk';
import { openStore } from '@nodeid/store';
import { expect } from 'vitest';
import { CLI } from './run-cli.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** `count` lines `<prefix>N.bulk.internal 10.x.y.z`. */
export function nodeList(count: number, prefix = 'node'): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++)
    lines.push(`${prefix}${i}.bulk.internal 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Checks one plain-layout bundle folder fully: modes (0700 folder, 0600 key, 0644 certificates),
 * exactly its three files, the CA file as the CA's, the certificate verified by the SDK (RFC 5280
 * path, host, cluster name) and the key matching it. Answers the certificate's serial.
 */
export async function checkBundle(
  dir: string,
  name: string,
  caPem: string,
  clusterName: string,
): Promise<string> {
  expect(modeOf(dir)).toBe(0o700);
  expect(readdirSync(dir).sort()).toEqual(['ca.crt', `${name}.crt`, `${name}.key`]);
  expect(modeOf(join(dir, `${name}.key`))).toBe(0o600);
  expect(modeOf(join(dir, `${name}.crt`))).toBe(0o644);
  expect(modeOf(join(dir, 'ca.crt'))).toBe(0o644);
  expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(caPem);
  const certPem = readFileSync(join(dir, `${name}.crt`), 'utf8');
  const result = await verifyCertificate({
    certificate: certPem,
    trustAnchors: [caPem],
    host: name,
    clusterName,
  });
  expect(result.ok, `${name}: ${result.ok ? '' : result.message}`).toBe(true);
  const key = await importPrivateKeyPem(readFileSync(join(dir, `${name}.key`), 'utf8'));
  expect(await keyMatchesCertificate(key, certPem)).toBe(true);
  return parseCertificate(certPem).serialNumber;
}

/** The serials the CA folder's inventory holds, sorted. */
export async function inventorySerials(caDir: string): Promise<string[]> {
  const store = await openStore(join(caDir, 'inventory.db'));
  try {
    return (await store.listCertificates()).map((c) => c.serialNumber).sort();
  } finally {
    await store.close();
  }
}

/**
 * Runs the built CLI without blocking this process (a long spawnSync starves vitest's own
 * messages), collecting stdout and stderr; kills it on timeout.
 */
export function runCliAsync(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: merged as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
