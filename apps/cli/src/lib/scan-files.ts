/**
 * Finding certificates on disk for `expiry check` and `expiry watch`: files and folders
 * (recursively), PEM (every certificate of a bundle), DER. A file that cannot be read is reported
 * with the reason instead of stopping the scan: the broken file is usually the one that matters.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type Certificate, NodeIdError, parseCertificate } from '@nodeid/sdk';
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
  /** Why this could not be read; set exactly when `certificate` is not. */
  error?: string;
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
const CERTIFICATE_EXTENSIONS = new Set(['.crt', '.cer', '.cert', '.pem', '.der']);
/** Extensions that promise a certificate even in PEM form (a .pem may just as well hold a key). */
const PEM_CERTIFICATE_EXTENSIONS = new Set(['.crt', '.cer', '.cert']);
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----[\s\S]*?-----END \1-----/g;

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

function parseOne(input: string | Uint8Array): { certificate?: Certificate; error?: string } {
  try {
    return { certificate: parseCertificate(input) };
  } catch (e) {
    return { error: reason(e) };
  }
}

function entries(
  file: string,
  found: { certificate?: Certificate; error?: string }[],
): FoundCertificate[] {
  return found.map((f, i) => ({ file, index: i + 1, count: found.length, ...f }));
}

/**
 * Reads the certificates of one file. Returns `undefined` for a file found in a folder that holds
 * no certificate and does not claim to (a key, a CSR, a README): only certificate files are
 * reported. A file named directly, or with a certificate extension, that holds none is an error.
 */
export async function readCertificateFile(
  candidate: CandidateFile,
): Promise<ScannedFile | undefined> {
  const { path, explicit } = candidate;
  const claims = explicit || CERTIFICATE_EXTENSIONS.has(extname(path).toLowerCase());
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
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const utf8 = bytes.toString('utf8');
    const found: { certificate?: Certificate; error?: string }[] = [];
    const labels: string[] = [];
    for (const m of utf8.matchAll(BLOCK)) {
      labels.push(m[1]!);
      if (CERTIFICATE_LABELS.has(m[1]!)) found.push(parseOne(m[0]));
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
  return { path, digest, entries: entries(path, [parseOne(new Uint8Array(bytes))]) };
}

/** Lists and reads everything under `paths`. */
export async function scanCertificates(
  paths: string[],
): Promise<{ files: ScannedFile[]; dirs: string[] }> {
  const { files, dirs } = await listCandidateFiles(paths);
  const scanned: ScannedFile[] = [];
  for (const f of files) {
    const s = await readCertificateFile(f);
    if (s) scanned.push(s);
  }
  return { files: scanned, dirs };
}
