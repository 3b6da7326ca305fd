/**
 * The byte format of the embedded store's version pages (layout 5, see
 * sqlite-schema.ts; layouts 3–4: sqlite-legacy-v4.ts). Row versions are not
 * one SQLite row each: they are packed, sorted by (key, version), into pages
 * of about PAGE_BYTES, and a page is one SQLite row (its body a row of
 * page_bodies). One SQLite insert then carries hundreds of versions, which is
 * what makes a replay or a seed fast.
 *
 * Entry (uvarint: sqlite-bytes.ts; version big-endian, so entries of equal key sort by its bytes):
 *   uvarint keyLength | key (key-encoding.ts) | version (16 bytes, sqlite-codec.ts) | u8 op
 *   | pk: uvarint pkShapeId when op has PK_FROM_VALUES, else uvarint pkLength | pk cells
 *   | uvarint valuesLength + 1, or 0 for no values | values cells
 * (cells: sqlite-cells.ts; the pk is the key object, or the whole image without a primary key.
 * When every key column's value is the same primitive in the values, the key's cells are left
 * out and read from the values: the usual upsert stores its key columns once.)
 * Page body:
 *   u32 count | u32 entryOffset[count] | entries
 *
 * A page is only ever read whole into memory; keys compare as latin1 strings
 * (a byte per char, so string order is byte order).
 */
import { BinsnapError } from '../core/errors.js';
import { ownValue, setOwn } from '../core/row-object.js';
import type { StoredOp } from './row-fold.js';
import { putU32, putUvarint, u32, uvarint, uvarintSize } from './sqlite-bytes.js';
import { readCells, writeCells, type CellSink, type ShapeSource } from './sqlite-cells.js';
import { encodeKeyInto } from './key-encoding.js';
import type { JsonValue, RowKey, RowValues } from './snapshot-store.js';

export const PAGE_BYTES = 32 * 1024;
export const VERSION_BYTES = 16;
/** Op byte flag: the key's columns are those of the values (the pk part is only its shape id). */
export const PK_FROM_VALUES = 0x80;
const OP_MASK = 0x7f;

const OPS: readonly StoredOp[] = ['upsert', 'delete', 'add', 'remove'];
export const OP_CODE: Readonly<Record<StoredOp, number>> = { upsert: 0, delete: 1, add: 2, remove: 3 };

export function opOf(code: number): StoredOp {
  const op = OPS[code];
  if (op === undefined) throw corrupt(`unknown op code ${code}`);
  return op;
}

export function corrupt(why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CORRUPT', `a version page of the store is damaged: ${why}`);
}

export { putU32, u32 };

/** Offset of the key bytes of the entry at `at`. */
export function keyStart(b: Uint8Array, at: number): number {
  const n = b[at] as number;
  return n < 0x80 ? at + 1 : at + uvarintSize(uvarint(b, at));
}

/** Length of the key bytes of the entry at `at`. */
export function keyLength(b: Uint8Array, at: number): number {
  const n = b[at] as number;
  return n < 0x80 ? n : uvarint(b, at);
}

/** Offset of the version bytes of the entry at `at`. */
export function versionOffset(b: Uint8Array, at: number): number {
  const n = b[at] as number;
  if (n < 0x80) return at + 1 + n;
  const len = uvarint(b, at);
  return at + uvarintSize(len) + len;
}

/** Sets the row index of the versions of entries starting at `starts` (of `b`) to `first + i`. */
export function renumberEntries(b: Uint8Array, starts: Int32Array, first: number): void {
  for (let i = 0; i < starts.length; i++) {
    const v = versionOffset(b, starts[i] as number) + 12;
    const x = first + i;
    b[v] = x >>> 24;
    b[v + 1] = (x >>> 16) & 0xff;
    b[v + 2] = (x >>> 8) & 0xff;
    b[v + 3] = x & 0xff;
  }
}

export function entryKey(b: Buffer, at: number): string {
  const n = b[at] as number;
  if (n < 0x80) return b.toString('latin1', at + 1, at + 1 + n);
  const len = uvarint(b, at);
  const k = at + uvarintSize(len);
  return b.toString('latin1', k, k + len);
}

/**
 * Compares the keys of the entries at `a` of `x` and `b` of `y` byte by byte (the order of their
 * latin1 strings), without making those strings.
 */
export function compareEntryKeys(x: Uint8Array, a: number, y: Uint8Array, b: number): number {
  const m = keyLength(x, a);
  const n = keyLength(y, b);
  const i0 = keyStart(x, a);
  const j0 = keyStart(y, b);
  const len = m < n ? m : n;
  for (let i = 0; i < len; i++) {
    const p = x[i0 + i] as number;
    const q = y[j0 + i] as number;
    if (p !== q) return p - q;
  }
  return m - n;
}

export function entryOpCode(b: Buffer, at: number): number {
  return (b[versionOffset(b, at) + VERSION_BYTES] as number) & OP_MASK;
}

/** Offset of the values part (its length varint) of the entry at `at`. */
function valuesPart(b: Buffer, at: number): number {
  const o = versionOffset(b, at) + VERSION_BYTES;
  const p = o + 1;
  if (((b[o] as number) & PK_FROM_VALUES) !== 0) return p + uvarintSize(uvarint(b, p));
  const len = uvarint(b, p);
  return p + uvarintSize(len) + len;
}

/** The key object of the entry at `at` (shape names by id from `names`). */
export function entryPk(b: Buffer, at: number, names: (shapeId: number) => readonly string[]): RowKey {
  const o = versionOffset(b, at) + VERSION_BYTES;
  const p = o + 1;
  if (((b[o] as number) & PK_FROM_VALUES) !== 0) {
    const keyNames = names(uvarint(b, p));
    const values = entryValues(b, at, names);
    if (values === null) throw corrupt('a key taken from values that are not there');
    const pk: Record<string, JsonValue> = {};
    for (const n of keyNames) {
      const v = ownValue(values, n);
      if (v === undefined) throw corrupt(`a key column ${n} missing from its values`);
      setOwn(pk, n, v);
    }
    return pk;
  }
  const len = uvarint(b, p);
  const s = p + uvarintSize(len);
  return readCells(b, s, s + len, names);
}

/** Where the values cells of the entry at `at` lie: [start, end), or null (a delete). */
export function entryValuesRange(b: Buffer, at: number): [number, number] | null {
  const v = valuesPart(b, at);
  const field = uvarint(b, v);
  if (field === 0) return null;
  const s = v + uvarintSize(field);
  return [s, s + field - 1];
}

/** The values of the entry at `at`, or null (a delete). */
export function entryValues(b: Buffer, at: number, names: (shapeId: number) => readonly string[]): RowValues | null {
  const r = entryValuesRange(b, at);
  return r === null ? null : readCells(b, r[0], r[1], names);
}

/** The byte after the entry at `at`. */
export function entryEnd(b: Buffer, at: number): number {
  const v = valuesPart(b, at);
  const field = uvarint(b, v);
  return v + uvarintSize(field) + (field === 0 ? 0 : field - 1);
}

/**
 * Whether an entry leaves its key's cells out (PK_FROM_VALUES): every key column holds the same
 * primitive in `values` (`names`: the key's shape). A rule of content only, so equal versions
 * get equal bytes.
 */
export function pkFromValues(pk: Readonly<Record<string, JsonValue>>, names: readonly string[], values: Readonly<Record<string, JsonValue>>): boolean {
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const x = pk[name];
    if (x === undefined || (x !== null && typeof x === 'object')) return false;
    if (values[name] !== x) return false;
  }
  return true;
}

export function pageCount(page: Buffer): number {
  if (page.length < 4) throw corrupt(`a page of ${page.length} bytes`);
  return u32(page, 0);
}

export function pageEntryAt(page: Buffer, i: number): number {
  return u32(page, 4 + 4 * i);
}

/** Writes one row's entry parts into `sink`, each at `at`, returning its end: the key's bytes (encodeKey's), and its cells (after the shape id). */
export interface CellWriter {
  writeKey(sink: CellSink, at: number): number;
  writeCells(sink: CellSink, at: number): number;
}

/**
 * A growing buffer of encoded entries in arrival order, with what sorting and
 * page building need per entry. Reused across flushes.
 */
export class EntryBuffer implements CellSink {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  used = 0;
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly tables: number[] = [];

  get length(): number {
    return this.starts.length;
  }

  /** Drops the entries from `count` on, which start at `used` (what `length` and `used` were before them). */
  truncate(count: number, used: number): void {
    this.used = used;
    this.starts.length = count;
    this.ends.length = count;
    this.tables.length = count;
  }

  clear(): void {
    this.used = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.tables.length = 0;
  }

  /** Appends one entry whose version is `file | offset (high, low 32 bits) | rowIndex`; the key is encoded here. */
  addVersion(
    tableId: number,
    key: RowKey,
    numericKeyColumns: readonly string[] | undefined,
    file: number,
    offsetHigh: number,
    offsetLow: number,
    rowIndex: number,
    opCode: number,
    values: Readonly<Record<string, JsonValue>> | null,
    shapes: ShapeSource,
  ): void {
    const start = this.used;
    // The key's bytes go straight after their length (one byte, moved when longer), with no Buffer of their own.
    const keyEnd = encodeKeyInto(this, start + 1, key, numericKeyColumns);
    this.finishEntry(tableId, start, keyEnd, file, offsetHigh, offsetLow, rowIndex, opCode, key, values, shapes);
  }

  /** addVersion with the key's bytes already encoded (`keyBytes`) and its columns as `pk`. */
  addEncodedVersion(
    tableId: number,
    keyBytes: Uint8Array,
    file: number,
    offsetHigh: number,
    offsetLow: number,
    rowIndex: number,
    opCode: number,
    pk: Readonly<Record<string, JsonValue>>,
    values: Readonly<Record<string, JsonValue>> | null,
    shapes: ShapeSource,
  ): void {
    const start = this.used;
    const b = this.room(start, 1 + keyBytes.length);
    b.set(keyBytes, start + 1);
    this.finishEntry(tableId, start, start + 1 + keyBytes.length, file, offsetHigh, offsetLow, rowIndex, opCode, pk, values, shapes);
  }

  /** The rest of an entry whose key lies in [start + 1, keyEnd). */
  private finishEntry(
    tableId: number,
    start: number,
    keyEnd: number,
    file: number,
    offsetHigh: number,
    offsetLow: number,
    rowIndex: number,
    opCode: number,
    pk: Readonly<Record<string, JsonValue>>,
    values: Readonly<Record<string, JsonValue>> | null,
    shapes: ShapeSource,
  ): void {
    let p = this.keyAndVersion(start, keyEnd, file, offsetHigh, offsetLow, rowIndex);
    let b = this.buf;
    const pkShape = shapes.shapeOf(pk);
    if (values !== null && pkFromValues(pk, pkShape.names, values)) {
      b[p++] = opCode | PK_FROM_VALUES;
      p = putUvarint(b, p, pkShape.id);
    } else {
      b[p++] = opCode;
      p = this.placeLength(p, p + 1, writeCells(this, p + 1, pkShape.id, pkShape.names, pk), 0);
    }
    if (values === null) {
      b = this.room(p, 1);
      b[p++] = 0;
    } else {
      const shape = shapes.shapeOf(values);
      const reserve = this.valuesReserve;
      p = this.placeValues(p, reserve, writeCells(this, p + reserve, shape.id, shape.names, values));
    }
    this.push(tableId, start, p);
  }

  /**
   * An entry whose key (its bytes) and values (after their shape id `valuesShapeId`, in the
   * shape's order, as writeCells would write them) are written by `cells`, and whose key columns
   * are among the values, holding the same primitives (so its key's cells are left out:
   * PK_FROM_VALUES, shape `pkShapeId`). The same bytes as addVersion with those objects; for a writer that reads a row's
   * values from elsewhere without making objects of them.
   */
  addCells(
    tableId: number,
    file: number,
    offsetHigh: number,
    offsetLow: number,
    rowIndex: number,
    opCode: number,
    pkShapeId: number,
    valuesShapeId: number,
    cells: CellWriter,
  ): void {
    const start = this.used;
    let p = this.keyAndVersion(start, cells.writeKey(this, start + 1), file, offsetHigh, offsetLow, rowIndex);
    const b = this.buf;
    b[p++] = opCode | PK_FROM_VALUES;
    p = putUvarint(b, p, pkShapeId);
    const reserve = this.valuesReserve;
    const at = putUvarint(this.room(p + reserve, 5), p + reserve, valuesShapeId);
    p = this.placeValues(p, reserve, cells.writeCells(this, at));
    this.push(tableId, start, p);
  }

  /** Places the key's length before its bytes [start + 1, keyEnd) and writes the version after; returns where the op goes (room for it and 5 more bytes). */
  private keyAndVersion(start: number, keyEnd: number, file: number, offsetHigh: number, offsetLow: number, rowIndex: number): number {
    const keyLen = keyEnd - start - 1;
    let p: number;
    if (keyLen < 0x80) {
      this.buf[start] = keyLen;
      p = keyEnd;
    } else {
      p = this.placeLength(start, start + 1, keyEnd, 0);
    }
    const b = this.room(p, VERSION_BYTES + 1 + 5);
    putU32(b, p, file);
    putU32(b, p + 4, offsetHigh);
    putU32(b, p + 8, offsetLow);
    putU32(b, p + 12, rowIndex);
    return p + VERSION_BYTES;
  }

  /** The values' cells were written at p + reserve up to `end`: puts their length field at p; returns the entry's end. */
  private placeValues(p: number, reserve: number, end: number): number {
    const field = end - p - reserve + 1;
    if (reserve === 1 && field < 0x80) {
      this.buf[p] = field;
      return end;
    }
    if (reserve === 2 && field >= 0x80 && field < 0x4000) {
      const b = this.buf;
      b[p] = (field & 0x7f) | 0x80;
      b[p + 1] = field >>> 7;
      return end;
    }
    const next = this.placeLength(p, p + reserve, end, 1);
    // The next row of a table is likely as long: reserve what this one needed.
    this.valuesReserve = uvarintSize(field);
    return next;
  }

  private push(tableId: number, start: number, end: number): void {
    this.used = end;
    this.starts.push(start);
    this.ends.push(end);
    this.tables.push(tableId);
  }

  /** Width reserved for the values' length before their cells are written. */
  private valuesReserve = 1;

  /**
   * Bytes [from, end) were written after a gap at `at`: puts their length (+ `bias`) as a varint
   * at `at`, moving them when the varint is not exactly as wide as the gap. Returns their new end.
   */
  private placeLength(at: number, from: number, end: number, bias: number): number {
    const n = end - from;
    const width = uvarintSize(n + bias);
    let b = this.buf;
    if (at + width !== from) {
      b = this.room(end, width);
      b.copyWithin(at + width, from, end);
    }
    putUvarint(b, at, n + bias);
    return at + width + n;
  }

  /**
   * Appends entries encoded elsewhere (another EntryBuffer's bytes, entry i at
   * [starts[i], ends[i]) of `src`), all of table `tableId`.
   */
  appendEncoded(tableId: number, src: Uint8Array, starts: Int32Array, ends: Int32Array): void {
    const base = this.used;
    const b = this.room(base, src.length);
    b.set(src, base);
    for (let i = 0; i < starts.length; i++) {
      this.starts.push(base + (starts[i] as number));
      this.ends.push(base + (ends[i] as number));
      this.tables.push(tableId);
    }
    this.used = base + src.length;
  }

  /** The key of entry `i` as latin1. */
  keyOf(i: number): string {
    return entryKey(this.buf, this.starts[i] as number);
  }

  /** CellSink: the buffer, grown so `bytes` fit at `at`. */
  room(at: number, bytes: number): Buffer {
    if (at + bytes > this.buf.length) {
      // Everything written so far (this entry included) lies below `at`.
      let size = this.buf.length * 2;
      while (size < at + bytes) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    return this.buf;
  }

}

/** Compares the 16 version bytes at `a` of `x` with those at `b` of `y` (big-endian words). */
export function compareVersionBytes(x: Buffer, a: number, y: Buffer, b: number): number {
  for (let k = 0; k < VERSION_BYTES; k += 4) {
    const p = u32(x, a + k);
    const q = u32(y, b + k);
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** Builds page bodies from entries given in order; `take()` hands out a full page. */
export class PageBuilder {
  constructor(private readonly pageBytes: number = PAGE_BYTES) {}

  private readonly bufs: Buffer[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private bytes = 0;
  private loBuf: Buffer | null = null;
  private loAt = 0;
  private hiBuf: Buffer | null = null;
  private hiAt = 0;

  get count(): number {
    return this.starts.length;
  }

  get full(): boolean {
    return this.bytes >= this.pageBytes;
  }

  add(buf: Buffer, start: number, end: number): void {
    this.bufs.push(buf);
    this.starts.push(start);
    this.ends.push(end);
    this.bytes += end - start + 4;
    const v = versionOffset(buf, start);
    if (this.loBuf === null || compareVersionBytes(buf, v, this.loBuf, this.loAt) < 0) {
      this.loBuf = buf;
      this.loAt = v;
    }
    if (this.hiBuf === null || compareVersionBytes(buf, v, this.hiBuf, this.hiAt) > 0) {
      this.hiBuf = buf;
      this.hiAt = v;
    }
  }

  /** The page of everything added since the last take, with its bounds (copied out of the sources). */
  take(): { body: Buffer; firstKey: Buffer; lastKey: Buffer; lo: Buffer; hi: Buffer; entries: number } {
    const n = this.starts.length;
    if (n === 0 || this.loBuf === null || this.hiBuf === null) throw new BinsnapError('BINSNAP_E_INTERNAL', 'an empty version page');
    const body = Buffer.allocUnsafe(4 + this.bytes);
    putU32(body, 0, n);
    let p = 4 + 4 * n;
    // Entries adjacent in their source are copied together.
    let runBuf: Buffer | null = null;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < n; i++) {
      const buf = this.bufs[i] as Buffer;
      const start = this.starts[i] as number;
      const end = this.ends[i] as number;
      putU32(body, 4 + 4 * i, p + (runBuf === null ? 0 : runEnd - runStart));
      if (runBuf === buf && start === runEnd) {
        runEnd = end;
        continue;
      }
      if (runBuf !== null) {
        runBuf.copy(body, p, runStart, runEnd);
        p += runEnd - runStart;
        putU32(body, 4 + 4 * i, p);
      }
      runBuf = buf;
      runStart = start;
      runEnd = end;
    }
    if (runBuf !== null) runBuf.copy(body, p, runStart, runEnd);
    const firstBuf = this.bufs[0] as Buffer;
    const first = this.starts[0] as number;
    const lastBuf = this.bufs[n - 1] as Buffer;
    const last = this.starts[n - 1] as number;
    const out = {
      body,
      firstKey: Buffer.from(firstBuf.subarray(keyStart(firstBuf, first), versionOffset(firstBuf, first))),
      lastKey: Buffer.from(lastBuf.subarray(keyStart(lastBuf, last), versionOffset(lastBuf, last))),
      lo: Buffer.from(this.loBuf.subarray(this.loAt, this.loAt + VERSION_BYTES)),
      hi: Buffer.from(this.hiBuf.subarray(this.hiAt, this.hiAt + VERSION_BYTES)),
      entries: n,
    };
    this.bufs.length = 0;
    this.starts.length = 0;
    this.ends.length = 0;
    this.bytes = 0;
    this.loBuf = null;
    this.hiBuf = null;
    return out;
  }
}
