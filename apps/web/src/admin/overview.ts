/** The Overview view: counts, the CA and CRL dates with their alerts, the chart, the next ten to expire. */
import { byId, element, setStatus } from '../lib/dom.js';
import { drawExpiryChart, type WeekCount } from './chart.js';
import { badge, mainName, row, when } from './format.js';
import { adminCall } from './session.js';

/**
 * A CRL in the overview: `valid`, `expiring` (alert `crl-will-soon-expire`), `expired`
 * (`crl-expired`), as `nodeid expiry check` names them, or `unavailable`.
 */
export interface CrlView {
  status: string;
  alert?: string;
  nextUpdate?: string;
  thisUpdate?: string;
  crlNumber?: string;
  revoked?: number;
  daysLeft?: number;
  message?: string;
}

/** The reply of `GET /v1/admin/overview`. */
export interface Overview {
  now: string;
  warnWithinDays: number;
  counts: Record<'valid' | 'expiring' | 'expired' | 'revoked' | 'superseded' | 'total', number>;
  nextToExpire: {
    serialNumber: string;
    names: string[];
    subject: string;
    notAfter: string;
    status: string;
    alert?: string;
    daysLeft?: number;
  }[];
  ca: {
    subject: string;
    notAfter: string;
    status: string;
    alert?: string;
    daysLeft?: number;
    message: string;
  };
  crl: CrlView;
  /** An intermediate CA's root CRL (the server's --root-crl), when it serves one. */
  rootCrl?: CrlView;
  expiriesPerWeek: WeekCount[];
}

/** Loads and shows the overview; the reply is also returned (sign-in uses it to check the token). */
export async function loadOverview(): Promise<Overview> {
  const status = byId('overview-status');
  setStatus(status, 'busy', 'Loading the overview…');
  const { body } = await adminCall<Overview>('/v1/admin/overview');
  showOverview(body);
  setStatus(
    status,
    'ok',
    `Inventory of ${body.counts.total} certificate(s) as of ${when(body.now)}.`,
  );
  return body;
}

function showOverview(o: Overview): void {
  const counts = byId('overview-counts');
  counts.replaceChildren();
  const labels: [keyof Overview['counts'], string][] = [
    ['valid', 'Valid'],
    ['expiring', `Expiring within ${o.warnWithinDays} days`],
    ['expired', 'Expired'],
    ['revoked', 'Revoked'],
    ['superseded', 'Superseded'],
  ];
  for (const [key, label] of labels) {
    const box = element('div', `count count-${key}`);
    box.dataset['count'] = key;
    box.append(element('dt', undefined, label), element('dd', undefined, String(o.counts[key])));
    counts.append(box);
  }
  const ca = byId('overview-ca');
  ca.replaceChildren(
    document.createTextNode(
      `${o.ca.subject}: not after ${when(o.ca.notAfter)} (${o.ca.daysLeft ?? '?'} days left) `,
    ),
    o.ca.alert ? badge(o.ca.alert, 'warn') : badge('ok', 'ok'),
  );
  showCrl(byId('overview-crl'), o.crl);
  const rootBox = byId('overview-root-crl-box');
  rootBox.hidden = !o.rootCrl;
  if (o.rootCrl) showCrl(byId('overview-root-crl'), o.rootCrl);
  drawExpiryChart(byId('overview-chart'), o.expiriesPerWeek);
  const body = byId<HTMLTableElement>('overview-next').tBodies[0]!;
  body.replaceChildren(
    ...o.nextToExpire.map((r) =>
      row([
        mainName(r.names, r.subject),
        r.serialNumber,
        when(r.notAfter),
        String(r.daysLeft ?? ''),
        r.alert ? badge(r.alert, 'warn') : badge('none', 'ok'),
      ]),
    ),
  );
  if (o.nextToExpire.length === 0) body.append(row(['No valid certificate.', '', '', '', '']));
}

/** A CRL's dates and its badge: the alert name, `ok`, or `unavailable` with the reason. */
function showCrl(into: HTMLElement, crl: CrlView): void {
  into.replaceChildren(
    document.createTextNode(
      crl.status === 'unavailable'
        ? `unavailable: ${crl.message ?? ''} `
        : `next update ${when(crl.nextUpdate)} (${crl.daysLeft ?? '?'} days left), CRL number ${crl.crlNumber ?? '?'}, ${crl.revoked ?? 0} revoked `,
    ),
    crl.status === 'unavailable'
      ? badge('unavailable', 'warn')
      : crl.alert
        ? badge(crl.alert, 'warn')
        : badge('ok', 'ok'),
  );
  into.title = crl.message ?? '';
}
