/**
 * Finding certificates and CRLs on disk for `expiry check` and `expiry watch`: files and folders
 * (recursively), PEM (every certificate and CRL of a bundle), DER, and PKCS#12 keystores (every
 * certificate inside, with the passphrase given). A file that cannot be read is reported with the
 * reason instead of stopping the scan: the broken file is usually the one that matters. In a
 * folder, binary files that are neither certificates, CRLs nor keystores (an SQLite inventory,
 * which holds certificate PEMs in its pages) are skipped.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type Certificate,
  type Crl,
  NodeIdError,
  parseCertificate,
  parseCrl,
  parsePkcs12,
} from '@nodeid/sdk';
import { MAX_INPUT_BYTES } from './files.js';

/** One certificate found in a file, or the reason a file (or one block of it) cannot be read. */
export interface FoundCertificate {
  /** The file, as reached from the paths given. */
  file: string;
  /** Position in the file, from 1. */
  index: number;
  /** Certificates (and unreadable certificate blocks) in the file. */
  count: number;
  certificate?: Certificate;
  /** A CRL found instead of a certificate. */
  crl?: Crl;
  /** In a PKCS#12 keystore: the entry's alias (friendlyName). */
  alias?: string;
  /** Why this could not be read; set exactly when neither `certificate` nor `crl` is. */
  error?: string;
}

/** How to read what the scan finds. */
export interface ScanOptions {
  /** Passphrase of PKCS#12 files (`.p12`, `.pfx`). */
  passphrase?: string;
}

/** What was read from one file. */
export interface ScannedFile {
  path: string;
  /** SHA-256 of the contents, to tell when a file changed; absent when it could not be read. */
  digest?: string;
  entries: FoundCertificate[];
}

/** A file to read, and whether it was named directly (then it must hold a certificate). */
export interface CandidateFile {
  path: string;
  explicit: boolean;
  /** Set when the path is a folder that cannot be listed. */
  error?: string;
}

/** Extensions of files that should hold certificates when found in a folder. */
const CERTIFICATE_EXTENSIONS = new Set(['.crt', '.cer', '.cert', '.pem', '.der', '.crl']);
/** Extensions of PKCS#12 files. */
const PKCS12_EXTENSIONS = new Set(['.p12', '.pfx']);
/** Extensions that promise a certificate even in PEM form (a .pem may just as well hold a key). */
const PEM_CERTIFICATE_EXTENSIONS = new Set(['.crt', '.cer', '.cert']);
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const CRL_LABEL = 'X509 CRL';
/**
 * Every `-----BEGIN L-----` … `-----END L-----` block of `text` (RFC 7468 §2) with its label, in
 * order, as the SDK's PEM splitter pairs them: the END lines are found in one pass first, since a
 * lazy BEGIN…END regex scanned to the end of the text from every BEGIN line without its END
 * (40,000 such lines made `expiry check` take 28 s; found by tools/fuzz's pem-begins mutation).
 */
function pemBlocks(text: string): { label: string; block: string }[] {
  const ends = new Map<string, number[]>();
  for (const m of text.matchAll(/-----END ([A-Z0-9 ]{1,64})-----/g)) {
    const list = ends.get(m[1]!) ?? [];
    list.push(m.index);
    ends.set(m[1]!, list);
  }
  const next = new Map<string, number>();
  const begin = /-----BEGIN ([A-Z0-9 ]{1,64})-----/g;
  const out: { label: string; block: string }[] = [];
  for (let m = begin.exec(text); m; m = begin.exec(text)) {
    const label = m[1]!;
    const list = ends.get(label) ?? [];
    let i = next.get(label) ?? 0;
    while (i < list.length && list[i]! < m.index + m[0].length) i++;
    next.set(label, i);
    if (i === list.length) {
      begin.lastIndex = m.index + 1;
      continue;
    }
    const end = list[i]! + `-----END ${label}-----`.length;
    out.push({ label, block: text.slice(m.index, end) });
    begin.lastIndex = end;
  }
  return out;
}

function reason(e: unknown): string {
  if (NodeIdError.isInstance(e)) return e.message;
  const code = (e as { code?: string })?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** Hidden files and editor backups are skipped in folders (an atomic writer's temporary files are hidden). */
function skippedName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~');
}

/**
 * Lists the files to read under `paths`: each path that is a file (or does not exist) as given,
 * and the files in each folder, recursively, in name order; symbolic links are followed, each
 * folder visited once. Also returns every folder visited, for watching.
 */
export async function listCandidateFiles(
  paths: string[],
): Promise<{ files: CandidateFile[]; dirs: string[] }> {
  const files: CandidateFile[] = [];
  const dirs: string[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const add = (path: string, explicit: boolean, error?: string) => {
    if (seenFiles.has(path)) return;
    seenFiles.add(path);
    files.push({ path, explicit, ...(error && { error }) });
  };
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir).catch(() => dir);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    dirs.push(dir);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (e) {
      add(dir, true, `cannot list the folder: ${reason(e)}`);
      return;
    }
    for (const name of names) {
      if (skippedName(name)) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info) continue; // a dangling link or a file removed meanwhile
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) add(path, false);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) await walk(path);
    else add(path, true);
  }
  return { files, dirs };
}

type Found = Pick<FoundCertificate, 'certificate' | 'crl' | 'alias' | 'error'>;

function parseOne(input: string | Uint8Array): Found {
  try {
    return { certificate: parseCertificate(input) };
  } catch (e) {
    return { error: reason(e) };
  }
}

function parseOneCrl(input: string | Uint8Array): Found {
  try {
    return { crl: parseCrl(input) };
  } catch (e) {
    return { error: reason(e) };
  }
}

/** A DER file: a certificate, else a CRL (both are SEQUENCEs; the parsers tell them apart). */
function parseDer(bytes: Uint8Array, path: string): Found {
  const asCert = parseOne(bytes);
  if (asCert.certificate) return asCert;
  const asCrl = parseOneCrl(bytes);
  if (asCrl.crl) return asCrl;
  return extname(path).toLowerCase() === '.crl' ? asCrl : asCert;
}

/** Every certificate of a PKCS#12 file, or why it cannot be read (a wrong passphrase...). */
async function readPkcs12(bytes: Uint8Array, passphrase: string | undefined): Promise<Found[]> {
  if (passphrase === undefined)
    return [{ error: 'a PKCS#12 file: give its passphrase with --passphrase-file' }];
  try {
    const p12 = await parsePkcs12(bytes, { passphrase });
    if (p12.certificates.length === 0) return [{ error: 'the PKCS#12 file holds no certificate' }];
    return p12.certificates.map((c) => ({
      certificate: c.certificate,
      ...(c.friendlyName !== undefined && { alias: c.friendlyName }),
    }));
  } catch (e) {
    return [{ error: reason(e) }];
  }
}

/** True for bytes that cannot be a PEM text file: PEM is ASCII and never holds a NUL byte. */
function binary(bytes: Uint8Array): boolean {
  return bytes.includes(0);
}

function entries(file: string, found: Found[]): FoundCertificate[] {
  return found.map((f, i) => ({ file, index: i + 1, count: found.length, ...f }));
}

/**
 * Reads the certificates of one file. Returns `undefined` for a file found in a folder that holds
 * no certificate and does not claim to (a key, a CSR, a README): only certificate files are
 * reported. A file named directly, or with a certificate extension, that holds none is an error.
 */
export async function readCertificateFile(
  candidate: CandidateFile,
  options: ScanOptions = {},
): Promise<ScannedFile | undefined> {
  const { path, explicit } = candidate;
  const ext = extname(path).toLowerCase();
  const claims = explicit || CERTIFICATE_EXTENSIONS.has(ext) || PKCS12_EXTENSIONS.has(ext);
  const failed = (error: string): ScannedFile => ({ path, entries: entries(path, [{ error }]) });
  if (candidate.error) return failed(candidate.error);
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) return failed('is a folder');
    if (info.size > MAX_INPUT_BYTES)
      return claims
        ? failed(`larger than ${MAX_INPUT_BYTES} bytes: not a certificate file`)
        : undefined;
    bytes = await readFile(path);
  } catch (e) {
    return failed(reason(e));
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (PKCS12_EXTENSIONS.has(ext))
    return { path, digest, entries: entries(path, await readPkcs12(bytes, options.passphrase)) };
  const text = bytes.toString('latin1');
  // A binary file is never read as PEM: an SQLite inventory holds certificate PEMs in its pages.
  if (text.includes('-----BEGIN ') && !binary(bytes)) {
    const utf8 = bytes.toString('utf8');
    const found: Found[] = [];
    const labels: string[] = [];
    for (const { label, block } of pemBlocks(utf8)) {
      labels.push(label);
      if (CERTIFICATE_LABELS.has(label)) found.push(parseOne(block));
      else if (label === CRL_LABEL) found.push(parseOneCrl(block));
    }
    const begun = utf8.match(/-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/g)?.length ?? 0;
    const complete = labels.filter((l) => CERTIFICATE_LABELS.has(l)).length;
    if (begun > complete) {
      found.push({
        error: `${begun - complete} CERTIFICATE block${begun - complete === 1 ? ' has' : 's have'} no END line: the file is truncated or damaged`,
      });
    }
    if (found.length === 0) {
      // In a folder, a .pem without a certificate is usually a key or a CSR: not ours to report.
      if (!explicit && !PEM_CERTIFICATE_EXTENSIONS.has(extname(path).toLowerCase()))
        return undefined;
      const what = labels.length
        ? `it holds ${[...new Set(labels)].join(', ')}`
        : 'no complete PEM block';
      return {
        path,
        digest,
        entries: entries(path, [{ error: `no certificate in the file: ${what}` }]),
      };
    }
    return { path, digest, entries: entries(path, found) };
  }
  if (!claims) return undefined;
  if (bytes.length === 0)
    return { path, digest, entries: entries(path, [{ error: 'the file is empty' }]) };
  return { path, digest, entries: entries(path, [parseDer(new Uint8Array(bytes), path)]) };
}

/** Lists and reads everything under `paths`. */
export async function scanCertificates(
  paths: string[],
  options: ScanOptions = {},
): Promise<{ files: ScannedFile[]; dirs: string[] }> {
  const { files, dirs } = await listCandidateFiles(paths);
  const scanned: ScannedFile[] = [];
  for (const f of files) {
    const s = await readCertificateFile(f, options);
    if (s) scanned.push(s);
  }
  return { files: scanned, dirs };
}
