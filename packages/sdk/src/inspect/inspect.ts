/**
 * One entry point for `inspect`: finds out whether the input is a certificate, a CSR, a CRL or
 * a key (by PEM label, or by trying each DER structure) and describes it. This is the extension
 * point for new kinds: add a label in `kindOfLabel` and a branch in `inspect`.
 */
import { parseCertificateDer } from '../certificate/parse-certificate.js';
import { parseCrlDer } from '../crl/parse-crl.js';
import { NodeIdError } from '../errors.js';
import { type InspectKeyOptions, inspectKey, type KeyInfo } from '../keys/inspect-key.js';
import { decodePem, encodePem, looksLikePem, MAX_INPUT_BYTES, type PemBlock } from '../lib/pem.js';
import { type InspectedCertificate, inspectCertificate } from './inspect-certificate.js';
import { type InspectedCrl, inspectCrl } from './inspect-crl.js';
import { type InspectedCsr, inspectCsr } from './inspect-csr.js';

/** A key as {@link inspect} describes it: {@link KeyInfo}, with `keyKind` for its `kind`. */
export type InspectedKey = Omit<KeyInfo, 'kind'> & {
  kind: 'key';
  /** A private key file (public facts only) or a public key file. */
  keyKind: KeyInfo['kind'];
};

/** Whatever {@link inspect} found, told apart by `kind`. */
export type Inspected = InspectedCertificate | InspectedCsr | InspectedCrl | InspectedKey;

/** Options of {@link inspect}. */
export type InspectOptions = InspectKeyOptions;

type Kind = Inspected['kind'];

/** The kind a PEM label holds, or undefined when the SDK does not read it. */
function kindOfLabel(label: string): Kind | undefined {
  switch (label) {
    case 'CERTIFICATE':
    case 'X509 CERTIFICATE':
    case 'TRUSTED CERTIFICATE':
      return 'certificate';
    case 'CERTIFICATE REQUEST':
    case 'NEW CERTIFICATE REQUEST':
      return 'csr';
    case 'X509 CRL':
      return 'crl';
    case 'PRIVATE KEY':
    case 'ENCRYPTED PRIVATE KEY':
    case 'EC PRIVATE KEY':
    case 'RSA PRIVATE KEY':
    case 'PUBLIC KEY':
      return 'key';
    default:
      return undefined;
  }
}

function fromKeyInfo(info: KeyInfo): InspectedKey {
  const { kind, ...rest } = info;
  return { kind: 'key', keyKind: kind, ...rest };
}

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

async function inspectDer(der: Uint8Array, options: InspectOptions): Promise<Inspected> {
  if (succeeds(() => parseCertificateDer(der))) return inspectCertificate(der, options);
  if (succeeds(() => parseCrlDer(der))) return inspectCrl(der, options);
  try {
    return await inspectCsr(der, options);
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw e;
  }
  try {
    return fromKeyInfo(await inspectKey(der, options));
  } catch (e) {
    if (!NodeIdError.isInstance(e)) throw e;
    if (e.code === 'ERR_PASSPHRASE_WRONG') throw e;
  }
  throw new NodeIdError(
    'ERR_DER_INVALID',
    'the input is not a certificate, certificate request, CRL or key that this SDK can read',
  );
}

/**
 * Describes a certificate, CSR, CRL or key (without its secret parts), told apart by `kind`.
 * PEM input is recognised by its label; with several blocks, the first one of a known kind is
 * described (use the specific functions for bundles). DER input is tried as each kind in turn.
 * Inspection only: it says what the input contains, it does not verify a chain or judge dates.
 * Throws a `NodeIdError` (`ERR_PEM_INVALID`, `ERR_DER_INVALID`, or the specific parser's code)
 * for input it cannot read.
 *
 * @example
 * ```ts
 * const info = await inspect(await readFile(path, 'utf8'));
 * if (info.kind === 'certificate') console.log(info.notAfter);
 * console.log(renderText(info));
 * ```
 */
export async function inspect(
  input: string | Uint8Array,
  options: InspectOptions = {},
): Promise<Inspected> {
  let text: string | undefined;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) {
    if (input.length > MAX_INPUT_BYTES)
      throw new NodeIdError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`);
    if (input[0] === 0x2d /* - */) {
      const decoded = new TextDecoder().decode(input);
      if (looksLikePem(decoded)) text = decoded;
    }
    if (text === undefined) {
      if (input.length === 0) throw new NodeIdError('ERR_DER_INVALID', 'input is empty');
      return inspectDer(input, options);
    }
  } else throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected PEM text or DER bytes');

  const blocks = decodePem(text);
  if (blocks.length === 0)
    throw new NodeIdError(
      'ERR_PEM_INVALID',
      'no PEM block found: expected text starting with "-----BEGIN"',
    );
  for (const block of blocks) {
    switch (kindOfLabel(block.label)) {
      case 'certificate':
        return inspectCertificate(block.der, options);
      case 'crl':
        return inspectCrl(block.der, options);
      case 'csr':
        return inspectCsr(block.der, options);
      case 'key':
        // the key reader wants the text: legacy encrypted PEM keeps its headers there
        return fromKeyInfo(await inspectKey(text, options));
    }
  }
  const labels = blocks.map((b) => b.label).join(', ');
  throw new NodeIdError(
    'ERR_PEM_INVALID',
    `no certificate, certificate request, CRL or key found (PEM blocks: ${labels})`,
  );
}

/** PEM text of one block, with its headers (legacy encrypted keys keep them there). */
function blockText(block: PemBlock): string {
  const pem = encodePem(block.label, block.der);
  const headers = Object.entries(block.headers);
  if (headers.length === 0) return pem;
  const newline = pem.indexOf('\n') + 1;
  return `${pem.slice(0, newline)}${headers.map(([k, v]) => `${k}: ${v}\n`).join('')}\n${pem.slice(newline)}`;
}

/**
 * Describes every certificate, CSR, CRL and key in the input, in order: a chain or bundle file
 * gives one entry per block. Blocks of other kinds are skipped; input with none of a known kind
 * throws like {@link inspect}. DER input holds one object. Inspection only: nothing is verified.
 *
 * @example
 * ```ts
 * for (const item of await inspectAll(await readFile('bundle.pem', 'utf8'))) console.log(renderText(item));
 * ```
 */
export async function inspectAll(
  input: string | Uint8Array,
  options: InspectOptions = {},
): Promise<Inspected[]> {
  let text: string | undefined = typeof input === 'string' ? input : undefined;
  if (input instanceof Uint8Array && input[0] === 0x2d) {
    const decoded = new TextDecoder().decode(input);
    if (looksLikePem(decoded)) text = decoded;
  }
  if (text === undefined) return [await inspect(input, options)];
  const known = decodePem(text).filter((b) => kindOfLabel(b.label) !== undefined);
  if (known.length === 0) return [await inspect(text, options)];
  const out: Inspected[] = [];
  for (const block of known) out.push(await inspect(blockText(block), options));
  return out;
}
