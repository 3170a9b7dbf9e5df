/**
 * The valid_policy_tree operations, case by case from the text of RFC 5280 §6.1.2-§6.1.5
 * and the situations its figures draw (§6.1.2 Figure 3, §6.1.3 Figures 4-7). Policies are
 * named as in the RFC's examples; any string is an OID to the tree.
 */
import { describe, expect, it } from 'vitest';
import { NodeIdError } from '../errors.js';
import {
  ANY_POLICY as ANY,
  addCertificatePolicies,
  applyPolicyMappings,
  type CertificatePolicy,
  createPolicyTree,
  intersectPolicyTree,
  type PolicyTree,
  prunePolicyTree,
  treeDepth,
  treePolicies,
} from './policy-tree.js';

const GOLD = '1.2.3.1';
const SILVER = '1.2.3.2';
const WHITE = '1.2.3.3';
const RED = '1.2.3.4';
const Q_ANY = Uint8Array.of(0x30, 0x00, 0x01); // distinct stand-ins for qualifier DER
const Q_GOLD = Uint8Array.of(0x30, 0x00, 0x02);

const pol = (...oids: string[]): CertificatePolicy[] => oids.map((oid) => ({ oid }));

/** Each node as "depth:policy<-parent {expected}", sorted, to compare whole trees. */
function shape(tree: PolicyTree | undefined): string[] {
  if (!tree) return ['NULL'];
  const name = (oid: string) =>
    ({ [ANY]: 'any', [GOLD]: 'gold', [SILVER]: 'silver', [WHITE]: 'white', [RED]: 'red' })[oid] ??
    oid;
  return tree.levels
    .flat()
    .map(
      (n) =>
        `${n.depth}:${name(n.validPolicy)}<-${n.parent ? name(n.parent.validPolicy) : '-'} {${[
          ...n.expectedPolicySet,
        ]
          .map(name)
          .sort()
          .join(',')}}`,
    )
    .sort();
}

/** Grows a tree certificate by certificate: policies, then (for CAs) mappings. */
function grow(
  certs: { policies?: CertificatePolicy[]; mappings?: [string, string[]][]; any?: boolean }[],
  options: { mapping?: boolean } = {},
): PolicyTree | undefined {
  let tree: PolicyTree | undefined = createPolicyTree();
  for (const c of certs) {
    tree = addCertificatePolicies(tree, c.policies, c.any ?? true);
    if (c.mappings) tree = applyPolicyMappings(tree, new Map(c.mappings), options.mapping ?? true);
  }
  return tree;
}

describe('§6.1.2 (a): the initial tree', () => {
  it('is one anyPolicy node of depth 0 with no qualifiers, expecting anyPolicy (Figure 3)', () => {
    const tree = createPolicyTree();
    expect(shape(tree)).toEqual(['0:any<-- {any}']);
    expect(tree.levels[0]![0]!.qualifiers).toBeUndefined();
    expect(treeDepth(tree)).toBe(0);
  });
});

describe('§6.1.3 (d), (e): a certificate extends the tree by one level', () => {
  it('(e): a certificate without certificatePolicies makes the tree NULL', () => {
    expect(addCertificatePolicies(createPolicyTree(), undefined, true)).toBeUndefined();
    // and NULL stays NULL whatever follows
    expect(addCertificatePolicies(undefined, pol(GOLD), true)).toBeUndefined();
  });

  it('(d)(1)(ii): a policy nobody expects hangs under the anyPolicy node of depth i-1', () => {
    const tree = grow([{ policies: [{ oid: GOLD, qualifiers: Q_GOLD }] }]);
    expect(shape(tree)).toEqual(['0:any<-- {any}', '1:gold<-any {gold}']);
    expect(tree!.levels[1]![0]!.qualifiers).toBe(Q_GOLD);
  });

  it('(d)(1)(i): a policy in the expected_policy_set of a node of depth i-1 becomes its child (Figure 4)', () => {
    // gold is mapped to gold and white, so the gold node expects both; the next
    // certificate asserting white matches it, and does not go under anyPolicy.
    const tree = grow([
      { policies: pol(GOLD), mappings: [[GOLD, [GOLD, WHITE]]] },
      { policies: pol(WHITE) },
    ]);
    expect(shape(tree)).toEqual([
      '0:any<-- {any}',
      '1:gold<-any {gold,white}',
      '2:white<-gold {white}',
    ]);
  });

  it('(d)(1)(i): every node expecting the policy gets a child, not just the first', () => {
    const tree = grow([
      {
        policies: pol(GOLD, SILVER),
        mappings: [
          [GOLD, [WHITE]],
          [SILVER, [WHITE]],
        ],
      },
      { policies: pol(WHITE) },
    ]);
    expect(shape(tree)).toEqual([
      '0:any<-- {any}',
      '1:gold<-any {white}',
      '1:silver<-any {white}',
      '2:white<-gold {white}',
      '2:white<-silver {white}',
    ]);
  });

  it('(d)(2): anyPolicy, where allowed, adds each expected policy a node has no child for (Figure 5)', () => {
    const tree = grow([
      { policies: pol(GOLD, SILVER) },
      { policies: [{ oid: GOLD }, { oid: ANY, qualifiers: Q_ANY }] },
    ]);
    expect(shape(tree)).toEqual([
      '0:any<-- {any}',
      '1:gold<-any {gold}',
      '1:silver<-any {silver}',
      '2:gold<-gold {gold}',
      '2:silver<-silver {silver}',
    ]);
    const silver = tree!.levels[2]!.find((n) => n.validPolicy === SILVER)!;
    const gold = tree!.levels[2]!.find((n) => n.validPolicy === GOLD)!;
    expect(silver.qualifiers).toBe(Q_ANY); // the qualifiers of anyPolicy, AP-Q
    expect(gold.qualifiers).toBeUndefined(); // made by (d)(1), with gold's own
  });

  it('(d)(2): under an anyPolicy node, anyPolicy itself is the expected value carried down (Figure 6)', () => {
    const tree = grow([{ policies: pol(ANY) }, { policies: pol(ANY) }]);
    expect(shape(tree)).toEqual(['0:any<-- {any}', '1:any<-any {any}', '2:any<-any {any}']);
  });

  it('(d)(2): anyPolicy counts for nothing when not allowed (inhibit_anyPolicy is 0)', () => {
    const tree = grow([{ policies: pol(GOLD) }, { policies: pol(ANY), any: false }]);
    expect(tree).toBeUndefined();
  });

  it('(d)(3): nodes of depth i-1 or less left without children are pruned, up to the root (Figure 7)', () => {
    // gold and silver at depth 1; the next certificate only asserts silver: gold goes.
    const tree = grow([{ policies: pol(GOLD, SILVER) }, { policies: pol(SILVER) }]);
    expect(shape(tree)).toEqual([
      '0:any<-- {any}',
      '1:silver<-any {silver}',
      '2:silver<-silver {silver}',
    ]);
    // nothing matches at all: every level empties and the tree is NULL
    expect(grow([{ policies: pol(GOLD) }, { policies: pol(RED) }])).toBeUndefined();
  });

  it('pruning only looks at depth i-1 or less: the leaves of depth i stay', () => {
    const tree = grow([{ policies: pol(GOLD) }]);
    expect(shape(prunePolicyTree(tree!, 0))).toEqual(['0:any<-- {any}', '1:gold<-any {gold}']);
    expect(prunePolicyTree(tree!, 1)).toBeUndefined();
  });
});

describe('§6.1.4 (b): policy mappings', () => {
  it('(b)(1): the node of ID-P expects the subjectDomainPolicy values instead', () => {
    const tree = grow([{ policies: pol(GOLD, SILVER), mappings: [[GOLD, [WHITE, RED]]] }]);
    expect(shape(tree)).toEqual([
      '0:any<-- {any}',
      '1:gold<-any {red,white}',
      '1:silver<-any {silver}',
    ]);
    // a certificate below asserting gold no longer matches the gold node, and there is no
    // anyPolicy node of depth 1 to fall back on: nothing grows and the tree is pruned to NULL
    expect(addCertificatePolicies(tree, pol(GOLD), true)).toBeUndefined();
  });

  it('(b)(1): with no ID-P node but an anyPolicy node of depth i, ID-P is added beside it under the anyPolicy parent', () => {
    const tree = grow([
      { policies: [{ oid: ANY, qualifiers: Q_ANY }], mappings: [[GOLD, [SILVER]]] },
    ]);
    expect(shape(tree)).toEqual(['0:any<-- {any}', '1:any<-any {any}', '1:gold<-any {silver}']);
    expect(tree!.levels[1]!.find((n) => n.validPolicy === GOLD)!.qualifiers).toBe(Q_ANY);
    const next = addCertificatePolicies(tree, pol(SILVER), true);
    expect(shape(next)).toEqual([
      '0:any<-- {any}',
      '1:gold<-any {silver}',
      '2:silver<-gold {silver}',
    ]);
  });

  it('(b)(2): with policy_mapping 0, the nodes of a mapped ID-P are deleted and the tree pruned', () => {
    const kept = grow([{ policies: pol(GOLD, SILVER), mappings: [[GOLD, [WHITE]]] }], {
      mapping: false,
    });
    expect(shape(kept)).toEqual(['0:any<-- {any}', '1:silver<-any {silver}']);
    const gone = grow([{ policies: pol(GOLD), mappings: [[GOLD, [WHITE]]] }], { mapping: false });
    expect(gone).toBeUndefined();
  });

  it('(b)(2) deletes no anyPolicy node: only ID-P nodes go', () => {
    const tree = grow([{ policies: pol(ANY), mappings: [[GOLD, [WHITE]]] }], { mapping: false });
    expect(shape(tree)).toEqual(['0:any<-- {any}', '1:any<-any {any}']);
  });
});

describe('§6.1.5 (g): intersection with the user-initial-policy-set', () => {
  it('(g)(i), (g)(ii): NULL stays NULL; any-policy keeps the whole tree', () => {
    expect(intersectPolicyTree(undefined, [GOLD])).toBeUndefined();
    const tree = grow([{ policies: pol(GOLD, SILVER) }]);
    expect(shape(intersectPolicyTree(tree, [ANY]))).toEqual(
      shape(grow([{ policies: pol(GOLD, SILVER) }])),
    );
  });

  it('(g)(iii)(2): branches whose policy (under anyPolicy) is not wanted go', () => {
    const tree = grow([{ policies: pol(GOLD, SILVER) }, { policies: pol(GOLD, SILVER) }]);
    expect(shape(intersectPolicyTree(tree, [SILVER]))).toEqual([
      '0:any<-- {any}',
      '1:silver<-any {silver}',
      '2:silver<-silver {silver}',
    ]);
    expect(intersectPolicyTree(grow([{ policies: pol(GOLD) }]), [RED])).toBeUndefined();
  });

  it('(g)(iii)(2): the user policy is judged in the anchor domain, before mapping', () => {
    // gold is mapped to white; the leaf asserts white. The user asked for gold: kept.
    const mapped = () =>
      grow([{ policies: pol(GOLD), mappings: [[GOLD, [WHITE]]] }, { policies: pol(WHITE) }]);
    expect(treePolicies(intersectPolicyTree(mapped(), [GOLD]))).toEqual([GOLD]);
    // asking for white (the subject-domain policy) does not match
    expect(intersectPolicyTree(mapped(), [WHITE])).toBeUndefined();
  });

  it('(g)(iii)(3): an anyPolicy leaf becomes one leaf per wanted policy not already there, with its qualifiers', () => {
    const tree = grow([
      { policies: pol(ANY, GOLD) },
      { policies: [{ oid: ANY, qualifiers: Q_ANY }, { oid: GOLD }] },
    ]);
    const out = intersectPolicyTree(tree, [GOLD, SILVER, RED]);
    expect(shape(out)).toEqual([
      '0:any<-- {any}',
      '1:any<-any {any}',
      '1:gold<-any {gold}',
      '2:gold<-gold {gold}',
      '2:red<-any {red}',
      '2:silver<-any {silver}',
    ]);
    expect(out!.levels[2]!.find((n) => n.validPolicy === RED)!.qualifiers).toBe(Q_ANY);
    expect(treePolicies(out)).toEqual(expect.arrayContaining([GOLD, SILVER, RED]));
    expect(treePolicies(out)).toHaveLength(3);
  });

  it('(g)(iii)(4): nodes left without children are pruned after the intersection', () => {
    // gold (under anyPolicy) is not wanted and goes; the anyPolicy node above it is left
    // without children and pruned, then the root: the intersection is NULL.
    const tree = grow([{ policies: pol(ANY) }, { policies: pol(GOLD) }]);
    expect(intersectPolicyTree(tree, [SILVER])).toBeUndefined();
  });
});

describe('the policies a tree stands for', () => {
  it('anyPolicy all the way down is [anyPolicy]; a NULL tree is []', () => {
    expect(treePolicies(grow([{ policies: pol(ANY) }, { policies: pol(ANY) }]))).toEqual([ANY]);
    expect(treePolicies(undefined)).toEqual([]);
  });

  it('a policy asserted under anyPolicy is reported as that policy', () => {
    expect(treePolicies(grow([{ policies: pol(ANY) }, { policies: pol(GOLD) }]))).toEqual([GOLD]);
  });
});

describe('the tree is bounded', () => {
  it('fails with ERR_PATH_BUILDING_LIMIT when mappings multiply the nodes past the cap', () => {
    // Every CA asserts k policies and maps each of them to all k: each node expects all k,
    // so depth d holds k^d nodes (the CVE-2023-0464 shape).
    const k = 6;
    const ps = Array.from({ length: k }, (_, j) => `1.2.9.${j}`);
    const mappings = ps.map((p) => [p, ps] as [string, string[]]);
    let tree: PolicyTree | undefined = createPolicyTree(500);
    let error: unknown;
    try {
      for (let d = 0; d < 8; d++) {
        tree = addCertificatePolicies(tree, pol(...ps), true);
        tree = applyPolicyMappings(tree, new Map(mappings), true);
        expect(tree!.size).toBeLessThanOrEqual(500);
      }
    } catch (e) {
      error = e;
    }
    expect(NodeIdError.isInstance(error) && error.code).toBe('ERR_PATH_BUILDING_LIMIT');
    // the same chain with no mapping stays linear and within the cap
    let flat: PolicyTree | undefined = createPolicyTree(500);
    for (let d = 0; d < 8; d++) flat = addCertificatePolicies(flat, pol(...ps), true);
    expect(flat!.size).toBe(1 + 8 * k);
  });
});
