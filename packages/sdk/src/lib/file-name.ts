/**
 * Checks that a file name taken from a certificate (a host name, a user name) or from a caller is
 * a plain name inside the bundle folder: a CN such as `../../etc/cron.d/x` must never become a path.
 */
import { NodeIdError } from '../errors.js';

/** Longest file name most file systems accept (bytes of UTF-8). */
const MAX_NAME_BYTES = 255;

/**
 * Throws `ERR_NAME_INVALID` unless `name` is a single, visible file name: not empty, no `/` or `\`,
 * no control characters, not `.` or `..`, not starting with `.` (hidden) or `-` (read as an option
 * by the shell tools admins use on these files), at most 255 bytes.
 */
export function assertSafeFileName(name: unknown, what = 'file name'): asserts name is string {
  const bad = (why: string): never => {
    throw new NodeIdError(
      'ERR_NAME_INVALID',
      `${what} ${JSON.stringify(String(name))} is not a safe file name: ${why}`,
    );
  };
  if (typeof name !== 'string' || name.length === 0) bad('it is empty');
  const text = name as string;
  if (/[/\\]/.test(text)) bad('it contains a path separator');
  if (/[\u0000-\u001f\u007f]/.test(text)) bad('it contains a control character');
  if (text.startsWith('.')) bad('it starts with a dot');
  if (text.startsWith('-')) bad('it starts with a dash');
  if (text.trim() !== text) bad('it starts or ends with white space');
  if (new TextEncoder().encode(text).length > MAX_NAME_BYTES)
    bad(`it is longer than ${MAX_NAME_BYTES} bytes`);
}
