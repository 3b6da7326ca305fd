/**
 * MySQL binary JSON (the JSON column's storage and binlog format, documented
 * at the top of MySQL's sql-common/json_binary.h) to a JsonValue.
 *
 *   doc      ::= type value
 *   type     ::= 0x00 small object | 0x01 large object | 0x02 small array
 *              | 0x03 large array | 0x04 literal | 0x05 int16 | 0x06 uint16
 *              | 0x07 int32 | 0x08 uint32 | 0x09 int64 | 0x0A uint64
 *              | 0x0B double | 0x0C utf8mb4 string | 0x0F opaque
 *   object   ::= count size key-entry* value-entry* key* value*
 *   array    ::= count size value-entry* value*
 *   (count, size and offsets are uint16 in small, uint32 in large containers;
 *    key-entry ::= offset uint16-length; value-entry ::= type offset-or-inline;
 *    offsets count from the first byte of `count`; literals and 16-bit ints
 *    are inlined, and 32-bit ints too in large containers)
 *   string   ::= varlen-length utf8mb4-bytes   (7 bits per byte, low first)
 *   opaque   ::= mysql-field-type varlen-length bytes
 *
 * Mapping decisions (SPEC §3 says "the JSON value itself, integers exact"):
 *   - integers within ±(2^53−1) are numbers; larger int64/uint64 become
 *     strings of their exact digits (a JSON number would lose digits in JS).
 *   - opaque DECIMAL: a number when the JS number prints back as the same
 *     value text, otherwise the exact digits as a string.
 *   - opaque DATE/TIME/DATETIME/TIMESTAMP: the text MySQL's JSON printer
 *     shows ("2015-01-15", "23:24:25.000000", "2015-01-15 23:24:25.000000").
 *   - any other opaque value: "base64:type<N>:<base64>" as MySQL prints it.
 *   - an empty (0-byte) document is JSON null (MySQL reads it so).
 * Invariants: every read is bounds-checked against the document end; nesting
 * deeper than MAX_DEPTH is rejected; keys named "__proto__" are kept as own
 * properties.
 */
import { ColumnType as T, type JsonValue } from './column.js';
import { readDecimal } from './decimal.js';
import { readInt64 } from './integers.js';
import { formatPackedTemporal } from './temporal.js';
import { corruptValue, unknownType } from './value-errors.js';

export const JsonType = {
  SMALL_OBJECT: 0x00,
  LARGE_OBJECT: 0x01,
  SMALL_ARRAY: 0x02,
  LARGE_ARRAY: 0x03,
  LITERAL: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  OPAQUE: 0x0f,
} as const;

const MAX_DEPTH = 150;

/** Decodes the binary JSON document in [start, end). */
export function decodeBinaryJson(buf: Buffer, start: number, end: number, column = 'json'): JsonValue {
  if (end > buf.length || start > end) throw corruptValue(column, 'JSON value runs past the event', start);
  if (start === end) return null;
  return readNode(buf, buf[start]!, start + 1, end, column, 0);
}

/** Reads the 1–5 byte variable-length integer at `o` (7 bits per byte, low first). */
function readVarLen(buf: Buffer, o: number, end: number, column: string): { len: number; next: number } {
  let len = 0;
  for (let i = 0; i < 5; i++) {
    if (o + i >= end) break;
    const b = buf[o + i]!;
    len += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { len, next: o + i + 1 };
  }
  throw corruptValue(column, 'JSON variable-length integer is malformed', o);
}

function check(o: number, n: number, end: number, column: string): void {
  if (o + n > end) throw corruptValue(column, `JSON value needs ${n} bytes at ${o}`, o);
}

function readNode(buf: Buffer, type: number, o: number, end: number, column: string, depth: number): JsonValue {
  switch (type) {
    case JsonType.SMALL_OBJECT:
      return readObject(buf, o, end, false, column, depth);
    case JsonType.LARGE_OBJECT:
      return readObject(buf, o, end, true, column, depth);
    case JsonType.SMALL_ARRAY:
      return readArray(buf, o, end, false, column, depth);
    case JsonType.LARGE_ARRAY:
      return readArray(buf, o, end, true, column, depth);
    case JsonType.LITERAL:
      check(o, 1, end, column);
      return literal(buf[o]!, o, column);
    case JsonType.INT16:
      check(o, 2, end, column);
      return buf.readInt16LE(o);
    case JsonType.UINT16:
      check(o, 2, end, column);
      return buf.readUInt16LE(o);
    case JsonType.INT32:
      check(o, 4, end, column);
      return buf.readInt32LE(o);
    case JsonType.UINT32:
      check(o, 4, end, column);
      return buf.readUInt32LE(o);
    case JsonType.INT64:
      check(o, 8, end, column);
      return readInt64(buf, o, false);
    case JsonType.UINT64:
      check(o, 8, end, column);
      return readInt64(buf, o, true);
    case JsonType.DOUBLE: {
      check(o, 8, end, column);
      const d = buf.readDoubleLE(o);
      if (d - d !== 0) throw corruptValue(column, 'JSON double is NaN or infinite', o);
      return d;
    }
    case JsonType.STRING: {
      const { len, next } = readVarLen(buf, o, end, column);
      check(next, len, end, column);
      return buf.toString('utf8', next, next + len);
    }
    case JsonType.OPAQUE: {
      check(o, 1, end, column);
      const fieldType = buf[o]!;
      const { len, next } = readVarLen(buf, o + 1, end, column);
      check(next, len, end, column);
      return opaque(buf, fieldType, next, next + len, column);
    }
    default:
      throw unknownType(column, type, 'binary JSON value type');
  }
}

function literal(b: number, o: number, column: string): JsonValue {
  if (b === 0) return null;
  if (b === 1) return true;
  if (b === 2) return false;
  throw corruptValue(column, `JSON literal ${b} is not null, true or false`, o);
}

/** Value of an inlined scalar (in a value entry) or null when not inlined. */
function isInlined(type: number, large: boolean): boolean {
  return (
    type === JsonType.LITERAL ||
    type === JsonType.INT16 ||
    type === JsonType.UINT16 ||
    (large && (type === JsonType.INT32 || type === JsonType.UINT32))
  );
}

function readEntryValue(
  buf: Buffer,
  base: number,
  entry: number,
  large: boolean,
  containerEnd: number,
  column: string,
  depth: number,
): JsonValue {
  const type = buf[entry]!;
  const slot = entry + 1;
  if (isInlined(type, large)) {
    switch (type) {
      case JsonType.LITERAL:
        return literal(buf[slot]!, slot, column);
      case JsonType.INT16:
        return buf.readInt16LE(slot);
      case JsonType.UINT16:
        return buf.readUInt16LE(slot);
      case JsonType.INT32:
        return buf.readInt32LE(slot);
      default:
        return buf.readUInt32LE(slot);
    }
  }
  const offset = large ? buf.readUInt32LE(slot) : buf.readUInt16LE(slot);
  if (base + offset >= containerEnd) throw corruptValue(column, 'JSON value offset points outside its container', slot);
  return readNode(buf, type, base + offset, containerEnd, column, depth + 1);
}

function header(buf: Buffer, base: number, end: number, large: boolean, column: string): { count: number; size: number } {
  check(base, large ? 8 : 4, end, column);
  const count = large ? buf.readUInt32LE(base) : buf.readUInt16LE(base);
  const size = large ? buf.readUInt32LE(base + 4) : buf.readUInt16LE(base + 2);
  if (base + size > end) throw corruptValue(column, 'JSON container size runs past the value', base);
  return { count, size };
}

function readArray(buf: Buffer, base: number, end: number, large: boolean, column: string, depth: number): JsonValue[] {
  if (depth > MAX_DEPTH) throw corruptValue(column, 'JSON nesting is too deep', base);
  const { count, size } = header(buf, base, end, large, column);
  const entrySize = large ? 5 : 3;
  const first = base + (large ? 8 : 4);
  const containerEnd = base + size;
  if (first + count * entrySize > containerEnd) throw corruptValue(column, 'JSON array entries run past the array', base);
  const out = new Array<JsonValue>(count);
  for (let i = 0; i < count; i++) {
    out[i] = readEntryValue(buf, base, first + i * entrySize, large, containerEnd, column, depth);
  }
  return out;
}

function readObject(
  buf: Buffer,
  base: number,
  end: number,
  large: boolean,
  column: string,
  depth: number,
): { [key: string]: JsonValue } {
  if (depth > MAX_DEPTH) throw corruptValue(column, 'JSON nesting is too deep', base);
  const { count, size } = header(buf, base, end, large, column);
  const keyEntrySize = large ? 6 : 4;
  const valueEntrySize = large ? 5 : 3;
  const keysAt = base + (large ? 8 : 4);
  const valuesAt = keysAt + count * keyEntrySize;
  const containerEnd = base + size;
  if (valuesAt + count * valueEntrySize > containerEnd) throw corruptValue(column, 'JSON object entries run past the object', base);
  const out: { [key: string]: JsonValue } = {};
  for (let i = 0; i < count; i++) {
    const k = keysAt + i * keyEntrySize;
    const keyOffset = large ? buf.readUInt32LE(k) : buf.readUInt16LE(k);
    const keyLength = buf.readUInt16LE(k + (large ? 4 : 2));
    if (base + keyOffset + keyLength > containerEnd) throw corruptValue(column, 'JSON object key runs past the object', k);
    const key = buf.toString('utf8', base + keyOffset, base + keyOffset + keyLength);
    const value = readEntryValue(buf, base, valuesAt + i * valueEntrySize, large, containerEnd, column, depth);
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

/** Text of a DECIMAL as a JSON number when that is exact, else the digits. */
function decimalValue(text: string): number | string {
  const n = Number(text);
  // Compare without trailing fraction zeros: "1.50" is exactly 1.5.
  let canonical = text;
  if (canonical.includes('.')) {
    let e = canonical.length;
    while (canonical.charCodeAt(e - 1) === 48) e--;
    if (canonical.charCodeAt(e - 1) === 46) e--;
    canonical = canonical.slice(0, e);
  }
  if (canonical === '-0') canonical = '0';
  return String(n) === canonical ? n : text;
}

function opaque(buf: Buffer, fieldType: number, s: number, e: number, column: string): JsonValue {
  switch (fieldType) {
    case T.NEWDECIMAL: {
      if (e - s < 2) throw corruptValue(column, 'JSON DECIMAL opaque value is too short', s);
      const { text, end } = readDecimal(buf.subarray(0, e), s + 2, buf[s]!, buf[s + 1]!, column);
      void end;
      return decimalValue(text);
    }
    case T.DATE:
    case T.NEWDATE:
      if (e - s < 8) throw corruptValue(column, 'JSON DATE opaque value is too short', s);
      return formatPackedTemporal(buf, s, 'date');
    case T.TIME:
    case T.TIME2:
      if (e - s < 8) throw corruptValue(column, 'JSON TIME opaque value is too short', s);
      return formatPackedTemporal(buf, s, 'time');
    case T.DATETIME:
    case T.DATETIME2:
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      if (e - s < 8) throw corruptValue(column, 'JSON DATETIME opaque value is too short', s);
      return formatPackedTemporal(buf, s, 'datetime');
    default:
      return `base64:type${fieldType}:${buf.toString('base64', s, e)}`;
  }
}
