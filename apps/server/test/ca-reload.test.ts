/**
 * The CA folder reloader of nodeid-server (lib/ca-reload.ts) on its own: which file events count,
 * and what a reload does with material that cannot be read, is not continuous, is the same, or
 * is a rotation (applied once, then in service). The folder itself is read in e2e-ca-reload.
 */
import { createCa, rotateCa } from '@nodeid/sdk';
import { describe, expect, it } from 'vitest';
import { createCaReloader, isCaFile, type ServedCa } from '../src/lib/ca-reload.js';

const served = (issuer: ServedCa['issuer'], bundle = [issuer.certificate]): ServedCa => ({
  config: {} as ServedCa['config'],
  issuer,
  trustBundle: bundle,
  hasBundle: bundle.length > 1,
  serverIssuer: issuer,
});

describe('the CA folder reloader', () => {
  it('counts certificates, keys and nodeid.json, not the inventory, tokens or temporary files', () => {
    for (const f of ['ca.crt', 'ca.key', 'ca-bundle.crt', 'chain.crt', 'ca-old.key', 'nodeid.json'])
      expect(isCaFile(f)).toBe(true);
    for (const f of [
      'inventory.db',
      'inventory.db-wal',
      'admin.token',
      '.ca.crt.1a2b.tmp',
      'server',
    ])
      expect(isCaFile(f)).toBe(false);
  });

  it('keeps the CA in service on unreadable or unrelated material, applies a rotation once', async () => {
    const old = await createCa({ clusterName: 'r.cluster' });
    const rotated = await rotateCa({ ca: old });
    const unrelated = await createCa({ clusterName: 'r.cluster' });
    const events: Record<string, unknown>[] = [];
    const applied: string[] = [];
    let next: () => Promise<ServedCa> = async () => {
      throw Object.assign(new Error('ca.crt holds no certificate'), { code: 'ERR_CA_FOLDER' });
    };
    const reloader = createCaReloader({
      dir: '/nonexistent',
      current: served(old),
      load: () => next(),
      apply: async (m, _before, trigger) => {
        applied.push(`${trigger}:${m.issuer.certificate.serialNumber}`);
      },
      onEvent: (e) => events.push(e),
      watch: false,
    });
    expect(await reloader.reload('SIGHUP')).toBe('refused');
    expect(events.at(-1)).toMatchObject({ event: 'ca-reload-refused', code: 'ERR_CA_FOLDER' });
    next = async () => served(unrelated);
    expect(await reloader.reload('SIGHUP')).toBe('refused');
    expect(events.at(-1)).toMatchObject({ reason: 'not-continuous' });
    expect(reloader.current.issuer).toBe(old);
    next = async () => served(old);
    expect(await reloader.reload('SIGHUP')).toBe('unchanged');
    next = async () => ({ ...served(rotated.ca, rotated.bundle), previous: old });
    expect(await reloader.reload('SIGHUP')).toBe('reloaded');
    expect(await reloader.reload('SIGHUP')).toBe('unchanged');
    expect(applied).toEqual([`SIGHUP:${rotated.ca.certificate.serialNumber}`]);
    expect(reloader.current.issuer).toBe(rotated.ca);
    reloader.close();
  });
});
