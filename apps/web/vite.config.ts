/**
 * Builds the page into `dist/`: one HTML file, one script, one style sheet and the icon, with
 * relative URLs so it can be served from any folder of any static host.
 *
 * The Content-Security-Policy goes in a meta tag, written here at build time. `connect-src` is
 * this page's own origin, plus the API origin given as `NODEID_API` when the page is served from
 * somewhere other than the API (`NODEID_API=https://ca.example.net:8443 pnpm build`): that origin
 * also becomes the default of the page's Server field.
 */
import { defineConfig, type Plugin } from 'vite';

/** The API origin given at build time, checked, or '' for the page's own origin. */
function apiOrigin(): string {
  const value = process.env['NODEID_API']?.trim();
  if (!value) return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`NODEID_API="${value}" is not a URL (e.g. https://ca.example.net:8443)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`NODEID_API="${value}" must be an http(s) URL`);
  return url.origin;
}

/** The policy of the built page; `docs` in README.md show the same as an HTTP header. */
export function contentSecurityPolicy(api: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${api ? ` ${api}` : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function cspMeta(api: string): Plugin {
  return {
    name: 'nodeid-csp',
    transformIndexHtml: {
      order: 'pre',
      handler(html, context) {
        // the dev server injects inline styles and a websocket; the built page needs neither
        const policy = context.server
          ? "default-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: " + api
          : contentSecurityPolicy(api);
        return html.replace('%NODEID_CSP%', policy);
      },
    },
  };
}

const api = apiOrigin();

export default defineConfig({
  base: './',
  define: { __NODEID_API__: JSON.stringify(api) },
  plugins: [cspMeta(api)],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // no data: URLs (the policy allows only 'self') and no inline module-preload helper
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
