/** Certificate names as the API lists them: `DNS:…`, `IP:…`, `URI:…`, `email:…`. */
import type { Certificate } from '@nodeid/sdk';

const LABEL: Record<string, string> = { dns: 'DNS', ip: 'IP', uri: 'URI', email: 'email' };

export function namesOf(cert: Certificate): string[] {
  return (cert.subjectAltNames ?? []).map((n) => `${LABEL[n.type] ?? n.type}:${n.value}`);
}
