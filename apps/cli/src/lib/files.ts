/** Reading inputs: files or stdin, with a size cap and errors that name the file. */
import { readFile, stat } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/** Largest input file read (a big bundle fits easily). */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES)
      throw new CliError(
        'ERR_INPUT_TOO_LARGE',
        `standard input is larger than ${MAX_INPUT_BYTES} bytes`,
      );
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * What a lone `-` argument becomes before yargs parses the command line (yargs reads `-` as a
 * flag, not a value): the standard input, by its usual name.
 */
export const STDIN_PATH = '/dev/stdin';

/** Reads a file (or stdin for `-`) as bytes. */
export async function readInput(path: string): Promise<Uint8Array> {
  if (path === '-' || path === STDIN_PATH) return readStdin();
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new CliError('ERR_FILE_NOT_FOUND', `cannot read ${path}: no such file`);
  }
  if (info.isDirectory()) throw new CliError('ERR_FILE_IO', `${path} is a folder, not a file`);
  if (info.size > MAX_INPUT_BYTES)
    throw new CliError('ERR_INPUT_TOO_LARGE', `${path} is larger than ${MAX_INPUT_BYTES} bytes`);
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CliError('ERR_FILE_IO', `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Reads a file as text when it holds PEM, else returns the bytes (DER). */
export async function readPemOrDer(path: string): Promise<string | Uint8Array> {
  const bytes = await readInput(path);
  const text = Buffer.from(bytes).toString('latin1');
  return text.includes('-----BEGIN ') ? Buffer.from(bytes).toString('utf8') : bytes;
}

/** True when a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
