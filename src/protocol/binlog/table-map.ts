/**
 * TABLE_MAP (19): the table id → (db, table, column types, type metadata,
 * nullability) mapping that rows events refer to, plus the optional metadata
 * of binlog_row_metadata=MINIMAL/FULL (MySQL ≥ 8.0.1, MariaDB ≥ 10.5):
 * signedness, charsets, column names, ENUM/SET labels, geometry types,
 * primary key, column visibility, vector dimensions.
 *
 * Invariants: STRING columns that are really ENUM/SET get their real type
 * (realTypeOf); signedness bits count numeric columns only, charset entries
 * character columns only, labels ENUM/SET columns only — each in column order.
 * Unknown optional metadata fields are skipped by their declared length.
 * Reference: libbinlogevents/src/rows_event.cpp (Table_map_event),
 * sql/log_event.cc (Table_map_log_event::init_*_field).
 */
import { ColumnType as T } from '../values/column.js';
import { metaLength } from '../values/column-meta.js';
import { readColumnMeta, realTypeOf } from '../values/decode-value.js';
import { BodyReader, corruptEvent, type EventSite } from './body-reader.js';
import { EventType } from './event-types.js';
import type { TableMapBody, TableMapColumn } from './events.js';
import { postHeaderLength, type FormatDescription } from './format-description.js';

type MutableColumn = { -readonly [K in keyof TableMapColumn]: TableMapColumn[K] };

export const OptionalMetadata = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
  VECTOR_DIMENSIONALITY: 13,
} as const;

/**
 * The columns SIGNEDNESS metadata has a bit for: the numeric types, and on MariaDB YEAR too (its
 * field is a TINYINT UNSIGNED underneath, and MariaDB counts every field with a sign; MySQL only
 * the numeric types). Seen on MariaDB 10.11: without YEAR, the columns after one read their
 * neighbours' bits.
 */
export function hasSignedness(type: number, mariadb: boolean): boolean {
  return isNumericType(type) || (mariadb && type === T.YEAR);
}

export function isNumericType(type: number): boolean {
  switch (type) {
    case T.DECIMAL:
    case T.TINY:
    case T.SHORT:
    case T.INT24:
    case T.LONG:
    case T.LONGLONG:
    case T.NEWDECIMAL:
    case T.FLOAT:
    case T.DOUBLE:
      return true;
    default:
      return false;
  }
}

/**
 * The columns DEFAULT_CHARSET/COLUMN_CHARSET metadata lists, as the server counts them
 * (its is_character_type): the string and blob types, GEOMETRY (its base class is a blob) and
 * MySQL 9's VECTOR, both with the binary collation, and MariaDB's COMPRESSED string and blob
 * types (seen on 10.11: a latin1 column after them is listed after theirs).
 */
export function isCharacterType(type: number): boolean {
  switch (type) {
    case T.STRING:
    case T.VAR_STRING:
    case T.VARCHAR:
    case T.BLOB:
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.GEOMETRY:
    case T.VECTOR:
    case T.BLOB_COMPRESSED:
    case T.VARCHAR_COMPRESSED:
      return true;
    default:
      return false;
  }
}

export function isEnumOrSet(type: number): boolean {
  return type === T.ENUM || type === T.SET;
}

function readLabels(r: BodyReader, end: number): string[][] {
  const out: string[][] = [];
  while (r.pos < end) {
    const count = r.packed('label count');
    // Each label takes at least its one-byte length: a larger count is damage.
    r.need(count, 'labels');
    const labels: string[] = [];
    for (let i = 0; i < count; i++) labels.push(r.str(r.packed('label length'), 'label'));
    out.push(labels);
  }
  return out;
}

/** DEFAULT_CHARSET-style field: default collation plus (index, collation) exceptions. */
function readDefaultCharset(r: BodyReader, end: number, count: number): number[] {
  const def = r.packed('default collation');
  const out = new Array<number>(count).fill(def);
  while (r.pos < end) {
    const idx = r.packed('charset column index');
    const coll = r.packed('charset collation');
    if (idx < count) out[idx] = coll;
  }
  return out;
}

function readPackedList(r: BodyReader, end: number): number[] {
  const out: number[] = [];
  while (r.pos < end) out.push(r.packed('metadata value'));
  return out;
}

function bitAt(bits: Buffer, i: number): boolean {
  const byte = bits[i >> 3];
  return byte !== undefined && (byte & (0x80 >> (i & 7))) !== 0;
}

export function parseTableMap(buf: Buffer, bodyStart: number, bodyEnd: number, format: FormatDescription, site: EventSite): TableMapBody {
  const r = new BodyReader(buf, bodyStart, bodyEnd, site);
  const post = postHeaderLength(format, EventType.TABLE_MAP, 8);
  const tableId = r.uint(post === 6 ? 4 : 6, 'table id');
  const flags = r.u16('table map flags');
  r.pos = bodyStart + post;
  const database = r.str(r.u8('db length'), 'db name');
  r.skip(1, 'db terminator');
  const table = r.str(r.u8('table length'), 'table name');
  r.skip(1, 'table terminator');
  const count = r.packed('column count');
  r.need(count, 'column types');
  const types = r.bytes(count, 'column types');
  const columns: MutableColumn[] = new Array<MutableColumn>(count);
  // MySQL 5.1.15-5.1.17 (PRE_GA rows) wrote no metadata block and no null bitmap.
  const legacy = r.remaining === 0;
  const metaLen = legacy ? 0 : r.packed('metadata length');
  r.need(metaLen, 'column metadata');
  const metaEnd = r.pos + metaLen;
  let m = r.pos;
  for (let i = 0; i < count; i++) {
    const binlogType = types[i]!;
    let meta = 0;
    if (metaLen > 0) {
      const parsed = readColumnMeta(binlogType, buf, m);
      m = parsed.end;
      if (m > metaEnd) throw corruptEvent(site, `column metadata of ${table} runs past its ${metaLen} bytes`);
      meta = parsed.meta;
    }
    const real = realTypeOf(binlogType, meta);
    columns[i] = { type: real.type, binlogType, meta: real.meta, nullable: true };
  }
  r.pos = metaEnd;
  if (r.remaining > 0) {
    const nullBits = r.bytes((count + 7) >> 3, 'null bitmap');
    for (let i = 0; i < count; i++) {
      const byte = nullBits[i >> 3]!;
      columns[i]!.nullable = (byte & (1 << (i & 7))) !== 0;
    }
  }

  const present: number[] = [];
  let primaryKey: { column: number; prefix: number }[] | undefined;
  while (r.pos < r.end) {
    const fieldType = r.u8('optional metadata type');
    const len = r.packed('optional metadata length');
    r.need(len, 'optional metadata');
    const end = r.pos + len;
    const f = new BodyReader(buf, r.pos, end, site);
    present.push(fieldType);
    switch (fieldType) {
      case OptionalMetadata.SIGNEDNESS: {
        const bits = f.bytes(len);
        let n = 0;
        for (const c of columns) if (hasSignedness(c.type, format.mariadb)) c.unsigned = bitAt(bits, n++);
        break;
      }
      case OptionalMetadata.DEFAULT_CHARSET:
      case OptionalMetadata.COLUMN_CHARSET: {
        const chars = columns.filter((c) => isCharacterType(c.type));
        const colls = fieldType === OptionalMetadata.DEFAULT_CHARSET ? readDefaultCharset(f, end, chars.length) : readPackedList(f, end);
        chars.forEach((c, i) => {
          if (colls[i] !== undefined) c.collation = colls[i];
        });
        break;
      }
      case OptionalMetadata.ENUM_AND_SET_DEFAULT_CHARSET:
      case OptionalMetadata.ENUM_AND_SET_COLUMN_CHARSET: {
        const es = columns.filter((c) => isEnumOrSet(c.type));
        const colls = fieldType === OptionalMetadata.ENUM_AND_SET_DEFAULT_CHARSET ? readDefaultCharset(f, end, es.length) : readPackedList(f, end);
        es.forEach((c, i) => {
          if (colls[i] !== undefined) c.collation = colls[i];
        });
        break;
      }
      case OptionalMetadata.COLUMN_NAME: {
        for (let i = 0; i < count && f.pos < end; i++) columns[i]!.name = f.str(f.packed('column name length'), 'column name');
        break;
      }
      case OptionalMetadata.SET_STR_VALUE:
      case OptionalMetadata.ENUM_STR_VALUE: {
        const want = fieldType === OptionalMetadata.SET_STR_VALUE ? T.SET : T.ENUM;
        const lists = readLabels(f, end);
        let k = 0;
        for (const c of columns) {
          if (c.type !== want) continue;
          const labels = lists[k++];
          if (labels === undefined) break;
          if (want === T.SET) c.setLabels = labels;
          else c.enumLabels = labels;
        }
        break;
      }
      case OptionalMetadata.GEOMETRY_TYPE: {
        const geo = readPackedList(f, end);
        let k = 0;
        for (const c of columns) if (c.type === T.GEOMETRY && k < geo.length) c.geometryType = geo[k++];
        break;
      }
      case OptionalMetadata.SIMPLE_PRIMARY_KEY:
        primaryKey = readPackedList(f, end).map((column) => ({ column, prefix: 0 }));
        break;
      case OptionalMetadata.PRIMARY_KEY_WITH_PREFIX: {
        const list = readPackedList(f, end);
        primaryKey = [];
        for (let i = 0; i + 1 < list.length; i += 2) primaryKey.push({ column: list[i]!, prefix: list[i + 1]! });
        break;
      }
      case OptionalMetadata.COLUMN_VISIBILITY: {
        const bits = f.bytes(len);
        columns.forEach((c, i) => {
          c.visible = bitAt(bits, i);
        });
        break;
      }
      case OptionalMetadata.VECTOR_DIMENSIONALITY: {
        const dims = readPackedList(f, end);
        let k = 0;
        for (const c of columns) if (c.type === T.VECTOR && k < dims.length) c.vectorDimensions = dims[k++];
        break;
      }
      default:
        // Newer servers may add fields; each is length-prefixed, so skipping is exact.
        break;
    }
    r.pos = end;
  }
  return { kind: 'table_map', tableId, flags, database, table, columns, optionalMetadata: present, hasMetadata: !legacy || columns.every((c) => metaLength(c.binlogType) === 0), ...(primaryKey ? { primaryKey } : {}) };
}
