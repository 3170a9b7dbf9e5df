/** Small DOM helpers: typed look-ups, field errors next to their field, live status lines. */
import { NodeIdError } from '@nodeid/sdk';

/** The element with this id; throws when the page lacks it (a bug in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no element #${id}`);
  return element as T;
}

/** The value of a form control, trimmed. */
export function fieldValue(id: string): string {
  return byId<HTMLInputElement>(id).value.trim();
}

/**
 * Shows `message` in the error paragraph `#<fieldId>-error` (which the field names in its
 * aria-describedby), marks the field invalid and moves focus to it.
 */
export function showFieldError(fieldId: string, message: string, focus = true): void {
  const field = byId<HTMLInputElement>(fieldId);
  const error = byId(`${fieldId}-error`);
  error.textContent = message;
  error.hidden = false;
  field.setAttribute('aria-invalid', 'true');
  if (focus) field.focus();
}

/** Clears every field error inside `root`. */
export function clearFieldErrors(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('.error')) {
    el.textContent = '';
    el.hidden = true;
  }
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

export type StatusKind = 'busy' | 'ok' | 'error' | 'info';

/** Writes a status line into a live region (announced by screen readers). */
export function setStatus(element: HTMLElement, kind: StatusKind, text: string): void {
  element.dataset['kind'] = kind;
  element.textContent = text;
}

/** A readable message for any failure: the SDK's message and code for a NodeIdError. */
export function messageOf(error: unknown): string {
  if (NodeIdError.isInstance(error)) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Creates an element with a class and text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Disables a form's submit buttons while `work` runs. */
export async function whileBusy<T>(form: HTMLFormElement, work: () => Promise<T>): Promise<T> {
  const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[type=submit]')];
  for (const b of buttons) b.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
