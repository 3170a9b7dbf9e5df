/** The roots the nodes of this CA should trust now (`/v1/ca/bundle`, and renewals over mutual TLS). */
import type { Certificate } from '@nodeid/sdk';
import type { Services } from './context.js';

/**
 * The CA folder's trust bundle (old and new root during a rotation, see `nodeid ca rotate`),
 * else the root of the signing CA: the last of its chain, or the CA itself.
 */
export function trustBundle(s: Services): Certificate[] {
  return s.deps.trustBundle ?? [s.deps.ca.chain?.at(-1) ?? s.deps.ca.certificate];
}
