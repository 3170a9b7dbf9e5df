/** A Kubernetes `kubernetes.io/tls` Secret manifest holding the files of the kubernetes layout. */
import type { BundleFile } from '@nodeid/sdk';

/** Base64 of UTF-8 text (the Secret's `data` values). */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * A Secret name derived from a host name: lower case, only `a-z0-9-.`, at most 253 characters,
 * starting and ending with a letter or digit (RFC 1123 subdomain, as Kubernetes requires).
 */
export function secretName(host: string): string {
  const cleaned = `${host}-tls`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
  return cleaned || 'nodeid-tls';
}

/**
 * The manifest, for `kubectl apply -f`: `tls.crt`, `tls.key` and `ca.crt` from the files of
 * `bundleFiles(identity, 'kubernetes')`.
 */
export function secretYaml(name: string, files: BundleFile[]): string {
  const data = files.map((f) => `  ${f.path}: ${base64(f.contents)}`).join('\n');
  return [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${secretName(name)}`,
    'type: kubernetes.io/tls',
    'data:',
    data,
    '',
  ].join('\n');
}
