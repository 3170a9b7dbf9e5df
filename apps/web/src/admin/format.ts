/** Small formatters shared by the admin views. */
import { element } from '../lib/dom.js';

/** `2026-03-01 12:00 UTC` from an ISO date. */
export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Whole days from `now` to `iso` (negative once past). */
export function daysLeft(iso: string, now = Date.now()): number {
  return Math.floor((new Date(iso).getTime() - now) / 86_400_000);
}

/** The first name of a record without its type label, for a table cell. */
export function mainName(names: string[] | undefined, fallback: string): string {
  const name = names?.find((n) => n.startsWith('DNS:') && n.includes('.')) ?? names?.[0];
  return name ? name.replace(/^[A-Za-z]+:/, '') : fallback;
}

/** A table row of text cells (`textContent`: nothing from the server is parsed as HTML). */
export function row(cells: (string | Node)[]): HTMLTableRowElement {
  const tr = element('tr');
  for (const c of cells) {
    const td = element('td');
    if (typeof c === 'string') td.textContent = c;
    else td.append(c);
    tr.append(td);
  }
  return tr;
}

/** A status or alert badge. */
export function badge(text: string, kind: string): HTMLElement {
  const b = element('span', `badge badge-${kind}`, text);
  return b;
}

/** Single-quotes a word for a POSIX shell when it holds anything but safe characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
