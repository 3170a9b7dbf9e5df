/** The API origin given at build time (`NODEID_API`), or '' for the page's own origin. */
declare const __NODEID_API__: string;
