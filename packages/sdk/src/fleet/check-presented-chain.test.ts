/**
 * checkPresentedChain and the fleet alerts it feeds (`chain-order`, `chain-extra`): chains as a
 * misconfigured server sends them (root before intermediate, a stale intermediate of the same
 * name with another key, an unrelated CA), judged by the walk and by the verified path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../ca/create-ca.js';
import type { Identity } from '../issue/identity.js';
import { issueIdentity } from '../issue/issue-identity.js';
import { checkPresentedChain } from './check-presented-chain.js';
import { judgeFleetNode } from './judge-fleet-node.js';

let root: Identity;
let issuing: Identity;
let staleIssuing: Identity;
let unrelated: Identity;
let leaf: Identity;

beforeAll(async () => {
  root = await createCa({ clusterName: 'scale.cluster', commonName: 'Root CA' });
  issuing = await createCa({
    clusterName: 'scale.cluster',
    commonName: 'Issuing CA',
    issuer: root,
    pathLength: 0,
  });
  // The same name under the same root, another key: the intermediate before a re-key.
  staleIssuing = await createCa({
    clusterName: 'scale.cluster',
    commonName: 'Issuing CA',
    issuer: root,
    pathLength: 0,
  });
  unrelated = await createCa({ clusterName: 'other.cluster', commonName: 'Other CA' });
  leaf = await issueIdentity({ ca: issuing, name: 'node1.example.net' });
});

const der = (...ids: Identity[]) => ids.map((i) => i.certificate.der);

describe('checkPresentedChain', () => {
  it('leaf, intermediate, root in issuing order: nothing to say; the root may be left out', () => {
    for (const chain of [der(leaf, issuing, root), der(leaf, issuing), der(leaf)]) {
      const c = checkPresentedChain(chain);
      expect(c).toMatchObject({ extra: [], inOrder: true, problems: [] });
      expect(c.path).toEqual(chain.map((_, i) => i));
    }
  });

  it('root before the intermediate is chain-order (RFC 5246 §7.4.2)', () => {
    const c = checkPresentedChain(der(leaf, root, issuing));
    expect(c).toMatchObject({ path: [0, 2, 1], extra: [], inOrder: false });
    expect(c.problems).toEqual([expect.objectContaining({ kind: 'chain-order', depth: 2 })]);
    expect(c.problems[0]!.message).toMatch(
      /certificate 3 \(CN=Issuing CA[^)]*\) issues certificate 1/,
    );
  });

  it('an unrelated CA and a stale intermediate of the same name are chain-extra', () => {
    const c = checkPresentedChain(der(leaf, unrelated, staleIssuing, issuing, root));
    expect(c.path).toEqual([0, 3, 4]);
    expect(c.extra).toEqual([1, 2]);
    expect(c.inOrder).toBe(true);
    expect(c.problems.map((p) => [p.kind, p.depth])).toEqual([
      ['chain-extra', 1],
      ['chain-extra', 2],
    ]);
    expect(c.problems[1]!.message).toMatch(
      /certificate 3 \(CN=Issuing CA[^)]*\) is not part of the leaf's chain/,
    );
  });

  it('with the verified path, only what is on it counts', () => {
    const c = checkPresentedChain(der(leaf, root, issuing), {
      path: [leaf.certificate, issuing.certificate, root.certificate],
    });
    expect(c).toMatchObject({ path: [0, 2, 1], inOrder: false });
  });
});

describe('judgeFleetNode: chain-order and chain-extra', () => {
  const judge = (chain: Uint8Array[]) =>
    judgeFleetNode({
      chain,
      trustAnchors: [root.certificate.pem],
      reachedName: 'node1.example.net',
    });

  it('a good chain raises neither', async () => {
    expect((await judge(der(leaf, issuing, root))).alerts).toEqual([]);
  });

  it('out of order, or with a wrong intermediate beside the right one: warnings, still verified', async () => {
    const order = await judge(der(leaf, root, issuing));
    expect(order).toMatchObject({ alerts: ['chain-order'], severity: 'warning', verified: true });
    const extra = await judge(der(leaf, staleIssuing, issuing));
    expect(extra).toMatchObject({ alerts: ['chain-extra'], severity: 'warning', verified: true });
    expect(extra.problems[0]).toMatchObject({ alert: 'chain-extra', depth: 1 });
  });

  it('only the wrong intermediate: wrong-ca (no path), and the stale one is extra', async () => {
    const r = await judge(der(leaf, staleIssuing));
    expect(r.alerts).toEqual(['wrong-ca', 'chain-extra']);
    expect(r.severity).toBe('error');
  });
});
