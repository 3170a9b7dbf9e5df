/**
 * The Certificates view: the inventory searched, filtered, sorted and paged by the server
 * (`GET /v1/certificates?q&status&profile&expiring&sort&order&offset&limit`), a detail view with
 * the SDK's inspection of the PEM, and revocation with a reason after a confirmation. The server
 * decides everything; this only asks and shows.
 */
import { CRL_REASONS, inspectCertificate, renderText } from '@nodeid/sdk';
import { ApiError } from '../lib/api.js';
import { byId, element, messageOf, setStatus } from '../lib/dom.js';
import { badge, daysLeft, mainName, row, when } from './format.js';
import { adminCall } from './session.js';

const PAGE = 25;

/** A certificate of the inventory as the API lists it. */
interface CertificateRow {
  serialNumber: string;
  subject: string;
  names: string[];
  notAfter: string;
  profile?: string;
  status: string;
  pem: string;
  revokedAt?: string;
  revocationReason?: string;
}

let offset = 0;
let total = 0;
let selected: CertificateRow | undefined;

/** The query of the filter form. */
function query(): URLSearchParams {
  const form = byId<HTMLFormElement>('certs-form');
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text) params.set(key, text);
  }
  params.set('offset', String(offset));
  params.set('limit', String(PAGE));
  return params;
}

/** Loads the current page of the listing. */
export async function loadCertificates(): Promise<void> {
  const status = byId('certs-status-line');
  setStatus(status, 'busy', 'Searching…');
  let rows: CertificateRow[];
  try {
    const reply = await adminCall<CertificateRow[]>(`/v1/certificates?${query()}`);
    rows = reply.body;
    total = Number(reply.headers.get('x-total-count') ?? rows.length);
  } catch (e) {
    return setStatus(status, 'error', `The search failed: ${messageOf(e)}`);
  }
  const body = byId<HTMLTableElement>('certs-table').tBodies[0]!;
  body.replaceChildren(
    ...rows.map((r) => {
      const open = element('button', 'link', 'Details');
      open.type = 'button';
      open.setAttribute(
        'aria-label',
        `Details of ${mainName(r.names, r.subject)} (${r.serialNumber})`,
      );
      open.addEventListener('click', () => void showDetail(r.serialNumber));
      const left = daysLeft(r.notAfter);
      return row([
        mainName(r.names, r.subject),
        r.serialNumber,
        r.profile ?? '',
        badge(r.status, r.status === 'valid' ? 'ok' : 'warn'),
        `${when(r.notAfter)}${r.status === 'valid' ? ` (${left} d)` : ''}`,
        open,
      ]);
    }),
  );
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + rows.length, total);
  byId('certs-page').textContent = `${first}–${last} of ${total}`;
  byId<HTMLButtonElement>('certs-prev').disabled = offset === 0;
  byId<HTMLButtonElement>('certs-next').disabled = offset + PAGE >= total;
  setStatus(
    status,
    'ok',
    total === 0
      ? 'No certificate matches.'
      : `${total} certificate(s) match; showing ${first} to ${last}.`,
  );
}

async function showDetail(serial: string, keepStatus = false): Promise<void> {
  const detail = byId('cert-detail');
  if (!keepStatus) setStatus(byId('revoke-status'), 'info', '');
  byId('revoke-confirm').hidden = true;
  try {
    const { body } = await adminCall<CertificateRow>(
      `/v1/certificates/${encodeURIComponent(serial)}`,
    );
    selected = body;
    const inspected = await inspectCertificate(body.pem);
    byId('cert-detail-title').textContent =
      `${mainName(body.names, body.subject)} — ${body.status}${
        body.revokedAt
          ? `, revoked ${when(body.revokedAt)} (${body.revocationReason ?? 'unspecified'})`
          : ''
      }`;
    byId('cert-detail-text').textContent = renderText(inspected);
    byId<HTMLButtonElement>('revoke-ask').disabled = body.status === 'revoked';
    detail.hidden = false;
    if (!keepStatus) byId('cert-detail-title').focus();
  } catch (e) {
    setStatus(byId('certs-status-line'), 'error', `Cannot show ${serial}: ${messageOf(e)}`);
  }
}

async function revoke(): Promise<void> {
  const status = byId('revoke-status');
  const target = selected;
  if (!target) return;
  const reason = byId<HTMLSelectElement>('revoke-reason').value;
  byId('revoke-confirm').hidden = true;
  setStatus(status, 'busy', `Revoking ${target.serialNumber}…`);
  try {
    const { body } = await adminCall<CertificateRow & { alreadyRevoked: boolean }>(
      `/v1/certificates/${encodeURIComponent(target.serialNumber)}/revoke`,
      { method: 'POST', json: { reason } },
    );
    setStatus(
      status,
      'ok',
      body.alreadyRevoked
        ? `${target.serialNumber} was already revoked (${body.revocationReason ?? 'unspecified'}); nothing changed.`
        : `Revoked ${target.serialNumber} (${reason}); the server's CRL lists it now.`,
    );
    await Promise.all([loadCertificates(), showDetail(target.serialNumber, true)]);
    byId('revoke-status').focus();
  } catch (e) {
    setStatus(
      status,
      'error',
      `Not revoked: ${e instanceof ApiError ? `${e.message} (${e.code})` : messageOf(e)}`,
    );
  }
}

/** Wires the view. */
export function setupCertificates(): void {
  const reasons = byId<HTMLSelectElement>('revoke-reason');
  // removeFromCRL is for delta CRLs only (RFC 5280 §5.3.1): the server refuses it
  reasons.replaceChildren(
    ...CRL_REASONS.filter((r) => r !== undefined && r !== 'removeFromCRL').map(
      (r) => new Option(r!, r!),
    ),
  );
  byId('revoke-status').setAttribute('tabindex', '-1');
  byId<HTMLFormElement>('certs-form').addEventListener('submit', (event) => {
    event.preventDefault();
    offset = 0;
    void loadCertificates();
  });
  byId('certs-prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void loadCertificates();
  });
  byId('certs-next').addEventListener('click', () => {
    offset += PAGE;
    void loadCertificates();
  });
  byId<HTMLFormElement>('revoke-form').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!selected) return;
    const confirm = byId('revoke-confirm');
    byId('revoke-confirm-text').textContent =
      `Revoke ${mainName(selected.names, selected.subject)} (serial ${selected.serialNumber}) for "${byId<HTMLSelectElement>('revoke-reason').value}"? Revocation cannot be undone.`;
    confirm.hidden = false;
    byId('revoke-no').focus();
  });
  byId('revoke-yes').addEventListener('click', () => void revoke());
  byId('revoke-no').addEventListener('click', () => {
    byId('revoke-confirm').hidden = true;
    byId('revoke-ask').focus();
  });
}
