/**
 * The admin part of the page, loaded only when the Admin section is first opened (its own
 * chunk): sign-in with an admin token kept in memory, and five views over the server's admin
 * API. Every action is checked by the server; the page hides nothing the server would allow.
 */
import { ApiError } from '../lib/api.js';
import {
  byId,
  clearFieldErrors,
  messageOf,
  setStatus,
  showFieldError,
  whileBusy,
} from '../lib/dom.js';
import { loadAudit, setupAudit } from './audit.js';
import { loadCertificates, setupCertificates } from './certificates.js';
import { setupFleet } from './fleet.js';
import { loadOverview } from './overview.js';
import {
  isBearerToken,
  serverOffers,
  signedIn,
  signIn,
  signOut,
  whenSignedOut,
} from './session.js';
import { loadTokens, setupTokens } from './tokens.js';

const VIEWS = ['overview', 'certificates', 'tokens', 'fleet', 'audit'] as const;
type View = (typeof VIEWS)[number];

const LOADERS: Partial<Record<View, () => Promise<void>>> = {
  overview: async () => void (await loadOverview()),
  certificates: loadCertificates,
  tokens: loadTokens,
  audit: loadAudit,
};

/** Shows one view (a tab panel), marks its tab, loads its data. */
function showView(view: View, focus: boolean, load = true): void {
  for (const v of VIEWS) {
    const tab = byId(`tab-${v}`);
    const selected = v === view;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byId(`view-${v}`).hidden = !selected;
  }
  if (focus) byId(`tab-${view}`).focus();
  if (load) void LOADERS[view]?.().catch(() => {});
}

function setupTabs(): void {
  const tabs = VIEWS.map((v) => byId(`tab-${v}`));
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => showView(VIEWS[i]!, false));
    // WAI-ARIA tabs pattern: arrows move between tabs, Home/End to the ends
    tab.addEventListener('keydown', (event) => {
      const to =
        event.key === 'ArrowRight'
          ? (i + 1) % tabs.length
          : event.key === 'ArrowLeft'
            ? (i - 1 + tabs.length) % tabs.length
            : event.key === 'Home'
              ? 0
              : event.key === 'End'
                ? tabs.length - 1
                : undefined;
      if (to === undefined) return;
      event.preventDefault();
      showView(VIEWS[to]!, true);
    });
  });
}

async function submitSignIn(form: HTMLFormElement): Promise<void> {
  clearFieldErrors(form);
  const status = byId('signin-status');
  const field = byId<HTMLInputElement>('signin-token');
  const token = field.value.trim();
  if (!token) {
    showFieldError('signin-token', 'Paste an admin token.');
    return setStatus(status, 'error', 'The admin token is missing.');
  }
  if (!isBearerToken(token)) {
    showFieldError('signin-token', 'An admin token has letters, digits and - . _ ~ + / only.');
    return setStatus(status, 'error', 'That is not an admin token.');
  }
  await whileBusy(form, async () => {
    setStatus(status, 'busy', 'Signing in…');
    signIn(token);
    try {
      await loadOverview();
    } catch (e) {
      signOut('');
      const message = e instanceof ApiError ? `${e.message} (${e.code})` : messageOf(e);
      showFieldError('signin-token', message);
      return setStatus(status, 'error', `Not signed in: ${message}`);
    }
    signedIn();
    // the field no longer holds the token once it is in use
    field.value = '';
    form.hidden = true;
    byId('admin-app').hidden = false;
    setStatus(
      status,
      'ok',
      'Signed in. The token is kept in this page only until you sign out or reload.',
    );
    // the overview was just loaded to check the token
    showView('overview', true, false);
  });
}

/** Wires the admin section. */
export async function setupAdmin(): Promise<void> {
  const offers = await serverOffers();
  setupTabs();
  setupCertificates();
  setupTokens(offers);
  setupFleet(offers);
  setupAudit();
  whenSignedOut((message) => {
    byId('admin-app').hidden = true;
    byId('signin-form').hidden = false;
    for (const id of [
      'token-value',
      'token-command',
      'token-eab-kid',
      'token-eab-hmac',
      'token-certbot',
    ] as const)
      byId<HTMLInputElement>(id).value = '';
    byId('token-created').hidden = true;
    byId('cert-detail').hidden = true;
    for (const table of document.querySelectorAll<HTMLTableElement>('#admin-app table'))
      table.tBodies[0]?.replaceChildren();
    if (message) setStatus(byId('signin-status'), 'info', message);
    byId('signin-token').focus();
  });
  byId<HTMLFormElement>('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submitSignIn(event.currentTarget as HTMLFormElement);
  });
  byId('signout').addEventListener('click', () => signOut());
  document.documentElement.dataset['admin'] = 'ready';
}
