/**
 * `nodeid ca retire-old`: ends a rotation. It counts, from the inventory, the valid certificates
 * (not expired, revoked or superseded by a renewal) that the old CA key signed, and refuses while
 * any remain, naming them and the commands that renew them. Then the trust bundle holds the new
 * root alone, and the old root, key and cross certificates are kept under `*-retired-<time>`
 * names (nothing is deleted), which leaves the folder ready for a later rotation.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type Certificate, isIssuedBy, parseCertificates } from '@nodeid/sdk';
import { writeBundle } from '@nodeid/sdk/node';
import {
  type CaConfig,
  CONFIG_FILE,
  openInventory,
  readCaCertificates,
  readCaConfig,
  resolveCaDir,
} from '../../lib/ca-folder.js';
import { type CaDirArgs, withCaDir } from '../../lib/ca-options.js';
import { fileStamp, withSuffix } from '../../lib/ca-rotation.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes } from '../../lib/command.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaDirArgs {}

/** Inventory records read per page while counting. */
const PAGE = 500;
/** Names listed in the refusal. */
const SHOWN = 10;

export const caRetireOldCommand = defineCommand<Args>({
  command: 'retire-old',
  describe:
    'end a rotation: drop the old root from the trust bundle once no valid certificate of the old key remains',
  builder: (y) =>
    withCaDir(y)
      .example('$0 ca retire-old --dir ./ca', 'after every node renewed onto the new key')
      .epilog(
        exitCodes({
          0: 'retired: the bundle holds the new root alone',
          1: 'refused: valid certificates of the old key remain (listed, with how to renew them)',
          3: 'not a CA folder in a rotation, or a file could not be read or written',
        }),
      ),
  handler: action(async (args) => {
    const dir = resolveCaDir(args.dir);
    const config = await readCaConfig(dir);
    const previous = config.previous;
    if (!previous || !config.bundleFile)
      throw new CliError(
        'ERR_NO_ROTATION',
        `${dir} has no old CA key to retire (no rotation in progress; \`nodeid ca rotate\` starts one)`,
      );
    const oldRoot = await readOne(join(dir, previous.certificateFile));
    const [current] = await readCaCertificates(dir, config);
    const now = new Date();
    const store = await openInventory(dir);
    const remaining: { serialNumber: string; names: string[]; notAfter: Date }[] = [];
    let checked = 0;
    try {
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.listCertificates({
          status: 'valid',
          now,
          sort: 'serialNumber',
          offset,
          limit: PAGE,
        });
        for (const record of page) {
          checked++;
          if (await isIssuedBy(record.pem, oldRoot))
            remaining.push({
              serialNumber: record.serialNumber,
              names: record.names,
              notAfter: record.notAfter,
            });
        }
        if (page.length < PAGE) break;
      }
      if (remaining.length) {
        const shown = remaining
          .slice(0, SHOWN)
          .map((r) => `${r.names[0] ?? r.serialNumber} (serial ${r.serialNumber})`)
          .join(', ');
        const more = remaining.length > SHOWN ? ` and ${remaining.length - SHOWN} more` : '';
        if (args.format === 'json')
          printJson({ dir, retired: false, remaining: remaining.length, certificates: remaining });
        throw new CliError(
          'ERR_OLD_CA_IN_USE',
          `${remaining.length} valid certificate${remaining.length === 1 ? '' : 's'} of the old CA key remain${remaining.length === 1 ? 's' : ''}: ${shown}${more}. Renew them onto the new key (\`nodeid agent\` does it by itself; by hand \`nodeid cert renew <node.crt> --dir ${dir}\`) or revoke them (\`nodeid cert revoke\`), then run \`nodeid ca retire-old\` again (see \`nodeid cert list --status valid\`)`,
          EXIT.FAILED,
        );
      }
      const stamp = fileStamp(now);
      const retired = {
        certificateFile: withSuffix(previous.certificateFile, `retired-${stamp}`),
        keyFile: withSuffix(previous.keyFile, `retired-${stamp}`),
        newWithOldFile: withSuffix(previous.newWithOldFile, `retired-${stamp}`),
        oldWithNewFile: withSuffix(previous.oldWithNewFile, `retired-${stamp}`),
      };
      const { previous: _done, ...rest } = config;
      const next: CaConfig = rest;
      // the bundle and description first (what nodes trust and what the folder says), then the
      // old files move aside under names that say they are retired
      await writeBundle(
        dir,
        [
          { path: config.bundleFile, contents: current!.pem, mode: 0o644 },
          { path: CONFIG_FILE, contents: `${JSON.stringify(next, null, 2)}\n`, mode: 0o644 },
        ],
        { force: true },
      );
      for (const key of Object.keys(retired) as (keyof typeof retired)[])
        await rename(join(dir, previous[key]), join(dir, retired[key]));
      await store.appendAudit({
        at: now,
        action: 'ca.retire-old',
        detail: { serialNumber: oldRoot.serialNumber, checked },
      });
      const result = {
        dir,
        retired: true,
        bundle: join(dir, config.bundleFile),
        checked,
        old: Object.fromEntries(Object.entries(retired).map(([k, f]) => [k, join(dir, f)])),
        next: [
          `a running nodeid-server picks the change up by itself (or on SIGHUP): /v1/ca/bundle serves the new root alone; agents follow it, elsewhere run \`nodeid trust install ${join(dir, config.bundleFile)}\` and remove the old root from trust stores`,
        ],
      };
      if (args.format === 'json') printJson(result);
      else
        printText(
          [
            `Retired the old CA key of ${dir}: none of the ${checked} valid certificates in the inventory was issued by it`,
            `  bundle       ${result.bundle} (the new root alone)`,
            `  kept as      ${result.old.certificateFile}, ${result.old.keyFile}`,
            'Next:',
            ...result.next.map((s) => `  - ${s}`),
          ].join('\n'),
        );
      return EXIT.OK;
    } finally {
      await store.close();
    }
  }),
});

async function readOne(path: string): Promise<Certificate> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError('ERR_CA_FOLDER', `cannot read the old CA certificate ${path}`);
  }
  const [certificate] = parseCertificates(text);
  if (!certificate) throw new CliError('ERR_CA_FOLDER', `${path} holds no certificate`);
  return certificate;
}
