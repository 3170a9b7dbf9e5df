/**
 * Inspect and verify, entirely in the page: pasted or dropped PEM/DER is described with the
 * SDK's inspectAll + renderText, and the first certificate is verified with verifyCertificate
 * against the pasted CA, reporting the SDK's own messages as the CLI does.
 */
import {
  type Certificate,
  inspectAll,
  parseCertificates,
  renderText,
  type VerifyUsage,
  verifyCertificate,
} from '@nodeid/sdk';
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

/** DER bytes of a dropped or chosen binary file, used instead of the text area while unchanged. */
let droppedDer: { name: string; bytes: Uint8Array } | undefined;

/** Wires the Inspect and Verify forms and the drop targets. */
export function setupInspect(): void {
  const input = byId<HTMLTextAreaElement>('inspect-input');
  input.addEventListener('input', () => {
    droppedDer = undefined;
    byId<HTMLInputElement>('inspect-file').value = '';
  });
  byId<HTMLInputElement>('inspect-file').addEventListener('change', (event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (file) void loadFile(file, 'inspect-input');
  });
  for (const zone of document.querySelectorAll<HTMLElement>('[data-drop-for]')) {
    const target = zone.dataset['dropFor']!;
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      const file = event.dataTransfer?.files[0];
      if (file) void loadFile(file, target);
    });
  }
  byId<HTMLFormElement>('inspect-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void inspectInput(event.currentTarget as HTMLFormElement);
  });
  byId<HTMLFormElement>('verify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void verifyInput(event.currentTarget as HTMLFormElement);
  });
}

/** Reads a file: PEM text goes into the text area, DER is kept as bytes (or turned into PEM for the CA). */
async function loadFile(file: File, target: string): Promise<void> {
  const area = byId<HTMLTextAreaElement>(target);
  const status = byId('inspect-status');
  clearFieldErrors(area.closest('form')!);
  if (file.size > 1024 * 1024) {
    showFieldError(target, `${file.name} is larger than 1 MB: not a certificate file`);
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('-----BEGIN')) {
    area.value = text;
    if (target === 'inspect-input') droppedDer = undefined;
  } else if (target === 'inspect-input') {
    droppedDer = { name: file.name, bytes };
    area.value = '';
    area.placeholder = `${file.name}: ${bytes.length} bytes of DER, ready to inspect`;
  } else {
    try {
      area.value = parseCertificates(bytes)
        .map((c) => c.pem)
        .join('');
    } catch (e) {
      showFieldError(target, `${file.name}: ${messageOf(e)}`);
      return;
    }
  }
  setStatus(status, 'info', `Loaded ${file.name} (${bytes.length} bytes).`);
}

/** What the Inspect text area (or the dropped DER file) holds. */
function currentInput(): string | Uint8Array {
  return droppedDer?.bytes ?? fieldValue('inspect-input');
}

async function inspectInput(form: HTMLFormElement): Promise<void> {
  const status = byId('inspect-status');
  const output = byId('inspect-output');
  clearFieldErrors(form);
  output.replaceChildren();
  const input = currentInput();
  if (input.length === 0) {
    showFieldError('inspect-input', 'Paste a PEM certificate, chain, CSR or CRL, or drop a file.');
    return setStatus(status, 'error', 'Nothing to inspect.');
  }
  await whileBusy(form, async () => {
    try {
      const items = await inspectAll(input);
      for (const [i, item] of items.entries()) {
        const figure = element('figure', 'inspected');
        const caption = element('figcaption', undefined, `${i + 1}. ${item.kind}`);
        const pre = element('pre', 'details', renderText(item));
        figure.append(caption, pre);
        output.append(figure);
      }
      setStatus(
        status,
        'ok',
        `${items.length} item(s) read: ${items.map((i) => i.kind).join(', ')}. Inspection does not verify: use Verify below.`,
      );
    } catch (e) {
      showFieldError('inspect-input', messageOf(e));
      setStatus(status, 'error', 'The input could not be read.');
    }
  });
}

async function verifyInput(form: HTMLFormElement): Promise<void> {
  const verdict = byId('verify-status');
  clearFieldErrors(form);
  clearFieldErrors(byId('inspect-form'));
  let certificates: Certificate[];
  try {
    certificates = parseCertificates(currentInput());
  } catch (e) {
    showFieldError('inspect-input', `No certificate to verify: ${messageOf(e)}`);
    return setStatus(verdict, 'error', 'Paste the certificate to verify above.');
  }
  const caText = fieldValue('verify-ca');
  if (!caText) {
    showFieldError('verify-ca', 'Paste the CA certificate to trust.');
    return setStatus(verdict, 'error', 'No trusted CA given.');
  }
  let trustAnchors: Certificate[];
  try {
    trustAnchors = parseCertificates(caText);
  } catch (e) {
    showFieldError('verify-ca', messageOf(e));
    return setStatus(verdict, 'error', 'The CA certificate could not be read.');
  }
  const [leaf, ...intermediates] = certificates;
  const host = fieldValue('verify-host');
  const ip = fieldValue('verify-ip');
  const cluster = fieldValue('verify-cluster');
  await whileBusy(form, async () => {
    const result = await verifyCertificate({
      certificate: leaf!,
      trustAnchors,
      intermediates,
      host: host || undefined,
      ip: ip || undefined,
      clusterName: cluster || undefined,
      usage: fieldValue('verify-usage') as VerifyUsage,
    });
    if (result.ok) {
      const chain = result.chain.map((c) => c.subject.text).join(' <- ');
      setStatus(verdict, 'ok', `OK (${chain})`);
    } else {
      setStatus(verdict, 'error', `invalid: ${result.message} (${result.code})`);
      if (result.code === 'ERR_HOSTNAME_MISMATCH' && host)
        showFieldError('verify-host', result.message, false);
      if (result.code === 'ERR_IP_MISMATCH' && ip)
        showFieldError('verify-ip', result.message, false);
    }
  });
}
