/**
 * The Public Suffix List, for the Web PKI rule that a wildcard may not sit directly on a
 * public suffix (CA/Browser Forum BR 3.2.2.6: CAs MUST NOT issue `*.co.uk` or `*.local`).
 *
 * The list comes from `tldts` (the PSL compiled into a trie, about 50 KB gzipped). It is
 * imported lazily, on the first verification under `policy: 'webpki'`, so that pages and
 * programs that never ask for the Web PKI profile do not load it.
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
  loading ??= import('tldts').then(
    (tldts): PublicSuffixList => ({
      isPublicSuffix(name: string): boolean {
        const host = name.toLowerCase().replace(/\.$/, '');
        if (host === '') return true; // the DNS root: `*` alone
        const parsed = tldts.parse(host, {
          allowPrivateDomains: true,
          extractHostname: false,
          validateHostname: false,
        });
        return parsed.publicSuffix === host;
      },
    }),
    (e: unknown) => {
      loading = undefined; // let a later call try again
      throw e;
    },
  );
  return loading;
}
