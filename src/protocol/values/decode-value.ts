/**
 * The entry points the event decoder calls for column values (contract in
 * column.ts; SPEC §3 for the mapping). readValue is one switch on the
 * TABLE_MAP type: each case bounds-checks, reads a fixed-size or
 * length-prefixed cell and returns its value and end offset. Hot path: no
 * closures, no regexes, one result object per cell.
 *
 * Length prefixes (MySQL Field::unpack):
 *   VARCHAR / VAR_STRING   1 byte when the max length (meta) < 256, else 2 (LE)
 *   STRING (CHAR/BINARY)   1 byte when the field length < 256, else 2 (LE)
 *   BLOB family, JSON, GEOMETRY, VECTOR   meta bytes (1–4, LE)
 * Reads never go past buf.length: a cell that would is
 * BINSNAP_E_BINLOG_CORRUPT_EVENT naming the column; a type this module does
 * not decode (old pre-5.0 DECIMAL, whose byte length the binlog does not
 * carry; internal types) is BINSNAP_E_UNKNOWN_COLUMN_TYPE.
 */
import { ColumnType as T, type ColumnDecodeInfo, type JsonValue, type ReadResult } from './column.js';
import { readColumnMeta, realTypeOf } from './column-meta.js';
import { readDecimal } from './decimal.js';
import { readFloat, readVector } from './float.js';
import { readInt64, readUIntBEExact } from './integers.js';
import { applyJsonDiffs } from './json-diff.js';
import { decodeBinaryJson } from './json-binary.js';
import {
  fracBytes,
  hiresLength,
  readDate,
  readDateTime,
  readDateTime2,
  readHiresDateTime,
  readHiresTime,
  readHiresTimestamp,
  readTime,
  readTime2,
  readTimestamp,
  readTimestamp2,
  readYear,
} from './temporal.js';
import { uncompressedColumn } from './compressed-column.js';
import { formatTextForm, TEXT_FORM_BYTES, type TextForm } from './mariadb-text-forms.js';
import { enumValue, setValue, textOrBinary } from './text-values.js';
import { base64Text } from '../../core/slices.js';
import { corruptValue, unknownType } from './value-errors.js';
import { f64le, i16le, i24le, i32le, u16le, u24le, u32le } from './bytes.js';

export { applyJsonDiffs, decodeBinaryJson, readColumnMeta, realTypeOf };

function short(col: ColumnDecodeInfo, offset: number, n: number, have: number): never {
  throw corruptValue(col.name, `needs ${n} bytes, ${Math.max(0, have)} left`, offset);
}

/**
 * The offset after the cell readCell read last (module scope: no result object
 * per cell; read it right after the call).
 */
export let cellEnd = 0;

/** Reads a little-endian length of `size` bytes (1–4) at `o`. */
function lengthPrefix(buf: Buffer, o: number, size: number, col: ColumnDecodeInfo): number {
  if (size < 1 || size > 4) throw corruptValue(col.name, `length prefix of ${size} bytes`, o);
  if (o + size > buf.length) short(col, o, size, buf.length - o);
  return size === 1 ? buf[o]! : size === 2 ? u16le(buf, o) : size === 3 ? u24le(buf, o) : u32le(buf, o);
}

const DEFAULT_BLOB_PACK = [1, 3, 4, 2] as const; // TINY, MEDIUM, LONG, BLOB when meta is missing

/** One non-NULL cell at `offset` → SPEC §3 value and the offset after it. */
export function readValue(buf: Buffer, offset: number, col: ColumnDecodeInfo): ReadResult {
  const value = readCell(buf, offset, col);
  return { value, end: cellEnd };
}

/** One non-NULL cell at `offset` → its SPEC §3 value; the offset after it is left in `cellEnd`. */
export function readCell(buf: Buffer, offset: number, col: ColumnDecodeInfo): JsonValue {
  const o = offset;
  const have = buf.length - o;
  const meta = col.meta;
  switch (col.type) {
    case T.TINY:
      if (have < 1) short(col, o, 1, have);
      cellEnd = o + 1;
      return col.unsigned ? buf[o]! : (buf[o]! << 24) >> 24;
    case T.SHORT:
      if (have < 2) short(col, o, 2, have);
      cellEnd = o + 2;
      return col.unsigned ? u16le(buf, o) : i16le(buf, o);
    case T.INT24:
      if (have < 3) short(col, o, 3, have);
      cellEnd = o + 3;
      return col.unsigned ? u24le(buf, o) : i24le(buf, o);
    case T.LONG:
      if (have < 4) short(col, o, 4, have);
      cellEnd = o + 4;
      return col.unsigned ? u32le(buf, o) : i32le(buf, o);
    case T.LONGLONG:
      if (have < 8) short(col, o, 8, have);
      cellEnd = o + 8;
      return readInt64(buf, o, col.unsigned);
    case T.FLOAT:
      if (have < 4) short(col, o, 4, have);
      cellEnd = o + 4;
      return finite(readFloat(buf, o), col, o);
    case T.DOUBLE:
      if (have < 8) short(col, o, 8, have);
      cellEnd = o + 8;
      return finite(f64le(buf, o), col, o);
    case T.NULL:
      cellEnd = o;
      return null;
    case T.YEAR:
      if (have < 1) short(col, o, 1, have);
      cellEnd = o + 1;
      return readYear(buf, o);
    case T.DATE:
    case T.NEWDATE:
      if (have < 3) short(col, o, 3, have);
      cellEnd = o + 3;
      return readDate(buf, o);
    case T.TIME:
      if (col.fsp !== undefined && col.fsp > 0) return readHires(buf, o, col, 'time', col.fsp, have);
      if (have < 3) short(col, o, 3, have);
      cellEnd = o + 3;
      return readTime(buf, o);
    case T.DATETIME:
      if (col.fsp !== undefined && col.fsp > 0) return readHires(buf, o, col, 'datetime', col.fsp, have);
      if (have < 8) short(col, o, 8, have);
      cellEnd = o + 8;
      return readDateTime(buf, o);
    case T.TIMESTAMP:
      if (col.fsp !== undefined && col.fsp > 0) return readHires(buf, o, col, 'timestamp', col.fsp, have);
      if (have < 4) short(col, o, 4, have);
      cellEnd = o + 4;
      return readTimestamp(buf, o);
    case T.TIME2: {
      const n = 3 + fracBytes(checkFsp(meta, col, o));
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return readTime2(buf, o, meta);
    }
    case T.DATETIME2: {
      const n = 5 + fracBytes(checkFsp(meta, col, o));
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return readDateTime2(buf, o, meta);
    }
    case T.TIMESTAMP2: {
      const n = 4 + fracBytes(checkFsp(meta, col, o));
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return readTimestamp2(buf, o, meta);
    }
    case T.NEWDECIMAL: {
      const d = readDecimal(buf, o, meta >> 8, meta & 0xff, col.name);
      cellEnd = d.end;
      return d.text;
    }
    case T.BIT: {
      const n = (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
      if (n < 1 || n > 8) throw corruptValue(col.name, `BIT metadata ${meta} is invalid`, o);
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return readUIntBEExact(buf, o, n);
    }
    case T.VARCHAR:
      return readVarString(buf, o, col, meta);
    case T.VAR_STRING:
      return readVarString(buf, o, col, meta >= 0x1000 ? realTypeOf(T.VAR_STRING, meta).meta : meta);
    case T.STRING:
      return readFixedString(buf, o, col);
    case T.ENUM: {
      const n = meta >= 0x1000 ? realTypeOf(T.STRING, meta).meta : meta;
      if (n !== 1 && n !== 2) throw corruptValue(col.name, `ENUM pack length ${n}`, o);
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return enumValue(n === 1 ? buf[o]! : u16le(buf, o), col);
    }
    case T.SET: {
      const n = meta >= 0x1000 ? realTypeOf(T.STRING, meta).meta : meta;
      if (n < 1 || n > 8) throw corruptValue(col.name, `SET pack length ${n}`, o);
      if (have < n) short(col, o, n, have);
      cellEnd = o + n;
      return setValue(buf, o, n, col);
    }
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB: {
      const size = meta === 0 ? DEFAULT_BLOB_PACK[col.type - T.TINY_BLOB]! : meta;
      const len = lengthPrefix(buf, o, size, col);
      const s = o + size;
      if (s + len > buf.length) short(col, s, len, buf.length - s);
      cellEnd = s + len;
      return textOrBinary(buf, s, s + len, col, true, 0);
    }
    case T.BLOB_COMPRESSED:
      return readCompressed(buf, o, col, meta === 0 ? 4 : meta, true);
    case T.VARCHAR_COMPRESSED:
      return readCompressed(buf, o, col, meta < 256 ? 1 : 2, false);
    case T.JSON: {
      const size = meta === 0 ? 4 : meta;
      const len = lengthPrefix(buf, o, size, col);
      const s = o + size;
      if (s + len > buf.length) short(col, s, len, buf.length - s);
      cellEnd = s + len;
      return decodeBinaryJson(buf, s, s + len, col.name);
    }
    case T.GEOMETRY: {
      const size = meta === 0 ? 4 : meta;
      const len = lengthPrefix(buf, o, size, col);
      const s = o + size;
      if (s + len > buf.length) short(col, s, len, buf.length - s);
      cellEnd = s + len;
      return base64Text(buf, s, s + len);
    }
    case T.VECTOR: {
      const size = meta === 0 ? 4 : meta;
      const len = lengthPrefix(buf, o, size, col);
      const s = o + size;
      if (s + len > buf.length) short(col, s, len, buf.length - s);
      if (len % 4 !== 0) throw corruptValue(col.name, `VECTOR length ${len} is not a multiple of 4`, o);
      const vector = readVector(buf, s, s + len);
      if (vector === undefined) throw corruptValue(col.name, 'VECTOR holds a NaN or infinite element', s);
      cellEnd = s + len;
      return vector;
    }
    default:
      throw unknownType(col.name, col.type);
  }
}

/** MySQL and MariaDB refuse NaN and ±Infinity, and JSON cannot hold them: such bytes are damage. */
function finite(v: number, col: ColumnDecodeInfo, o: number): number {
  if (v - v !== 0) throw corruptValue(col.name, `floating-point value ${v} cannot be stored by MySQL`, o);
  return v;
}

function checkFsp(fsp: number, col: ColumnDecodeInfo, o: number): number {
  if (fsp > 6) throw corruptValue(col.name, `fractional seconds precision ${fsp} > 6`, o);
  return fsp;
}

/** MariaDB's high-resolution TIME/DATETIME/TIMESTAMP of an old-format column (temporal.ts). */
function readHires(buf: Buffer, o: number, col: ColumnDecodeInfo, kind: 'time' | 'datetime' | 'timestamp', fsp: number, have: number): string {
  if (fsp > 6) throw corruptValue(col.name, `fractional precision ${fsp}`, o);
  const n = hiresLength(kind, fsp);
  if (have < n) short(col, o, n, have);
  cellEnd = o + n;
  return kind === 'time' ? readHiresTime(buf, o, fsp) : kind === 'datetime' ? readHiresDateTime(buf, o, fsp) : readHiresTimestamp(buf, o, fsp);
}

/** A MariaDB COMPRESSED cell after its `size`-byte length (compressed-column.ts). */
function readCompressed(buf: Buffer, o: number, col: ColumnDecodeInfo, size: number, blobLike: boolean): JsonValue {
  const len = lengthPrefix(buf, o, size, col);
  const s = o + size;
  if (s + len > buf.length) short(col, s, len, buf.length - s);
  const value = uncompressedColumn(buf, s, s + len, col.name);
  cellEnd = s + len;
  return textOrBinary(value, 0, value.length, col, blobLike, 0);
}

function readVarString(buf: Buffer, o: number, col: ColumnDecodeInfo, maxLength: number): JsonValue {
  const size = maxLength < 256 ? 1 : 2;
  const len = lengthPrefix(buf, o, size, col);
  const s = o + size;
  if (s + len > buf.length) short(col, s, len, buf.length - s);
  cellEnd = s + len;
  return textOrBinary(buf, s, s + len, col, false, 0);
}

/** STRING: CHAR/BINARY, or ENUM/SET if the caller passed the raw TABLE_MAP meta. */
function readFixedString(buf: Buffer, o: number, col: ColumnDecodeInfo): JsonValue {
  let fieldLength = col.meta;
  if (fieldLength >= 0x1000) {
    const real = realTypeOf(T.STRING, fieldLength);
    if (real.type === T.ENUM || real.type === T.SET) return readCell(buf, o, { ...col, type: real.type, meta: real.meta });
    fieldLength = real.meta;
  }
  const size = fieldLength < 256 ? 1 : 2;
  const len = lengthPrefix(buf, o, size, col);
  const s = o + size;
  if (s + len > buf.length) short(col, s, len, buf.length - s);
  cellEnd = s + len;
  if (col.textForm !== undefined) return textFormValue(buf, s, len, col, col.textForm);
  return textOrBinary(buf, s, s + len, col, false, fieldLength);
}

/** A MariaDB INET4/INET6/UUID cell (its trailing zero bytes may be left out, as for BINARY(n)) as SELECT shows it. */
function textFormValue(buf: Buffer, s: number, len: number, col: ColumnDecodeInfo, form: TextForm): string {
  const n = TEXT_FORM_BYTES[form];
  if (len > n) throw corruptValue(col.name, `${form.toUpperCase()} value of ${len} bytes, more than ${n}`, s);
  if (len === n) return formatTextForm(form, buf.subarray(s, s + n));
  const padded = Buffer.alloc(n);
  buf.copy(padded, 0, s, s + len);
  return formatTextForm(form, padded);
}
