import { describe, expect, it } from 'vitest';
import { loadPublicSuffixList } from './public-suffix.js';

describe('loadPublicSuffixList', () => {
  it('knows ICANN suffixes, multi-label ones and wildcard rules', async () => {
    const psl = await loadPublicSuffixList();
    for (const suffix of ['com', 'uk', 'co.uk', 'CO.UK', 'co.uk.', 'xn--fiqs8s', 'foo.ck'])
      expect(psl.isPublicSuffix(suffix), suffix).toBe(true);
    // `!www.ck` is an exception to the `*.ck` rule: www.ck is registrable
    for (const name of ['example.com', 'example.co.uk', 'a.b.example.com', 'www.ck'])
      expect(psl.isPublicSuffix(name), name).toBe(false);
  });

  it('counts the PRIVATE section and the default rule', async () => {
    const psl = await loadPublicSuffixList();
    expect(psl.isPublicSuffix('s3.amazonaws.com')).toBe(true);
    expect(psl.isPublicSuffix('github.io')).toBe(true);
    expect(psl.isPublicSuffix('amazonaws.com')).toBe(false);
    expect(psl.isPublicSuffix('local')).toBe(true); // no such TLD: the default rule `*`
    expect(psl.isPublicSuffix('foo.local')).toBe(false);
    expect(psl.isPublicSuffix('')).toBe(true);
  });

  it('loads once', async () => {
    expect(await loadPublicSuffixList()).toBe(await loadPublicSuffixList());
  });
});
