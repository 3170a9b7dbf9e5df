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

/** Nodes per call. */
const BATCH = 50;

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
  const q = fieldValue('fleet-q');
  const body = byId<HTMLTableElement>('fleet-table').tBodies[0]!;
  await whileBusy(form, async () => {
    body.replaceChildren();
    const lines: FleetLine[] = [];
    let total = 0;
    setStatus(status, 'busy', 'The server is checking the nodes…');
    try {
      // a page of nodes per call, so that each stays short and the progress shows
      do {
        const { body: page } = await adminCall<{ nodes: FleetLine[]; total: number }>(
          '/v1/admin/fleet-check',
          { method: 'POST', json: { port, offset: lines.length, limit: BATCH, ...(q && { q }) } },
        );
        total = page.total;
        lines.push(...page.nodes);
        body.append(
          ...page.nodes.map((n) =>
            row([n.node, n.alert ? badge(n.alert, 'warn') : badge('ok', 'ok'), n.message]),
          ),
        );
        if (page.nodes.length === 0) break;
        if (lines.length < total)
          setStatus(status, 'busy', `Checked ${lines.length} of ${total} node(s)…`);
      } while (lines.length < total);
    } catch (e) {
      return setStatus(
        status,
        'error',
        `The check stopped after ${lines.length} node(s): ${messageOf(e)}`,
      );
    }
    const alerts = lines.filter((n) => n.alert).length;
    setStatus(
      status,
      alerts ? 'error' : 'ok',
      `${lines.length} node(s) checked, ${alerts} with an alert.`,
    );
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
