/**
 * The expiries-per-week chart: an inline SVG drawn here (no chart library, nothing fetched, no
 * inline style, so the strict policy holds), one bar per week, each with a tooltip; the same
 * figures as a table for screen readers and keyboard users.
 */
import { element } from '../lib/dom.js';
import { when } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 28 };

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A week of the chart. */
export interface WeekCount {
  start: string;
  count: number;
}

/** Draws `weeks` into `container`, replacing what was there. */
export function drawExpiryChart(container: HTMLElement, weeks: WeekCount[]): void {
  const total = weeks.reduce((n, w) => n + w.count, 0);
  const max = Math.max(1, ...weeks.map((w) => w.count));
  const busiest = weeks.reduce(
    (a, b) => (b.count > a.count ? b : a),
    weeks[0] ?? { start: '', count: 0 },
  );
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = plotW / Math.max(1, weeks.length);
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': 'chart-title chart-summary',
    class: 'bars',
    preserveAspectRatio: 'none',
  });
  // axis and the top value
  chart.append(
    svg('line', {
      x1: PAD.left,
      y1: H - PAD.bottom,
      x2: W - PAD.right,
      y2: H - PAD.bottom,
      class: 'axis',
    }),
    svg(
      'text',
      { x: PAD.left - 6, y: PAD.top + 10, class: 'tick', 'text-anchor': 'end' },
      String(max),
    ),
    svg('text', { x: PAD.left - 6, y: H - PAD.bottom, class: 'tick', 'text-anchor': 'end' }, '0'),
  );
  weeks.forEach((w, i) => {
    const h = (w.count / max) * plotH;
    const x = PAD.left + i * barW;
    const bar = svg('rect', {
      x: x + 1,
      y: H - PAD.bottom - h,
      width: Math.max(1, barW - 2),
      height: h,
      class: i < 5 ? 'bar soon' : 'bar',
      'data-week': i,
      'data-count': w.count,
    });
    bar.append(
      svg(
        'title',
        {},
        `week of ${when(w.start).slice(0, 10)}: ${w.count} expir${w.count === 1 ? 'y' : 'ies'}`,
      ),
    );
    chart.append(bar);
    if (i % 13 === 0)
      chart.append(svg('text', { x, y: H - 8, class: 'tick' }, when(w.start).slice(0, 7)));
  });
  const summary = element(
    'p',
    'hint',
    total === 0
      ? 'No certificate expires in the next 52 weeks.'
      : `${total} certificate(s) expire in the next 52 weeks; the busiest week starts ${when(busiest.start).slice(0, 10)} with ${busiest.count}.`,
  );
  summary.id = 'chart-summary';
  const details = element('details');
  details.append(element('summary', undefined, 'The weeks as a table'));
  const table = element('table', 'grid');
  table.append(element('caption', 'sr-only', 'Weeks with expiries'));
  const head = element('tr');
  for (const h of ['Week of', 'Expiries']) {
    const th = element('th', undefined, h);
    th.scope = 'col';
    head.append(th);
  }
  const body = element('tbody');
  for (const w of weeks.filter((x) => x.count > 0)) {
    const tr = element('tr');
    tr.append(
      element('td', undefined, when(w.start).slice(0, 10)),
      element('td', undefined, String(w.count)),
    );
    body.append(tr);
  }
  table.append(element('thead'), body);
  table.tHead!.append(head);
  details.append(table);
  container.replaceChildren(chart, summary, details);
}
