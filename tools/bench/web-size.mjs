/**
 * The web page's gzipped JavaScript as `pnpm bench` lines, measured by apps/web/scripts/size.mjs
 * (one measurement, imported here): what the page loads when it opens, the admin views' chunk
 * (fetched when the Admin section is first opened), the other chunks loaded on demand, and the
 * whole page (every chunk) beside its 150 KB target. `node tools/bench/web-size.mjs` prints the
 * same lines from any folder.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureWebPage, WEB_TARGET_KB } from '../../apps/web/scripts/size.mjs';

export { WEB_TARGET_KB };

/** The report lines, or one line saying there is no build. */
export function webSizeLines() {
  let report;
  try {
    report = measureWebPage();
  } catch (e) {
    return [`  web page JS: ${e.message}`];
  }
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);
  const count = (files) => `in ${files.length} file${files.length === 1 ? '' : 's'}`;
  const atOpen = report.files.filter((f) => !f.onDemand);
  const admin = report.files.filter((f) => f.admin);
  const other = report.files.filter((f) => f.onDemand && !f.admin);
  const whole = report.wholeGzipBytes / 1024;
  return [
    `  ${'JS at open, gzip -9'.padEnd(34)} ${kb(report.gzipBytes)}   ${count(atOpen)}`,
    `  ${'admin views chunk (on demand)'.padEnd(34)} ${kb(report.adminGzipBytes)}   ${count(admin)}`,
    `  ${'other chunks on demand'.padEnd(34)} ${kb(report.onDemandGzipBytes)}   ${count(other)} (${other.map((f) => f.file).join(', ') || 'none'})`,
    `  ${'whole page, every chunk'.padEnd(34)} ${kb(report.wholeGzipBytes)}   (target <= ${WEB_TARGET_KB} KB)   ${whole <= WEB_TARGET_KB ? 'meets' : 'MISSES TARGET'}`,
  ];
}

let main = false;
try {
  main = realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
} catch {}
if (main) console.log(['web page', ...webSizeLines()].join('\n'));
