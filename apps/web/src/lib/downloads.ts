/**
 * Offers files for download as links to in-memory Blobs (`a[download]`): nothing is written to
 * any browser storage, and the Blob URLs are revoked as soon as the list is replaced.
 */
import { element } from './dom.js';

/** A file to offer. */
export interface DownloadFile {
  name: string;
  contents: string | Uint8Array;
  /** What it is, shown next to the link ("private key", "certificate"...). */
  description: string;
  /** Private keys get a warning style. */
  secret?: boolean;
  type?: string;
}

const urls = new WeakMap<HTMLElement, string[]>();

/** Revokes the Blob URLs offered in `container` and empties it. */
export function clearDownloads(container: HTMLElement): void {
  for (const url of urls.get(container) ?? []) URL.revokeObjectURL(url);
  urls.delete(container);
  container.replaceChildren();
}

/** Replaces the content of `container` with one download link per file, and a "download all" button. */
export function offerDownloads(container: HTMLElement, files: DownloadFile[], label: string): void {
  clearDownloads(container);
  const made: string[] = [];
  const list = element('ul', 'file-list');
  list.setAttribute('aria-label', label);
  const links: HTMLAnchorElement[] = [];
  for (const file of files) {
    const url = URL.createObjectURL(
      new Blob([typeof file.contents === 'string' ? file.contents : file.contents.slice()], {
        type: file.type ?? 'application/octet-stream',
      }),
    );
    made.push(url);
    const item = element('li', file.secret ? 'secret' : undefined);
    const link = element('a', 'file', file.name);
    link.href = url;
    link.download = file.name;
    link.dataset['file'] = file.name;
    item.append(link, element('span', 'what', ` — ${file.description}`));
    list.append(item);
    links.push(link);
  }
  urls.set(container, made);
  const all = element('button', 'all', `Download all ${files.length} files`);
  all.type = 'button';
  all.addEventListener('click', () => {
    for (const link of links) link.click();
  });
  container.append(element('p', 'hint', label), list, all);
}
