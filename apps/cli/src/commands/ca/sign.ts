/**
 * `nodeid ca sign <csr> --dir ROOT --out FILE`: on the root's host, sign an intermediate CA's
 * CSR (made by `ca init --intermediate`). Only CA requests are signed; leaf CSRs go to `csr sign`.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inspectCertificate, NodeIdError, parseCsr, signCaCsr } from '@nodeid/sdk';
import { certificateRecordOf } from '@nodeid/store';
import { type CaKeyArgs, loadCaOf, withCaKey } from '../../lib/ca-options.js';
import { CliError, EXIT } from '../../lib/cli-error.js';
import { action, defineCommand, exitCodes, list } from '../../lib/command.js';
import { readPemOrDer } from '../../lib/files.js';
import { printJson, printText } from '../../lib/output.js';

interface Args extends CaKeyArgs {
  csr: string;
  out: string;
  pathLen?: number;
  permitDns?: string[];
  excludeDns?: string[];
  permitIp?: string[];
  excludeIp?: string[];
  days?: number;
  force: boolean;
}

/** SDK refusals that mean "the root says no" (exit 1) rather than "something is broken" (exit 3). */
const REFUSALS = new Set([
  'ERR_CSR_SIGNATURE',
  'ERR_POLICY_DENIED',
  'ERR_PATH_LENGTH_EXCEEDED',
  'ERR_ALGORITHM_WEAK',
  'ERR_KEY_WEAK',
  'ERR_KEY_UNSUPPORTED',
  'ERR_NAME_INVALID',
]);

export const caSignCommand = defineCommand<Args>({
  command: 'sign <csr>',
  describe: "sign an intermediate CA's CSR with this (root) CA",
  builder: (y) =>
    withCaKey(y)
      .positional('csr', {
        type: 'string',
        demandOption: true,
        describe: 'the CSR made by `ca init --intermediate` (PEM or DER)',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'file to write: the intermediate certificate followed by the CAs above it',
      })
      .option('path-len', {
        alias: 'path-length',
        type: 'number',
        describe: 'most CAs allowed below the intermediate (default 0: it issues leaves only)',
      })
      .option('permit-dns', {
        type: 'array',
        string: true,
        describe: 'the intermediate may only issue for these DNS domains (repeatable)',
      })
      .option('exclude-dns', {
        type: 'array',
        string: true,
        describe: 'the intermediate must never issue for these DNS domains (repeatable)',
      })
      .option('permit-ip', {
        type: 'array',
        string: true,
        describe: 'the intermediate may only issue for these IP ranges, CIDR (repeatable)',
      })
      .option('exclude-ip', {
        type: 'array',
        string: true,
        describe: 'the intermediate must never issue for these IP ranges, CIDR (repeatable)',
      })
      .option('days', {
        type: 'number',
        describe: "lifetime in days (default 1825, never past the root's own not-after)",
      })
      .option('force', { type: 'boolean', default: false, describe: 'replace --out if it exists' })
      .example(
        '$0 ca sign sub/ca.csr --dir /media/root-ca --out rack1.crt --permit-dns rack1.example.net',
        'on the offline root host: sign an intermediate limited to rack1.example.net',
      )
      .example('$0 ca import rack1.crt --dir sub', 'then, on the intermediate host: install it')
      .epilog(
        exitCodes({
          0: 'signed and written',
          1: "refused: a leaf CSR, a bad signature or weak key, or a path length the root's pathLen forbids",
          2: 'bad arguments, or no passphrase given',
          3: 'the CSR, the CA folder or --out could not be read or written (nothing is written)',
        }),
      ),
  handler: action(async (args) => {
    const input = await readPemOrDer(args.csr);
    const csr = await parseCsr(input);
    const ca = await loadCaOf(args);
    try {
      let signed: Awaited<ReturnType<typeof signCaCsr>>;
      try {
        signed = await signCaCsr({
          csr,
          ca: ca.issuer,
          pathLength: args.pathLen,
          days: args.days,
          nameConstraints: {
            permittedDns: list(args.permitDns),
            excludedDns: list(args.excludeDns),
            permittedIps: list(args.permitIp),
            excludedIps: list(args.excludeIp),
          },
        });
      } catch (e) {
        if (NodeIdError.isInstance(e) && REFUSALS.has(e.code))
          throw new CliError(e.code, `refused: ${e.message}`, EXIT.FAILED);
        throw e;
      }
      const out = resolve(args.out);
      const pem = [signed.certificate, ...signed.chain].map((c) => c.pem).join('');
      try {
        await writeFile(out, pem, { flag: args.force ? 'w' : 'wx', mode: 0o644 });
      } catch (e) {
        if ((e as { code?: string }).code === 'EEXIST')
          throw new CliError('ERR_FILE_EXISTS', `refusing to overwrite ${out}; use --force`);
        throw new CliError('ERR_FILE_IO', `cannot write ${out}: ${(e as Error).message}`);
      }
      // the root's inventory tracks the intermediate: its expiry is watched and `cert revoke`
      // puts it on the root's CRL
      const record = certificateRecordOf(signed.certificate, {
        profile: 'intermediate-ca',
        issuedBy: 'cli',
      });
      await ca.store.recordCertificate(record);
      await ca.store.appendAudit({
        at: new Date(),
        action: 'ca.sign',
        serialNumber: signed.certificate.serialNumber,
        detail: {
          subject: signed.certificate.subject.text,
          pathLength: signed.certificate.basicConstraints?.pathLength,
        },
      });
      const info = await inspectCertificate(signed.certificate);
      const result = {
        out,
        subject: info.subject.text,
        issuer: info.issuer.text,
        serialNumber: signed.certificate.serialNumber,
        pathLength: signed.certificate.basicConstraints?.pathLength,
        notAfter: info.notAfter,
        fingerprintSha256: info.fingerprints.sha256,
        chain: signed.chain.map((c) => c.subject.text),
        warnings: signed.warnings,
      };
      if (args.format === 'json') printJson(result);
      else
        printText(
          [
            `Signed the intermediate CA ${result.subject}`,
            `  wrote        ${out} (intermediate, then ${result.chain.join(' <- ')})`,
            `  path length  ${result.pathLength}`,
            `  valid until  ${result.notAfter}`,
            `  SHA-256      ${result.fingerprintSha256}`,
            `Install it on the intermediate's host: nodeid ca import ${args.out} --dir SUB`,
            ...result.warnings.map((w) => `warning: ${w}`),
          ].join('\n'),
        );
      return EXIT.OK;
    } finally {
      await ca.store.close();
    }
  }),
});
