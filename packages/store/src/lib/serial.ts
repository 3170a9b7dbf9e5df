/** Serial numbers as the store keys them. */
import { StoreError } from '../errors.js';

const MAX_SERIAL_DIGITS = 128;

/**
 * The canonical form of a serial number: lower-case hex, an even number of digits, no leading
 * zero byte (`00AB:12` → `ab12`, `0` → `00`). Anything else than hex (colons and spaces
 * allowed): `ERR_STORE_INVALID`.
 */
export function normalizeSerial(serial: unknown): string {
  if (typeof serial !== 'string') throw invalidSerial(serial);
  const digits = serial.replace(/[:\s]/g, '').toLowerCase();
  if (digits.length === 0 || digits.length > MAX_SERIAL_DIGITS || !/^[0-9a-f]+$/.test(digits)) {
    throw invalidSerial(serial);
  }
  const significant = digits.replace(/^0+/, '');
  return significant.length % 2 === 0 ? significant || '00' : `0${significant}`;
}

function invalidSerial(serial: unknown): StoreError {
  const shown = typeof serial === 'string' ? `"${serial.slice(0, 40)}"` : typeof serial;
  return new StoreError('ERR_STORE_INVALID', `not a hex serial number: ${shown}`);
}
