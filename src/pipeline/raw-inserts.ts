/**
 * The rows of an insert event (or of an update event that keeps every row's key: the upserts of
 * its after images) written as the embedded store's page entries straight from the binlog bytes
 * (RawRows of a decoder deferring rows), without row arrays, row objects or strings of text: what
 * a large replayed transaction spends most of its time on otherwise.
 *
 * The entries are exactly those the ordinary path gives the store for the same event (the change
 * processor's upserts by primary key, values in column order): every value is the decoder's own
 * (readCell), except utf8 text (and ASCII latin1 text), whose bytes are copied into their cell without becoming a string
 * (valid utf8 decodes and encodes back to itself; invalid utf8 is decoded, for its replacement
 * characters). A unit test compares the bytes with the ordinary path's.
 *
 * Anything unexpected (a row running past the event, a cell readCell refuses, a key column that
 * is not a primitive) gives -1 and appends nothing: the caller then takes the ordinary path,
 * which decodes the rows and reports the damage with its coded error.
 */
import type { ObjectMaker } from '../core/row-object.js';
import type { RawRows } from '../protocol/binlog/events.js';
import { CharsetKind, charsetOfCollation } from '../protocol/values/charsets.js';
import { realTypeOf } from '../protocol/values/column-meta.js';
import { ColumnType as T, type ColumnDecodeInfo } from '../protocol/values/column.js';
import { cellEnd, readCell } from '../protocol/values/decode-value.js';
import { encodeIntegerKeyInto, encodeKeyInto, isIntegerKey } from '../store/key-encoding.js';
import { putUtf8Cell, writeCell, type CellSink } from '../store/sqlite-cells.js';
import type { EntryBuffer} from '../store/sqlite-pages.js';
import { OP_CODE, type CellWriter } from '../store/sqlite-pages.js';
import type { JsonValue } from '../store/snapshot-store.js';

/** The table an insert event writes to, as the change processor keys it. */
export interface RawInsertTarget {
  /** The table's name in the store (`db.table`). */
  readonly table: string;
  /** Indexes of the key columns among the event's columns (never empty). */
  readonly keyIndexes: readonly number[];
  /** The key columns' names, in key order (the key's shape). */
  readonly keyNames: readonly string[];
  readonly numericKeyColumns: readonly string[] | undefined;
  /** The key object of a row's values (by column index). */
  readonly keyOf: ObjectMaker<JsonValue>;
}

/** The store's ids for the table and its two shapes (key columns, all columns). */
export interface RawInsertIds {
  readonly tableId: number;
  readonly pkShapeId: number;
  readonly valuesShapeId: number;
}

/** Entries `[starts[i], ends[i])` of `bytes`, row indexes 0…count-1 (renumbered when added): one event's, from the raw insert thread. */
export interface RawInsertEntries {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/*
 * How a column's non-NULL cells are read (Plan.kinds): 0 by readCell, as values (key columns
 * always); UTF8 and LATIN1 as spans of text after a length prefix.
 */
/** Text in utf8 (or the utf8 guess of an unknown charset): bytes copied when valid. */
const UTF8 = 1;
/** MySQL latin1 text: bytes copied when ASCII. */
const LATIN1 = 2;

interface Plan {
  readonly kinds: Uint8Array;
  /** Length-prefix bytes of the text columns. */
  readonly prefix: Uint8Array;
}

/**
 * A text column's length-prefix size when its cells are a length and the text (as readCell reads
 * VARCHAR, VAR_STRING and CHAR), else 0.
 */
function textPrefix(info: ColumnDecodeInfo): number {
  switch (info.type) {
    case T.VARCHAR:
      return info.meta < 256 ? 1 : 2;
    case T.VAR_STRING:
      return (info.meta >= 0x1000 ? realTypeOf(T.VAR_STRING, info.meta).meta : info.meta) < 256 ? 1 : 2;
    case T.STRING: {
      let length = info.meta;
      if (length >= 0x1000) {
        const real = realTypeOf(T.STRING, length);
        if (real.type !== T.STRING) return 0;
        length = real.meta;
      }
      return length < 256 ? 1 : 2;
    }
    default:
      return 0;
  }
}

function planOf(infos: readonly ColumnDecodeInfo[], keyIndexes: readonly number[]): Plan {
  const kinds = new Uint8Array(infos.length);
  const prefix = new Uint8Array(infos.length);
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i] as ColumnDecodeInfo;
    const size = textPrefix(info);
    // Key columns are read as values: the key is encoded from them.
    if (size === 0 || keyIndexes.includes(i)) continue;
    const cset = charsetOfCollation(info.collation);
    // readCell's textOrBinary: an unknown charset is utf8 for these types, binary pads and base64s.
    if (cset === undefined || cset.kind === CharsetKind.Utf8) kinds[i] = UTF8;
    else if (cset.kind === CharsetKind.Cp1252) kinds[i] = LATIN1;
    else continue;
    prefix[i] = size;
  }
  return { kinds, prefix };
}

export class RawInsertEncoder implements CellWriter {
  private readonly plans = new WeakMap<readonly ColumnDecodeInfo[], { keyIndexes: readonly number[]; plan: Plan }>();
  /** The current row: per column, the value (starts[k] < 0) or the text's span [starts, ends) in `data`; a NULL is a null value. */
  private values: (JsonValue | undefined)[] = [];
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);
  /** An update's before image, read as the current row is (its key is compared with the after image's). */
  private before: (JsonValue | undefined)[] = [];
  private beforeStarts = new Int32Array(0);
  private beforeEnds = new Int32Array(0);
  private kinds: Uint8Array = new Uint8Array(0);
  private prefix: Uint8Array = new Uint8Array(0);
  private data: Buffer = Buffer.alloc(0);
  private infos: readonly ColumnDecodeInfo[] = [];
  private target: RawInsertTarget | undefined;

  /**
   * The event's rows appended to `entries` as entries with versions `(at, firstIndex…)` and op upsert;
   * returns how many, or -1 with `entries` as it was (see the module). `update`: the event's rows
   * are updates (a before and an after image each), written as upserts of their after images when
   * none changes its key (the change processor's upserts without a sink); else -1.
   */
  encodeInto(
    entries: EntryBuffer,
    raw: RawRows,
    target: RawInsertTarget,
    ids: RawInsertIds,
    fileNumber: number,
    offset: bigint,
    firstIndex: number,
    update = false,
  ): number {
    if (!raw.fullImage || (update && !raw.fullAfter)) return -1;
    const infos = raw.infos;
    const n = infos.length;
    if (n === 0) return -1;
    let known = this.plans.get(infos);
    if (known === undefined || known.keyIndexes !== target.keyIndexes) {
      known = { keyIndexes: target.keyIndexes, plan: planOf(infos, target.keyIndexes) };
      this.plans.set(infos, known);
    }
    if (this.starts.length < n) {
      this.starts = new Int32Array(n);
      this.ends = new Int32Array(n);
      this.beforeStarts = new Int32Array(n);
      this.beforeEnds = new Int32Array(n);
    }
    this.values.length = n;
    this.before.length = n;
    this.kinds = known.plan.kinds;
    this.prefix = known.plan.prefix;
    this.data = raw.data;
    this.infos = infos;
    this.target = target;
    const count = entries.length;
    const used = entries.used;
    let ok: boolean;
    try {
      ok = this.fill(entries, raw, target, ids, fileNumber, offset, firstIndex, update);
    } catch {
      // A cell readCell refuses, or anything else: the ordinary path decodes the event and says what is wrong.
      ok = false;
    }
    if (!ok) {
      entries.truncate(count, used);
      return -1;
    }
    return entries.length - count;
  }

  /**
   * Adds the event's rows to `entries`; false when a row runs past the event, a key column holds
   * an object, or (an update) a row's key changes.
   */
  private fill(entries: EntryBuffer, raw: RawRows, target: RawInsertTarget, ids: RawInsertIds, fileNumber: number, offset: bigint, firstIndex: number, update: boolean): boolean {
    const { values, starts, ends } = this;
    const data = raw.data;
    const end = raw.end;
    const high = Number(offset >> 32n);
    const low = Number(offset & 0xffff_ffffn);
    const upsert = OP_CODE.upsert;
    const keyIndexes = target.keyIndexes;
    let pos = raw.start;
    let row = 0;
    while (pos < end) {
      if (update) {
        // The before image: only its key is kept, to check that the update keeps it.
        pos = this.readImage(data, pos, end, this.before, this.beforeStarts, this.beforeEnds);
        if (pos < 0) return false;
      }
      pos = this.readImage(data, pos, end, values, starts, ends);
      if (pos < 0) return false;
      for (let i = 0; i < keyIndexes.length; i++) {
        const k = keyIndexes[i] as number;
        const v = values[k];
        // A key column holds a primitive (an object would not leave the key's cells out of the entry).
        if (v !== null && typeof v === 'object') return false;
        // An update that changes the key is a delete and an upsert: the change processor's.
        if (update && this.before[k] !== v) return false;
      }
      entries.addCells(ids.tableId, fileNumber, high, low, firstIndex + row++, upsert, ids.pkShapeId, ids.valuesShapeId, this);
    }
    return true;
  }

  /**
   * Reads one image at `pos` into `values` (and the text spans into `starts`/`ends`); returns the
   * offset after it, or -1 when it runs past `end`.
   */
  private readImage(data: Buffer, pos: number, end: number, values: (JsonValue | undefined)[], starts: Int32Array, ends: Int32Array): number {
    const { prefix, infos } = this;
    const n = infos.length;
    const nullStart = pos;
    pos += (n + 7) >> 3;
    if (pos > end) return -1;
    for (let k = 0; k < n; k++) {
      if ((data[nullStart + (k >> 3)] as number) & (1 << (k & 7))) {
        values[k] = null;
        starts[k] = -1;
        continue;
      }
      const size = prefix[k] as number;
      if (size !== 0) {
        if (pos + size > end) return -1;
        const len = size === 1 ? (data[pos] as number) : (data[pos] as number) | ((data[pos + 1] as number) << 8);
        const s = pos + size;
        pos = s + len;
        if (pos > end) return -1;
        starts[k] = s;
        ends[k] = pos;
        continue;
      }
      starts[k] = -1;
      values[k] = readCell(data, pos, infos[k] as ColumnDecodeInfo);
      pos = cellEnd;
      if (pos > end) return -1;
    }
    return pos;
  }

  /** CellWriter: the current row's key (an integer key of one column without a key object). */
  writeKey(sink: CellSink, at: number): number {
    const t = this.target as RawInsertTarget;
    if (t.keyIndexes.length === 1) {
      const v = this.values[t.keyIndexes[0] as number];
      if (isIntegerKey(v)) return encodeIntegerKeyInto(sink, at, v);
    }
    return encodeKeyInto(sink, at, t.keyOf(this.values), t.numericKeyColumns);
  }

  /** CellWriter: the current row's cells in column order. */
  writeCells(sink: CellSink, at: number): number {
    const values = this.values;
    const starts = this.starts;
    const kinds = this.kinds;
    const data = this.data;
    let p = at;
    for (let k = 0; k < values.length; k++) {
      const s = starts[k] as number;
      if (s < 0) {
        p = writeCell(sink, p, values[k] as JsonValue);
        continue;
      }
      const e = this.ends[k] as number;
      let copied = -1;
      if (kinds[k] === UTF8) {
        copied = putUtf8Cell(sink, p, data, s, e);
      } else {
        let i = s;
        while (i < e && (data[i] as number) < 0x80) i++;
        if (i === e) copied = putUtf8Cell(sink, p, data, s, e);
      }
      // Not copied: the decoder's string (replacement characters, or latin1 beyond ASCII).
      p = copied >= 0 ? copied : writeCell(sink, p, this.textAt(k, s));
    }
    return p;
  }

  /** The decoder's value of text column `k`, whose text is [s, e) after its length prefix. */
  private textAt(k: number, s: number): JsonValue {
    return readCell(this.data, s - (this.prefix[k] as number), this.infos[k] as ColumnDecodeInfo);
  }
}
