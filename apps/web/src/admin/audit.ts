/** The Audit view: the latest lines of the server's audit trail, filtered by event. */
import { byId, messageOf, setStatus } from '../lib/dom.js';
import { row, when } from './format.js';
import { adminCall } from './session.js';

interface AuditLine {
  id: number;
  at: string;
  action: string;
  actor?: string;
  serialNumber?: string;
  detail?: Record<string, unknown>;
}

/** Loads the latest 100 lines of the chosen event. */
export async function loadAudit(): Promise<void> {
  const status = byId('audit-status');
  const event = byId<HTMLSelectElement>('audit-event').value;
  setStatus(status, 'busy', 'Loading the audit trail…');
  let lines: AuditLine[];
  try {
    lines = (
      await adminCall<AuditLine[]>(
        `/v1/admin/audit?limit=100${event ? `&event=${encodeURIComponent(event)}` : ''}`,
      )
    ).body;
  } catch (e) {
    return setStatus(status, 'error', `Cannot read the audit trail: ${messageOf(e)}`);
  }
  byId<HTMLTableElement>('audit-table').tBodies[0]!.replaceChildren(
    ...lines.map((l) =>
      row([
        when(l.at),
        l.action,
        l.actor ?? '',
        [l.serialNumber && `serial ${l.serialNumber}`, l.detail && JSON.stringify(l.detail)]
          .filter(Boolean)
          .join(' '),
      ]),
    ),
  );
  setStatus(status, 'ok', `${lines.length} line(s)${event ? ` of ${event}` : ''}, newest first.`);
}

/** Wires the view. */
export function setupAudit(): void {
  byId<HTMLFormElement>('audit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadAudit();
  });
}
