/**
 * An esbuild plugin of the CLI's build (`tsup.config.ts`). yargs lays out its help with
 * `string-width` (two copies: cliui's 7.x and yargs' own 8.x), whose modules build an
 * `Intl.Segmenter` and the `\p{RGI_Emoji}` regular expression as they load: about 17 ms and
 * 15 ms of every command's start-up here (ICU's break-iterator and emoji data), for text that is
 * measured only when help or an error is laid out. This makes those values lazy: each is built on
 * first use, behind a Proxy that forwards every property to it, so the widths are string-width's
 * own (test/lazy-string-width.test.ts compares them). The build fails when a copy no longer
 * declares its segmenter this way, so an upgrade cannot silently undo it.
 */
import { readFileSync } from 'node:fs';
import type { Options } from 'tsup';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** Module-level declarations the plugin makes lazy: the segmenter and the RGI emoji expression. */
const EAGER = /^const (\w+) = (new Intl\.Segmenter\(\)|\/\^\\p\{RGI_Emoji\}\$\/v);$/gm;

/** Prepended to each rewritten module: `lazyValue(make)` stands for `make()`, called once, on first use. */
const LAZY_VALUE = `const lazyValue = (make) => {
  let value;
  const get = () => (value ??= make());
  return new Proxy({}, {
    get: (_, key) => { const v = get(); const p = Reflect.get(v, key, v); return typeof p === 'function' ? p.bind(v) : p; },
    set: (_, key, x) => Reflect.set(get(), key, x),
  });
};
`;

/** `source` (a string-width index.js) with its segmenter and emoji expression made lazy. */
export function lazyStringWidthSource(source: string, path: string): string {
  const lazy = source.replace(EAGER, (_, name: string, value: string) => {
    return `const ${name} = lazyValue(() => ${value});`;
  });
  if (!lazy.includes('lazyValue(() => new Intl.Segmenter())'))
    throw new Error(
      `${path}: no module-level Intl.Segmenter to make lazy; review build/lazy-string-width.ts`,
    );
  return LAZY_VALUE + lazy;
}

/** The plugin: rewrites every bundled `string-width/index.js` with {@link lazyStringWidthSource}. */
export const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => ({
      contents: lazyStringWidthSource(readFileSync(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
