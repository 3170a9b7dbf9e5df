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

const BEGIN = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n?/g;
const END = /-----END ([A-Z0-9 ]{1,64})-----/g;

/**
 * The label and body of every `-----BEGIN L-----` … `-----END L-----` block (RFC 7468 §2), in
 * order; a BEGIN line without its END is skipped. The END lines are found in one pass first:
 * a lazy regex from each BEGIN line to its END scanned the rest of the text once per BEGIN, so
 * 40,000 BEGIN lines without an END (1 MB) took minutes.
 */
function* blocksOf(text: string): Generator<{ label: string; body: string }> {
  const ends = new Map<string, number[]>();
  for (const m of text.matchAll(END)) {
    const list = ends.get(m[1]!);
    if (list) list.push(m.index);
    else ends.set(m[1]!, [m.index]);
  }
  const nextEnd = new Map<string, number>();
  const begin = new RegExp(BEGIN.source, 'g');
  let from = 0;
  for (;;) {
    begin.lastIndex = from;
    const m = begin.exec(text);
    if (!m) return;
    const label = m[1]!;
    const bodyStart = m.index + m[0].length;
    const list = ends.get(label) ?? [];
    let i = nextEnd.get(label) ?? 0;
    while (i < list.length && list[i]! < bodyStart) i++;
    nextEnd.set(label, i);
    if (i === list.length) {
      from = m.index + 1;
      continue;
    }
    yield { label, body: text.slice(bodyStart, list[i]) };
    from = list[i]! + `-----END ${label}-----`.length;
  }
}

/** Every PEM block in `text`, in order. Text between blocks is ignored, as openssl does. */
export function decodePem(text: string): PemBlock[] {
  if (text.length > MAX_INPUT_BYTES)
    throw new NodeIdError('ERR_INPUT_TOO_LARGE', `input is larger than ${MAX_INPUT_BYTES} bytes`);
  const out: PemBlock[] = [];
  for (const block of blocksOf(text)) {
    const label = block.label;
    let body = block.body;
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
