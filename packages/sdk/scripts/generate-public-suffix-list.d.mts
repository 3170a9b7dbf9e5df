/** Types of generate-public-suffix-list.mjs, for the test that checks the data is current. */
export function rulesFromTldts(): Promise<{ rules: string[]; source: string }>;
export function rulesFromDat(text: string): string[];
export function encodeRules(rules: readonly string[]): string;
