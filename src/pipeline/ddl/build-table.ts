/**
 * CREATE TABLE definitions → TableSchema: table charset/collation inherited
 * from the database (then the server), columns resolved against it, then the
 * keys in definition order (inline PRIMARY KEY / UNIQUE included).
 *
 * Follows MySQL Reference Manual §12.3.4 "Table Character Set and
 * Collation", §15.1.20 "CREATE TABLE" and §15.1.20.4 "CREATE TABLE …
 * SELECT" (only the explicitly defined columns are known from the statement:
 * the schema is marked `incomplete`), and MariaDB KB "CREATE SEQUENCE" (a
 * sequence is a table with eight fixed columns, no primary key).
 *
 * Invariants: inline keys are added in column order after the columns exist;
 * columns named in the primary key are NOT NULL; the result is a plain value.
 */
import type { ColumnSchema, DatabaseSchema, TableSchema } from '../../core/schema.js';
import type { TableElement, TableOptions } from './ast.js';
import { resolvePair, type ServerDefaults } from './charset-defaults.js';
import { sameName } from './catalog.js';
import { resolveColumn, type CharsetContext } from './resolve-column.js';
import { addForeignKeyIndex, addIndex, withVersioningKeys } from './table-keys.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The database's default charset and collation, falling back to the server's. */
export function databaseDefaults(db: DatabaseSchema | undefined, server: ServerDefaults): { charset: string; collation: string } {
  return resolvePair(db?.charset, db?.collation, server) ?? { charset: server.charset, collation: server.collation };
}

/** Table defaults from its options, else the database's. */
export function tableDefaults(
  options: TableOptions,
  db: DatabaseSchema | undefined,
  server: ServerDefaults,
): { charset: string; collation: string } {
  if (options.charsetDefault === true && options.charset === undefined && options.collation === undefined) return databaseDefaults(db, server);
  const inherited = databaseDefaults(db, server);
  return resolvePair(options.charset, options.collation, server, inherited.charset) ?? inherited;
}

export function buildTable(
  dbName: string,
  name: string,
  elements: readonly TableElement[],
  options: TableOptions,
  db: DatabaseSchema | undefined,
  server: ServerDefaults,
  fromSelect = false,
): TableSchema {
  const { charset, collation } = tableDefaults(options, db, server);
  const ctx: CharsetContext = { charset, collation, server };
  const periods = new Map<string, readonly string[]>();
  for (const e of elements) if (e.kind === 'period') periods.set(e.name.toLowerCase(), e.columns);
  const notNull = new Set<string>();
  for (const e of elements) {
    if (e.kind === 'index' && e.index.kind === 'primary') for (const p of e.index.parts) if (p.column !== undefined) notNull.add(p.column.toLowerCase());
    if (e.kind === 'period') for (const c of e.columns) notNull.add(c.toLowerCase());
  }
  const columns: ColumnSchema[] = [];
  for (const e of elements) {
    if (e.kind === 'column') columns.push(resolveColumn(e.column, ctx, { inPrimaryKey: notNull.has(e.column.name.toLowerCase()) }));
  }
  let versioning: { rowStart: string; rowEnd: string } | undefined;
  if (options.systemVersioning === true) {
    const period = (which: 'start' | 'end'): string | undefined =>
      elements.flatMap((e) => (e.kind === 'column' && e.column.systemTime === which ? [e.column.name] : []))[0];
    const start = period('start');
    const end = period('end');
    if (start === undefined || end === undefined) columns.push(...implicitSystemColumns());
    versioning = { rowStart: start ?? 'row_start', rowEnd: end ?? 'row_end' };
  }
  const table: Mutable<TableSchema> = { db: dbName, name, columns, primaryKey: [], uniqueKeys: [], charset, collation };
  if (columns.length === 0 || fromSelect) table.incomplete = true;
  if (options.engine !== undefined) table.engine = options.engine;
  if (versioning !== undefined) table.systemVersioning = versioning;
  let t: TableSchema = table;
  for (const e of elements) {
    if (e.kind === 'column') {
      if (e.column.primaryKey) t = addIndex(t, { kind: 'primary', parts: [{ column: e.column.name }] });
      // A column declared both PRIMARY KEY and UNIQUE gets one key, the primary (as the server does).
      else if (e.column.unique) t = addIndex(t, { kind: 'unique', parts: [{ column: e.column.name }] });
    } else if (e.kind === 'index') t = addIndex(t, e.index, periods);
  }
  // Foreign keys get an index unless another key already starts with their columns.
  for (const e of elements) if (e.kind === 'foreign-key') t = addForeignKeyIndex(t, e.foreignKey);
  return withVersioningKeys(t);
}

/** Whether two column lists name the same column twice (a server error, so a history mismatch). */
export function duplicateColumn(columns: readonly ColumnSchema[]): string | undefined {
  for (let i = 0; i < columns.length; i += 1) {
    const a = columns[i] as ColumnSchema;
    if (columns.slice(i + 1).some((b) => sameName(a.name, b.name))) return a.name;
  }
  return undefined;
}

/**
 * The invisible period columns MariaDB adds to a table created or altered
 * WITH SYSTEM VERSIONING without explicit `AS ROW START/END` columns
 * (MariaDB KB "System-Versioned Tables"). They are in row images.
 */
export function implicitSystemColumns(): ColumnSchema[] {
  const col = (n: string): ColumnSchema => ({ name: n, type: 'timestamp', unsigned: false, fsp: 6, nullable: false, invisible: true });
  return [col('row_start'), col('row_end')];
}

/** MariaDB's sequence table layout (SHOW CREATE TABLE of a sequence). */
export function sequenceTable(dbName: string, name: string): TableSchema {
  const big = (n: string, unsigned = false): ColumnSchema => ({ name: n, type: 'bigint', unsigned, nullable: false });
  return {
    db: dbName,
    name,
    columns: [
      big('next_not_cached_value'),
      big('minimum_value'),
      big('maximum_value'),
      big('start_value'),
      big('increment'),
      big('cache_size', true),
      { name: 'cycle_option', type: 'tinyint', unsigned: true, nullable: false },
      big('cycle_count'),
    ],
    primaryKey: [],
    uniqueKeys: [],
  };
}
