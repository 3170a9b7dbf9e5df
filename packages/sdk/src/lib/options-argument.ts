/** The check of an options argument at the SDK's doors, for callers from plain JavaScript. */
import { NodeIdError } from '../errors.js';

/**
 * Refuses an options (or input) argument that is not an object with `ERR_INVALID_ARGUMENT`,
 * before a field of it is read (which would be a TypeError on `undefined` or `null`).
 */
export function optionsArgument(value: unknown, fn: string): void {
  if (typeof value !== 'object' || value === null)
    throw new NodeIdError('ERR_INVALID_ARGUMENT', `${fn} needs an options object`);
}
