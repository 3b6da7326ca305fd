/**
 * Table schemas as binsnap keeps them in its schema history (SPEC §4): what
 * the DDL processor builds from CREATE/ALTER statements and what the change
 * processor needs to decode a row event as of its position — column names and
 * order, base types with their parameters, signedness, character sets and
 * collations, ENUM/SET labels, and the primary key.
 *
 * Values are plain, immutable, JSON-serialisable data, so every store backend
 * can keep them as they are and two schemas compare with a deep equality.
 */

/** A column's base type in lower case, as MySQL spells it (`int`, `varchar`, `datetime`, `json`, …). */
export type ColumnBaseType = string;

export interface ColumnSchema {
  readonly name: string;
  /** Base type in lower case: tinyint … bigint, decimal, float, double, bit, date, time, datetime,
   *  timestamp, year, char, varchar, binary, varbinary, tinytext … longtext, tinyblob … longblob,
   *  enum, set, json, geometry (and its subtypes), vector, … */
  readonly type: ColumnBaseType;
  readonly unsigned: boolean;
  /** CHAR/VARCHAR/BINARY/VARBINARY length in characters/bytes; BIT width; display width is not kept. */
  readonly length?: number;
  /** DECIMAL precision and scale. */
  readonly precision?: number;
  readonly scale?: number;
  /** Fractional seconds precision of TIME/DATETIME/TIMESTAMP (0 when not given). */
  readonly fsp?: number;
  /** Character set and collation of character columns (resolved from table/database defaults). */
  readonly charset?: string;
  readonly collation?: string;
  /** ENUM and SET labels in definition order. */
  readonly values?: readonly string[];
  readonly nullable: boolean;
  /** Generated column expression text and whether it is STORED (virtual ones are not in row images on MySQL). */
  readonly generated?: { readonly expression: string; readonly stored: boolean };
  readonly invisible?: boolean;
  readonly autoIncrement?: boolean;
}

export interface IndexSchema {
  readonly name: string;
  readonly unique: boolean;
  readonly columns: readonly string[];
  /** Created implicitly for a FOREIGN KEY; the server drops it when another index covers it. */
  readonly forForeignKey?: boolean;
}

export interface TableSchema {
  readonly db: string;
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  /** Primary key column names in key order; empty for a table without one. */
  readonly primaryKey: readonly string[];
  readonly uniqueKeys: readonly IndexSchema[];
  /** Table default character set and collation. */
  readonly charset?: string;
  readonly collation?: string;
  readonly engine?: string;
  /** Non-unique secondary indexes (INDEX/KEY, FULLTEXT, SPATIAL): kept so that index names
   *  (auto-named like MySQL) and DROP INDEX resolve exactly as the server does. */
  readonly indexes?: readonly IndexSchema[];
  /** True when the columns are not all known from DDL (CREATE TABLE … SELECT): the row
   *  events' TABLE_MAP metadata must complete it. */
  readonly incomplete?: boolean;
  /** MariaDB WITH SYSTEM VERSIONING: the period columns. Every unique key (and the primary
   *  key) then ends with `rowEnd`, and the binlog carries history rows as inserts. */
  readonly systemVersioning?: { readonly rowStart: string; readonly rowEnd: string };
}

export interface DatabaseSchema {
  readonly name: string;
  readonly charset?: string;
  readonly collation?: string;
}

/** `db.table` as printed in messages and used as a map key. */
export function qualifiedName(t: { readonly db: string; readonly name: string }): string {
  return `${t.db}.${t.name}`;
}

/** Whether two database or table names are the same on a server that compares them in lower case (`fold`: lower_case_table_names 1 or 2) or exactly. */
export function sameTableName(a: string, b: string, fold: boolean): boolean {
  return a === b || (fold && a.toLowerCase() === b.toLowerCase());
}
