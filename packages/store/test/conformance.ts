/**
 * The store conformance suite: the behaviour every implementation of `Store` must have. Each
 * implementation's test file calls {@link describeStoreConformance} with a factory that opens a
 * fresh, empty database for every test.
 */
import { createCa, createCrl, issueIdentity, parseCrl } from '@nodeid/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { certificateRecordOf } from '../src/certificate/certificate-record-of.js';
import { StoreError, type StoreErrorCode } from '../src/errors.js';
import type { CertificateInput, CertificateStatus, Store, TokenInput } from '../src/store.js';
import { hashToken } from '../src/token/hash-token.js';

/** A fresh empty database, and (where the backend has them) more connections to it. */
export interface StoreUnderTest {
  store: Store;
  /** Opens another connection to the same database; needed with `features.connections`. */
  connect?: () => Promise<Store>;
  /** Removes the database once the test and its connections are done. */
  cleanup?: () => Promise<void>;
}

export const NOW = new Date('2030-01-01T00:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

/** A certificate record; `days` is the lifetime left at {@link NOW}. */
export function certificate(
  serialNumber: string,
  days: number,
  names: string[] = [],
): CertificateInput {
  return {
    serialNumber,
    subject: `CN=cluster-${serialNumber}`,
    names,
    notBefore: at(-30),
    notAfter: at(days),
    profile: 'node',
    pem: `-----BEGIN CERTIFICATE-----\n${serialNumber}\n-----END CERTIFICATE-----\n`,
    issuedBy: 'test',
    recordedAt: at(-30),
  };
}

/**
 * Names as older stores held them (bare from `certificateRecordOf`, typed from the apps), and
 * what migration 3 makes of them: the migration tests of SQLite and PostgreSQL share them.
 */
export const LEGACY_NAMES: { before: string[]; after: string[] }[] = [
  {
    before: [
      'node1',
      'node1.example.net',
      '10.0.0.1',
      'fd00::1',
      'spiffe://c/node1',
      'ops@example.net',
    ],
    after: [
      'DNS:node1',
      'DNS:node1.example.net',
      'IP:10.0.0.1',
      'IP:fd00::1',
      'URI:spiffe://c/node1',
      'email:ops@example.net',
    ],
  },
  {
    before: [
      '::1',
      '::ffff:10.0.0.9',
      '2001:db8:0:0:1:0:0:1',
      'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
      'cafe:beef',
    ],
    after: [
      'IP:::1',
      'IP:::ffff:10.0.0.9',
      'IP:2001:db8:0:0:1:0:0:1',
      'URI:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66',
      'URI:cafe:beef',
    ],
  },
  {
    before: ['DNS:node2', 'IP:10.0.0.2', 'URI:https://x', 'email:a@b', 'dirName:CN=x'],
    after: ['DNS:node2', 'IP:10.0.0.2', 'URI:https://x', 'email:a@b', 'dirName:CN=x'],
  },
  { before: [], after: [] },
];

/** A token record whose plain token is `plain`. */
export function token(id: string, plain: string, expiresInDays = 1): TokenInput {
  return {
    id,
    tokenHash: hashToken(plain),
    name: `node-${id}`,
    profile: 'node',
    dns: [`node-${id}.example.net`],
    ips: ['10.0.0.1'],
    uris: [],
    expiresAt: at(expiresInDays),
    validityDays: 30,
    createdAt: NOW,
  };
}

/** Awaits `promise` and checks that it rejects with a `StoreError` with `code`. */
export async function expectStoreError(
  promise: Promise<unknown>,
  code: StoreErrorCode,
): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StoreError.isInstance(error), `expected a StoreError ${code}, got ${String(error)}`).toBe(
    true,
  );
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

/** Registers the conformance tests for one implementation. */
export function describeStoreConformance(
  label: string,
  open: () => Promise<StoreUnderTest>,
  features: { connections?: boolean } = {},
): void {
  describe(`Store conformance: ${label}`, () => {
    let sut: StoreUnderTest;
    let store: Store;
    const extra: Store[] = [];
    /** Tests that need a second connection, for the implementations that have them. */
    const itWithConnections: typeof it = features.connections
      ? it
      : ((() => {}) as unknown as typeof it);
    const connect = async () => {
      const other = await sut.connect!();
      extra.push(other);
      return other;
    };

    beforeEach(async () => {
      sut = await open();
      store = sut.store;
    });

    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close();
      await store.close();
      await sut.cleanup?.();
    });

    describe('certificates', () => {
      it('records a certificate and gets every field back, by serial in any case', async () => {
        await store.recordCertificate(
          certificate('AB:12', 10, ['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1']),
        );
        const got = await store.getCertificate('00ab12', { now: NOW });
        expect(got).toEqual({
          serialNumber: 'ab12',
          subject: 'CN=cluster-AB:12',
          names: ['DNS:node1', 'DNS:node1.example.net', 'IP:10.0.0.1'],
          notBefore: at(-30),
          notAfter: at(10),
          profile: 'node',
          pem: '-----BEGIN CERTIFICATE-----\nAB:12\n-----END CERTIFICATE-----\n',
          issuedBy: 'test',
          recordedAt: at(-30),
          status: 'valid',
        });
        expect(await store.getCertificate('AB12')).toBeDefined();
      });

      it('leaves out optional fields that were not given', async () => {
        const { profile: _p, issuedBy: _i, recordedAt: _r, ...bare } = certificate('01', 10);
        await store.recordCertificate(bare);
        const got = await store.getCertificate('01');
        expect(got).not.toHaveProperty('profile');
        expect(got).not.toHaveProperty('issuedBy');
        expect(got).not.toHaveProperty('revokedAt');
        expect(got!.recordedAt).toBeInstanceOf(Date);
      });

      it('answers undefined for an unknown serial and refuses one that is not hex', async () => {
        expect(await store.getCertificate('0bad')).toBeUndefined();
        await expectStoreError(store.getCertificate('xyz'), 'ERR_STORE_INVALID');
        await expectStoreError(store.getCertificate(''), 'ERR_STORE_INVALID');
      });

      it('refuses a duplicate serial with ERR_STORE_CONFLICT and keeps the original', async () => {
        await store.recordCertificate(certificate('0a', 10, ['DNS:original']));
        const duplicate = {
          ...certificate('0A', 99, ['DNS:intruder']),
          pem: 'other',
          subject: 'CN=other',
        };
        await expectStoreError(store.recordCertificate(duplicate), 'ERR_STORE_CONFLICT');
        await expectStoreError(
          store.recordCertificate({ ...duplicate, serialNumber: '000a' }),
          'ERR_STORE_CONFLICT',
        );
        const kept = await store.getCertificate('0a', { now: NOW });
        expect(kept).toMatchObject({
          subject: 'CN=cluster-0a',
          names: ['DNS:original'],
          notAfter: at(10),
        });
        expect(await store.listCertificates()).toHaveLength(1);
      });

      it('records a batch all at once, or nothing when one serial is taken', async () => {
        await store.recordCertificates([certificate('01', 10), certificate('02', 20)]);
        expect((await store.listCertificates()).map((c) => c.serialNumber)).toEqual(['01', '02']);
        await expectStoreError(
          store.recordCertificates([
            certificate('03', 30),
            certificate('02', 99, ['DNS:intruder']),
          ]),
          'ERR_STORE_CONFLICT',
        );
        await expectStoreError(
          store.recordCertificates([certificate('04', 30), certificate('0004', 40)]),
          'ERR_STORE_CONFLICT',
        );
        await expectStoreError(
          store.recordCertificates([certificate('05', 30), { ...certificate('06', 1), pem: '' }]),
          'ERR_STORE_INVALID',
        );
        expect((await store.listCertificates()).map((c) => c.serialNumber)).toEqual(['01', '02']);
        expect((await store.getCertificate('02'))!.names).toEqual([]);
        await store.recordCertificates([]);
      });

      it('records a batch with its audit lines in one transaction, or neither', async () => {
        const line = (serial: string) => ({
          at: at(0),
          action: 'certificate.issue',
          serialNumber: serial,
        });
        await store.recordCertificates(
          [certificate('0b01', 10), certificate('0b02', 20)],
          [line('0b01'), line('0b02')],
        );
        expect((await store.listAudit(10)).map((e) => e.serialNumber)).toEqual(['0b02', '0b01']);
        await expectStoreError(
          store.recordCertificates(
            [certificate('0b03', 30), certificate('0b01', 10)],
            [line('0b03')],
          ),
          'ERR_STORE_CONFLICT',
        );
        expect(await store.listAudit(10)).toHaveLength(2);
        expect(await store.getCertificate('0b03')).toBeUndefined();
      });

      it('refuses malformed records with ERR_STORE_INVALID and stores nothing', async () => {
        const good = certificate('01', 10);
        await expectStoreError(
          store.recordCertificate({ ...good, serialNumber: 'g1' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.recordCertificate({ ...good, notAfter: new Date('nope') }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.recordCertificate({ ...good, names: [42] as unknown as string[] }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(store.recordCertificate({ ...good, pem: '' }), 'ERR_STORE_INVALID');
        // one name format: typed, as certificateRecordOf builds them
        for (const name of ['node1.example.net', 'dns:node1', 'DNS:', 'dirName:CN=x', '']) {
          await expectStoreError(
            store.recordCertificate({ ...good, names: ['DNS:ok', name] }),
            'ERR_STORE_INVALID',
          );
        }
        await expectStoreError(
          store.recordCertificate(null as unknown as CertificateInput),
          'ERR_STORE_INVALID',
        );
        expect(await store.listCertificates()).toEqual([]);
      });

      it('lists by status, name, expiry and limit, soonest expiry first', async () => {
        await store.recordCertificate(
          certificate('01', 90, ['DNS:node1.example.net', 'IP:10.0.0.1']),
        );
        await store.recordCertificate(certificate('02', -1, ['DNS:node2.example.net']));
        await store.recordCertificate(certificate('03', 5, ['DNS:Node3.Example.Net']));
        await store.recordCertificate(certificate('04', 60, ['DNS:node1.example.net']));
        await store.revokeCertificate('04', { revokedAt: at(-2), reason: 'superseded' });
        const serials = async (filter: Parameters<Store['listCertificates']>[0]) =>
          (await store.listCertificates({ now: NOW, ...filter })).map((c) => c.serialNumber);

        expect(await serials({})).toEqual(['02', '03', '04', '01']);
        expect(await serials({ status: 'valid' })).toEqual(['03', '01']);
        expect(await serials({ status: 'expired' })).toEqual(['02']);
        expect(await serials({ status: 'revoked' })).toEqual(['04']);
        expect(await serials({ name: 'node1.example.net' })).toEqual(['04', '01']);
        expect(await serials({ name: 'NODE3.example.net' })).toEqual(['03']);
        expect(await serials({ name: '10.0.0.1' })).toEqual(['01']);
        expect(await serials({ name: 'node1' })).toEqual([]);
        expect(await serials({ name: 'DNS:node1.example.net', status: 'valid' })).toEqual(['01']);
        expect(await serials({ expiringBefore: at(30) })).toEqual(['02', '03']);
        expect(await serials({ status: 'valid', expiringBefore: at(30) })).toEqual(['03']);
        expect(await serials({ limit: 2 })).toEqual(['02', '03']);
        // the same certificates seen a year later: everything not revoked has expired
        expect(await serials({ status: 'expired', now: at(365) })).toEqual(['02', '03', '01']);
        const statuses = (await store.listCertificates({ now: NOW })).map((c) => c.status);
        expect(statuses).toEqual(['expired', 'valid', 'revoked', 'valid']);
      });

      it('searches names and serials, filters by profile, sorts, pages and counts', async () => {
        const make = (serial: string, days: number, names: string[], profile = 'node') => ({
          ...certificate(serial, days, names),
          notBefore: at(-days),
          profile,
        });
        await store.recordCertificates([
          make('0a', 40, ['DNS:node10.example.net', 'IP:10.0.0.10']),
          make('ab12', 20, ['DNS:Node2.Example.Net']),
          make('0f01', 30, ['DNS:web.example.net'], 'server'),
          make('7f', -5, ['URI:spiffe://c/node_1%']),
          make('0b', 10, []),
        ]);
        await store.revokeCertificate('0a', { revokedAt: at(-1) });
        const list = async (filter: Parameters<Store['listCertificates']>[0]) =>
          (await store.listCertificates({ now: NOW, ...filter })).map((c) => c.serialNumber);
        const count = (filter: Parameters<Store['countCertificates']>[0]) =>
          store.countCertificates({ now: NOW, ...filter });

        // a part of a name, ASCII case-insensitive, the type label included
        expect(await list({ search: 'node' })).toEqual(['7f', 'ab12', '0a']);
        expect(await list({ search: 'NODE2.' })).toEqual(['ab12']);
        expect(await list({ search: 'dns:web' })).toEqual(['0f01']);
        expect(await list({ search: '10.0.0.1' })).toEqual(['0a']);
        // % and _ are text, not patterns
        expect(await list({ search: '_1%' })).toEqual(['7f']);
        expect(await list({ search: 'n_de' })).toEqual([]);
        // a serial, with colons and in any case; also a part of one
        expect(await list({ search: 'AB:12' })).toEqual(['ab12']);
        expect(await list({ search: '0f' })).toEqual(['0f01']);
        expect(await list({ search: 'b' })).toEqual(['0b', 'ab12', '0f01']);
        expect(await list({ profile: 'server' })).toEqual(['0f01']);
        expect(await list({ profile: 'control' })).toEqual([]);
        expect(await list({ search: 'example', status: 'valid', profile: 'node' })).toEqual([
          'ab12',
        ]);

        // sorting: ties and serials compare as numbers (0a < 0b < 7f < 0f01 < ab12)
        expect(await list({ sort: 'serialNumber' })).toEqual(['0a', '0b', '7f', '0f01', 'ab12']);
        expect(await list({ sort: 'serialNumber', order: 'desc' })).toEqual([
          'ab12',
          '0f01',
          '7f',
          '0b',
          '0a',
        ]);
        expect(await list({ order: 'desc' })).toEqual(['0a', '0f01', 'ab12', '0b', '7f']);
        expect(await list({ sort: 'notBefore' })).toEqual(['0a', '0f01', 'ab12', '0b', '7f']);
        // by the first name, byte order (upper case first); no name sorts as ''
        expect(await list({ sort: 'name' })).toEqual(['0b', 'ab12', '0a', '0f01', '7f']);

        // paging: offset then limit, the total apart
        expect(await list({ sort: 'serialNumber', offset: 1, limit: 2 })).toEqual(['0b', '7f']);
        expect(await list({ sort: 'serialNumber', offset: 4 })).toEqual(['ab12']);
        expect(await list({ offset: 5 })).toEqual([]);
        expect(await count({})).toBe(5);
        expect(await count({ search: 'node', limit: 1, offset: 1 })).toBe(3);
        expect(await count({ status: 'valid' })).toBe(3);
        expect(await count({ status: 'expired' })).toBe(1);
        expect(await count({ profile: 'server', status: 'revoked' })).toBe(0);
        expect(await count({ expiringBefore: at(25) })).toBe(3);

        await expectStoreError(store.listCertificates({ offset: -1 }), 'ERR_STORE_INVALID');
        await expectStoreError(store.listCertificates({ offset: 1.5 }), 'ERR_STORE_INVALID');
        await expectStoreError(
          store.listCertificates({ sort: 'subject' as 'name' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.listCertificates({ order: 'up' as 'asc' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(store.countCertificates({ search: '' }), 'ERR_STORE_INVALID');
      });

      it('finds a certificate by a bare name of any type, or by a typed name of that type only', async () => {
        await store.recordCertificate(
          certificate('01', 90, [
            'DNS:node1',
            'DNS:node1.example.net',
            'IP:10.0.0.1',
            'IP:fd00::1',
            'URI:spiffe://scale.cluster/node1',
            'email:ops@example.net',
          ]),
        );
        await store.recordCertificate(certificate('02', 60, ['DNS:node2', 'IP:10.0.0.2']));
        await store.recordCertificate(certificate('03', 30, ['DNS:NODE1.Example.NET']));
        const serials = async (name: string) =>
          (await store.listCertificates({ now: NOW, name })).map((c) => c.serialNumber);

        // bare values, of each type, ASCII case-insensitive
        expect(await serials('node1.example.net')).toEqual(['03', '01']);
        expect(await serials('Node1.Example.Net')).toEqual(['03', '01']);
        expect(await serials('node1')).toEqual(['01']);
        expect(await serials('10.0.0.1')).toEqual(['01']);
        expect(await serials('fd00::1')).toEqual(['01']);
        expect(await serials('spiffe://scale.cluster/node1')).toEqual(['01']);
        expect(await serials('ops@example.net')).toEqual(['01']);
        // typed: that type only
        expect(await serials('DNS:node1.example.net')).toEqual(['03', '01']);
        expect(await serials('dns:node1')).toEqual(['01']);
        expect(await serials('IP:10.0.0.2')).toEqual(['02']);
        expect(await serials('DNS:10.0.0.2')).toEqual([]);
        expect(await serials('URI:node1')).toEqual([]);
        // whole names only: no prefix, suffix or part of a URI
        expect(await serials('node')).toEqual([]);
        expect(await serials('example.net')).toEqual([]);
        expect(await serials('10.0.0')).toEqual([]);
        expect(await serials('scale.cluster/node1')).toEqual([]);
        expect(await serials('%')).toEqual([]);
        expect(await serials('_ode1')).toEqual([]);
        // with the other filters
        expect(
          (await store.listCertificates({ now: NOW, name: 'node1.example.net', limit: 1 })).map(
            (c) => c.serialNumber,
          ),
        ).toEqual(['03']);
        expect(
          (
            await store.listCertificates({
              now: NOW,
              name: 'node1.example.net',
              expiringBefore: at(60),
            })
          ).map((c) => c.serialNumber),
        ).toEqual(['03']);
      });

      it('finds certificates recorded from real certificates by the names they were issued for', async () => {
        const ca = await createCa({ clusterName: 'scale.cluster', now: NOW });
        const node1 = await issueIdentity({
          ca,
          name: 'node1.example.net',
          ips: ['10.0.0.1', 'fd00::1'],
          now: NOW,
        });
        const node2 = await issueIdentity({ ca, name: 'node2.example.net', now: NOW });
        await store.recordCertificates([
          certificateRecordOf(node1.certificate, { profile: 'node' }),
          certificateRecordOf(node2.certificate.pem, { profile: 'node' }),
        ]);
        const record = await store.getCertificate(node1.certificate.serialNumber, { now: NOW });
        expect(record!.names).toEqual([
          'DNS:node1',
          'DNS:node1.example.net',
          'IP:10.0.0.1',
          'IP:fd00::1',
        ]);
        for (const name of ['node1.example.net', 'node1', '10.0.0.1', 'fd00::1', 'DNS:node1']) {
          const found = await store.listCertificates({ now: NOW, name });
          expect(found.map((c) => c.serialNumber)).toEqual([node1.certificate.serialNumber]);
        }
        expect(
          (await store.listCertificates({ now: NOW, name: 'node2' })).map((c) => c.serialNumber),
        ).toEqual([node2.certificate.serialNumber]);
      });

      it('summarizes: counts by status, and each valid certificate soonest expiry first', async () => {
        expect(await store.certificateSummary({ now: NOW })).toEqual({
          counts: { valid: 0, superseded: 0, revoked: 0, expired: 0 },
          valid: [],
        });
        await store.recordCertificate(certificate('01', 90));
        await store.recordCertificate(certificate('02', -1));
        await store.recordCertificate(certificate('03', 5));
        await store.recordCertificate(certificate('04', 60));
        await store.recordCertificate(certificate('05', 5));
        await store.revokeCertificate('04', { revokedAt: at(-2) });
        const summary = await store.certificateSummary({ now: NOW });
        expect(summary.counts).toEqual({ valid: 3, superseded: 0, revoked: 1, expired: 1 });
        expect(summary.valid).toEqual([
          { serialNumber: '03', subject: 'CN=cluster-03', notAfter: at(5) },
          { serialNumber: '05', subject: 'CN=cluster-05', notAfter: at(5) },
          { serialNumber: '01', subject: 'CN=cluster-01', notAfter: at(90) },
        ]);
        // the same as listing them
        const listed = await store.listCertificates({ now: NOW, status: 'valid' });
        expect(summary.valid.map((v) => v.serialNumber)).toEqual(listed.map((c) => c.serialNumber));
        // a year later nothing is valid; the revoked one stays revoked
        expect((await store.certificateSummary({ now: at(365) })).counts).toEqual({
          valid: 0,
          superseded: 0,
          revoked: 1,
          expired: 4,
        });
        await expectStoreError(
          store.certificateSummary({ now: new Date(Number.NaN) }),
          'ERR_STORE_INVALID',
        );
      });

      it('refuses malformed filters', async () => {
        await expectStoreError(store.listCertificates({ limit: 0 }), 'ERR_STORE_INVALID');
        await expectStoreError(
          store.listCertificates({ status: 'lost' as 'valid' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.listCertificates({ expiringBefore: new Date(Number.NaN) }),
          'ERR_STORE_INVALID',
        );
      });
    });

    describe('revocation', () => {
      it('revokes once and keeps the first revocation when revoked again', async () => {
        await store.recordCertificate(certificate('0c', 10));
        const first = await store.revokeCertificate('0C', {
          reason: 'keyCompromise',
          revokedAt: at(1),
        });
        expect(first).toMatchObject({
          serialNumber: '0c',
          status: 'revoked',
          revokedAt: at(1),
          revocationReason: 'keyCompromise',
          alreadyRevoked: false,
        });
        const again = await store.revokeCertificate('0c', {
          reason: 'superseded',
          revokedAt: at(2),
        });
        expect(again).toMatchObject({
          revokedAt: at(1),
          revocationReason: 'keyCompromise',
          alreadyRevoked: true,
        });
        expect(await store.listRevocations()).toEqual([
          { serialNumber: '0c', revokedAt: at(1), reason: 'keyCompromise' },
        ]);
      });

      it('revokes without a reason', async () => {
        await store.recordCertificate(certificate('0d', 10));
        const revoked = await store.revokeCertificate('0d', { revokedAt: at(1) });
        expect(revoked).not.toHaveProperty('revocationReason');
        expect(await store.listRevocations()).toEqual([{ serialNumber: '0d', revokedAt: at(1) }]);
      });

      it('refuses an unknown serial and an unknown reason, changing nothing', async () => {
        await store.recordCertificate(certificate('0e', 10));
        await expectStoreError(store.revokeCertificate('0f'), 'ERR_STORE_NOT_FOUND');
        await expectStoreError(
          store.revokeCertificate('0e', { reason: 'bored' as 'superseded' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.revokeCertificate('0e', { reason: 'removeFromCRL' }),
          'ERR_STORE_INVALID',
        );
        expect((await store.getCertificate('0e', { now: NOW }))!.status).toBe('valid');
        expect(await store.listRevocations()).toEqual([]);
      });

      it('lets exactly one of concurrent revocations be the first', async () => {
        await store.recordCertificate(certificate('10', 10));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.revokeCertificate('10', { revokedAt: at(i + 1), reason: 'keyCompromise' }),
          ),
        );
        expect(results.filter((r) => !r.alreadyRevoked)).toHaveLength(1);
        const winner = results.find((r) => !r.alreadyRevoked)!;
        expect(results.every((r) => r.revokedAt!.getTime() === winner.revokedAt!.getTime())).toBe(
          true,
        );
      });

      it('lists revocations oldest first', async () => {
        for (const serial of ['01', '02', '03'])
          await store.recordCertificate(certificate(serial, 10));
        await store.revokeCertificate('02', { revokedAt: at(3) });
        await store.revokeCertificate('03', { revokedAt: at(1), reason: 'cessationOfOperation' });
        expect((await store.listRevocations()).map((r) => r.serialNumber)).toEqual(['03', '02']);
      });

      itWithConnections('hands out CRL numbers once each across two connections', async () => {
        const other = await connect();
        const numbers = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).nextCrlNumber()),
        );
        expect(new Set(numbers)).toEqual(
          new Set(Array.from({ length: 20 }, (_, i) => BigInt(i + 1))),
        );
      });

      it('hands out CRL numbers 1, 2, 3… once each, also when asked concurrently', async () => {
        expect(await store.nextCrlNumber()).toBe(1n);
        expect(await store.nextCrlNumber()).toBe(2n);
        const numbers = await Promise.all(Array.from({ length: 20 }, () => store.nextCrlNumber()));
        const expected = Array.from({ length: 20 }, (_, i) => BigInt(i + 3));
        expect([...numbers].sort((a, b) => (a < b ? -1 : 1))).toEqual(expected);
      });

      it('feeds a real CRL: issued identities recorded, one revoked, signed by the SDK', async () => {
        const ca = await createCa({ clusterName: 'store-test', now: NOW });
        const issuer = { certificate: ca.certificate, privateKey: ca.privateKey };
        const issued = [];
        for (const name of ['node1.example.net', 'node2.example.net']) {
          const identity = await issueIdentity({ ca: issuer, name, now: NOW });
          await store.recordCertificate(
            certificateRecordOf(identity.certificate, { profile: 'node' }),
          );
          issued.push(identity);
        }
        const victim = await store.listCertificates({ name: 'node2.example.net', now: NOW });
        expect(victim).toHaveLength(1);
        expect(victim[0]!.pem).toBe(issued[1]!.certificate.pem);
        await store.revokeCertificate(victim[0]!.serialNumber, {
          reason: 'keyCompromise',
          revokedAt: NOW,
        });
        const crl = await createCrl({
          issuer,
          entries: await store.listRevocations(),
          crlNumber: await store.nextCrlNumber(),
          now: NOW,
        });
        const parsed = parseCrl(crl.pem);
        expect(parsed.crlNumber).toBe(1n);
        const asInteger = (hex: string) => BigInt(`0x${hex}`);
        expect(parsed.entries.map((e) => asInteger(e.serialNumber))).toEqual([
          asInteger(issued[1]!.certificate.serialNumber),
        ]);
        expect(parsed.entries[0]!.reason).toBe('keyCompromise');
      });
    });

    describe('superseded certificates', () => {
      it('marks a renewed certificate superseded, with its renewal and time, not revoked', async () => {
        await store.recordCertificate(certificate('0a', 10, ['DNS:node1']));
        await store.recordCertificate(certificate('0b', 40, ['DNS:node1']));
        const marked = await store.markSuperseded('0A', '00:0b', at(1));
        expect(marked).toMatchObject({
          serialNumber: '0a',
          status: 'superseded',
          supersededBy: '0b',
          supersededAt: at(1),
        });
        expect(marked).not.toHaveProperty('revokedAt');
        expect(await store.getCertificate('0a', { now: NOW })).toEqual(marked);
        expect((await store.getCertificate('0b', { now: NOW }))!.status).toBe('valid');
        // not revoked: the CRL does not list it
        expect(await store.listRevocations()).toEqual([]);
        // still superseded once past its notAfter
        expect((await store.getCertificate('0a', { now: at(365) }))!.status).toBe('superseded');
      });

      it('lists and counts superseded certificates apart from valid, expired and revoked ones', async () => {
        await store.recordCertificate(certificate('01', 10));
        await store.recordCertificate(certificate('02', 40));
        await store.recordCertificate(certificate('03', -5));
        await store.recordCertificate(certificate('04', 20));
        await store.markSuperseded('01', '02', NOW);
        await store.revokeCertificate('04', { revokedAt: NOW });
        const serials = async (status: CertificateStatus) =>
          (await store.listCertificates({ now: NOW, status })).map((c) => c.serialNumber);
        expect(await serials('superseded')).toEqual(['01']);
        expect(await serials('valid')).toEqual(['02']);
        expect(await serials('expired')).toEqual(['03']);
        expect(await serials('revoked')).toEqual(['04']);
        const summary = await store.certificateSummary({ now: NOW });
        expect(summary.counts).toEqual({ valid: 1, superseded: 1, revoked: 1, expired: 1 });
        expect(summary.valid.map((v) => v.serialNumber)).toEqual(['02']);
      });

      it('refuses an unknown serial or renewal, itself, and one already superseded or revoked, changing nothing', async () => {
        await store.recordCertificate(certificate('01', 10));
        await store.recordCertificate(certificate('02', 40));
        await store.recordCertificate(certificate('03', 40));
        await store.recordCertificate(certificate('04', 40));
        await expectStoreError(store.markSuperseded('ff', '02'), 'ERR_STORE_NOT_FOUND');
        await expectStoreError(store.markSuperseded('01', 'ff'), 'ERR_STORE_NOT_FOUND');
        await expectStoreError(store.markSuperseded('01', '0001'), 'ERR_STORE_INVALID');
        await expectStoreError(store.markSuperseded('xyz', '02'), 'ERR_STORE_INVALID');
        await expectStoreError(
          store.markSuperseded('01', '02', new Date(Number.NaN)),
          'ERR_STORE_INVALID',
        );
        expect((await store.getCertificate('01', { now: NOW }))!.status).toBe('valid');

        await store.markSuperseded('01', '02', NOW);
        const again = await expectStoreError(
          store.markSuperseded('01', '03', at(1)),
          'ERR_STORE_CONFLICT',
        );
        expect(again.message).toMatch(/superseded/);
        // the first renewal stays
        expect(await store.getCertificate('01', { now: NOW })).toMatchObject({
          supersededBy: '02',
          supersededAt: NOW,
        });

        await store.revokeCertificate('04', { revokedAt: NOW, reason: 'keyCompromise' });
        const revoked = await expectStoreError(
          store.markSuperseded('04', '03'),
          'ERR_STORE_CONFLICT',
        );
        expect(revoked.message).toMatch(/revoked/);
        expect(await store.getCertificate('04', { now: NOW })).not.toHaveProperty('supersededBy');
      });

      it('still revokes a superseded certificate, and the CRL then lists it', async () => {
        await store.recordCertificate(certificate('01', 10));
        await store.recordCertificate(certificate('02', 40));
        await store.markSuperseded('01', '02', NOW);
        const result = await store.revokeCertificate('01', {
          revokedAt: at(1),
          reason: 'keyCompromise',
        });
        expect(result).toMatchObject({
          status: 'revoked',
          alreadyRevoked: false,
          supersededBy: '02',
        });
        expect(await store.listRevocations()).toEqual([
          { serialNumber: '01', revokedAt: at(1), reason: 'keyCompromise' },
        ]);
      });

      it('lets exactly one of concurrent renewals supersede a certificate', async () => {
        await store.recordCertificate(certificate('01', 10));
        const renewals = Array.from({ length: 8 }, (_, i) => `1${i}`);
        for (const serial of renewals) await store.recordCertificate(certificate(serial, 40));
        const stores = features.connections ? [store, await connect(), await connect()] : [store];
        const outcomes = await Promise.allSettled(
          renewals.map((serial, i) => stores[i % stores.length]!.markSuperseded('01', serial, NOW)),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const o of outcomes) {
          if (o.status === 'rejected') {
            expect(StoreError.isInstance(o.reason) && o.reason.code).toBe('ERR_STORE_CONFLICT');
          }
        }
        const winner = (won[0] as PromiseFulfilledResult<{ supersededBy?: string }>).value;
        expect((await store.getCertificate('01'))!.supersededBy).toBe(winner.supersededBy);
      });
    });

    describe('enrollment tokens', () => {
      it('stores a token without its hash and consumes it once', async () => {
        await store.createToken(token('t1', 'secret-1'));
        const [listed] = await store.listTokens({ now: NOW });
        expect(listed).toEqual({
          id: 't1',
          name: 'node-t1',
          profile: 'node',
          dns: ['node-t1.example.net'],
          ips: ['10.0.0.1'],
          uris: [],
          expiresAt: at(1),
          validityDays: 30,
          createdAt: NOW,
          status: 'pending',
        });
        expect(await store.consumeToken(hashToken('wrong'), NOW)).toBeUndefined();
        const used = await store.consumeToken(hashToken('secret-1'), NOW);
        expect(used).toMatchObject({
          id: 't1',
          status: 'used',
          usedAt: NOW,
          dns: ['node-t1.example.net'],
        });
        expect(await store.consumeToken(hashToken('secret-1'), NOW)).toBeUndefined();
        expect((await store.listTokens({ now: NOW }))[0]!.status).toBe('used');
      });

      it('reads one token by id, never by its hash', async () => {
        await store.createToken(token('t1', 'secret-1'));
        expect(await store.getToken('t1', { now: NOW })).toEqual(
          (await store.listTokens({ now: NOW }))[0],
        );
        expect(await store.getToken('t2', { now: NOW })).toBeUndefined();
        await store.consumeToken(hashToken('secret-1'), NOW);
        expect((await store.getToken('t1', { now: NOW }))?.status).toBe('used');
        expect(JSON.stringify(await store.getToken('t1', { now: NOW }))).not.toContain(
          hashToken('secret-1'),
        );
      });

      it('reads a token by id only with its hash when one is given: a wrong secret gets nothing', async () => {
        await store.createToken(token('t1', 'secret-1'));
        expect(await store.getToken('t1', { now: NOW, tokenHash: hashToken('secret-1') })).toEqual(
          await store.getToken('t1', { now: NOW }),
        );
        expect(
          await store.getToken('t1', { now: NOW, tokenHash: hashToken('secret-2') }),
        ).toBeUndefined();
        expect(
          (await store.getToken('t1', { now: NOW, tokenHash: hashToken('secret-1').toUpperCase() }))
            ?.id,
        ).toBe('t1');
        await expect(store.getToken('t1', { now: NOW, tokenHash: 'abc' })).rejects.toMatchObject({
          code: 'ERR_STORE_INVALID',
        });
      });

      it('accepts the hash in upper case', async () => {
        await store.createToken(token('t1', 'secret-1'));
        expect(await store.consumeToken(hashToken('secret-1').toUpperCase(), NOW)).toBeDefined();
      });

      it('redeems a token, records its certificate and audits it in one step, all or nothing', async () => {
        await store.createToken(token('t1', 'secret-1'));
        await store.createToken(token('t2', 'secret-2'));
        const audit = (serial: string) => ({
          at: NOW,
          action: 'certificate.issue',
          serialNumber: serial,
          detail: { via: 't' },
        });
        const redeemed = await store.redeemToken({
          tokenHash: hashToken('secret-1'),
          now: NOW,
          certificate: certificate('0a01', 30),
          audit: audit('0a01'),
        });
        expect(redeemed).toMatchObject({ id: 't1', status: 'used' });
        expect((await store.getCertificate('0a01', { now: NOW }))?.status).toBe('valid');
        expect((await store.listAudit(10)).map((e) => e.serialNumber)).toEqual(['0a01']);
        // a used token: nothing recorded
        expect(
          await store.redeemToken({
            tokenHash: hashToken('secret-1'),
            now: NOW,
            certificate: certificate('0a02', 30),
            audit: audit('0a02'),
          }),
        ).toBeUndefined();
        expect(await store.getCertificate('0a02', { now: NOW })).toBeUndefined();
        // a serial already recorded: the token stays pending, the audit trail unchanged
        await expectStoreError(
          store.redeemToken({
            tokenHash: hashToken('secret-2'),
            now: NOW,
            certificate: certificate('0a01', 30),
            audit: audit('0a01'),
          }),
          'ERR_STORE_CONFLICT',
        );
        expect((await store.getToken('t2', { now: NOW }))?.status).toBe('pending');
        expect(await store.listAudit(10)).toHaveLength(1);
        // 20 racers with one token: one certificate
        await store.createToken(token('t3', 'race-3'));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.redeemToken({
              tokenHash: hashToken('race-3'),
              now: NOW,
              certificate: certificate(`0b${(i + 16).toString(16)}`, 30),
              audit: audit('0b'),
            }),
          ),
        );
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
        expect(await store.listCertificates({ now: NOW })).toHaveLength(2);
      });

      it('concurrent redemptions of different tokens: each stands or falls on its own', async () => {
        for (let i = 0; i < 6; i++) await store.createToken(token(`c${i}`, `concurrent-${i}`));
        await store.recordCertificate(certificate('0c03', 30));
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            store.redeemToken({
              tokenHash: hashToken(`concurrent-${i}`),
              now: NOW,
              certificate: certificate(`0c0${i}`, 30),
              audit: { at: NOW, action: 'certificate.issue', serialNumber: `0c0${i}` },
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'fulfilled',
          'rejected',
          'fulfilled',
          'fulfilled',
        ]);
        expect((await store.getToken('c3', { now: NOW }))?.status).toBe('pending');
        expect((await store.getToken('c4', { now: NOW }))?.status).toBe('used');
        expect(await store.listCertificates({ now: NOW })).toHaveLength(6);
        expect((await store.listAudit(100)).map((e) => e.serialNumber).sort()).toEqual([
          '0c00',
          '0c01',
          '0c02',
          '0c04',
          '0c05',
        ]);
      });

      it('gives one token to exactly one of 50 concurrent callers', async () => {
        await store.createToken(token('t1', 'race'));
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.consumeToken(hashToken('race'), NOW)),
        );
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      });

      itWithConnections(
        'gives one token to exactly one caller across two connections',
        async () => {
          const other = await connect();
          await store.createToken(token('t1', 'race'));
          const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              (i % 2 ? other : store).consumeToken(hashToken('race'), NOW),
            ),
          );
          expect(results.filter((r) => r !== undefined)).toHaveLength(1);
          expect((await other.listTokens({ now: NOW }))[0]!.status).toBe('used');
        },
      );

      it('refuses an expired token and leaves it unused', async () => {
        await store.createToken(token('t1', 'late', 1));
        expect(await store.consumeToken(hashToken('late'), at(1))).toBeUndefined();
        expect(await store.consumeToken(hashToken('late'), at(2))).toBeUndefined();
        const [listed] = await store.listTokens({ now: at(2) });
        expect(listed).toMatchObject({ status: 'expired' });
        expect(listed).not.toHaveProperty('usedAt');
        // the same token a moment before it expires is still good
        expect(
          await store.consumeToken(hashToken('late'), new Date(at(1).getTime() - 1)),
        ).toBeDefined();
      });

      it('cancels a token: it can no longer be used; cancelling again changes nothing', async () => {
        await store.createToken(token('t1', 'cancel-me'));
        const cancelled = await store.cancelToken('t1', { now: NOW });
        expect(cancelled).toMatchObject({ status: 'cancelled', cancelledAt: NOW });
        expect(await store.consumeToken(hashToken('cancel-me'), NOW)).toBeUndefined();
        const again = await store.cancelToken('t1', { now: at(1) });
        expect(again.cancelledAt).toEqual(NOW);
      });

      it('refuses to cancel an unknown or a used token', async () => {
        await expectStoreError(store.cancelToken('nope'), 'ERR_STORE_NOT_FOUND');
        await store.createToken(token('t1', 'used'));
        await store.consumeToken(hashToken('used'), NOW);
        await expectStoreError(store.cancelToken('t1'), 'ERR_STORE_CONFLICT');
        expect((await store.listTokens({ now: NOW }))[0]!.status).toBe('used');
      });

      it('refuses a duplicate id or hash and malformed tokens', async () => {
        await store.createToken(token('t1', 'one'));
        await expectStoreError(store.createToken(token('t1', 'two')), 'ERR_STORE_CONFLICT');
        await expectStoreError(store.createToken(token('t2', 'one')), 'ERR_STORE_CONFLICT');
        await expectStoreError(
          store.createToken({ ...token('t3', 'three'), tokenHash: 'plain-token' }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(
          store.createToken({ ...token('t3', 'three'), validityDays: 0 }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(store.consumeToken('not-a-hash', NOW), 'ERR_STORE_INVALID');
        expect((await store.listTokens()).map((t) => t.id)).toEqual(['t1']);
        expect(await store.consumeToken(hashToken('one'), NOW)).toBeDefined();
      });

      it('lists tokens newest first', async () => {
        await store.createToken({ ...token('old', 'a'), createdAt: at(-2) });
        await store.createToken({ ...token('new', 'b'), createdAt: at(-1) });
        expect((await store.listTokens()).map((t) => t.id)).toEqual(['new', 'old']);
      });
    });

    describe('ACME objects and nonces', () => {
      const account = (id: string, lookup: string) => ({
        kind: 'account' as const,
        id,
        accountId: id,
        status: 'valid',
        lookup,
        data: { jwk: { kty: 'EC' }, contact: [] },
      });

      it('accepts a nonce once, and never an unknown or expired one', async () => {
        await store.createAcmeNonce('n1', at(1));
        await store.createAcmeNonce('n2', at(-1));
        expect(await store.useAcmeNonce('n1', NOW)).toBe(true);
        expect(await store.useAcmeNonce('n1', NOW)).toBe(false);
        expect(await store.useAcmeNonce('n2', NOW)).toBe(false);
        expect(await store.useAcmeNonce('never', NOW)).toBe(false);
        // a batch in one write, each nonce of it once
        await store.createAcmeNonce(['b1', 'b2', 'b3'], at(1));
        expect(await store.useAcmeNonce('b2', NOW)).toBe(true);
        expect(await store.useAcmeNonce('b2', NOW)).toBe(false);
        expect(await store.useAcmeNonce('b3', NOW)).toBe(true);
      });

      it('gives a nonce to exactly one of 20 concurrent callers', async () => {
        await store.createAcmeNonce('race', at(1));
        const used = await Promise.all(
          Array.from({ length: 20 }, () => store.useAcmeNonce('race', NOW)),
        );
        expect(used.filter(Boolean)).toHaveLength(1);
      });

      it('stores objects, finds them by id, lookup key and account, newest first', async () => {
        expect(await store.writeAcme({ insert: [account('a1', 'thumb1')], now: NOW })).toBe(true);
        await store.writeAcme({
          insert: [
            {
              kind: 'order',
              id: 'o1',
              accountId: 'a1',
              status: 'pending',
              data: { n: 1 },
              createdAt: at(0),
            },
            {
              kind: 'order',
              id: 'o2',
              accountId: 'a1',
              status: 'pending',
              data: { n: 2 },
              createdAt: at(1),
            },
          ],
        });
        const a = await store.getAcmeObject('account', 'a1');
        expect(a).toMatchObject({
          kind: 'account',
          id: 'a1',
          status: 'valid',
          version: 1,
          lookup: 'thumb1',
        });
        expect(a?.data).toEqual({ jwk: { kty: 'EC' }, contact: [] });
        expect((await store.findAcmeObject('account', 'thumb1'))?.id).toBe('a1');
        expect(await store.findAcmeObject('account', 'nope')).toBeUndefined();
        expect((await store.listAcmeObjects('order', 'a1')).map((o) => o.id)).toEqual(['o2', 'o1']);
        expect(await store.getAcmeObject('order', 'a1')).toBeUndefined();
      });

      it('refuses a second object with the same id or lookup key, writing nothing of that write', async () => {
        await store.writeAcme({ insert: [account('a1', 'thumb1')] });
        await expectStoreError(
          store.writeAcme({ insert: [{ ...account('a2', 'thumb2') }, account('a3', 'thumb1')] }),
          'ERR_STORE_CONFLICT',
        );
        expect(await store.getAcmeObject('account', 'a2')).toBeUndefined();
      });

      it('updates only from the version read (compare-and-set); a stale write changes nothing', async () => {
        await store.writeAcme({
          insert: [
            {
              kind: 'authorization',
              id: 'z1',
              accountId: 'a1',
              status: 'pending',
              data: { s: 'p' },
            },
            { kind: 'order', id: 'o1', accountId: 'a1', status: 'pending', data: {} },
          ],
        });
        const first = {
          kind: 'authorization' as const,
          id: 'z1',
          version: 1,
          status: 'valid',
          data: { s: 'v' },
        };
        const results = await Promise.all([
          store.writeAcme({ update: [first] }),
          store.writeAcme({ update: [{ ...first, status: 'invalid' }] }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const z = await store.getAcmeObject('authorization', 'z1');
        expect(z?.version).toBe(2);
        // a write whose second update is stale leaves its first one undone too
        expect(
          await store.writeAcme({
            update: [
              { kind: 'order', id: 'o1', version: 1, status: 'ready', data: {} },
              { ...first, status: 'deactivated' },
            ],
          }),
        ).toBe(false);
        expect((await store.getAcmeObject('order', 'o1'))?.status).toBe('pending');
      });

      it('consumes a pending token with the account it pays for, once across concurrent writes', async () => {
        await store.createToken(token('t1', 'acme-token'));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.writeAcme({
              consumeTokenId: 't1',
              insert: [account(`a${i}`, `k${i}`)],
              now: NOW,
            }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const made = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.getAcmeObject('account', `a${i}`)),
        );
        expect(made.filter(Boolean)).toHaveLength(1);
        expect((await store.getToken('t1', { now: NOW }))?.status).toBe('used');
      });

      itWithConnections(
        'across instances: a nonce issued by one is accepted once by either, one token makes one account',
        async () => {
          const other = await connect();
          await store.createAcmeNonce('shared', at(1));
          const used = await Promise.all([
            other.useAcmeNonce('shared', NOW),
            store.useAcmeNonce('shared', NOW),
          ]);
          expect(used.filter(Boolean)).toHaveLength(1);
          await store.createToken(token('t9', 'acme-race'));
          const made = await Promise.all(
            [store, other, store, other].map((s, i) =>
              s.writeAcme({ consumeTokenId: 't9', insert: [account(`r${i}`, `rk${i}`)], now: NOW }),
            ),
          );
          expect(made.filter(Boolean)).toHaveLength(1);
        },
      );

      it('records a certificate and its audit line with the order, or none of them', async () => {
        await store.writeAcme({
          insert: [{ kind: 'order', id: 'o1', accountId: 'a1', status: 'processing', data: {} }],
        });
        const audit = {
          at: NOW,
          action: 'certificate.issue',
          serialNumber: '0a',
          detail: { via: 'acme' },
        };
        expect(
          await store.writeAcme({
            update: [
              { kind: 'order', id: 'o1', version: 1, status: 'valid', data: { certificate: '0a' } },
            ],
            certificate: certificate('0a', 30),
            audit: [audit],
          }),
        ).toBe(true);
        expect((await store.getCertificate('0a'))?.serialNumber).toBe('0a');
        expect((await store.listAudit(1))[0]?.detail).toEqual({ via: 'acme' });
        // the same serial again: a conflict, and the order's update is rolled back with it
        await store.writeAcme({
          insert: [{ kind: 'order', id: 'o2', accountId: 'a1', status: 'processing', data: {} }],
        });
        await expectStoreError(
          store.writeAcme({
            update: [{ kind: 'order', id: 'o2', version: 1, status: 'valid', data: {} }],
            certificate: certificate('0a', 30),
          }),
          'ERR_STORE_CONFLICT',
        );
        expect((await store.getAcmeObject('order', 'o2'))?.status).toBe('processing');
      });
    });

    describe('audit trail', () => {
      it('appends lines and lists the latest first', async () => {
        await store.appendAudit({
          at: at(0),
          action: 'token.create',
          actor: 'admin',
          detail: { id: 't1' },
        });
        await store.appendAudit({
          at: at(1),
          action: 'issue',
          serialNumber: 'AB:CD',
          detail: { names: ['n1'], n: 2 },
        });
        await store.appendAudit({ at: at(2), action: 'revoke', serialNumber: 'abcd' });
        const lines = await store.listAudit();
        expect(lines.map((l) => l.action)).toEqual(['revoke', 'issue', 'token.create']);
        expect(lines[1]).toMatchObject({
          at: at(1),
          serialNumber: 'abcd',
          detail: { names: ['n1'], n: 2 },
        });
        expect(lines[2]).toMatchObject({ actor: 'admin', detail: { id: 't1' } });
        expect(lines[0]).not.toHaveProperty('detail');
        expect(lines[0]!.id).toBeGreaterThan(lines[1]!.id);
        expect((await store.listAudit(2)).map((l) => l.action)).toEqual(['revoke', 'issue']);
      });

      it('lists the latest lines of one action', async () => {
        for (let i = 0; i < 5; i++)
          await store.appendAudit({
            at: at(i),
            action: i % 2 ? 'certificate.revoke' : 'enrollment.create',
            detail: { i },
          });
        const of = async (action: string, limit?: number) =>
          (await store.listAudit(limit, { action })).map((l) => l.detail?.['i']);
        expect(await of('certificate.revoke')).toEqual([3, 1]);
        expect(await of('enrollment.create', 2)).toEqual([4, 2]);
        expect(await of('nothing')).toEqual([]);
        await expectStoreError(store.listAudit(10, { action: '' }), 'ERR_STORE_INVALID');
      });

      it('refuses a line it cannot store as JSON', async () => {
        await expectStoreError(
          store.appendAudit({ at: NOW, action: 'x', detail: { big: 1n } }),
          'ERR_STORE_INVALID',
        );
        await expectStoreError(store.appendAudit({ at: NOW, action: '' }), 'ERR_STORE_INVALID');
        await expectStoreError(store.listAudit(-1), 'ERR_STORE_INVALID');
        expect(await store.listAudit()).toEqual([]);
      });
    });

    it('is healthy while open, and not once closed', async () => {
      await expect(store.checkHealth()).resolves.toBeUndefined();
      await store.close();
      await expectStoreError(store.checkHealth(), 'ERR_STORE_IO');
    });

    it('rejects every call after close with ERR_STORE_IO; closing twice is harmless', async () => {
      await store.close();
      await store.close();
      await expectStoreError(store.getCertificate('01'), 'ERR_STORE_IO');
      await expectStoreError(store.recordCertificate(certificate('01', 1)), 'ERR_STORE_IO');
      await expectStoreError(store.nextCrlNumber(), 'ERR_STORE_IO');
      await expectStoreError(store.markSuperseded('01', '02'), 'ERR_STORE_IO');
      await expectStoreError(store.consumeToken(hashToken('x'), NOW), 'ERR_STORE_IO');
    });
  });
}
