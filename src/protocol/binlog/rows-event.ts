/**
 * Rows events: WRITE/UPDATE/DELETE_ROWS v0 (PRE_GA 20-22), v1 (23-25), v2
 * (30-32, with extra data), MySQL PARTIAL_UPDATE_ROWS (39) and MariaDB
 * compressed rows (166-171).
 *
 * Layout: table_id (6 bytes, 4 in old formats), flags u16, [v2: extra data
 * length u16 counting itself, extra data], column count (packed),
 * columns-present bitmap, [updates v1/v2: after-image bitmap], then rows —
 * each image is a null bitmap over the *present* columns followed by the
 * non-NULL present values ([partial updates: value_options and partial JSON
 * bits first in the after image]). MariaDB compressed rows zlib-compress
 * everything after the bitmaps.
 *
 * Invariants: a row image has one slot per table column; absent columns stay
 * `undefined`, NULL is `null` (absent ≠ NULL). Every value is decoded by
 * readValue over a view ending at the event body, so a damaged length never
 * reads past the event. Hot loop: no closures, no per-row bitmaps; the text
 * cells of one event are slices of one string where their bytes allow
 * (beginTextScope in text-values.ts).
 * Reference: libbinlogevents/src/rows_event.cpp, sql/rpl_record.cc (unpack_row).
 */
import { BinsnapError, isBinsnapError } from '../../core/errors.js';
import { ColumnType as T, type ColumnDecodeInfo, type JsonValue } from '../values/column.js';
import { applyJsonDiffs, cellEnd, readCell } from '../values/decode-value.js';
import { beginTextScope, endTextScope } from '../values/text-values.js';
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';
import { EventType } from './event-types.js';
import type { RawRows, RowChange, RowImage, RowsAction, RowsBody, TableMapBody } from './events.js';
import { postHeaderLength, type FormatDescription } from './format-description.js';
import { mariaUncompress } from './maria-compression.js';
import type { ResolvedTable } from './table-schema.js';

export interface RowsKind {
  readonly action: RowsAction;
  readonly version: 0 | 1 | 2;
  readonly compressed: boolean;
  readonly partial: boolean;
}

function rowsKind(action: RowsAction, version: 0 | 1 | 2, compressed = false, partial = false): RowsKind {
  return Object.freeze({ action, version, compressed, partial });
}

/** Rows flavours by type code, built once (the lookup runs for every event). */
const ROWS_KINDS: readonly (RowsKind | undefined)[] = ((): (RowsKind | undefined)[] => {
  const t = new Array<RowsKind | undefined>(256).fill(undefined);
  t[EventType.PRE_GA_WRITE_ROWS] = rowsKind('insert', 0);
  t[EventType.PRE_GA_UPDATE_ROWS] = rowsKind('update', 0);
  t[EventType.PRE_GA_DELETE_ROWS] = rowsKind('delete', 0);
  t[EventType.WRITE_ROWS_V1] = rowsKind('insert', 1);
  t[EventType.UPDATE_ROWS_V1] = rowsKind('update', 1);
  t[EventType.DELETE_ROWS_V1] = rowsKind('delete', 1);
  t[EventType.WRITE_ROWS_V2] = rowsKind('insert', 2);
  t[EventType.UPDATE_ROWS_V2] = rowsKind('update', 2);
  t[EventType.DELETE_ROWS_V2] = rowsKind('delete', 2);
  t[EventType.PARTIAL_UPDATE_ROWS] = rowsKind('update', 2, false, true);
  t[EventType.MARIA_WRITE_ROWS_COMPRESSED_V1] = rowsKind('insert', 1, true);
  t[EventType.MARIA_UPDATE_ROWS_COMPRESSED_V1] = rowsKind('update', 1, true);
  t[EventType.MARIA_DELETE_ROWS_COMPRESSED_V1] = rowsKind('delete', 1, true);
  t[EventType.MARIA_WRITE_ROWS_COMPRESSED] = rowsKind('insert', 2, true);
  t[EventType.MARIA_UPDATE_ROWS_COMPRESSED] = rowsKind('update', 2, true);
  t[EventType.MARIA_DELETE_ROWS_COMPRESSED] = rowsKind('delete', 2, true);
  return t;
})();

/** The rows flavour of a type code, or undefined when it is not a rows event. */
export function rowsKindOf(type: number): RowsKind | undefined {
  return ROWS_KINDS[type];
}

/** The parts of a rows event before the row data; cheap, no table needed. */
export interface RowsPrelude {
  readonly tableId: number;
  readonly flags: number;
  readonly extraData?: Buffer;
  readonly columnCount: number;
  readonly presentBefore: Buffer;
  readonly presentAfter: Buffer;
  /** Row data: `data` from `start` to `end` (possibly an inflated copy). */
  readonly data: Buffer;
  readonly start: number;
  readonly end: number;
}

export function parseRowsPrelude(buf: Buffer, bodyStart: number, bodyEnd: number, type: number, kind: RowsKind, format: FormatDescription, site: EventSite, maxSize?: number): RowsPrelude {
  const r = new BodyReader(buf, bodyStart, bodyEnd, site);
  const post = postHeaderLength(format, type, kind.version === 2 ? 10 : 8);
  const idLen = post === 6 ? 4 : 6;
  const tableId = r.uint(idLen, 'table id');
  const flags = r.u16('rows flags');
  let extraData: Buffer | undefined;
  if (kind.version === 2) {
    const extraLen = r.u16('extra data length');
    if (extraLen < 2) throw corruptEvent(site, `rows extra data length ${extraLen} is below 2`);
    extraData = r.copy(extraLen - 2, 'extra data');
  }
  const columnCount = r.packed('column count');
  const bitmapLen = (columnCount + 7) >> 3;
  const presentBefore = r.bytes(bitmapLen, 'columns-present bitmap');
  // PRE_GA updates carry one bitmap for both images.
  const twoBitmaps = kind.action === 'update' && kind.version !== 0;
  const presentAfter = twoBitmaps ? r.bytes(bitmapLen, 'after-image bitmap') : presentBefore;
  if (kind.compressed) {
    const data = mariaUncompress(buf, r.pos, bodyEnd, site, maxSize);
    return { tableId, flags, columnCount, presentBefore, presentAfter, data, start: 0, end: data.length, ...(extraData ? { extraData } : {}) };
  }
  // A view that ends at the body end: value reads cannot run into the checksum or the next event.
  const data = buf.subarray(r.pos, bodyEnd);
  return { tableId, flags, columnCount, presentBefore, presentAfter, data, start: 0, end: data.length, ...(extraData ? { extraData } : {}) };
}

/** 0..count-1 by count: the indexes of a full bitmap (the usual FULL row image), shared and never written. */
const ALL_COLUMNS: Int32Array[] = [];

/** Column indexes whose bit is set in a present-columns bitmap. */
function presentIndexes(bits: Buffer, count: number): Int32Array {
  if (isFull(bits, count)) {
    let all = ALL_COLUMNS[count];
    if (all === undefined) {
      all = new Int32Array(count);
      for (let i = 0; i < count; i++) all[i] = i;
      if (count < 4096) ALL_COLUMNS[count] = all;
    }
    return all;
  }
  let n = 0;
  for (let i = 0; i < count; i++) if (bits[i >> 3]! & (1 << (i & 7))) n++;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < count; i++) if (bits[i >> 3]! & (1 << (i & 7))) out[k++] = i;
  return out;
}

/** Whether the first `count` bits of `bits` are all set. */
function isFull(bits: Buffer, count: number): boolean {
  const whole = count >> 3;
  for (let i = 0; i < whole; i++) if (bits[i] !== 0xff) return false;
  const rest = count & 7;
  return rest === 0 || (bits[whole]! & ((1 << rest) - 1)) === (1 << rest) - 1;
}

/** The offset after the image last read by readImage (module scope: no per-row result object). */
let imageEnd = 0;

/**
 * Decodes one image and returns it; the offset after it is left in `imageEnd`.
 * A full image is allocated at its length and filled in order; a partial one
 * starts filled with undefined (absent).
 */
function readImage(
  data: Buffer,
  pos: number,
  end: number,
  present: Int32Array,
  infos: readonly ColumnDecodeInfo[],
  count: number,
  site: EventSite,
  partialBits: Buffer | undefined,
  jsonPartialIndex: Int32Array | undefined,
  before: RowImage | undefined,
  pendingDiffs: { column: number; diffs: Buffer }[],
): (JsonValue | undefined)[] {
  const n = present.length;
  const full = n === count;
  // A full image is preallocated at its exact length and written in order (every slot is set
  // before it is returned); a partial one starts filled with undefined (absent).
  const out: (JsonValue | undefined)[] = full ? new Array<JsonValue | undefined>(n) : new Array<JsonValue | undefined>(count).fill(undefined);
  const nullStart = pos;
  pos += (n + 7) >> 3;
  if (pos > end) throw corruptEvent(site, 'row null bitmap runs past the event');
  for (let k = 0; k < n; k++) {
    const i = present[k]!;
    if (data[nullStart + (k >> 3)]! & (1 << (k & 7))) {
      out[full ? k : i] = null;
      continue;
    }
    const info = infos[i]!;
    if (partialBits !== undefined && jsonPartialIndex !== undefined && info.type === T.JSON) {
      const bit = jsonPartialIndex[i]!;
      if (bit >= 0 && partialBits[bit >> 3]! & (1 << (bit & 7))) {
        const lenBytes = info.meta > 0 && info.meta <= 4 ? info.meta : 4;
        if (pos + lenBytes > end) throw corruptEvent(site, 'partial JSON length runs past the event');
        const len = data.readUIntLE(pos, lenBytes);
        pos += lenBytes;
        if (pos + len > end) throw corruptEvent(site, 'partial JSON diff runs past the event');
        const base = before?.[i];
        if (base === undefined) {
          // MINIMAL before image: nothing to apply the diffs to here. The column stays
          // absent and the diffs travel with the row, for the previous version.
          pendingDiffs.push({ column: i, diffs: Buffer.from(data.subarray(pos, pos + len)) });
          if (full) out[k] = undefined;
        } else {
          out[full ? k : i] = applyJsonDiffs(base, data, pos, pos + len);
        }
        pos += len;
        continue;
      }
    }
    out[full ? k : i] = readCell(data, pos, info);
    pos = cellEnd;
    if (pos > end) throw corruptEvent(site, `value of column ${info.name} runs past the event`);
  }
  imageEnd = pos;
  return out;
}

/** Shared, never written: images other than partial after-images have no pending diffs. */
const NO_DIFFS: { column: number; diffs: Buffer }[] = [];


/** Re-throws a value-decoder failure with the file, event offset and table attached. */
function withSite(err: unknown, site: EventSite, map: TableMapBody): BinsnapError {
  const table = `${map.database}.${map.table}`;
  if (isBinsnapError(err) && err.context.file !== undefined) return err;
  if (isBinsnapError(err)) {
    return new BinsnapError(err.code, err.message, { ...err.context, file: site.file, offset: site.offset, table, rowOffset: err.context.offset }, { cause: err });
  }
  return new BinsnapError('BINSNAP_E_BINLOG_CORRUPT_EVENT', `malformed row data: ${err instanceof Error ? err.message : String(err)}`, { file: site.file, offset: site.offset, table }, { cause: err });
}

export function decodeRows(prelude: RowsPrelude, kind: RowsKind, map: TableMapBody, table: ResolvedTable, site: EventSite): RowsBody {
  checkColumnCount(prelude, map, site);
  return rowsBody(prelude, kind, map, table, decodeRowImages(prelude, kind, map, table, site));
}

/** Shared by deferred bodies, whose events read their rows elsewhere; never written. */
const NO_ROWS: RowChange[] = [];

function rowsBody(prelude: RowsPrelude, kind: RowsKind, map: TableMapBody, table: ResolvedTable, rows: RowChange[]): RowsBody {
  return {
    kind: 'rows',
    action: kind.action,
    version: kind.version,
    tableId: prelude.tableId,
    flags: prelude.flags,
    database: map.database,
    table: map.table,
    columnNames: table.names,
    rows,
    partial: kind.partial,
    compressed: kind.compressed,
    ...(prelude.extraData ? { extraData: prelude.extraData } : {}),
  };
}

/**
 * A rows event's rows left undecoded (decoders with `deferRows`): `raw` for a consumer that
 * reads the cells itself, `decode()` for decodeRows' rows (the same rows, or the same error).
 * `prelude.data` must not change while this is held (the file source's read chunks and the
 * server source's packets are buffers of their own, never reused).
 */
export class DeferredRows {
  readonly raw: RawRows;
  /** The decoder reuses its site object from event to event: this keeps a copy. */
  private readonly site: EventSite;

  constructor(
    private readonly prelude: RowsPrelude,
    private readonly rowsKind: RowsKind,
    private readonly map: TableMapBody,
    private readonly resolved: ResolvedTable,
    site: EventSite,
  ) {
    checkColumnCount(prelude, map, site);
    this.site = { file: site.file, offset: site.offset };
    const fullImage = isFull(prelude.presentBefore, prelude.columnCount);
    const fullAfter = prelude.presentAfter === prelude.presentBefore ? fullImage : isFull(prelude.presentAfter, prelude.columnCount);
    this.raw = { data: prelude.data, start: prelude.start, end: prelude.end, fullImage, fullAfter, infos: resolved.infos };
  }

  /**
   * The rows, decoded at each call and not kept: a holder waiting to be read may already be in
   * V8's old generation, and rows stored into it would then survive young collections (measured:
   * a decode of 1M updates took 1.8 s instead of 0.95 s, most of it in the garbage collector).
   */
  decode(): RowChange[] {
    return decodeRowImages(this.prelude, this.rowsKind, this.map, this.resolved, this.site);
  }

  /** The event's body, `rows` aside (the event reads them through `decode`). */
  body(): Omit<RowsBody, 'rows'> {
    return rowsBody(this.prelude, this.rowsKind, this.map, this.resolved, NO_ROWS);
  }
}

function checkColumnCount(prelude: RowsPrelude, map: TableMapBody, site: EventSite): void {
  const count = prelude.columnCount;
  if (count !== map.columns.length) {
    throw corruptEvent(site, `rows event has ${count} columns, its TABLE_MAP ${map.columns.length}`, { table: `${map.database}.${map.table}` });
  }
}

function decodeRowImages(prelude: RowsPrelude, kind: RowsKind, map: TableMapBody, table: ResolvedTable, site: EventSite): RowChange[] {
  const count = prelude.columnCount;
  const { data, end } = prelude;
  let pos = prelude.start;
  const infos = table.infos;
  const before = presentIndexes(prelude.presentBefore, count);
  const after = kind.action === 'update' ? presentIndexes(prelude.presentAfter, count) : before;
  let jsonPartialIndex: Int32Array | undefined;
  let jsonCount = 0;
  if (kind.partial) {
    jsonPartialIndex = new Int32Array(count).fill(-1);
    // One partial bit per JSON column of the table (MySQL sql/rpl_record.cc).
    for (let i = 0; i < count; i++) if (infos[i]!.type === T.JSON) jsonPartialIndex[i] = jsonCount++;
  }
  const rows: RowChange[] = [];
  beginTextScope(data);
  try {
    while (pos < end) {
      // A row of images of no columns takes no bytes: the loop would never end (a damaged column bitmap).
      if (before.length === 0 && (kind.action !== 'update' || after.length === 0)) throw corruptEvent(site, 'rows event whose row images hold no columns');
      if (kind.action === 'update') {
        const b = readImage(data, pos, end, before, infos, count, site, undefined, undefined, undefined, NO_DIFFS);
        pos = imageEnd;
        let partialBits: Buffer | undefined;
        if (kind.partial) {
          const r = new BodyReader(data, pos, end, site);
          const options = r.packed('partial update value options');
          if (options & 1) partialBits = r.bytes((jsonCount + 7) >> 3, 'partial JSON bitmap');
          pos = r.pos;
        }
        const diffs: { column: number; diffs: Buffer }[] = [];
        const a = readImage(data, pos, end, after, infos, count, site, partialBits, jsonPartialIndex, b, diffs);
        pos = imageEnd;
        rows.push(diffs.length > 0 ? { before: b, after: a, jsonDiffs: diffs } : { before: b, after: a });
      } else {
        const img = readImage(data, pos, end, before, infos, count, site, undefined, undefined, undefined, NO_DIFFS);
        pos = imageEnd;
        rows.push(kind.action === 'insert' ? { after: img } : { before: img });
      }
    }
  } catch (err) {
    throw withSite(err, site, map);
  } finally {
    endTextScope();
  }
  return rows;
}
