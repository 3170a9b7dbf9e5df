// Conformance runner for Node's CommonJS: requires the built package by its name (the
// `require` condition of its exports) and prints the results on one marked line.
const sdk = require('@nodeid/sdk');

import('./suite.mjs').then(async ({ RESULT_MARKER, runSuite }) => {
  const results = await runSuite(sdk, { filter: process.argv[2] ?? '' });
  console.log(RESULT_MARKER + JSON.stringify(results));
});
