/**
 * A Kubernetes `kubernetes.io/tls` Secret manifest (YAML, for `kubectl apply -f`), holding the
 * files of the `kubernetes` layout: `tls.crt`, `tls.key` and `ca.crt`. One copy for the CLI's
 * `--layout kubernetes-secret` and the web page's download.
 */
import { toBase64 } from '../lib/bytes.js';

/** A file of the kubernetes layout: its name becomes the Secret's data key. */
export interface SecretFile {
  path: string;
  contents: string | Uint8Array;
}

/**
 * A Secret name derived from a host name: lower case, only `a-z0-9-.`, at most 253 characters,
 * starting and ending with a letter or digit (an RFC 1123 subdomain, as Kubernetes requires).
 *
 * @example
 * ```ts
 * kubernetesSecretName('Node1.Example.net'); // 'node1.example.net-tls'
 * ```
 */
export function kubernetesSecretName(host: string): string {
  const cleaned = `${host}-tls`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253)
    .replace(/[^a-z0-9]+$/, '');
  return cleaned || 'nodeid-tls';
}

/**
 * The manifest of a `kubernetes.io/tls` Secret named after `host` ({@link kubernetesSecretName}),
 * its `data` the base64 of each file. It contains the private key: keep it 0600.
 *
 * @example
 * ```ts
 * const files = await bundleFiles(node, 'kubernetes'); // tls.crt, tls.key, ca.crt
 * const yaml = kubernetesSecretYaml('node1.example.net', files);
 * ```
 */
export function kubernetesSecretYaml(host: string, files: readonly SecretFile[]): string {
  const encoder = new TextEncoder();
  const data = files.map(
    (f) =>
      `  ${f.path}: ${toBase64(typeof f.contents === 'string' ? encoder.encode(f.contents) : f.contents)}`,
  );
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${kubernetesSecretName(host)}`,
    'type: kubernetes.io/tls',
    'data:',
    ...data,
    '',
  ].join('\n');
}
