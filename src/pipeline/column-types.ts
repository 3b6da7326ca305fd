/**
 * The bridge between the schema history (TableSchema, from DDL) and the
 * decoder (SchemaColumn, by TABLE_MAP type codes): which columns a row image
 * holds, their type families, signedness, character sets and labels; and the
 * other way round, a TableSchema built from TABLE_MAP optional metadata for a
 * table the history does not know.
 *
 * Invariants: a type code is only given where the binlog type is certain
 * (the decoder checks families, so an unsure code would be a false
 * mismatch); MariaDB's JSON is LONGTEXT, MySQL's its own type.
 */
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import type { ServerFlavor } from './ddl/index.js';
import type { TableMapColumn, TableMapEvent } from '../protocol/binlog/events.js';
import type { SchemaColumn } from '../protocol/binlog/table-schema.js';
import { OptionalMetadata } from '../protocol/binlog/table-map.js';
import { BINARY_COLLATION, charsetOfCollation, collationIdOfCharset } from '../protocol/values/charsets.js';
import { ColumnType as T } from '../protocol/values/column.js';

const TYPE_CODES: Readonly<Record<string, number>> = {
  tinyint: T.TINY, bool: T.TINY, boolean: T.TINY, smallint: T.SHORT, mediumint: T.INT24, int: T.LONG, integer: T.LONG,
  bigint: T.LONGLONG, float: T.FLOAT, double: T.DOUBLE, real: T.DOUBLE, decimal: T.NEWDECIMAL, numeric: T.NEWDECIMAL,
  fixed: T.NEWDECIMAL, bit: T.BIT, date: T.DATE, time: T.TIME2, datetime: T.DATETIME2, timestamp: T.TIMESTAMP2,
  year: T.YEAR, char: T.STRING, binary: T.STRING, varchar: T.VARCHAR, varbinary: T.VARCHAR, tinytext: T.BLOB,
  text: T.BLOB, mediumtext: T.BLOB, longtext: T.BLOB, tinyblob: T.BLOB, blob: T.BLOB, mediumblob: T.BLOB,
  longblob: T.BLOB, enum: T.ENUM, set: T.SET, geometry: T.GEOMETRY, point: T.GEOMETRY, linestring: T.GEOMETRY,
  polygon: T.GEOMETRY, multipoint: T.GEOMETRY, multilinestring: T.GEOMETRY, multipolygon: T.GEOMETRY,
  geometrycollection: T.GEOMETRY, geomcollection: T.GEOMETRY,
};

const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);

/** The binlog type code of a column, or undefined where it is not certain. */
export function typeCodeOf(column: ColumnSchema, flavor: ServerFlavor | undefined): number | undefined {
  if (column.type === 'json') return flavor === undefined ? undefined : flavor === 'mysql' ? T.JSON : T.BLOB;
  return TYPE_CODES[column.type];
}

/** Columns a row image holds: MySQL leaves virtual generated columns out, MariaDB logs them. */
export function imageColumns(table: TableSchema, count: number): readonly ColumnSchema[] {
  if (table.columns.length === count) return table.columns;
  const stored = table.columns.filter((c) => !c.generated || c.generated.stored);
  return stored.length === count ? stored : table.columns;
}

/** SchemaColumns for the decoder from the history's columns. */
export function schemaColumnsOf(columns: readonly ColumnSchema[], flavor: ServerFlavor | undefined): SchemaColumn[] {
  return columns.map((c) => {
    const type = typeCodeOf(c, flavor);
    const charset = BINARY_TYPES.has(c.type) ? 'binary' : c.charset;
    const collation = charset === undefined ? undefined : charset === 'binary' ? BINARY_COLLATION : collationIdOfCharset(charset);
    return {
      name: c.name,
      ...(type !== undefined ? { type } : {}),
      unsigned: c.unsigned,
      ...(collation !== undefined ? { collation } : {}),
      ...(c.type === 'enum' && c.values ? { enumLabels: c.values } : {}),
      ...(c.type === 'set' && c.values ? { setLabels: c.values } : {}),
      ...(c.type === 'inet4' || c.type === 'inet6' || c.type === 'uuid' ? { textForm: c.type } : {}),
      ...((c.type === 'time' || c.type === 'datetime' || c.type === 'timestamp') && c.fsp !== undefined && c.fsp > 0 ? { fsp: c.fsp } : {}),
    };
  });
}

function normaliseCharsetName(name: string): string {
  return name === 'utf8' ? 'utf8mb3' : name;
}

/**
 * Differences between the binlog's own metadata and the history's columns
 * (signedness of numbers, character set of text), as readable lines; empty
 * when they agree or the binlog carries no such metadata.
 */
export function metadataDifferences(columns: readonly ColumnSchema[], map: readonly TableMapColumn[]): string[] {
  const out: string[] = [];
  const n = Math.min(columns.length, map.length);
  for (let i = 0; i < n; i++) {
    const s = columns[i]!;
    const m = map[i]!;
    if (m.unsigned !== undefined && TYPE_CODES[s.type] !== undefined && isNumeric(s.type) && m.unsigned !== s.unsigned) {
      out.push(`column ${s.name} is ${m.unsigned ? 'unsigned' : 'signed'} in the binlog, ${s.unsigned ? 'unsigned' : 'signed'} in the schema history`);
    }
    if (m.collation !== undefined && TEXT_TYPES.has(s.type) && s.charset !== undefined) {
      const binlog = charsetOfCollation(m.collation)?.name;
      if (binlog !== undefined && normaliseCharsetName(binlog) !== normaliseCharsetName(s.charset)) {
        out.push(`column ${s.name} has character set ${binlog} in the binlog, ${s.charset} in the schema history`);
      }
    }
  }
  return out;
}

function isNumeric(type: string): boolean {
  return ['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'float', 'double'].includes(type);
}

/** True when TABLE_MAP carries the column names. */
export function hasColumnNames(map: TableMapEvent): boolean {
  return map.optionalMetadata.includes(OptionalMetadata.COLUMN_NAME);
}

/** True when TABLE_MAP says which columns make the primary key (absent metadata = no primary key). */
export function hasPrimaryKeyMetadata(map: TableMapEvent): boolean {
  return (
    map.optionalMetadata.includes(OptionalMetadata.SIMPLE_PRIMARY_KEY) ||
    map.optionalMetadata.includes(OptionalMetadata.PRIMARY_KEY_WITH_PREFIX)
  );
}

const NAMES_BY_CODE: Readonly<Record<number, string>> = {
  [T.TINY]: 'tinyint', [T.SHORT]: 'smallint', [T.INT24]: 'mediumint', [T.LONG]: 'int', [T.LONGLONG]: 'bigint',
  [T.FLOAT]: 'float', [T.DOUBLE]: 'double', [T.NEWDECIMAL]: 'decimal', [T.DECIMAL]: 'decimal', [T.BIT]: 'bit',
  [T.DATE]: 'date', [T.NEWDATE]: 'date', [T.TIME]: 'time', [T.TIME2]: 'time', [T.DATETIME]: 'datetime',
  [T.DATETIME2]: 'datetime', [T.TIMESTAMP]: 'timestamp', [T.TIMESTAMP2]: 'timestamp', [T.YEAR]: 'year',
  [T.VARCHAR]: 'varchar', [T.VAR_STRING]: 'varchar', [T.STRING]: 'char', [T.BLOB]: 'blob', [T.TINY_BLOB]: 'blob',
  [T.MEDIUM_BLOB]: 'blob', [T.LONG_BLOB]: 'blob', [T.ENUM]: 'enum', [T.SET]: 'set', [T.JSON]: 'json',
  [T.GEOMETRY]: 'geometry', [T.VECTOR]: 'vector', [T.VARCHAR_COMPRESSED]: 'varchar', [T.BLOB_COMPRESSED]: 'blob',
};

/**
 * A TableSchema from TABLE_MAP full metadata (column names, and the primary
 * key when the table has one), for a table the history does not know.
 */
export function tableFromMetadata(map: TableMapEvent): TableSchema {
  const columns: ColumnSchema[] = map.columns.map((c, i) => {
    const charset = c.collation !== undefined ? charsetOfCollation(c.collation)?.name : undefined;
    let type = NAMES_BY_CODE[c.type] ?? `type${c.type}`;
    if (charset === 'binary') type = type === 'varchar' ? 'varbinary' : type === 'char' ? 'binary' : type;
    else if (type === 'blob' && charset !== undefined) type = 'text';
    return {
      name: c.name ?? `@${i + 1}`,
      type,
      unsigned: c.unsigned ?? false,
      nullable: c.nullable,
      ...(charset !== undefined ? { charset } : {}),
      ...(c.enumLabels ? { values: c.enumLabels } : c.setLabels ? { values: c.setLabels } : {}),
    };
  });
  return {
    db: map.database,
    name: map.table,
    columns,
    primaryKey: (map.primaryKey ?? []).map((p) => columns[p.column]!.name),
    uniqueKeys: [],
  };
}
