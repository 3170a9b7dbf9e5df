/**
 * The build's lazy string-width (build/lazy-string-width.ts): each copy yargs bundles, rewritten,
 * measures every text as the unmodified copy does (a differential run of the two bundles), and
 * its segmenter and emoji expression are no longer built when the module loads.
 */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyStringWidth, lazyStringWidthSource } from '../build/lazy-string-width.js';

const require = createRequire(import.meta.url);
/** The part of esbuild's API this test uses (esbuild is tsup's, the CLI's bundler, not ours). */
interface Esbuild {
  build(options: {
    stdin: { contents: string; resolveDir: string };
    bundle: true;
    format: 'esm';
    platform: 'node';
    write: false;
    plugins: (typeof lazyStringWidth)[];
  }): Promise<{ outputFiles: { text: string }[] }>;
}
const esbuild = createRequire(require.resolve('tsup'))('esbuild') as Esbuild;

/** The folders string-width is resolved from in the CLI's bundle: yargs' own, and cliui's. */
const yargsDir = realpathSync(join(dirname(require.resolve('yargs/package.json')), '.'));
const cliuiDir = realpathSync(join(yargsDir, '..', 'cliui'));

const work = mkdtempSync(join(tmpdir(), 'nodeid-lazy-width-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** string-width as resolved from `from`, bundled with or without the plugin, loaded. */
async function bundled(from: string, lazy: boolean, name: string) {
  const result = await esbuild.build({
    stdin: { contents: "export { default } from 'string-width';", resolveDir: from },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    plugins: lazy ? [lazyStringWidth] : [],
  });
  const text = result.outputFiles[0]!.text;
  const file = join(work, `${name}.mjs`);
  writeFileSync(file, text);
  const mod = (await import(pathToFileURL(file).href)) as {
    default: (s: string, o?: object) => number;
  };
  return { width: mod.default, text };
}

const SAMPLES = [
  '',
  'nodeid cert issue --from-file nodes.txt',
  '\u001b[31mred\u001b[39m text',
  'ｈｅｌｌｏ 世界',
  'e\u0301te\u0301',
  '👍 👍🏽 👨‍👩‍👧 🇫🇷 1️⃣ #⃣',
  '\u200b\u00ad zero-width',
  'नमस्ते',
  'tab\there',
  '한국어 テキスト',
  '☺︎ ☺️ ✈',
];

describe.each([
  ['yargs (string-width 8)', yargsDir],
  ['cliui (string-width 7)', cliuiDir],
])('%s', (label, from) => {
  it('measures every sample as the unmodified copy does, lazily', async () => {
    const key = label.replace(/\W+/g, '-');
    const plain = await bundled(from, false, `${key}-plain`);
    const lazy = await bundled(from, true, `${key}-lazy`);
    expect(lazy.text).toContain('lazyValue(() => new Intl.Segmenter())');
    expect(plain.text).not.toContain('lazyValue');
    for (const s of SAMPLES) {
      expect(lazy.width(s), JSON.stringify(s)).toBe(plain.width(s));
      expect(lazy.width(s, { ambiguousIsNarrow: false })).toBe(
        plain.width(s, { ambiguousIsNarrow: false }),
      );
    }
    // the samples are not all one column per code unit: the segmenter was used
    expect(plain.width('ｈｅｌｌｏ')).toBe(10);
  });
});

it('fails the build on a copy whose segmenter is not declared as expected', () => {
  expect(() =>
    lazyStringWidthSource('export default (s) => s.length;\n', 'string-width/index.js'),
  ).toThrow(/no module-level Intl.Segmenter/);
});
