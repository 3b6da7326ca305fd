/**
 * Test-only encoder for MySQL binary JSON (layout in ../json-binary.ts), so
 * tests can build documents of every node type, small and large containers.
 * Plain JS values map to the smallest MySQL node type; the wrappers below
 * force a specific one.
 */
export class Typed {
  constructor(
    readonly type: number,
    readonly payload: Buffer,
  ) {}
}

function le(n: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeUIntLE(n, 0, size);
  return b;
}

export const J = {
  int16: (n: number): Typed => new Typed(0x05, (() => { const b = Buffer.alloc(2); b.writeInt16LE(n); return b; })()),
  uint16: (n: number): Typed => new Typed(0x06, le(n, 2)),
  int32: (n: number): Typed => new Typed(0x07, (() => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; })()),
  uint32: (n: number): Typed => new Typed(0x08, le(n, 4)),
  int64: (n: bigint): Typed => new Typed(0x09, (() => { const b = Buffer.alloc(8); b.writeBigInt64LE(n); return b; })()),
  uint64: (n: bigint): Typed => new Typed(0x0a, (() => { const b = Buffer.alloc(8); b.writeBigUInt64LE(n); return b; })()),
  double: (n: number): Typed => new Typed(0x0b, (() => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b; })()),
  opaque: (fieldType: number, data: Buffer): Typed => new Typed(0x0f, Buffer.concat([Buffer.from([fieldType]), varLen(data.length), data])),
};

export type EncodableJson = null | boolean | number | string | Typed | EncodableJson[] | { [key: string]: EncodableJson };

export function varLen(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function scalar(v: EncodableJson): Typed {
  if (v instanceof Typed) return v;
  if (v === null) return new Typed(0x04, Buffer.from([0]));
  if (v === true) return new Typed(0x04, Buffer.from([1]));
  if (v === false) return new Typed(0x04, Buffer.from([2]));
  if (typeof v === 'number') {
    if (Number.isInteger(v)) {
      if (v >= -32768 && v <= 32767) return J.int16(v);
      if (v >= 0 && v <= 65535) return J.uint16(v);
      if (v >= -2147483648 && v <= 2147483647) return J.int32(v);
      if (v >= 0 && v <= 4294967295) return J.uint32(v);
      return J.int64(BigInt(v));
    }
    return J.double(v);
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return new Typed(0x0c, Buffer.concat([varLen(bytes.length), bytes]));
  }
  return encodeNode(v, false);
}

function inlinable(t: Typed, large: boolean): boolean {
  return t.type === 0x04 || t.type === 0x05 || t.type === 0x06 || (large && (t.type === 0x07 || t.type === 0x08));
}

/** Encodes a value as (type, payload); containers use the large format when `large`. */
export function encodeNode(v: EncodableJson, large: boolean): Typed {
  if (v === null || typeof v !== 'object' || v instanceof Typed) return scalar(v);
  const isArray = Array.isArray(v);
  const keys = isArray ? [] : Object.keys(v);
  const values: EncodableJson[] = isArray ? v : keys.map((k) => (v as Record<string, EncodableJson>)[k]!);
  const count = values.length;
  const os = large ? 4 : 2;
  const headerSize = 2 * os;
  const keyEntries = isArray ? 0 : count * (os + 2);
  const valueEntries = count * (1 + os);
  let cursor = headerSize + keyEntries + valueEntries;
  const keyBytes = keys.map((k) => Buffer.from(k, 'utf8'));
  const keyOffsets = keyBytes.map((k) => {
    const at = cursor;
    cursor += k.length;
    return at;
  });
  const children = values.map((c) => (c !== null && typeof c === 'object' && !(c instanceof Typed) ? encodeNode(c, large) : scalar(c)));
  const entryBufs: Buffer[] = [];
  const dataBufs: Buffer[] = [];
  for (const child of children) {
    const entry = Buffer.alloc(1 + os);
    entry[0] = child.type;
    if (inlinable(child, large)) child.payload.copy(entry, 1);
    else {
      entry.writeUIntLE(cursor, 1, os);
      dataBufs.push(child.payload);
      cursor += child.payload.length;
    }
    entryBufs.push(entry);
  }
  const head = Buffer.alloc(headerSize);
  head.writeUIntLE(count, 0, os);
  head.writeUIntLE(cursor, os, os);
  const keyEntryBufs = keyBytes.map((k, i) => {
    const e = Buffer.alloc(os + 2);
    e.writeUIntLE(keyOffsets[i]!, 0, os);
    e.writeUInt16LE(k.length, os);
    return e;
  });
  const payload = Buffer.concat([head, ...keyEntryBufs, ...entryBufs, ...keyBytes, ...dataBufs]);
  const type = isArray ? (large ? 0x03 : 0x02) : large ? 0x01 : 0x00;
  return new Typed(type, payload);
}

/** A whole document: type byte then payload. */
export function encodeBinaryJson(v: EncodableJson, large = false): Buffer {
  const t = encodeNode(v, large);
  return Buffer.concat([Buffer.from([t.type]), t.payload]);
}
