/**
 * The mutators: each input is a seed from the corpus changed by a few mutations picked by the
 * seeded PRNG. Structural mutations edit one node of the DER tree and re-encode (X.690 §8.1:
 * lengths, tags, nesting, OID arcs, INTEGERs, strings, times); byte mutations then flip, insert,
 * delete or cut bytes; text targets also get PEM armour mutations (RFC 7468).
 */
import {
  allNodes,
  cloneTree,
  concat,
  encodeTree,
  lengthOctets,
  type Node,
  readTree,
  tlvBoundaries,
} from './der-tree.js';
import type { Random } from './prng.js';

const enc = new TextEncoder();

/** `depth` nested constructed values of `tag` around `inner` (definite lengths, X.690 §8.1.3). */
export function nested(
  depth: number,
  tag = 0x30,
  inner: Uint8Array = new Uint8Array(0),
): Uint8Array {
  // built inside out into one buffer: each level adds at most 5 header octets
  const out = new Uint8Array(inner.length + depth * 6);
  let start = out.length - inner.length;
  out.set(inner, start);
  for (let i = 0; i < depth; i++) {
    const head = [tag, ...lengthOctets(out.length - start)];
    start -= head.length;
    out.set(head, start);
  }
  return out.subarray(start);
}

/** Contents octets no sane parser should trust: invalid UTF-8, NULs, odd BMP lengths. */
const NASTY_STRINGS: readonly { tag?: number; bytes: Uint8Array }[] = [
  { bytes: Uint8Array.of(0) },
  { bytes: enc.encode('node1\0.example.net') },
  { tag: 0x0c, bytes: Uint8Array.of(0xc0, 0x80) }, // overlong NUL
  { tag: 0x0c, bytes: Uint8Array.of(0xed, 0xa0, 0x80) }, // a UTF-16 surrogate in UTF-8
  { tag: 0x0c, bytes: Uint8Array.of(0xe2, 0x82) }, // truncated sequence
  { tag: 0x0c, bytes: Uint8Array.of(0xff, 0xfe, 0x00, 0x41) },
  { tag: 0x0c, bytes: Uint8Array.of(0xf4, 0x90, 0x80, 0x80) }, // above U+10FFFF
  { tag: 0x1e, bytes: Uint8Array.of(0x00, 0x41, 0x00) }, // BMPString of odd length
  { tag: 0x1e, bytes: Uint8Array.of(0xd8, 0x00) }, // a lone surrogate in a BMPString
  { tag: 0x1c, bytes: Uint8Array.of(0x00, 0x11, 0x00, 0x00) }, // UniversalString above U+10FFFF
  { tag: 0x1c, bytes: Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x00) },
  { tag: 0x13, bytes: enc.encode('*@<>\u0000') }, // not PrintableString characters
  { tag: 0x16, bytes: Uint8Array.of(0x80, 0xff, 0x0a, 0x0d) }, // IA5String above 0x7f
  { tag: 0x16, bytes: enc.encode('x'.repeat(70_000)) },
  { tag: 0x16, bytes: enc.encode('*.') },
  { tag: 0x16, bytes: enc.encode('..') },
  { tag: 0x16, bytes: enc.encode('exa mple.net\r\n') },
  { tag: 0x16, bytes: enc.encode('http://[::1') },
  { tag: 0x16, bytes: enc.encode('%00') },
  { bytes: new Uint8Array(0) },
];

const NASTY_TIMES = [
  '991231235960Z',
  '000229000000Z',
  '20500229000000Z',
  '99991231235959Z',
  '00000101000000Z',
  '20240101000000.123Z',
  '20240101000000+0100',
  '2024010100000Z',
  '491231235959',
  '',
].map((s) => enc.encode(s));

const TAGS = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x1f, 0x30,
  0x31, 0x80, 0x81, 0x82, 0x86, 0x87, 0x88, 0xa0, 0xa1, 0xa2, 0xa3, 0xbf, 0xff,
];

/** An OID's contents with an arc over 2^53 (or worse). */
function nastyOid(r: Random): Uint8Array {
  switch (r.int(6)) {
    case 0: // 2.5.<2^63>
      return Uint8Array.of(0x55, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    case 1: // first arc over 2^53
      return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
    case 2: // non-minimal arc (X.690 §8.19.2)
      return Uint8Array.of(0x2a, 0x80, 0x01);
    case 3: // unterminated
      return Uint8Array.of(0x2a, 0x86, 0x48, 0x86);
    case 4: // 10,000 arcs
      return concat([Uint8Array.of(0x2a), new Uint8Array(10_000).fill(0x7f)]);
    default:
      return new Uint8Array(0);
  }
}

/** An INTEGER's contents that are huge, empty, negative or not minimal (X.690 §8.3.2). */
function nastyInteger(r: Random): Uint8Array {
  switch (r.int(6)) {
    case 0: {
      const b = new Uint8Array(10_000 + r.int(10_000));
      for (let i = 0; i < b.length; i += 97) b[i] = r.int(256);
      b[0] = 0x7f;
      return b;
    }
    case 1:
      return new Uint8Array(0);
    case 2:
      return Uint8Array.of(0x00, 0x00, 0x01);
    case 3:
      return Uint8Array.of(0xff);
    case 4:
      return Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 0);
    default:
      return Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  }
}

/** One structural mutation of a random node of `root` (which it edits). */
function mutateNode(root: Node, r: Random): string {
  const nodes = allNodes(root);
  const { node, parent } = r.pick(nodes);
  const content = () => {
    if (node.children)
      node.content = encodeTree({ tag: 0x30, children: node.children }).subarray(2);
    delete node.children;
  };
  const op = r.int(19);
  switch (op) {
    case 0: {
      // a length that runs past the end: 2^32 - 1 or 2^31
      node.header = Uint8Array.of(node.tag, 0x84, r.chance(0.5) ? 0xff : 0x80, 0xff, 0xff, 0xff);
      return 'length-huge';
    }
    case 1: {
      // indefinite length (X.690 §8.1.3.6, refused by DER §10.1) with end-of-contents octets
      const body = encodeTree(node).subarray(lengthSkip(encodeTree(node)));
      node.raw = concat([Uint8Array.of(node.tag, 0x80), body, Uint8Array.of(0, 0)]);
      return 'length-indefinite';
    }
    case 2: {
      // non-minimal length (X.690 §10.1): long form for a short length, or a leading zero octet
      const body = encodeTree(node).subarray(lengthSkip(encodeTree(node)));
      const n = body.length;
      const head = r.chance(0.5)
        ? [0x82, (n >> 8) & 0xff, n & 0xff]
        : [0x85, 0, (n >> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
      node.raw = concat([Uint8Array.from([node.tag, ...head]), body]);
      return 'length-non-minimal';
    }
    case 3: {
      // a length one off, in either direction
      const body = encodeTree(node).subarray(lengthSkip(encodeTree(node)));
      const n = Math.max(0, body.length + (r.chance(0.5) ? 1 : -1));
      node.raw = concat([Uint8Array.from([node.tag, ...lengthOctets(n)]), body]);
      return 'length-off-by-one';
    }
    case 4: {
      // 10,000 nested SEQUENCEs (or SETs, or [0]) where this node was: stack exhaustion
      node.raw = nested(
        r.chance(0.7) ? 10_000 : 100 + r.int(200),
        r.pick([0x30, 0x31, 0xa0, 0xa3]),
      );
      return 'deep-nesting';
    }
    case 5:
      node.tag = r.pick(TAGS);
      return 'tag';
    case 6:
      content();
      node.tag = 0x06;
      node.content = nastyOid(r);
      return 'oid-arc';
    case 7:
      content();
      if (node.tag !== 0x02 && r.chance(0.5)) node.tag = 0x02;
      node.content = nastyInteger(r);
      return 'integer';
    case 8: {
      content();
      const s = r.pick(NASTY_STRINGS);
      if (s.tag !== undefined && r.chance(0.7)) node.tag = s.tag;
      node.content = s.bytes;
      return 'string';
    }
    case 9:
      content();
      node.tag = r.chance(0.5) ? 0x17 : 0x18;
      node.content = r.pick(NASTY_TIMES);
      return 'time';
    case 10:
      if (!parent?.children) return 'none';
      parent.children.splice(parent.children.indexOf(node), 1);
      return 'delete-child';
    case 11:
      if (!parent?.children) return 'none';
      parent.children.splice(parent.children.indexOf(node), 0, cloneTree(node));
      return 'duplicate-child';
    case 12: {
      // a subtree from elsewhere in the same input (a name where a key was, an extension twice)
      const other = r.pick(nodes).node;
      if (other === node) return 'none';
      const copy = cloneTree(other);
      Object.assign(node, { tag: copy.tag, children: copy.children, content: copy.content });
      if (!copy.children) delete node.children;
      return 'splice';
    }
    case 13:
      if (node.children) node.children = [];
      else node.content = new Uint8Array(0);
      return 'empty';
    case 14:
      if (node.children && node.children.length > 1) node.children.reverse();
      else if (node.content?.length) node.content = node.content.slice().reverse();
      return 'reverse';
    case 15:
      // a BOOLEAN or BIT STRING with bad contents (X.690 §8.2, §8.6.2.2)
      content();
      node.tag = r.chance(0.5) ? 0x01 : 0x03;
      node.content = r.pick([
        Uint8Array.of(),
        Uint8Array.of(1, 2),
        Uint8Array.of(8, 0),
        Uint8Array.of(7),
        Uint8Array.of(0xff, 0xff),
      ]);
      return 'bool-bits';
    case 16:
      if (node.content?.length) {
        const c = node.content.slice();
        for (let i = 0, n = 1 + r.int(4); i < n; i++) {
          const at = r.int(c.length);
          c[at] = c[at]! ^ (1 << r.int(8));
        }
        node.content = c;
      }
      return 'content-bits';
    case 17:
      if (node.children)
        node.children.push(
          ...Array.from({ length: 1 + r.int(3) }, () =>
            cloneTree(node.children?.[0] ?? { tag: 0x05, content: new Uint8Array(0) }),
          ),
        );
      return 'extra-children';
    default:
      // many children: a name with 5,000 RDNs, an extension list of 5,000
      if (node.children?.length) {
        // at most about 100 kB in all, as raw bytes that later mutations of this input leave alone
        const first = encodeTree(node.children[0]!);
        const n = Math.min(5_000, Math.ceil(1e5 / first.length));
        node.children = [{ tag: 0, raw: concat(Array.from({ length: n }, () => first)) }];
      }
      return 'many-children';
  }
}

function lengthSkip(tlv: Uint8Array): number {
  const l = tlv[1] ?? 0;
  return 2 + (l & 0x80 ? l & 0x7f : 0);
}

/** One byte-level mutation of `b` (returns a new array). */
function mutateBytes(
  b: Uint8Array,
  r: Random,
  boundaries: readonly number[],
): [Uint8Array, string] {
  if (b.length === 0) return [Uint8Array.of(r.int(256)), 'byte-insert'];
  switch (r.int(6)) {
    case 0: {
      const out = b.slice();
      for (let i = 0, n = 1 + r.int(8); i < n; i++) {
        const at = r.int(out.length);
        out[at] = out[at]! ^ (1 << r.int(8));
      }
      return [out, 'bit-flip'];
    }
    case 1: {
      const out = b.slice();
      out[r.int(out.length)] = r.pick([0x00, 0x7f, 0x80, 0x81, 0xff, r.int(256)]);
      return [out, 'byte-set'];
    }
    case 2: {
      const at = r.int(b.length + 1);
      const ins = Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256));
      return [concat([b.subarray(0, at), ins, b.subarray(at)]), 'byte-insert'];
    }
    case 3: {
      const at = r.int(b.length);
      return [concat([b.subarray(0, at), b.subarray(at + 1 + r.int(8))]), 'byte-delete'];
    }
    case 4: {
      const cut = boundaries.length ? r.pick(boundaries) : r.int(b.length);
      return [b.slice(0, cut), 'truncate-boundary'];
    }
    default:
      return [b.slice(0, r.int(b.length)), 'truncate'];
  }
}

/** A mutated input made from `seed`, and the names of the mutations applied. */
export function mutateDer(seed: Uint8Array, r: Random): { bytes: Uint8Array; ops: string[] } {
  const ops: string[] = [];
  let bytes = seed;
  const tree = readTree(seed);
  if (tree && r.chance(0.8)) {
    const copy = cloneTree(tree);
    for (let i = 0, n = 1 + r.int(3); i < n; i++) ops.push(mutateNode(copy, r));
    bytes = encodeTree(copy);
  }
  if (!ops.length || r.chance(0.25)) {
    const [b, op] = mutateBytes(bytes, r, tlvBoundaries(seed));
    bytes = b;
    ops.push(op);
  }
  return { bytes, ops };
}

/** The truncations of `seed` at every TLV boundary (X.690 §8.1.1), in order. */
export function boundaryTruncations(seed: Uint8Array): Uint8Array[] {
  return tlvBoundaries(seed).map((at) => seed.slice(0, at));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** PEM text of `der` under `label`, with the armour perhaps made hostile (RFC 7468 §2). */
export function mutatePem(der: Uint8Array, label: string, r: Random): { text: string; op: string } {
  const b64 = base64(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  const good = `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
  switch (r.int(14)) {
    case 0:
      return { text: `-----BEGIN ${label}-----\n${lines.join('\n')}\n`, op: 'pem-no-end' };
    case 1:
      return { text: `${lines.join('\n')}\n-----END ${label}-----\n`, op: 'pem-no-begin' };
    case 2:
      return {
        text: `-----BEGIN ${label}-----\n${b64}\n-----END OTHER-----\n`,
        op: 'pem-label-mismatch',
      };
    case 3:
      return {
        text: `-----BEGIN ${label}-----\n${good}-----END ${label}-----\n`,
        op: 'pem-nested',
      };
    case 4:
      return { text: good.replace(/\n/g, '\r\n'), op: 'pem-crlf' };
    case 5:
      return { text: good.replace(/\n(?=[A-Za-z0-9+/])/, '\n\0'), op: 'pem-nul' };
    case 6:
      return { text: good.replace(/[A-Za-z]/, '!'), op: 'pem-bad-base64' };
    case 7:
      return {
        text: `-----BEGIN ${label}-----\n${b64}=\n-----END ${label}-----\n`,
        op: 'pem-padding',
      };
    case 8:
      // many BEGIN lines and no END: a lazy PEM regex scans to the end from each of them
      return { text: `-----BEGIN ${label}-----\n`.repeat(5_000 + r.int(5_000)), op: 'pem-begins' };
    case 9:
      return {
        text: `-----BEGIN ${label}-----\n-----END ${label}-----\n`.repeat(1 + r.int(5_000)),
        op: 'pem-empty-blocks',
      };
    case 10:
      return {
        text: `-----BEGIN ${label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,00\n\n${b64}\n-----END ${label}-----\n`,
        op: 'pem-headers',
      };
    case 11:
      return {
        text: `-----BEGIN ${label}-----\n${'A'.repeat(100_000 + r.int(100))}\n-----END ${label}-----\n`,
        op: 'pem-long-line',
      };
    case 12:
      return { text: `\u00ff\ufeff${good}\udc00`, op: 'pem-non-ascii' };
    default:
      return { text: good, op: 'pem' };
  }
}

const NODE_LINES = [
  'node1.example.net 10.0.0.1',
  'node2.example.net 10.0.0.2, fd00::2',
  '# a comment',
  '',
  'node3.example.net\t10.0.0.3 # trailing comment',
  'https://node4.example.net:8443',
];

const LINE_NASTIES = [
  '\0',
  '\r',
  '\r\n',
  '\t',
  ',',
  '#',
  '\ufffd',
  '\u200b',
  '\ud800',
  'é',
  '..',
  '*.',
  '[',
  ']',
  ':',
  '/',
  '%',
  '0.0.0.0/0',
  '999.1.1.1',
  '::ffff:1.2.3.4',
  'a'.repeat(300),
  'xn--',
  '-',
  '\u00a0',
];

/** A node list (`FQDN [IP...]` a line, `#` comments) with hostile characters and lines. */
export function mutateLines(r: Random): { text: string; op: string } {
  const lines: string[] = [];
  for (let i = 0, n = 1 + r.int(6); i < n; i++) lines.push(r.pick(NODE_LINES));
  const ops: string[] = [];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) {
    const at = r.int(lines.length);
    const line = lines[at]!;
    switch (r.int(5)) {
      case 0: {
        const pos = r.int(line.length + 1);
        lines[at] = line.slice(0, pos) + r.pick(LINE_NASTIES) + line.slice(pos);
        ops.push('char-insert');
        break;
      }
      case 1:
        lines[at] = `${line} ${r.pick(LINE_NASTIES)}`;
        ops.push('word');
        break;
      case 2:
        lines[at] = 'n'.repeat(10_000 + r.int(100_000));
        ops.push('huge-line');
        break;
      case 3:
        lines[at] = Array.from({ length: 1 + r.int(3_000) }, () => '10.0.0.1').join(' ');
        ops.push('many-ips');
        break;
      default:
        lines[at] = String.fromCharCode(
          ...Array.from({ length: 1 + r.int(40) }, () => r.int(0x3000)),
        );
        ops.push('random-chars');
    }
  }
  return { text: lines.join(r.chance(0.3) ? '\r\n' : '\n'), op: ops.join('+') };
}
