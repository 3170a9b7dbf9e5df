/** PEM encoding and decoding (RFC 7468), tolerant of the whitespace and text real files carry. */
import { NodeIdError } from '../errors.js';
import { fromBase64, toBase64 } from './bytes.js';

/** One PEM block. */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  label: string;
  /** The decoded contents. */
  der: Uint8Array;
  /** Headers before the base64 (legacy `Proc-Type`/`DEK-Info`), if any. */
  headers: Record<string, string>;
}

/** Largest PEM or DER input the SDK accepts (a bundle of many certificates fits easily). */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n?([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Text between blocks is ignored, as openssl does. */
export function decodePem(text: string): PemBlock[] {
  if (text.length > MAX_INPUT_BYTES)
    throw new NodeIdError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`);
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1]!;
    let body = m[2]!;
    const headers: Record<string, string> = {};
    const split = body.search(/\r?\n\r?\n/);
    if (split >= 0 && /^[A-Za-z-]+:/.test(body)) {
      for (const line of body.slice(0, split).split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = body.slice(split);
    }
    const der = fromBase64(body);
    if (!der || der.length === 0)
      throw new NodeIdError(
        'ERR_PEM_INVALID',
        `PEM block "${label}" does not contain valid base64`,
      );
    out.push({ label, der, headers });
  }
  return out;
}

/** PEM text for one block, 64-column base64 and a trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** True when the text looks like PEM (has a BEGIN line). */
export function looksLikePem(text: string): boolean {
  return text.includes('-----BEGIN ');
}

/**
 * Turns PEM text, DER bytes, or bytes that hold PEM text into a list of blocks.
 * DER input becomes one block with `fallbackLabel`.
 */
export function toBlocks(input: string | Uint8Array, fallbackLabel: string): PemBlock[] {
  if (typeof input === 'string') {
    const blocks = decodePem(input);
    if (blocks.length === 0)
      throw new NodeIdError(
        'ERR_PEM_INVALID',
        'no PEM block found: expected text starting with "-----BEGIN"',
      );
    return blocks;
  }
  if (!(input instanceof Uint8Array))
    throw new NodeIdError('ERR_INVALID_ARGUMENT', 'expected PEM text or DER bytes');
  if (input.length > MAX_INPUT_BYTES)
    throw new NodeIdError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`);
  if (input.length > 0 && input[0] === 0x2d /* - */) {
    const text = new TextDecoder().decode(input);
    if (looksLikePem(text)) return toBlocks(text, fallbackLabel);
  }
  if (input.length === 0) throw new NodeIdError('ERR_DER_INVALID', 'input is empty');
  return [{ label: fallbackLabel, der: input, headers: {} }];
}
