/** Printing: text or JSON, colour only on a terminal and never with NO_COLOR. */
import { basename, dirname } from 'node:path';
import { writeBundle } from '@nodeid/sdk/node';
import { CliError } from './cli-error.js';

/** Output format of every command that prints. */
export type Format = 'text' | 'json';

/** Whether to colour text written to stdout. */
export function useColor(format: Format): boolean {
  return (
    format === 'text' &&
    Boolean(process.stdout.isTTY) &&
    !process.env.NO_COLOR &&
    process.env.TERM !== 'dumb'
  );
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;

/** A function that wraps text in an ANSI style when colour is on. */
export function painter(enabled: boolean) {
  return (style: keyof typeof CODES, text: string) =>
    enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/** Writes a value as pretty JSON with dates as ISO strings. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

/** Writes lines of text. */
export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A plain text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "in 29 days", "3 hours ago": a short relative time. */
export function relativeTime(ms: number): string {
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  const [size, name] = units.find(([s]) => abs >= s) ?? [1000, 'second'];
  const n = Math.floor(abs / size);
  const text = `${n} ${name}${n === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/**
 * Prints a report, or with `out` writes it to that file atomically (0644, replacing the last
 * one: the node_exporter textfile collector reads it whole or not at all).
 */
export async function emitReport(output: string, out: string | undefined): Promise<void> {
  if (!out) return printText(output);
  try {
    await writeBundle(dirname(out), [{ path: basename(out), contents: output, mode: 0o644 }], {
      force: true,
      fixDirMode: false,
    });
  } catch (e) {
    throw new CliError('ERR_FILE_IO', `cannot write the report to ${out}: ${(e as Error).message}`);
  }
}
