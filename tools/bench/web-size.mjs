/**
 * The web page's JavaScript, gzipped (apps/web/scripts/size.mjs --json), as report lines: what
 * the page loads when it opens beside its 150 KB target, the admin views' chunk (fetched when
 * the Admin section is first opened), the other chunks loaded on demand, and the whole page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `pnpm bench` compares what the page loads when it opens with, in KB (1024 bytes). */
export const WEB_TARGET_KB = 150;

const sizeScript = join(dirname(fileURLToPath(import.meta.url)), '../../apps/web/scripts/size.mjs');

/** The report lines, or one line saying there is no build. */
export function webSizeLines() {
  if (!existsSync(sizeScript)) return [];
  let report;
  try {
    report = JSON.parse(
      execFileSync(process.execPath, [sizeScript, '--json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  } catch {
    return ['  web page JS: no build (pnpm --filter @nodeid/web build)'];
  }
  const kb = (bytes) => (bytes / 1024).toFixed(1);
  const sum = (files) => files.reduce((n, f) => n + f.gzipBytes, 0);
  const atOpen = report.files.filter((f) => !f.onDemand);
  const admin = report.files.filter((f) => f.onDemand && /(^|\/)admin-[^/]*\.js$/.test(f.file));
  const other = report.files.filter((f) => f.onDemand && !admin.includes(f));
  const open = sum(atOpen) / 1024;
  return [
    `  web page JS at open, gzip -9   ${kb(sum(atOpen))} KB in ${atOpen.length} file${atOpen.length === 1 ? '' : 's'}   (target <= ${WEB_TARGET_KB} KB)   ${open <= WEB_TARGET_KB ? 'meets' : 'misses'}`,
    `  admin views chunk (on demand)   ${admin.length ? `${kb(sum(admin))} KB` : 'none'}`,
    `  other chunks on demand          ${kb(sum(other))} KB (${other.map((f) => f.file).join(', ') || 'none'})`,
    `  whole page, every chunk         ${kb(sum(report.files))} KB`,
  ];
}
