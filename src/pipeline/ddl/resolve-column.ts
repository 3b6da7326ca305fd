/**
 * A parsed column definition → the ColumnSchema the change processor decodes
 * with, resolving what the server resolves at CREATE/ALTER time.
 *
 * Follows MySQL Reference Manual §12.3.5 "Column Character Set and
 * Collation" (column ← table default), §13.3.1 (the BINARY attribute;
 * CHARACTER SET binary turns CHAR/VARCHAR/TEXT into BINARY/VARBINARY/BLOB),
 * §13.3.4 (BLOB(M)/TEXT(M) pick the smallest type holding M bytes/characters),
 * §13.1.1 (SERIAL), §13.2.5 / explicit_defaults_for_timestamp, §15.1.20
 * (PRIMARY KEY columns are NOT NULL) and MariaDB KB "JSON Data Type" (an alias
 * of LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin).
 *
 * Invariants: optional ColumnSchema fields are present only when meaningful
 * (charset/collation only on character columns, precision/scale only on
 * decimal, fsp only on temporal types), so schemas compare by deep equality.
 */
import type { ColumnSchema } from '../../core/schema.js';
import type { ColumnDefinition, DataType } from './ast.js';
import { binaryCollationOf, charsetOfCollation, defaultCollationOf, maxBytesPerChar, normaliseCharset, normaliseCollation, qualifyCollation, type ServerDefaults } from './charset-defaults.js';
import { isCharacterType } from './parse-data-type.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface CharsetContext {
  /** The table's resolved default charset and collation. */
  readonly charset: string;
  readonly collation: string;
  readonly server: ServerDefaults;
}

const NUMERIC = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double']);
const TO_BINARY: Readonly<Record<string, string>> = {
  char: 'binary', varchar: 'varbinary', tinytext: 'tinyblob', text: 'blob', mediumtext: 'mediumblob', longtext: 'longblob',
};

/** Smallest TEXT/BLOB type holding `bytes` bytes (§13.3.4). */
export function sizedLob(kind: 'text' | 'blob', bytes: number): string {
  const size = bytes <= 255 ? 'tiny' : bytes <= 65535 ? '' : bytes <= 16777215 ? 'medium' : 'long';
  return `${size}${kind}`;
}

/** Resolves the charset/collation of a character type against the table defaults. */
function resolveCharset(dt: DataType, ctx: CharsetContext): { charset: string; collation: string } {
  if (dt.charset !== undefined) {
    const charset = normaliseCharset(dt.charset);
    if (dt.collation !== undefined) return { charset, collation: qualifyCollation(charset, dt.collation) };
    return { charset, collation: dt.binaryCollation === true && dt.collationDefault !== true ? binaryCollationOf(charset) : defaultCollationOf(charset, ctx.server) };
  }
  if (dt.collation !== undefined) {
    const collation = normaliseCollation(dt.collation);
    // A charset-less collation (uca1400_…) takes the table's charset.
    if (collation.startsWith('uca1400_')) return { charset: ctx.charset, collation: qualifyCollation(ctx.charset, collation) };
    return { charset: charsetOfCollation(collation), collation };
  }
  if (dt.binaryCollation === true) return { charset: ctx.charset, collation: binaryCollationOf(ctx.charset) };
  // COLLATE DEFAULT is the charset's default collation, not the table's.
  return { charset: ctx.charset, collation: dt.collationDefault === true ? defaultCollationOf(ctx.charset, ctx.server) : ctx.collation };
}

/** Type, charset and collation of a data type as the server stores it. */
function resolveType(dt: DataType, ctx: CharsetContext): Pick<ColumnSchema, 'type' | 'charset' | 'collation' | 'length'> {
  let type = dt.type;
  if (type === 'json' && (ctx.server.flavor ?? 'mariadb') === 'mariadb') {
    return { type: 'longtext', charset: 'utf8mb4', collation: 'utf8mb4_bin' };
  }
  if (type === 'blob' && dt.length !== undefined) return { type: sizedLob('blob', dt.length) };
  if (!isCharacterType(type)) return dt.length === undefined ? { type } : { type, length: dt.length };
  const { charset, collation } = resolveCharset(dt, ctx);
  if (type === 'text' && dt.length !== undefined) type = sizedLob('text', dt.length * maxBytesPerChar(charset));
  if (charset === 'binary') {
    const bin = TO_BINARY[type];
    if (bin !== undefined) return type === 'char' || type === 'varchar' ? { type: bin, length: dt.length ?? 1 } : { type: bin };
    return { type, charset, collation: 'binary' };
  }
  return type === 'char' || type === 'varchar' ? { type, charset, collation, length: dt.length ?? 1 } : { type, charset, collation };
}

export interface ResolveColumnOptions {
  /** The column is part of the primary key or of a PERIOD: always NOT NULL. */
  readonly inPrimaryKey?: boolean;
}

export function resolveColumn(def: ColumnDefinition, ctx: CharsetContext, opts: ResolveColumnOptions = {}): ColumnSchema {
  const dt = def.dataType;
  const resolved = resolveType(dt, ctx);
  const col: Mutable<ColumnSchema> = {
    name: def.name,
    type: resolved.type,
    unsigned: NUMERIC.has(resolved.type) && dt.unsigned,
    nullable: true,
  };
  if (resolved.length !== undefined) col.length = resolved.length;
  if (resolved.type === 'decimal') {
    col.precision = dt.precision ?? 10;
    col.scale = dt.scale ?? 0;
  }
  if (dt.fsp !== undefined) col.fsp = dt.fsp;
  if (resolved.charset !== undefined) col.charset = resolved.charset;
  if (resolved.collation !== undefined) col.collation = resolved.collation;
  if (dt.values !== undefined) col.values = dt.values;
  let nullable = def.nullable ?? true;
  if (def.nullable === undefined && dt.type === 'timestamp' && ctx.server.explicitDefaultsForTimestamp === false) nullable = false;
  // PRIMARY KEY and period columns are always NOT NULL; AUTO_INCREMENT ones unless NULL is written.
  if (def.primaryKey || opts.inPrimaryKey === true || dt.serial === true || (def.autoIncrement && def.nullable === undefined)) nullable = false;
  col.nullable = nullable;
  if (def.generated !== undefined) col.generated = def.generated;
  if (def.invisible) col.invisible = true;
  if (def.autoIncrement) col.autoIncrement = true;
  return col;
}
