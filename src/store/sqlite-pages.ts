/**
 * The byte format of the embedded store's version pages (layouts 3 and 4,
 * see sqlite-schema.ts). Row versions are not one SQLite row each: they are
 * packed, sorted by (key, version), into pages of about PAGE_BYTES, and a
 * page is one SQLite row (its body a row of page_bodies since layout 4). One
 * SQLite insert then carries hundreds of versions, which is what makes a
 * replay or a seed fast.
 *
 * Entry (big-endian, so entries of equal key sort by their version bytes):
 *   u32 keyLength | key (key-encoding.ts) | version (16 bytes, sqlite-codec.ts)
 *   | u8 op | u32 pkLength | pk cells | u32 valuesLength or NO_VALUES | values cells
 * (cells: sqlite-cells.ts; the pk is the key object, or the whole image without a primary key).
 * Page body:
 *   u32 count | u32 entryOffset[count] | entries
 *
 * A page is only ever read whole into memory; keys compare as latin1 strings
 * (a byte per char, so string order is byte order).
 */
import { BinsnapError } from '../core/errors.js';
import type { StoredOp } from './row-fold.js';
import { putU32, u32 } from './sqlite-bytes.js';
import { readCells, writeCells, type CellSink, type ShapeWrites } from './sqlite-cells.js';
import { encodeKeyInto } from './key-encoding.js';
import type { JsonValue, RowKey, RowValues } from './snapshot-store.js';

export const PAGE_BYTES = 32 * 1024;
export const NO_VALUES = 0xffff_ffff;
export const VERSION_BYTES = 16;

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

/** Offset of the version bytes of the entry at `at`. */
export function versionOffset(b: Buffer, at: number): number {
  return at + 4 + u32(b, at);
}

export function entryKey(b: Buffer, at: number): string {
  return b.toString('latin1', at + 4, at + 4 + u32(b, at));
}

/**
 * Compares the keys of the entries at `a` of `x` and `b` of `y` byte by byte (the order of their
 * latin1 strings), without making those strings.
 */
export function compareEntryKeys(x: Uint8Array, a: number, y: Uint8Array, b: number): number {
  const m = u32(x, a);
  const n = u32(y, b);
  const len = m < n ? m : n;
  for (let i = 0; i < len; i++) {
    const p = x[a + 4 + i] as number;
    const q = y[b + 4 + i] as number;
    if (p !== q) return p - q;
  }
  return m - n;
}

export function entryOpCode(b: Buffer, at: number): number {
  return b[versionOffset(b, at) + VERSION_BYTES] as number;
}

/** The key object of the entry at `at` (shape names by id from `names`). */
export function entryPk(b: Buffer, at: number, names: (shapeId: number) => readonly string[]): RowKey {
  const p = versionOffset(b, at) + VERSION_BYTES + 1;
  return readCells(b, p + 4, p + 4 + u32(b, p), names);
}

/** Where the values cells of the entry at `at` lie: [start, end), or null (a delete). */
export function entryValuesRange(b: Buffer, at: number): [number, number] | null {
  const p = versionOffset(b, at) + VERSION_BYTES + 1;
  const v = p + 4 + u32(b, p);
  const len = u32(b, v);
  if (len === NO_VALUES) return null;
  return [v + 4, v + 4 + len];
}

/** The values of the entry at `at`, or null (a delete). */
export function entryValues(b: Buffer, at: number, names: (shapeId: number) => readonly string[]): RowValues | null {
  const r = entryValuesRange(b, at);
  return r === null ? null : readCells(b, r[0], r[1], names);
}

/** The byte after the entry at `at`. */
export function entryEnd(b: Buffer, at: number): number {
  const p = versionOffset(b, at) + VERSION_BYTES + 1;
  const v = p + 4 + u32(b, p);
  const len = u32(b, v);
  return v + 4 + (len === NO_VALUES ? 0 : len);
}

export function pageCount(page: Buffer): number {
  if (page.length < 4) throw corrupt(`a page of ${page.length} bytes`);
  return u32(page, 0);
}

export function pageEntryAt(page: Buffer, i: number): number {
  return u32(page, 4 + 4 * i);
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
    shapes: ShapeWrites,
  ): void {
    const start = this.used;
    // The key's bytes go straight after their length, with no Buffer of their own.
    const keyEnd = encodeKeyInto(this, start + 4, key, numericKeyColumns);
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
    shapes: ShapeWrites,
  ): void {
    const start = this.used;
    const b = this.room(start, 4 + keyBytes.length);
    b.set(keyBytes, start + 4);
    this.finishEntry(tableId, start, start + 4 + keyBytes.length, file, offsetHigh, offsetLow, rowIndex, opCode, pk, values, shapes);
  }

  /** The rest of an entry whose key lies in [start + 4, keyEnd). */
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
    shapes: ShapeWrites,
  ): void {
    let b = this.room(keyEnd, VERSION_BYTES + 1 + 4);
    putU32(b, start, keyEnd - start - 4);
    let p = keyEnd;
    putU32(b, p, file);
    putU32(b, p + 4, offsetHigh);
    putU32(b, p + 8, offsetLow);
    putU32(b, p + 12, rowIndex);
    p += VERSION_BYTES;
    b[p++] = opCode;
    const pkShape = shapes.shapeOf(pk);
    const pkEnd = writeCells(this, p + 4, pkShape.id, pkShape.names, pk);
    b = this.buf;
    putU32(b, p, pkEnd - p - 4);
    p = pkEnd;
    if (values === null) {
      b = this.room(p, 4);
      putU32(b, p, NO_VALUES);
      p += 4;
    } else {
      const shape = shapes.shapeOf(values);
      const end = writeCells(this, p + 4, shape.id, shape.names, values);
      b = this.buf;
      putU32(b, p, end - p - 4);
      p = end;
    }
    this.used = p;
    this.starts.push(start);
    this.ends.push(p);
    this.tables.push(tableId);
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
    const v = start + 4 + u32(buf, start);
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
      firstKey: Buffer.from(firstBuf.subarray(first + 4, first + 4 + u32(firstBuf, first))),
      lastKey: Buffer.from(lastBuf.subarray(last + 4, last + 4 + u32(lastBuf, last))),
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
