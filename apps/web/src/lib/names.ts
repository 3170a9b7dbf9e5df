/**
 * Splits what a person typed as "extra names" into the SDK's DNS, IP and URI lists. Only the
 * sorting happens here; the SDK validates every name and says what is wrong with it.
 */
export interface ExtraNames {
  dns: string[];
  ips: string[];
  uris: string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Names separated by spaces, commas or new lines: URIs have a scheme, IPs are v4 or contain ':'. */
export function splitNames(text: string): ExtraNames {
  const out: ExtraNames = { dns: [], ips: [], uris: [] };
  for (const name of text.split(/[\s,]+/).filter(Boolean)) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) out.uris.push(name);
    else if (IPV4.test(name) || name.includes(':')) out.ips.push(name);
    else out.dns.push(name);
  }
  return out;
}

/** Every name of `names` as one list, for matching an SDK error message to the field. */
export function allNames(names: ExtraNames): string[] {
  return [...names.dns, ...names.ips, ...names.uris];
}
