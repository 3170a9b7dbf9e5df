/**
 * A lenient DER tree for the mutators: a seed is read once into nodes, a mutation changes one
 * node, and the tree is encoded again with every enclosing length recomputed, so that the change
 * reaches the parser's inner readers instead of being refused at the outermost length.
 */

/** One TLV. A constructed node has `children`; a primitive one has `content`. */
export interface Node {
  tag: number;
  children?: Node[];
  content?: Uint8Array;
  /** Replaces the identifier and length octets when set (a hostile length encoding). */
  header?: Uint8Array;
  /** Raw bytes to emit instead of the node (a prebuilt hostile subtree). */
  raw?: Uint8Array;
}

/** Reads `bytes` as DER; `undefined` when they are not (the seeds always are). */
export function readTree(bytes: Uint8Array): Node | undefined {
  const r = readAt(bytes, 0, 0);
  return r && r[1] === bytes.length ? r[0] : undefined;
}

function readAt(b: Uint8Array, at: number, depth: number): [Node, number] | undefined {
  if (depth > 200 || at + 2 > b.length) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let pos = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > b.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[pos + i]!;
    pos += n;
  }
  const end = pos + len;
  if (end > b.length) return undefined;
  const content = b.subarray(pos, end);
  if (tag & 0x20) {
    const children: Node[] = [];
    let p = pos;
    while (p < end) {
      const c = readAt(b.subarray(0, end), p, depth + 1);
      if (!c) return [{ tag, content: content.slice() }, end];
      children.push(c[0]);
      p = c[1];
    }
    return [{ tag, children }, end];
  }
  // an OCTET STRING or BIT STRING that wraps DER (extension values, keys) is opened too, so that
  // mutations reach inside; it is encoded back the same way
  if (tag === 0x04 || tag === 0x03) {
    const inner = tag === 0x03 ? content.subarray(1) : content;
    if (tag === 0x03 && content[0] !== 0) return [{ tag, content: content.slice() }, end];
    const wrapped = inner.length > 1 && inner[0]! & 0x20 ? readTree(inner) : undefined;
    if (wrapped) return [{ tag, children: [wrapped] }, end];
  }
  return [{ tag, content: content.slice() }, end];
}

/** The definite, minimal length octets of X.690 §8.1.3. */
export function lengthOctets(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  while (len > 0) {
    out.unshift(len & 0xff);
    len = Math.floor(len / 256);
  }
  return [0x80 | out.length, ...out];
}

/** Encodes a tree (with its mutations) back to bytes. */
export function encodeTree(node: Node): Uint8Array {
  const parts: Uint8Array[] = [];
  emit(node, parts);
  return concat(parts);
}

function emit(node: Node, out: Uint8Array[]): void {
  if (node.raw) {
    out.push(node.raw);
    return;
  }
  let body: Uint8Array;
  if (node.children) {
    const inner: Uint8Array[] = [];
    for (const c of node.children) emit(c, inner);
    body = concat(inner);
    // a primitive OCTET/BIT STRING that was opened gets its wrapper back
    if (node.tag === 0x03) body = concat([Uint8Array.of(0), body]);
  } else body = node.content ?? new Uint8Array(0);
  out.push(node.header ?? Uint8Array.from([node.tag, ...lengthOctets(body.length)]));
  out.push(body);
}

/** Every node of the tree, depth first, with its parent. */
export function allNodes(root: Node): { node: Node; parent?: Node }[] {
  const out: { node: Node; parent?: Node }[] = [];
  const walk = (node: Node, parent?: Node) => {
    out.push(parent ? { node, parent } : { node });
    for (const c of node.children ?? []) walk(c, node);
  };
  walk(root);
  return out;
}

/** A deep copy, so that every input starts from the untouched seed. */
export function cloneTree(node: Node): Node {
  const copy: Node = { tag: node.tag };
  if (node.children) copy.children = node.children.map(cloneTree);
  if (node.content) copy.content = node.content;
  return copy;
}

/** The offsets where a TLV of the encoding begins or ends (X.690 §8.1.1), for truncations. */
export function tlvBoundaries(bytes: Uint8Array): number[] {
  const out = new Set<number>();
  const walk = (at: number, end: number, depth: number) => {
    while (at < end && depth < 100) {
      out.add(at);
      if (at + 2 > end) return;
      const tag = bytes[at]!;
      let len = bytes[at + 1]!;
      let pos = at + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (bytes[pos + i] ?? 0);
        pos += n;
      }
      out.add(pos);
      if (pos + len > end) return;
      if (tag & 0x20) walk(pos, pos + len, depth + 1);
      at = pos + len;
      out.add(at);
    }
  };
  walk(0, bytes.length, 0);
  return [...out].filter((n) => n < bytes.length).sort((a, b) => a - b);
}

/** The bytes of several arrays, one after the other. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
