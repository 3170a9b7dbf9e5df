/** Names in the CSR commands: requested names as `DNS:…` text, and file names made from a node's name. */
import type { RequestedNames } from '@nodeid/sdk';
import { CliError, EXIT } from './cli-error.js';

/** The names a CSR asks for, as `DNS:…`, `IP:…`, `URI:…`, `email:…` (and other types as found). */
export function requestedNameList(names: RequestedNames): string[] {
  return [
    ...names.dns.map((n) => `DNS:${n}`),
    ...names.ips.map((n) => `IP:${n}`),
    ...names.uris.map((n) => `URI:${n}`),
    ...names.emails.map((n) => `email:${n}`),
    ...names.other,
  ];
}

const SAFE = /^[A-Za-z0-9_@][A-Za-z0-9._@:-]{0,200}$/;

/** True when `name` can be used as the base of a file name in the output folder. */
export function isSafeBaseName(name: string): boolean {
  return SAFE.test(name) && !name.includes('..');
}

/** `name` as the base of file names (`<name>.key`, `<name>.csr`, `<name>.crt`); refuses paths and odd characters. */
export function safeBaseName(name: string): string {
  const trimmed = name.trim();
  if (!isSafeBaseName(trimmed)) {
    throw new CliError(
      'ERR_NAME_INVALID',
      `"${name}" cannot name a file (letters, digits, ".", "-", "_", "@" only); choose the file name with --name`,
      EXIT.USAGE,
    );
  }
  return trimmed;
}
