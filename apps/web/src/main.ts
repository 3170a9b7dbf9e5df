/**
 * nodeid's page: three flows on @nodeid/sdk (which loads the Reflect metadata polyfill its
 * certificate-request generator needs), and the admin views, loaded on demand. No framework,
 * no storage, no third-party code.
 */
import { BUNDLE_LAYOUTS, KEY_ALGORITHMS } from '@nodeid/sdk';
import { setupEnroll } from './flows/enroll.js';
import { setupInspect } from './flows/inspect.js';
import { setupOfflineCa } from './flows/offline-ca.js';

const FLOWS = ['enroll', 'inspect', 'offline', 'admin'] as const;

function fillSelects(): void {
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-algorithms]'))
    select.replaceChildren(...KEY_ALGORITHMS.map((a) => new Option(a, a)));
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-layouts]'))
    select.replaceChildren(...BUNDLE_LAYOUTS.map((l) => new Option(l, l)));
}

/** The admin views: their own chunk, fetched the first time the Admin section is shown. */
let admin: Promise<void> | undefined;
function loadAdmin(): Promise<void> {
  admin ??= import('./admin/admin.js')
    .then((m) => m.setupAdmin())
    .catch((e: unknown) => {
      admin = undefined;
      document.getElementById('signin-status')!.textContent =
        `The admin part of the page did not load: ${e instanceof Error ? e.message : String(e)}`;
    });
  return admin;
}

/** Shows the flow named by the URL fragment (Enroll by default) and marks its link current. */
function showFlow(focus: boolean): void {
  const wanted = location.hash.slice(1);
  const current = (FLOWS as readonly string[]).includes(wanted) ? wanted : 'enroll';
  for (const flow of FLOWS) document.getElementById(flow)!.hidden = flow !== current;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a[data-flow]')) {
    if (link.dataset['flow'] === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (current === 'admin') void loadAdmin();
  if (focus) document.getElementById(`${current}-title`)?.focus();
}

fillSelects();
setupEnroll();
setupInspect();
setupOfflineCa();
for (const flow of FLOWS) document.getElementById(`${flow}-title`)?.setAttribute('tabindex', '-1');
window.addEventListener('hashchange', () => showFlow(true));
showFlow(false);
document.documentElement.dataset['ready'] = 'true';
