/**
 * The SDK's Public Suffix List (src/verify/public-suffix-data.ts, a trie string) against the
 * list it was generated from: the data is what the generator makes from the `tldts` version
 * installed (so the list version cannot drift), and for every rule of that list, and the names
 * around each rule, `isPublicSuffix` answers as tldts's own lookup does (both sections counted).
 * The PSL's own test vectors (tests/test_psl.txt, as getPublicSuffix) are checked too.
 */
import { parse } from 'tldts';
import { describe, expect, it } from 'vitest';
import { encodeRules, rulesFromTldts } from '../../scripts/generate-public-suffix-list.mjs';
import { loadPublicSuffixList } from '../../src/verify/public-suffix.js';
import { PSL_SOURCE, PSL_TRIE } from '../../src/verify/public-suffix-data.js';

/** tldts's answer: the name is its own public suffix (both sections, no hostname checks). */
function tldtsIsPublicSuffix(name: string): boolean {
  const host = name.toLowerCase().replace(/\.$/, '');
  if (host === '') return true;
  return (
    parse(host, { allowPrivateDomains: true, extractHostname: false, validateHostname: false })
      .publicSuffix === host
  );
}

describe('the Public Suffix List data', () => {
  it('is what the generator makes from the installed tldts list', async () => {
    const { rules, source } = await rulesFromTldts();
    expect(PSL_SOURCE).toBe(source);
    expect(rules.length).toBeGreaterThan(9000);
    expect(
      encodeRules(rules) === PSL_TRIE,
      'run node scripts/generate-public-suffix-list.mjs',
    ).toBe(true);
  });

  it('answers as tldts for every rule, the names under it and the names above it', async () => {
    const psl = await loadPublicSuffixList();
    const { rules } = await rulesFromTldts();
    const names = new Set<string>(['', 'local', 'foo.local', 'a..com', '.com', 'com.']);
    for (const rule of rules) {
      const name = rule.replace(/^!/, '').replaceAll('*', 'wild');
      const labels = name.split('.');
      names.add(name);
      names.add(`x.${name}`);
      names.add(`y.x.${name}`);
      for (let i = 1; i < labels.length; i += 1) names.add(labels.slice(i).join('.'));
    }
    const disagree = [...names].filter((n) => psl.isPublicSuffix(n) !== tldtsIsPublicSuffix(n));
    expect(names.size).toBeGreaterThan(30_000);
    expect(disagree).toEqual([]);
  });

  it('gives the public suffixes of the PSL test vectors', async () => {
    const psl = await loadPublicSuffixList();
    // from https://github.com/publicsuffix/list/blob/main/tests/test_psl.txt: the suffix
    // of each name is itself a public suffix and the registrable domain is not
    const vectors: [string, string][] = [
      ['com', 'com'],
      ['example.com', 'com'],
      ['b.example.uk.com', 'uk.com'],
      ['a.b.example.uk.com', 'uk.com'],
      ['test.ac', 'ac'],
      ['mm', 'mm'], // *.mm: `mm` alone is a suffix by the default rule
      ['c.mm', 'c.mm'],
      ['b.c.mm', 'c.mm'],
      ['jp', 'jp'],
      ['test.jp', 'jp'],
      ['ac.jp', 'ac.jp'],
      ['test.ac.jp', 'ac.jp'],
      ['kyoto.jp', 'kyoto.jp'],
      ['test.kyoto.jp', 'kyoto.jp'],
      ['ide.kyoto.jp', 'ide.kyoto.jp'],
      ['b.ide.kyoto.jp', 'ide.kyoto.jp'],
      ['c.kobe.jp', 'c.kobe.jp'], // *.kobe.jp
      ['b.c.kobe.jp', 'c.kobe.jp'],
      ['city.kobe.jp', 'kobe.jp'], // !city.kobe.jp
      ['www.city.kobe.jp', 'kobe.jp'],
      ['ck', 'ck'],
      ['test.ck', 'test.ck'], // *.ck
      ['www.ck', 'ck'], // !www.ck
      ['www.www.ck', 'ck'],
      ['us', 'us'],
      ['test.us', 'us'],
      ['ak.us', 'ak.us'],
      ['test.ak.us', 'ak.us'],
      ['k12.ak.us', 'k12.ak.us'],
      ['test.k12.ak.us', 'k12.ak.us'],
      ['xn--85x722f.xn--55qx5d.cn', 'xn--55qx5d.cn'],
      ['xn--55qx5d.cn', 'xn--55qx5d.cn'],
      ['食狮.公司.cn', '公司.cn'],
      ['公司.cn', '公司.cn'],
    ];
    for (const [name, suffix] of vectors) {
      expect(psl.isPublicSuffix(suffix), suffix).toBe(true);
      expect(psl.isPublicSuffix(name), name).toBe(name === suffix);
    }
  });
});
