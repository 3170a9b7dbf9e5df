/**
 * `nodeid trust uninstall <ca.crt|ca-bundle.crt|name>`: take the cluster CA out of the operating
 * system's trust store, found by its contents (given the certificate or a bundle) or by its file
 * name in the store. Given a bundle (`ca-bundle.crt` of a CA rotation: roots and cross
 * certificates), it removes what `trust install` of that bundle installed: the file of each root,
 * whatever its name, also a copy of a root with the same name and key (`ca renew`, RFC 5280
 * §6.1.1 (d): a trust anchor is a name and a key). A file that holds other certificates too is
 * kept and named (removing it would drop those); a root of the same name with another key (the
 * old root of a finished rotation) is kept and named.
 */
import { stat, unlink } from 'node:fs/promises';
import { basename, join, posix, relative, resolve } from 'node:path';
import { acceptTrustBundle, type Certificate, parseCertificates } from '@nodeid/sdk';
import type { Argv, CommandModule } from 'yargs';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, exitCodes, type GlobalArgs } from '../../lib/command.js';
import { readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';
import {
  anchorFiles,
  anchorNameFor,
  anchorNameOption,
  detectTrustStore,
  fileError,
  nodeNote,
  removalHookInput,
  removalHookLine,
  runRemovalHooks,
  runUpdate,
  type TrustOptions,
  updateCommandLine,
  updateCommandOf,
  withTrustOptions,
} from '../../lib/trust-store.js';

interface Args extends GlobalArgs, TrustOptions {
  target: string;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
/** A trust anchor is a name and a key (RFC 5280 §6.1.1 (d)): a re-issued copy is the same one. */
const sameAnchor = (a: Certificate, b: Certificate) =>
  sameBytes(a.subject.raw, b.subject.raw) && sameBytes(a.publicKey.spki, b.publicKey.spki);

/**
 * The trust anchors of the file, as `trust install` took them: the roots of a bundle (the SDK's
 * reading, `acceptTrustBundle`; cross certificates are never installed). A file that is not such
 * a bundle (a single intermediate, anything else) is looked for certificate by certificate.
 */
async function anchorsOf(certs: Certificate[]): Promise<{ roots: Certificate[]; bundle: boolean }> {
  const read = await acceptTrustBundle(certs, certs).catch(() => undefined);
  return read?.accepted ? { roots: read.roots, bundle: true } : { roots: certs, bundle: false };
}

async function certificatesIn(path: string) {
  try {
    return parseCertificates(await readPemOrDer(path));
  } catch {
    return [];
  }
}

export const trustUninstallCommand: CommandModule<GlobalArgs, Args> = {
  command: 'uninstall <target>',
  describe: "remove the cluster CA from the operating system's trust store",
  builder: (y) =>
    withTrustOptions(y)
      .positional('target', {
        type: 'string',
        demandOption: true,
        describe:
          'the CA certificate file or a bundle of them (found in the store by its contents), or its name in the store',
      })
      .example(
        'sudo $0 trust uninstall ca.crt',
        'remove whatever file in the store holds this CA, then rebuild the system bundle',
      )
      .example(
        'sudo $0 trust uninstall ca.crt --system debian',
        'Debian/Ubuntu: rm the file, update-ca-certificates --fresh (no dangling links), and tell the hooks (Java cacerts) of the removal',
      )
      .example(
        'sudo $0 trust uninstall ca/ca-bundle.crt',
        'a CA rotation bundle: the file of each root trust install wrote (cross certificates were never installed)',
      )
      .example(
        'sudo $0 trust uninstall nodeid-scale.cluster-ca',
        'by name (as "trust install" printed it)',
      )
      .epilog(
        exitCodes({
          0: 'removed (or --dry-run)',
          1: 'not installed: nothing to remove',
          2: 'bad arguments',
          3: 'an error: unknown system, no permission, the update command failed',
        }),
      ) as unknown as Argv<Args>,
  handler: action(async (args) => {
    const root = resolve(args.root);
    const store = await detectTrustStore(root, args.target, args.system);
    const hostDir = join(root, store.anchorDir);
    const info = await stat(args.target).catch(() => undefined);
    let found: string[] = [];
    /** Files holding one of the CAs among other certificates: kept, named. */
    const mixed: string[] = [];
    /** Files holding a root of the same name under another key: kept, named. */
    const otherKeys: string[] = [];
    if (info?.isFile()) {
      const inside = relative(hostDir, resolve(args.target));
      if (!inside.startsWith('..') && !inside.includes('/')) found = [resolve(args.target)];
      else {
        const certs = await certificatesIn(args.target);
        if (certs.length === 0)
          throw new CliError(
            'ERR_CERTIFICATE_INVALID',
            `${args.target} holds no certificate to look for`,
          );
        const { roots, bundle } = await anchorsOf(certs);
        const ours = (c: Certificate) =>
          roots.some((r) => sameBytes(r.der, c.der) || (bundle && sameAnchor(r, c)));
        for (const file of await anchorFiles(hostDir)) {
          const held = await certificatesIn(file);
          const matching = held.filter(ours);
          if (held.length > 0 && matching.length === held.length) found.push(file);
          else if (matching.length > 0) mixed.push(file);
          else if (
            bundle &&
            held.some((c) => roots.some((r) => sameBytes(r.subject.raw, c.subject.raw)))
          )
            otherKeys.push(file);
        }
        if (found.length === 0) {
          const byName = join(hostDir, anchorNameFor(undefined, certs[0]!));
          if (
            await stat(byName).then(
              () => true,
              () => false,
            )
          )
            found = [byName];
        }
      }
    } else {
      const path = join(hostDir, anchorNameOption(args.target));
      if (
        await stat(path).then(
          () => true,
          () => false,
        )
      )
        found = [path];
    }
    const warnings = [
      ...mixed.map(
        (f) =>
          `${f} holds this CA among other certificates; it is kept (removing it would drop those): take the CA out of it by hand`,
      ),
      ...otherKeys.map(
        (f) =>
          `${f} holds a CA of the same name with another key (the old root of a rotation?); it is kept: remove it with \`nodeid trust uninstall ${f}\` if it is retired`,
      ),
    ];
    if (found.length === 0) {
      throw new CliError(
        'ERR_NOT_INSTALLED',
        `not installed: no file in ${hostDir} holds ${args.target}${mixed.length ? ` alone (${mixed.join(', ')} holds it among other certificates: edit it by hand)` : ''}`,
        EXIT.FAILED,
      );
    }

    // Debian: --fresh clears the links of the removed CA, and the hooks (Java's cacerts) are told
    // of the removal, which update-ca-certificates itself never tells them for a local CA
    const hookInput = removalHookInput(
      store,
      found.map((f) => basename(f)),
    );
    const hookLine = removalHookLine(store, root, hookInput);
    const steps = [
      ...found.map((f) => `rm ${f}`),
      updateCommandLine(store, root, 'uninstall'),
      ...(hookLine ? [hookLine] : []),
    ];
    let update: { ran: boolean; note?: string } = { ran: false };
    let hooks: { ran: string[]; failed: string[]; note?: string } = { ran: [], failed: [] };
    if (!args.dryRun) {
      for (const f of found) {
        try {
          await unlink(f);
        } catch (e) {
          throw fileError(e, 'remove', f);
        }
      }
      update = runUpdate(store, root, args.format === 'json', 'uninstall');
      hooks = await runRemovalHooks(store, root, hookInput, args.format === 'json');
      if (hooks.failed.length > 0)
        throw new CliError(
          'ERR_TRUST_UPDATE',
          `the CA is removed and the bundle rebuilt, but ${hooks.failed.join(', ')} failed to remove it from its store; run it again once fixed: ${hookLine}`,
        );
    }
    const systemPaths = found.map((f) => posix.join(store.anchorDir, relative(hostDir, f)));
    if (args.format === 'json') {
      printJson({
        dryRun: args.dryRun,
        system: store.system,
        description: store.description,
        removed: args.dryRun ? [] : found,
        steps,
        update: updateCommandOf(store, 'uninstall'),
        updateRan: update.ran,
        hookInput,
        hooksRan: hooks.ran,
        kept: [...mixed, ...otherKeys],
        warnings,
      });
    } else {
      const lines = args.dryRun
        ? [
            `dry run: nothing changed. To stop trusting it on ${store.description} (${store.system}), run:`,
            ...steps.map((s) => `  ${s}`),
          ]
        : [
            ...found.map((f) => `removed ${f}`),
            update.ran
              ? `  ran ${updateCommandOf(store, 'uninstall').join(' ')}`
              : `  ${updateCommandOf(store, 'uninstall').join(' ')} ${update.note}`,
            ...(hookLine && !update.ran ? [`  ${hookLine}`] : []),
            ...hooks.ran.map((h) => `  ran ${h} (told of the removal)`),
          ];
      printText(
        [
          ...lines,
          ...warnings.map((w) => `warning: ${w}`),
          ...systemPaths.map((p) => nodeNote(p, false)),
        ].join('\n'),
      );
    }
    return EXIT.OK;
  }),
};
