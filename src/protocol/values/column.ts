/**
 * The contract between the event decoder (src/protocol/binlog) and the column
 * value decoder (src/protocol/values). The event decoder parses TABLE_MAP and
 * rows events; for each present, non-NULL cell it calls `readValue` with what
 * it knows about the column and gets the SPEC §3 JSON value back.
 *
 * MySQL reference: sql/log_event.cc, libbinlogevents/src/rows_event.cpp,
 * "Table_map_log_event" and "Rows_log_event" in the MySQL internals manual.
 */
import type { TextForm } from './mariadb-text-forms.js';

/** A JSON value in the SPEC §3 mapping (bigint never escapes: big integers are strings). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** MySQL column type codes as they appear in TABLE_MAP (enum_field_types). */
export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  TYPED_ARRAY: 20,
  /** MariaDB ≥ 10.3 `COMPRESSED` columns (compressed-column.ts): BLOB/TEXT and VARCHAR/VARBINARY. */
  BLOB_COMPRESSED: 140,
  VARCHAR_COMPRESSED: 141,
  VECTOR: 242,
  INVALID: 243,
  BOOL: 244,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;
export type ColumnTypeCode = (typeof ColumnType)[keyof typeof ColumnType];

/**
 * Everything needed to decode one cell. `type` and `meta` come from TABLE_MAP
 * (meta already parsed from the per-type metadata bytes by `readColumnMeta`);
 * the rest comes from the caller's schema as of that position, or from
 * TABLE_MAP optional metadata, or defaults (signed, binary charset, no labels).
 */
export interface ColumnDecodeInfo {
  /** TABLE_MAP type code. For STRING columns whose real type is ENUM/SET (encoded in meta) pass the real type. */
  readonly type: number;
  /**
   * Type metadata as parsed by readColumnMeta (meaning depends on type). For
   * STRING/VAR_STRING/ENUM/SET pass either the raw TABLE_MAP meta or the one
   * realTypeOf returns (field length / pack length); readValue accepts both.
   */
  readonly meta: number;
  readonly unsigned: boolean;
  /** Collation id (e.g. 45 utf8mb4_general_ci, 8 latin1_swedish_ci, 63 binary); undefined = unknown. */
  readonly collation: number | undefined;
  readonly enumLabels?: readonly string[];
  readonly setLabels?: readonly string[];
  /** MariaDB INET4/INET6/UUID (from the schema): the binary cell is decoded to the text SELECT shows (mariadb-text-forms.ts). */
  readonly textForm?: TextForm | undefined;
  /**
   * The schema's fractional-second precision of a TIME/DATETIME/TIMESTAMP column that the binlog
   * gives its old type code (11, 12, 7): above 0 it is MariaDB's own high-resolution format
   * (temporal.ts, readHires*), whose precision TABLE_MAP does not carry.
   */
  readonly fsp?: number | undefined;
  /** MariaDB/MySQL JSON columns are LONGTEXT on MariaDB; true only for MySQL binary JSON (type 245). */
  readonly name: string;
}

/** Decoded value and the offset just past the bytes it used. */
export interface ReadResult {
  readonly value: JsonValue;
  readonly end: number;
}
