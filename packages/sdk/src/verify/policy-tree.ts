/**
 * The valid_policy_tree of RFC 5280 §6.1.2 (a) and the operations of §6.1.3 (d)-(e),
 * §6.1.4 (b) and §6.1.5 (g) on it. `check-policies.ts` drives it certificate by certificate;
 * this module only knows the tree, so each rule can be tested from the RFC's text alone.
 *
 * A NULL tree (RFC wording) is `undefined` here. The tree is bounded: a hostile chain can
 * make it grow exponentially (each policy mapped to many, many times over: the "policy tree
 * explosion" of CVE-2023-0464), so every operation that adds a node fails with
 * `ERR_PATH_BUILDING_LIMIT` past {@link MAX_POLICY_TREE_NODES} live nodes.
 */
import { NodeIdError } from '../errors.js';

/** The special policy anyPolicy (RFC 5280 §4.2.1.4). */
export const ANY_POLICY = '2.5.29.32.0';

/** The most nodes a valid_policy_tree may hold before verification gives up. */
export const MAX_POLICY_TREE_NODES = 4096;

/** One policy of a certificatePolicies extension, as §6.1.3 (d) consumes it. */
export interface CertificatePolicy {
  /** The policyIdentifier, dotted. */
  readonly oid: string;
  /** The policyQualifiers as the certificate encodes them (DER), not interpreted. */
  readonly qualifiers?: Uint8Array;
}

/** A node of the valid_policy_tree (§6.1.2 (a)). */
export interface PolicyNode {
  /** The policy valid at this depth of the path. */
  readonly validPolicy: string;
  /** The qualifiers of that policy in the certificate at this depth (DER), if any. */
  readonly qualifiers: Uint8Array | undefined;
  /** The policies that will satisfy this node's policy in the next certificate. */
  expectedPolicySet: Set<string>;
  /** `undefined` for the root, which has depth 0. */
  readonly parent: PolicyNode | undefined;
  readonly children: PolicyNode[];
  readonly depth: number;
}

/** The valid_policy_tree: `levels[d]` holds the nodes of depth d (0 is the root). */
export interface PolicyTree {
  readonly levels: PolicyNode[][];
  /** Live nodes, for the bound. */
  size: number;
  readonly maxNodes: number;
}

/** §6.1.2 (a): the initial tree, a single anyPolicy node of depth 0. */
export function createPolicyTree(maxNodes = MAX_POLICY_TREE_NODES): PolicyTree {
  const root: PolicyNode = {
    validPolicy: ANY_POLICY,
    qualifiers: undefined,
    expectedPolicySet: new Set([ANY_POLICY]),
    parent: undefined,
    children: [],
    depth: 0,
  };
  return { levels: [[root]], size: 1, maxNodes };
}

/** The depth of the deepest level (the number of certificates processed). */
export function treeDepth(tree: PolicyTree): number {
  return tree.levels.length - 1;
}

function addChild(
  tree: PolicyTree,
  parent: PolicyNode,
  validPolicy: string,
  qualifiers: Uint8Array | undefined,
  expected: Iterable<string>,
): PolicyNode {
  if (tree.size >= tree.maxNodes) {
    throw new NodeIdError(
      'ERR_PATH_BUILDING_LIMIT',
      `the certificate policies of this path make a policy tree of more than ${tree.maxNodes} nodes (RFC 5280 §6.1; a chain built to exhaust the verifier)`,
    );
  }
  const node: PolicyNode = {
    validPolicy,
    qualifiers,
    expectedPolicySet: new Set(expected),
    parent,
    children: [],
    depth: parent.depth + 1,
  };
  parent.children.push(node);
  const level = tree.levels[node.depth];
  if (level) level.push(node);
  else tree.levels[node.depth] = [node];
  tree.size++;
  return node;
}

/** Removes `nodes` and their whole subtrees, in one pass over the levels. */
function deleteNodes(tree: PolicyTree, nodes: readonly PolicyNode[]): void {
  if (nodes.length === 0) return;
  const doomed = new Set<PolicyNode>(nodes);
  for (const node of nodes) {
    const siblings = node.parent?.children;
    if (siblings) siblings.splice(siblings.indexOf(node), 1);
  }
  for (let d = 0; d < tree.levels.length; d++) {
    const level = tree.levels[d]!;
    const kept: PolicyNode[] = [];
    for (const n of level) {
      if (doomed.has(n) || (n.parent && doomed.has(n.parent))) doomed.add(n);
      else kept.push(n);
    }
    tree.size -= level.length - kept.length;
    tree.levels[d] = kept;
  }
}

/**
 * Deletes every node of depth `maxDepth` or less that has no children, repeatedly, as
 * §6.1.3 (d)(3), §6.1.4 (b)(2) and §6.1.5 (g)(iii)(4) ask. Returns `undefined` (NULL) when
 * the root itself goes.
 */
export function prunePolicyTree(tree: PolicyTree, maxDepth: number): PolicyTree | undefined {
  // Bottom-up, one pass suffices: a parent loses its last child before its own level is seen.
  for (let d = Math.min(maxDepth, tree.levels.length - 1); d >= 0; d--) {
    const level = tree.levels[d]!;
    const kept: PolicyNode[] = [];
    for (const n of level) {
      if (n.children.length > 0) kept.push(n);
      else if (n.parent) n.parent.children.splice(n.parent.children.indexOf(n), 1);
    }
    tree.size -= level.length - kept.length;
    tree.levels[d] = kept;
  }
  return tree.levels[0]!.length === 0 ? undefined : tree;
}

/**
 * §6.1.3 (d) and (e): extends the tree by the certificatePolicies of certificate i (the tree
 * has depth i-1 on entry). `policies` undefined means the extension is absent, which makes
 * the tree NULL (§6.1.3 (e)). `anyPolicyAllowed` is the condition of (d)(2): inhibit_anyPolicy
 * is above 0, or i < n and the certificate is self-issued.
 */
export function addCertificatePolicies(
  tree: PolicyTree | undefined,
  policies: readonly CertificatePolicy[] | undefined,
  anyPolicyAllowed: boolean,
): PolicyTree | undefined {
  // (e): no certificatePolicies extension, the tree becomes NULL.
  if (!tree || !policies) return undefined;
  const parents = tree.levels[tree.levels.length - 1]!;
  const i = tree.levels.length; // depth of the new level
  // (d)(1): each policy other than anyPolicy.
  for (const p of policies) {
    if (p.oid === ANY_POLICY) continue;
    let matched = false;
    // (d)(1)(i): a child of each node of depth i-1 that expects this policy.
    for (const parent of parents) {
      if (parent.expectedPolicySet.has(p.oid)) {
        addChild(tree, parent, p.oid, p.qualifiers, [p.oid]);
        matched = true;
      }
    }
    // (d)(1)(ii): no match, so a child of the anyPolicy node of depth i-1, if there is one.
    if (!matched) {
      const any = parents.find((n) => n.validPolicy === ANY_POLICY);
      if (any) addChild(tree, any, p.oid, p.qualifiers, [p.oid]);
    }
  }
  // (d)(2): anyPolicy in the certificate, where allowed: each node of depth i-1 gets a child
  // for every expected policy (anyPolicy included) that none of its children has yet.
  const any = policies.find((p) => p.oid === ANY_POLICY);
  if (any && anyPolicyAllowed) {
    for (const parent of parents) {
      const present = new Set(parent.children.map((c) => c.validPolicy));
      for (const e of parent.expectedPolicySet)
        if (!present.has(e)) addChild(tree, parent, e, any.qualifiers, [e]);
    }
  }
  if (!tree.levels[i]) tree.levels[i] = [];
  // (d)(3): nodes of depth i-1 or less without children go, repeatedly.
  return prunePolicyTree(tree, i - 1);
}

/**
 * §6.1.4 (b): applies the policyMappings of intermediate certificate i (the tree has depth i),
 * given as issuerDomainPolicy → the subjectDomainPolicy values it maps to. The caller has
 * already refused anyPolicy on either side (§6.1.4 (a)). `mappingAllowed` is
 * policy_mapping > 0.
 */
export function applyPolicyMappings(
  tree: PolicyTree | undefined,
  mappings: ReadonlyMap<string, readonly string[]>,
  mappingAllowed: boolean,
): PolicyTree | undefined {
  if (!tree || mappings.size === 0) return tree;
  const i = tree.levels.length - 1;
  if (mappingAllowed) {
    // (b)(1)
    for (const [idp, sdps] of mappings) {
      const level = tree.levels[i]!;
      const nodes = level.filter((n) => n.validPolicy === idp);
      if (nodes.length > 0) {
        for (const n of nodes) n.expectedPolicySet = new Set(sdps);
        continue;
      }
      // No node of depth i has ID-P, but an anyPolicy node does: a sibling for ID-P under the
      // anyPolicy node of depth i-1 (the anyPolicy node's parent), with its qualifiers.
      const any = level.find((n) => n.validPolicy === ANY_POLICY);
      if (any?.parent) addChild(tree, any.parent, idp, any.qualifiers, sdps);
    }
    return tree;
  }
  // (b)(2): mapping inhibited: nodes of depth i with a mapped ID-P are deleted, then nodes of
  // depth i-1 or less left without children.
  deleteNodes(
    tree,
    tree.levels[i]!.filter((n) => mappings.has(n.validPolicy)),
  );
  return prunePolicyTree(tree, i - 1);
}

/**
 * §6.1.5 (g): the intersection of the tree (of depth n) with the user-initial-policy-set.
 * A set holding anyPolicy is "any-policy" (g)(ii): the tree is returned unchanged.
 */
export function intersectPolicyTree(
  tree: PolicyTree | undefined,
  initialPolicies: readonly string[],
): PolicyTree | undefined {
  // (g)(i)
  if (!tree) return undefined;
  // (g)(ii)
  if (initialPolicies.includes(ANY_POLICY)) return tree;
  const n = tree.levels.length - 1;
  const wanted = new Set(initialPolicies);
  // (g)(iii)(1): the valid_policy_node_set, nodes whose parent is an anyPolicy node.
  const nodeSet: PolicyNode[] = [];
  for (const level of tree.levels)
    for (const node of level) if (node.parent?.validPolicy === ANY_POLICY) nodeSet.push(node);
  // (g)(iii)(2): those outside the user's set (and not anyPolicy) go with their subtrees.
  deleteNodes(
    tree,
    nodeSet.filter((x) => x.validPolicy !== ANY_POLICY && !wanted.has(x.validPolicy)),
  );
  // (g)(iii)(3): an anyPolicy leaf of depth n stands for each user policy not yet in the set.
  const anyLeaf = tree.levels[n]!.find((x) => x.validPolicy === ANY_POLICY);
  if (anyLeaf?.parent) {
    const inSet = new Set(nodeSet.map((x) => x.validPolicy));
    for (const p of wanted)
      if (!inSet.has(p)) addChild(tree, anyLeaf.parent, p, anyLeaf.qualifiers, [p]);
    deleteNodes(tree, [anyLeaf]);
  }
  // (g)(iii)(4)
  return prunePolicyTree(tree, n - 1);
}

/**
 * The policies a (pruned, intersected) tree stands for, in the user's (trust anchor's)
 * domain: on each branch, the first policy below the run of anyPolicy nodes from the root
 * (the valid_policy_node_set of §6.1.5 (g)(iii)). `[ANY_POLICY]` when some branch is anyPolicy
 * all the way down; `[]` for a NULL tree.
 */
export function treePolicies(tree: PolicyTree | undefined): string[] {
  if (!tree) return [];
  const n = tree.levels.length - 1;
  if (n === 0) return [ANY_POLICY];
  if (tree.levels[n]!.some((x) => x.validPolicy === ANY_POLICY)) return [ANY_POLICY];
  const out = new Set<string>();
  for (const level of tree.levels)
    for (const node of level)
      if (node.validPolicy !== ANY_POLICY && node.parent?.validPolicy === ANY_POLICY)
        out.add(node.validPolicy);
  return [...out];
}
