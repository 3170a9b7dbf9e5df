/**
 * The Public Suffix List, for the Web PKI rule that a wildcard may not sit directly on a
 * public suffix (CA/Browser Forum BR 3.2.2.6: CAs MUST NOT issue `*.co.uk` or `*.local`).
 *
 * The list is the one `tldts` carries, stored as one string (public-suffix-data.ts, written by
 * scripts/generate-public-suffix-list.mjs): the trie of the rules read right to left, about
 * 37 KB gzipped. It is imported lazily, on the first verification under `policy: 'webpki'`, so
 * that pages and programs that never ask for the Web PKI profile do not load it, and parsed once.
 *
 * Both sections of the PSL count: a relying party cannot tell whether the holder of a
 * wildcard on a PRIVATE-section suffix (`*.s3.amazonaws.com`, `*.github.io`) controls the
 * whole namespace, and such a certificate is valid for every tenant below it. BR 3.2.2.6 asks
 * CAs to consult only the ICANN section, because a CA can check control of the namespace;
 * this difference is listed in tools/limbo/README.md.
 */

/** Answers whether a DNS name is a public suffix. */
export interface PublicSuffixList {
  /**
   * True when `name` (an A-label DNS name, any case, no wildcard) is itself a public suffix
   * of the ICANN or PRIVATE section, or a single label under no listed suffix (the PSL's
   * default rule `*`: `local`, `internal`).
   */
  isPublicSuffix(name: string): boolean;
}

/** A node of the rules' trie: a rule ends here, an exception rule ends here, the next labels. */
interface RuleNode {
  rule: boolean;
  exception: boolean;
  children: Map<string, RuleNode>;
}

/** Parses the trie string (the generator's header has the format). */
function parseTrie(text: string): Map<string, RuleNode> {
  const root = new Map<string, RuleNode>();
  const stack = [root];
  let start = 0;
  let node: RuleNode | undefined;
  for (let i = 0; i <= text.length; i += 1) {
    const c = text[i];
    if (c !== undefined && c !== ',' && c !== '(' && c !== ')') continue;
    if (i > start) {
      let label = text.slice(start, i);
      const exception = label.startsWith('!');
      const marked = label.endsWith('+');
      label = label.slice(exception ? 1 : 0, marked ? -1 : undefined);
      // a leaf is always a rule; a node with children only when marked
      node = { rule: !exception && (marked || c !== '('), exception, children: new Map() };
      stack[stack.length - 1]!.set(label, node);
    }
    if (c === '(') stack.push(node!.children);
    else if (c === ')') stack.pop();
    start = i + 1;
  }
  return root;
}

/**
 * How many labels of `labels` (a name split on dots) form its public suffix, by the PSL's
 * algorithm (https://github.com/publicsuffix/list/wiki/Format#algorithm): every rule that
 * matches counts (`*` matches any one non-empty label); an exception rule prevails and its
 * leftmost label is removed; otherwise the matching rule with the most labels; no match: the
 * default rule `*`, the last label.
 */
function suffixLength(root: Map<string, RuleNode>, labels: readonly string[]): number {
  let longest = 0;
  let exception = 0;
  const visit = (children: Map<string, RuleNode>, depth: number) => {
    if (depth >= labels.length) return;
    const label = labels[labels.length - 1 - depth]!;
    const matches = [children.get(label), label === '' ? undefined : children.get('*')];
    for (const n of matches) {
      if (!n) continue;
      if (n.exception) exception = Math.max(exception, depth + 1);
      if (n.rule) longest = Math.max(longest, depth + 1);
      visit(n.children, depth + 1);
    }
  };
  visit(root, 0);
  if (exception) return exception - 1;
  return longest || 1;
}

let loading: Promise<PublicSuffixList> | undefined;
/**
 * Loads the Public Suffix List once per process (later calls share the first load).
 *
 * @example
 * ```ts
 * const psl = await loadPublicSuffixList();
 * psl.isPublicSuffix('co.uk'); // true
 * psl.isPublicSuffix('example.co.uk'); // false
 * ```
 */
export function loadPublicSuffixList(): Promise<PublicSuffixList> {
  loading ??= import('./public-suffix-data.js').then(
    ({ PSL_TRIE }): PublicSuffixList => {
      const root = parseTrie(PSL_TRIE);
      return {
        isPublicSuffix(name: string): boolean {
          const host = name.toLowerCase().replace(/\.$/, '');
          if (host === '') return true; // the DNS root: `*` alone
          const labels = host.split('.');
          return suffixLength(root, labels) === labels.length;
        },
      };
    },
    (e: unknown) => {
      loading = undefined; // let a later call try again
      throw e;
    },
  );
  return loading;
}
