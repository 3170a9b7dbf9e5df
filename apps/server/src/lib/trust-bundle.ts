/**
 * The roots the nodes of this CA should trust now (`/v1/ca/bundle`, and renewals over mutual
 * TLS), and the server's own TLS issuer during a CA rotation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Certificate,
  type Issuer,
  isIssuedBy,
  NodeIdError,
  parseCertificate,
  parseCertificates,
} from '@nodeid/sdk';
import type { CaFolderConfig } from '@nodeid/sdk/node';
import type { Services } from './context.js';

/**
 * The CA folder's trust bundle (old and new root during a rotation, see `nodeid ca rotate`),
 * else the root of the signing CA: the last of its chain, or the CA itself.
 */
export function trustBundle(s: Services): Certificate[] {
  return s.deps.trustBundle ?? [s.deps.ca.chain?.at(-1) ?? s.deps.ca.certificate];
}

/**
 * The issuer of the server's own TLS certificate. During a rotation (`nodeid ca rotate`, until
 * `ca retire-old`) it is the new key under its NewWithOld certificate (same name and key
 * identifier as the new root, so the leaf is the same as one issued from the new root), with the
 * old root above it: the server then presents leaf + NewWithOld, which nodes that still trust
 * only the old root verify (RFC 4210 §4.4), while nodes of the new root or the bundle stop at
 * the new root. Otherwise the signing CA itself.
 */
export async function serverTlsIssuer(
  dir: string,
  config: CaFolderConfig,
  issuer: Issuer,
): Promise<Issuer> {
  const previous = config.previous;
  if (!previous) return issuer;
  const read = async (file: string) => {
    const [certificate] = parseCertificates(await readFile(join(dir, file), 'utf8'));
    if (!certificate)
      throw new NodeIdError('ERR_CA_FOLDER', `${join(dir, file)} holds no certificate`);
    return certificate;
  };
  const [newWithOld, oldRoot] = await Promise.all([
    read(previous.newWithOldFile),
    read(previous.certificateFile),
  ]);
  return { ...issuer, certificate: newWithOld, chain: [oldRoot] };
}

/**
 * The chain (PEM, nearest CA first) to hand out with `certificatePem`: that of the CA that issued
 * it, the current key's or, during a rotation, the old root for a certificate the old key signed
 * before the rotation (ACME downloads an order's certificate any time after finalize).
 */
export async function chainPemOf(s: Services, certificatePem: string): Promise<string> {
  const { ca, previousCa } = s.deps;
  const chain =
    previousCa && (await isIssuedBy(parseCertificate(certificatePem), previousCa.certificate))
      ? [previousCa.certificate]
      : [ca.certificate, ...(ca.chain ?? [])];
  return chain.map((c) => c.pem).join('');
}
