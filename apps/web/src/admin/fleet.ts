/**
 * The Cluster health view: the server checks, on demand and a few connections at a time, the
 * certificate each node of its inventory presents (`POST /v1/admin/fleet-check`), one line per
 * node with its alert. Shown only when the server offers it.
 */
import {
  byId,
  clearFieldErrors,
  fieldValue,
  messageOf,
  setStatus,
  showFieldError,
  whileBusy,
} from '../lib/dom.js';
import { badge, row } from './format.js';
import { adminCall } from './session.js';

interface FleetLine {
  node: string;
  status: string;
  alert?: string;
  message: string;
}

async function check(form: HTMLFormElement): Promise<void> {
  clearFieldErrors(form);
  const status = byId('fleet-status');
  const port = Number(fieldValue('fleet-port'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    showFieldError('fleet-port', 'A port from 1 to 65535.');
    return setStatus(status, 'error', 'Fix the port.');
  }
  await whileBusy(form, async () => {
    setStatus(
      status,
      'busy',
      'The server is checking every node; this takes a few seconds per batch…',
    );
    try {
      const { body } = await adminCall<{ nodes: FleetLine[] }>('/v1/admin/fleet-check', {
        method: 'POST',
        json: { port, ...(fieldValue('fleet-q') && { q: fieldValue('fleet-q') }) },
      });
      byId<HTMLTableElement>('fleet-table').tBodies[0]!.replaceChildren(
        ...body.nodes.map((n) =>
          row([n.node, n.alert ? badge(n.alert, 'warn') : badge('ok', 'ok'), n.message]),
        ),
      );
      const alerts = body.nodes.filter((n) => n.alert).length;
      setStatus(
        status,
        alerts ? 'error' : 'ok',
        `${body.nodes.length} node(s) checked, ${alerts} with an alert.`,
      );
    } catch (e) {
      setStatus(status, 'error', `The check failed: ${messageOf(e)}`);
    }
  });
}

/** Wires the view; without the server's fleet check it says so and offers nothing. */
export function setupFleet(offers: { fleet: boolean }): void {
  const form = byId<HTMLFormElement>('fleet-form');
  if (!offers.fleet) {
    form.hidden = true;
    setStatus(
      byId('fleet-status'),
      'info',
      'This server does not offer a fleet check (POST /v1/admin/fleet-check).',
    );
    return;
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void check(form);
  });
}
