/**
 * The keeper of nodeid-server's own certificate (lib/server-identity.ts) on its own: it re-issues
 * the certificate when its renewal time comes while the server runs (the timer, not only at
 * start), after a new CA key (`update`), never when nothing changed, and once for two updates
 * asked at the same moment (the supervisor of `--workers N` and a renewal never write the files
 * twice). Real files in a temporary folder, a memory inventory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundleFiles,
  type Certificate,
  createCa,
  isIssuedBy,
  issueIdentity,
  parseCertificate,
  rotateCa,
} from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import { openMemoryStore } from '@nodeid/store';
import { describe, expect, it } from 'vitest';
import { keepServerIdentity, serverIdentityFiles } from '../src/lib/server-identity.js';
import { tempFolder } from './helpers/temp.js';

const work = tempFolder('nodeid-server-identity-');
const names = { hostnames: ['localhost'], ips: ['127.0.0.1'] };
const onDisk = (caDir: string) =>
  parseCertificate(readFileSync(serverIdentityFiles(caDir).certFile, 'utf8'));

type KeepOptions = Parameters<typeof keepServerIdentity>[0];

/** `keepServerIdentity` for `names` on `caDir` with a new memory inventory: the keeper and it. */
async function keep(
  caDir: string,
  issuer: KeepOptions['issuer'],
  on: Pick<KeepOptions, 'onIssued' | 'onError'>,
) {
  const store = await openMemoryStore();
  const keeper = await keepServerIdentity({ caDir, store, names, issuer, ...on });
  return { keeper, store };
}

describe('the server identity keeper', () => {
  it('re-issues the certificate at its renewal time while running, and tells whoever serves it', async () => {
    const ca = await createCa({ clusterName: 'keep.cluster' });
    const caDir = join(work, 'timer');
    // a certificate whose renewal time (two thirds of its 6 minutes) is 2 s from now
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 238_000);
    const dueSoon = await issueIdentity({
      ca,
      profile: 'server',
      name: 'localhost',
      ips: ['127.0.0.1'],
      notBefore,
      notAfter: new Date(notBefore.getTime() + 360_000),
    });
    await writeBundle(serverIdentityFiles(caDir).dir, await bundleFiles(dueSoon, 'aistore'));
    let renewed!: (c: Certificate) => void;
    const issued = new Promise<Certificate>((resolve) => {
      renewed = resolve;
    });
    const errors: unknown[] = [];
    const { keeper, store } = await keep(caDir, ca, {
      onIssued: (c) => renewed(c),
      onError: (e) => errors.push(e),
    });
    try {
      // still valid and not due at start: kept
      expect(keeper.certificate.serialNumber).toBe(dueSoon.certificate.serialNumber);
      const next = await issued;
      expect(errors).toEqual([]);
      expect(next.serialNumber).not.toBe(dueSoon.certificate.serialNumber);
      expect(onDisk(caDir).serialNumber).toBe(next.serialNumber);
      expect(keeper.certificate.serialNumber).toBe(next.serialNumber);
      const record = await store.getCertificate(next.serialNumber);
      expect(record).toMatchObject({ profile: 'server', issuedBy: 'server' });
    } finally {
      keeper.close();
    }
  });

  it('after a new CA key re-issues once, even for two updates at once; the same issuer changes nothing', async () => {
    const old = await createCa({ clusterName: 'keep.cluster' });
    const rotated = await rotateCa({ ca: old });
    const caDir = join(work, 'rotate');
    const announced: string[] = [];
    const { keeper, store } = await keep(caDir, old, {
      onIssued: (c) => {
        announced.push(c.serialNumber);
      },
      onError: (e) => {
        throw e;
      },
    });
    try {
      const first = keeper.certificate;
      expect(await keeper.update(old)).toBe(false);
      expect(announced).toEqual([]);
      const both = await Promise.all([keeper.update(rotated.ca), keeper.update(rotated.ca)]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(announced).toHaveLength(1);
      const now = onDisk(caDir);
      expect(now.serialNumber).toBe(announced[0]);
      expect(await isIssuedBy(now, rotated.ca.certificate)).toBe(true);
      const servers = await store.listCertificates({ profile: 'server' });
      expect(servers.map((r) => r.serialNumber).sort()).toEqual(
        [first.serialNumber, now.serialNumber].sort(),
      );
      expect((await store.getCertificate(first.serialNumber))?.status).toBe('superseded');
    } finally {
      keeper.close();
    }
  });
});
