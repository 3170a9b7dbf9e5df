/** Creates a CSR on the node, where the private key is made and stays. */
import { NodeIdError } from '../errors.js';
import { shortName } from '../issue/issue-identity.js';
import { generateKeyPair } from '../keys/generate-key-pair.js';
import type { KeyAlgorithm, KeyPair } from '../keys/key-algorithm.js';
import { encodeCertificationRequest } from '../lib/certification-request.js';
import { type CryptoOptions, getCrypto } from '../lib/crypto.js';
import { subjectAltNameExtension } from '../lib/extensions.js';
import { parseIp } from '../lib/general-name.js';
import { encodeName } from '../lib/name.js';
import { optionsArgument } from '../lib/options-argument.js';
import { encodePem } from '../lib/pem.js';
import { buildSanEntries, normalizeDnsName, type SubjectAltNames } from '../lib/san.js';

/** Options for {@link createCsr}. */
export interface CreateCsrOptions extends CryptoOptions, SubjectAltNames {
  /**
   * The node's FQDN (or a user name with `profile: 'client'`). For hosts it becomes the CN and,
   * with its short name, the first DNS SANs.
   */
  name: string;
  /** `client` requests a user certificate: the name is the CN and no DNS SAN is added. Default `node`. */
  profile?: 'node' | 'server' | 'client' | 'control';
  /** Organization (O) to request. */
  organization?: string;
  /** Key algorithm of the new key; default `P-256`. Ignored with `keyPair`. */
  algorithm?: KeyAlgorithm;
  /** Sign with this existing key pair (e.g. to renew with the same key). */
  keyPair?: KeyPair;
  /** Whether the new private key can be exported; default `true` (it is written to the node's disk). */
  extractable?: boolean;
}

/** Result of {@link createCsr}. */
export interface CreateCsrResult {
  /** The CSR as PEM: this is what goes to the CA. */
  pem: string;
  der: Uint8Array;
  /** The key pair, which never leaves the node. */
  keyPair: KeyPair;
}

/**
 * Creates a key pair and a PKCS#10 request signed with it. The request carries the names in a
 * subjectAltName extension request: for hosts, the short name and the FQDN, then any extra DNS
 * names, IPs and URIs.
 *
 * @example
 * ```ts
 * const { pem, keyPair } = await createCsr({ name: 'node1.example.net', ips: ['10.0.0.1'] });
 * // send `pem` to the CA; keep keyPair.privateKey on the node
 * ```
 */
export async function createCsr(options: CreateCsrOptions): Promise<CreateCsrResult> {
  optionsArgument(options, 'createCsr');
  const crypto = getCrypto(options);
  const name = typeof options.name === 'string' ? options.name.trim() : '';
  if (!name) throw new NodeIdError('ERR_NAME_INVALID', 'a name is required');
  const profile = options.profile ?? 'node';
  const dns = [...(options.dns ?? [])];
  const ips = [...(options.ips ?? [])];
  if (profile !== 'client') {
    if (parseIp(name)) ips.unshift(name);
    else {
      const fqdn = normalizeDnsName(name);
      dns.unshift(...(profile === 'node' && fqdn.includes('.') ? [shortName(fqdn), fqdn] : [fqdn]));
    }
  }
  const sans = buildSanEntries({ dns, ips, uris: options.uris, emails: options.emails });
  const keyPair =
    options.keyPair ??
    (await generateKeyPair({
      algorithm: options.algorithm,
      extractable: options.extractable ?? true,
      crypto,
    }));
  const der = await encodeCertificationRequest({
    subject: encodeName({ commonName: name, organization: options.organization }),
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    extensions: sans.length ? [subjectAltNameExtension(sans)] : [],
    subtle: crypto.subtle,
  });
  return { pem: encodePem('CERTIFICATE REQUEST', der), der, keyPair };
}
