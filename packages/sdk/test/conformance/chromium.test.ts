// The conformance suite in headless Chromium: the suite and the built package bundled into one
// script, served from 127.0.0.1 to a page that runs it.
import { bundleForBrowser, runPageInChromium } from '@nodeid/testing/runtimes';
import { conformance, runner, SDK_DIR } from './harness.js';
import type { CaseResult } from './suite.mjs';

const PAGE = '<!doctype html><meta charset="utf-8"><script type="module" src="/suite.js"></script>';

conformance('Chromium', async () => {
  const script = await bundleForBrowser(runner('browser-entry.mjs'), {
    alias: { '@nodeid/sdk': `${SDK_DIR}dist/index.js` },
  });
  return runPageInChromium<CaseResult[]>({
    files: {
      '/index.html': { body: PAGE, type: 'text/html' },
      '/suite.js': { body: script, type: 'text/javascript' },
    },
    resultGlobal: '__conformance',
  });
});
