/**
 * Issues one identity from the CA folder and delivers it: checks the target files do not exist,
 * records the certificate in the inventory (so it is tracked before anyone has it), then writes
 * the bundle atomically. Used by `cert issue`, its bulk mode and `cert renew`.
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type BundleFile,
  type BundleIdentity,
  type BundleLayout,
  bundleFiles,
  type Identity,
} from '@nodeid/sdk';
import { type WriteBundleResult, writeBundle } from '@nodeid/sdk/node';
import type { Store } from '@nodeid/store';
import { certificateRecordOf } from '@nodeid/store/record';
import { CliError } from './cli-error.js';

/** Where and how to write an identity. */
export interface Delivery {
  outDir: string;
  layout: BundleLayout;
  force: boolean;
  /** Encrypts the node's key. */
  keyPassphrase?: string;
  /** Flocker node files named by UUID. */
  uuid?: string;
  /** Base name for plain/scale files. */
  fileName?: string;
}

/** The names a certificate carries, as the inventory records them (`DNS:…`, `IP:…`, `URI:…`, `email:…`). */
export function certificateNames(identity: Pick<Identity, 'certificate'>): string[] {
  return certificateRecordOf(identity.certificate).names;
}

/**
 * The files of an identity as `d` asks (layout, key passphrase, names): the one place where the
 * delivery options become files, for one identity and for bulk issuance's threads alike.
 */
export function bundleOf(
  identity: BundleIdentity,
  d: Omit<Delivery, 'outDir' | 'force'>,
): Promise<BundleFile[]> {
  return bundleFiles(identity, d.layout, {
    ...(d.keyPassphrase && { passphrase: d.keyPassphrase }),
    ...(d.uuid && { uuid: d.uuid }),
    ...(d.fileName && { name: d.fileName }),
  });
}

/** Records and writes an issued identity. */
export async function deliver(
  identity: Identity,
  store: Store,
  profile: string,
  d: Delivery,
): Promise<WriteBundleResult> {
  const files = await bundleOf(identity, d);
  const dir = resolve(d.outDir);
  if (!d.force) {
    const existing: string[] = [];
    for (const f of files) {
      if (
        await lstat(join(dir, f.path)).then(
          () => true,
          () => false,
        )
      )
        existing.push(join(dir, f.path));
    }
    if (existing.length) {
      throw new CliError(
        'ERR_FILE_EXISTS',
        `refusing to overwrite ${existing.join(', ')}; use --force to replace them`,
      );
    }
  }
  const cert = identity.certificate;
  const record = certificateRecordOf(cert, { profile, issuedBy: 'cli' });
  await store.recordCertificate(record);
  await store.appendAudit({
    at: new Date(),
    action: 'certificate.issue',
    serialNumber: cert.serialNumber,
    detail: { subject: record.subject, names: record.names, profile },
  });
  return writeBundle(dir, files, { force: d.force });
}
