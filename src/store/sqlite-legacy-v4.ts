/**
 * The page format of layouts 3 and 4, kept only to upgrade such a file to
 * layout 5 (sqlite-schema.ts): each page body is rewritten entry by entry in
 * the current format (sqlite-pages.ts, sqlite-cells.ts) with the same keys,
 * versions and order, so version_pages and version_runs stay as they are.
 *
 * Layout 3–4 entry (big-endian):
 *   u32 keyLength | key | version (16 bytes) | u8 op | u32 pkLength | pk cells
 *   | u32 valuesLength or 0xffffffff (no values) | values cells
 * Cells: u32 shapeId, then per column NULL 0 | FALSE 1 | TRUE 2 | INT 3 i32
 *   | DOUBLE 4 f64 | STRING 5 u32 length, utf8 | JSON 6 u32 length, utf8 | ABSENT 7.
 * Page body: u32 count | u32 entryOffset[count] | entries (unchanged in layout 5).
 */
import { i32, putU32, putUvarint, u32 } from './sqlite-bytes.js';
import { CELL, putInt, putTextCell, readCells, type CellSink } from './sqlite-cells.js';
import { corrupt, EntryBuffer, pkFromValues, PK_FROM_VALUES, VERSION_BYTES } from './sqlite-pages.js';
import type { JsonValue } from './snapshot-store.js';

const NO_VALUES = 0xffff_ffff;

const buffers: { out?: EntryBuffer; scratch?: EntryBuffer } = {};

/** Layout 3–4 cells [start, end) written again as layout-5 cells at `at` of `sink`; returns the end. */
function transcodeCells(b: Buffer, start: number, end: number, sink: CellSink, at: number): number {
  let p = putUvarint(sink.room(at, 5), at, u32(b, start));
  let q = start + 4;
  while (q < end) {
    const tag = b[q] as number;
    switch (tag) {
      case 0:
      case 1:
      case 2:
      case 7:
        sink.room(p, 1)[p++] = tag === 0 ? CELL.NULL : tag === 1 ? CELL.FALSE : tag === 2 ? CELL.TRUE : CELL.ABSENT;
        q += 1;
        break;
      case 3:
        p = putInt(sink.room(p, 5), p, i32(b, q + 1));
        q += 5;
        break;
      case 4: {
        const out = sink.room(p, 9);
        out[p] = CELL.DOUBLE;
        b.copy(out, p + 1, q + 1, q + 9);
        p += 9;
        q += 9;
        break;
      }
      case 5:
      case 6: {
        const n = u32(b, q + 1);
        if (q + 5 + n > end) throw corrupt('a layout-4 text cell beyond its entry');
        p = putTextCell(sink, p, tag === 6, b, q + 5, n);
        q += 5 + n;
        break;
      }
      default:
        throw corrupt(`unknown layout-4 cell tag ${tag}`);
    }
  }
  if (q !== end) throw corrupt('layout-4 cells longer than their entry');
  return p;
}

/** Layout-4 cells read into an object (the values a layout-5 writer would have been given). */
function readCellsV4(b: Buffer, start: number, end: number, names: (shapeId: number) => readonly string[], scratch: EntryBuffer): Record<string, JsonValue> {
  const e = transcodeCells(b, start, end, scratch, 0);
  return readCells(scratch.buf, 0, e, names);
}

/**
 * A layout 3–4 page body in the layout-5 format: the same entries in the same order, the key's
 * cells left out where the writer of layout 5 leaves them out (sqlite-pages.ts pkFromValues).
 */
export function transcodePage(body: Buffer, names: (shapeId: number) => readonly string[]): Buffer {
  if (body.length < 4) throw corrupt(`a page of ${body.length} bytes`);
  const count = u32(body, 0);
  if (4 + 4 * count > body.length) throw corrupt(`a page of ${body.length} bytes with ${count} entries`);
  // Reused from page to page: an upgrade rewrites thousands of pages.
  const out = (buffers.out ??= new EntryBuffer());
  const scratch = (buffers.scratch ??= new EntryBuffer());
  out.clear();
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = u32(body, 4 + 4 * i);
    const keyLen = u32(body, at);
    const key = at + 4;
    const v = key + keyLen;
    const op = body[v + VERSION_BYTES] as number;
    const pkAt = v + VERSION_BYTES + 1;
    const pkLen = u32(body, pkAt);
    const valuesAt = pkAt + 4 + pkLen;
    const valuesLen = u32(body, valuesAt);
    if (!(at >= 4 + 4 * count && valuesAt + 4 <= body.length && (valuesLen === NO_VALUES || valuesAt + 4 + valuesLen <= body.length))) {
      throw corrupt('a layout-4 entry beyond its page');
    }
    const start = out.used;
    offsets.push(start);
    const b = out.room(start, 5 + keyLen + VERSION_BYTES + 1 + 5);
    let p = putUvarint(b, start, keyLen);
    body.copy(b, p, key, v + VERSION_BYTES);
    p += keyLen + VERSION_BYTES;
    let elide = false;
    if (valuesLen !== NO_VALUES) {
      const pk = readCellsV4(body, pkAt + 4, pkAt + 4 + pkLen, names, scratch);
      const values = readCellsV4(body, valuesAt + 4, valuesAt + 4 + valuesLen, names, scratch);
      const pkShape = u32(body, pkAt + 4);
      elide = pkFromValues(pk, names(pkShape), values);
      if (elide) {
        b[p++] = op | PK_FROM_VALUES;
        p = putUvarint(b, p, pkShape);
      }
    }
    if (!elide) {
      b[p++] = op;
      // Cells first, then their length in front (a varint of unknown width): written after a gap of 5.
      const cellsEnd = transcodeCells(body, pkAt + 4, pkAt + 4 + pkLen, out, p + 5);
      p = closeGap(out, p, cellsEnd);
    }
    if (valuesLen === NO_VALUES) {
      out.room(p, 1)[p++] = 0;
    } else {
      const cellsEnd = transcodeCells(body, valuesAt + 4, valuesAt + 4 + valuesLen, out, p + 5);
      p = closeGap(out, p, cellsEnd, 1);
    }
    out.used = p;
  }
  const page = Buffer.allocUnsafe(4 + 4 * count + out.used);
  putU32(page, 0, count);
  for (let i = 0; i < count; i++) putU32(page, 4 + 4 * i, 4 + 4 * count + (offsets[i] as number));
  out.buf.copy(page, 4 + 4 * count, 0, out.used);
  return page;
}

/** Cells written at `at + 5` … `end`: their length (+ `bias`) as a varint at `at`, the cells moved up behind it. */
function closeGap(out: EntryBuffer, at: number, end: number, bias = 0): number {
  const b = out.buf;
  const n = end - at - 5;
  const p = putUvarint(b, at, n + bias);
  b.copyWithin(p, at + 5, end);
  return p + n;
}
