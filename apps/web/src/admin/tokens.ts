/**
 * The Enrollment tokens view: create one (the names checked first by the SDK's token-name rules,
 * as the server checks them), show it once with copy buttons and the exact `nodeid enroll`
 * command that requests all its names (the SDK's `enrollArguments`) with the CA fingerprint to
 * pin, list the pending ones, cancel one.
 */
import { enrollArguments, tokenNames } from '@nodeid/sdk';
import { ApiError, callApi } from '../lib/api.js';
import {
  byId,
  clearFieldErrors,
  element,
  fieldValue,
  messageOf,
  setStatus,
  showFieldError,
  whileBusy,
} from '../lib/dom.js';
import { splitNames } from '../lib/names.js';
import { row, shellWord, when } from './format.js';
import { adminCall, apiOrigin } from './session.js';

/** A token as `GET /v1/enrollments` lists it (never with its secret). */
interface TokenRow {
  id: string;
  name: string;
  profile: string;
  dns: string[];
  ips: string[];
  uris: string[];
  expiresAt: string;
  status: string;
}

/** Lists the pending tokens, newest first. */
export async function loadTokens(): Promise<void> {
  const status = byId('tokens-status');
  let tokens: TokenRow[];
  try {
    tokens = (await adminCall<TokenRow[]>('/v1/enrollments')).body.filter(
      (t) => t.status === 'pending',
    );
  } catch (e) {
    return setStatus(status, 'error', `Cannot list the tokens: ${messageOf(e)}`);
  }
  const body = byId<HTMLTableElement>('tokens-table').tBodies[0]!;
  body.replaceChildren(
    ...tokens.map((t) => {
      const cancel = element('button', undefined, 'Cancel');
      cancel.type = 'button';
      cancel.setAttribute('aria-label', `Cancel the token for ${t.name}`);
      cancel.addEventListener('click', () => void cancelToken(t));
      return row([
        t.name,
        t.profile,
        [...t.dns, ...t.ips, ...t.uris].join(', ') || '—',
        when(t.expiresAt),
        cancel,
      ]);
    }),
  );
  setStatus(
    status,
    'info',
    tokens.length === 0 ? 'No pending token.' : `${tokens.length} pending token(s).`,
  );
}

async function cancelToken(t: TokenRow): Promise<void> {
  const status = byId('tokens-status');
  try {
    await adminCall(`/v1/enrollments/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
    await loadTokens();
    setStatus(status, 'ok', `Cancelled the token for ${t.name}: it can no longer be used.`);
  } catch (e) {
    setStatus(status, 'error', `Not cancelled: ${messageOf(e)}`);
  }
}

async function createToken(form: HTMLFormElement): Promise<void> {
  clearFieldErrors(form);
  const status = byId('token-status');
  byId('token-created').hidden = true;
  const name = fieldValue('token-name');
  const profile = fieldValue('token-profile');
  const extra = splitNames(fieldValue('token-extra'));
  const daysText = fieldValue('token-days');
  if (!name) {
    showFieldError('token-name', "Enter the node's name, e.g. node1.example.net.");
    return setStatus(status, 'error', 'The node name is missing.');
  }
  let names: ReturnType<typeof tokenNames>;
  try {
    // the rules the server applies: exact names only, no pattern or range
    names = tokenNames({ name, profile, ...extra });
  } catch (e) {
    const message = messageOf(e);
    showFieldError(
      [...extra.dns, ...extra.ips, ...extra.uris].some((n) => message.includes(n))
        ? 'token-extra'
        : 'token-name',
      message,
    );
    return setStatus(status, 'error', 'Fix the names.');
  }
  const days = daysText ? Number(daysText) : undefined;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    showFieldError('token-days', 'A whole number of days from 1 to 3650.');
    return setStatus(status, 'error', 'Fix the lifetime.');
  }
  const acmeField = byId('token-acme-field');
  const acme = !acmeField.hidden && byId<HTMLInputElement>('token-acme').checked;
  await whileBusy(form, async () => {
    setStatus(status, 'busy', `Creating a token for ${names.name}…`);
    try {
      const { body } = await adminCall<Created>('/v1/enrollments', {
        method: 'POST',
        json: {
          name: names.name,
          profile: names.profile,
          dns: names.dns,
          ips: names.ips,
          uris: names.uris,
          ttl: fieldValue('token-ttl'),
          ...(days !== undefined && { validityDays: days }),
          ...(acme && { acme: true }),
        },
      });
      const ca = await callApi<{ fingerprintSha256: string }>(`${apiOrigin()}/v1/ca?format=json`, {
        method: 'GET',
        headers: { accept: 'application/json' },
      });
      showCreated(body, `SHA256:${ca.body.fingerprintSha256}`);
      setStatus(
        status,
        'ok',
        `Token created for ${body.name}, usable once until ${when(body.expiresAt)}.`,
      );
      form.reset();
      await loadTokens();
      byId('token-created-title').focus();
    } catch (e) {
      const message = e instanceof ApiError ? `${e.message} (${e.code})` : messageOf(e);
      if (e instanceof ApiError && e.code === 'ERR_NAME_INVALID')
        showFieldError('token-name', message);
      setStatus(status, 'error', `No token created: ${message}`);
    }
  });
}

/** The reply of `POST /v1/enrollments`: the token, shown once, and with `acme` its EAB. */
type Created = TokenRow & { token: string; eab?: { kid: string; hmacKey: string } };

/** The ACME part of a new token: directory, EAB key id and HMAC key, a certbot line. */
function showEab(created: Created): void {
  const box = byId('token-eab');
  box.hidden = !created.eab;
  if (!created.eab) return;
  const directory = `${apiOrigin()}/acme/directory`;
  byId<HTMLInputElement>('token-eab-directory').value = directory;
  byId<HTMLInputElement>('token-eab-kid').value = created.eab.kid;
  byId<HTMLInputElement>('token-eab-hmac').value = created.eab.hmacKey;
  const domains = [created.name, ...created.dns, ...created.ips].flatMap((d) => ['-d', d]);
  byId<HTMLTextAreaElement>('token-certbot').value = [
    'certbot',
    'certonly',
    '--standalone',
    '--server',
    directory,
    '--eab-kid',
    created.eab.kid,
    '--eab-hmac-key',
    created.eab.hmacKey,
    ...domains,
  ]
    .map(shellWord)
    .join(' ');
}

function showCreated(created: Created, fingerprint: string): void {
  showEab(created);
  byId<HTMLInputElement>('token-value').value = created.token;
  const command = [
    'nodeid',
    'enroll',
    '--server',
    apiOrigin(),
    '--token',
    created.token,
    '--fingerprint',
    fingerprint,
    ...enrollArguments(created),
  ]
    .map(shellWord)
    .join(' ');
  byId<HTMLTextAreaElement>('token-command').value = command;
  setStatus(byId('token-copy-status'), 'info', '');
  byId('token-created').hidden = false;
}

async function copy(id: string): Promise<void> {
  const field = byId<HTMLInputElement | HTMLTextAreaElement>(id);
  const status = byId('token-copy-status');
  try {
    await navigator.clipboard.writeText(field.value);
    setStatus(status, 'ok', 'Copied to the clipboard.');
  } catch {
    field.focus();
    field.select();
    setStatus(status, 'info', 'Selected: press Ctrl+C (⌘C) to copy.');
  }
}

/** Wires the view; `acme` shows the ACME option when the server offers it. */
export function setupTokens(offers: { acme: boolean }): void {
  byId('token-acme-field').hidden = !offers.acme;
  byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void createToken(event.currentTarget as HTMLFormElement);
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]'))
    button.addEventListener('click', () => void copy(button.dataset['copy']!));
}
