/**
 * Large real structures grown from corpus seeds, for the targets that fuzz what a parser reads
 * element by element: a CRL with many entries (RFC 5280 §5.1.2.6) and a CertificationRequestInfo
 * with a large attribute set (RFC 2986 §4.1). Each is the seed's own tree with one list made
 * long, so the mutations then hit one element among hundreds.
 */
import { encodeTree, type Node, readTree } from './der-tree.js';

function treeOf(bytes: Uint8Array): Node {
  const root = readTree(bytes);
  if (!root?.children) throw new Error('a structure seed must be constructed DER');
  return root;
}

/** A positive INTEGER's minimal contents (X.690 §8.3.2), for n below 32,768. */
function serial(n: number): Uint8Array {
  return n < 0x80 ? Uint8Array.of(n) : Uint8Array.of(n >> 8, n & 0xff);
}

/** The CRL with its revokedCertificates repeated to `count` entries, serials 1..count. */
export function crlWithManyEntries(crl: Uint8Array, count = 400): Uint8Array {
  const root = treeOf(crl);
  const tbs = root.children![0]!;
  // TBSCertList: version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?
  const list = tbs.children!.find((n, k) => k >= 3 && n.tag === 0x30 && n.children?.length);
  const first = list?.children?.[0];
  if (!list || !first?.children) throw new Error('the CRL seed needs a revoked entry');
  list.children = Array.from({ length: count }, (_, i) => ({
    tag: 0x30,
    children: [{ tag: 0x02, content: serial(i + 1) }, ...first.children!.slice(1)],
  }));
  return encodeTree(root);
}

/**
 * A CertificationRequestInfo with `count` more attributes (RFC 2985 §5.4: challengePassword,
 * unstructuredName, and ones of unknown types) beside its extensionRequest.
 */
export function requestInfoWithManyAttributes(info: Uint8Array, count = 300): Uint8Array {
  const root = treeOf(info);
  const attrs = root.children!.find((n) => n.tag === 0xa0);
  if (!attrs) throw new Error('the CSR seed needs an attribute set');
  const oid = (arcs: number[]) => ({ tag: 0x06, content: Uint8Array.from(arcs) });
  const types = [
    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x07], // challengePassword
    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x02], // unstructuredName
    [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x0d, 0x02, 0x03], // a vendor's attribute
  ];
  const text = (s: string) => ({ tag: 0x0c, content: new TextEncoder().encode(s) });
  for (let i = 0; i < count; i++)
    attrs.children!.push({
      tag: 0x30,
      children: [oid(types[i % types.length]!), { tag: 0x31, children: [text(`attr-${i}`)] }],
    });
  return encodeTree(root);
}
