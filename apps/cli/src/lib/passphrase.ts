/**
 * Where the CA key's passphrase comes from: `--passphrase-file`, the `NODEID_CA_PASSPHRASE`
 * variable, or a prompt when a person is at a terminal. Never from a flag value (it would sit in
 * the shell history and the process list).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { CliError, EXIT } from './cli-error.js';

/** Where to look for a passphrase. */
export interface PassphraseSources {
  passphraseFile?: string;
  /** Prompt text; when set and stdin is a terminal, ask. */
  prompt?: string;
  /** Ask twice and compare (when creating a key). */
  confirm?: boolean;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as {
    _writeToOutput: (s: string) => void;
    output: NodeJS.WritableStream;
  };
  let asked = false;
  out._writeToOutput = (s: string) => {
    if (!asked) out.output.write(s);
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    asked = true;
  });
}

/** The passphrase from the first source that has one, or `undefined`. */
export async function readPassphrase(sources: PassphraseSources): Promise<string | undefined> {
  if (sources.passphraseFile) {
    let text: string;
    try {
      text = await readFile(sources.passphraseFile, 'utf8');
    } catch {
      throw new CliError(
        'ERR_FILE_NOT_FOUND',
        `cannot read the passphrase file ${sources.passphraseFile}`,
      );
    }
    const pass = text.replace(/\r?\n$/, '');
    if (!pass)
      throw new CliError(
        'ERR_PASSPHRASE_REQUIRED',
        `the passphrase file ${sources.passphraseFile} is empty`,
        EXIT.USAGE,
      );
    return pass;
  }
  const env = process.env.NODEID_CA_PASSPHRASE;
  if (env) return env;
  if (sources.prompt && process.stdin.isTTY) {
    const first = await ask(`${sources.prompt}: `);
    if (!first)
      throw new CliError(
        'ERR_PASSPHRASE_REQUIRED',
        'an empty passphrase is not allowed',
        EXIT.USAGE,
      );
    if (sources.confirm && (await ask('Repeat it: ')) !== first) {
      throw new CliError('ERR_PASSPHRASE_MISMATCH', 'the passphrases do not match', EXIT.USAGE);
    }
    return first;
  }
  return undefined;
}
