/** Private helpers for inspection: names and extensions as plain data. */
import type { DistinguishedName } from '../lib/name.js';
import { OID } from '../lib/oids.js';

/** A distinguished name as plain data. */
export interface InspectedName {
  /** RFC 4514 text, e.g. `CN=node1,O=Example`. */
  text: string;
  /** Attributes in encoding order (most significant first), multi-valued RDNs flattened. */
  attributes: { type: string; oid: string; value: string }[];
}

/** One extension, named when known. */
export interface InspectedExtension {
  oid: string;
  /** Readable name (`subjectAltName`, `cRLNumber`, …), or the OID when unknown. */
  name: string;
  critical: boolean;
}

/** RFC 5280 names, where they differ from our OID table's keys. */
const RFC_NAMES: Partial<Record<keyof typeof OID, string>> = {
  crlNumber: 'cRLNumber',
  crlReason: 'reasonCode',
  deltaCrlIndicator: 'deltaCRLIndicator',
  crlDistributionPoints: 'cRLDistributionPoints',
  freshestCrl: 'freshestCRL',
};

const EXTENSION_KEYS = [
  'subjectKeyIdentifier',
  'keyUsage',
  'subjectAltName',
  'issuerAltName',
  'basicConstraints',
  'crlNumber',
  'crlReason',
  'invalidityDate',
  'deltaCrlIndicator',
  'issuingDistributionPoint',
  'certificateIssuer',
  'nameConstraints',
  'crlDistributionPoints',
  'certificatePolicies',
  'policyMappings',
  'authorityKeyIdentifier',
  'policyConstraints',
  'extKeyUsage',
  'freshestCrl',
  'inhibitAnyPolicy',
  'authorityInfoAccess',
  'subjectInfoAccess',
] as const;

const EXTENSION_NAMES: Record<string, string> = Object.fromEntries(
  EXTENSION_KEYS.map((k) => [OID[k], RFC_NAMES[k] ?? k]),
);

/** Describes a name. @internal */
export function describeName(name: DistinguishedName): InspectedName {
  return {
    text: name.text,
    attributes: name.rdns.flat().map((a) => ({ type: a.type, oid: a.oid, value: a.value })),
  };
}

/** Describes an extension. @internal */
export function describeExtension(ext: { oid: string; critical: boolean }): InspectedExtension {
  return { oid: ext.oid, name: EXTENSION_NAMES[ext.oid] ?? ext.oid, critical: ext.critical };
}
