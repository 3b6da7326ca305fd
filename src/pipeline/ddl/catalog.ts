/**
 * SchemaCatalog: the databases and tables known at one binlog position, as an
 * immutable value. Every update returns a new catalog sharing the untouched
 * parts, so the schema history can keep one catalog per position cheaply.
 *
 * Name rules follow MySQL Reference Manual §11.2.3 "Identifier Case
 * Sensitivity": database and table names compare exactly unless the server
 * runs with lower_case_table_names ≠ 0 (then case-insensitively; with 1 they
 * are also stored in lower case). Column and index names always compare
 * case-insensitively (see `sameName`).
 *
 * Invariants: tables are keyed by (db, name) under the catalog's case rule;
 * a TableSchema's own `db`/`name` always equal its key; no function mutates
 * its input.
 */
import type { DatabaseSchema, TableSchema } from '../../core/schema.js';

export interface SchemaCatalog {
  readonly databases: ReadonlyMap<string, DatabaseSchema>;
  readonly tables: ReadonlyMap<string, TableSchema>;
  /** lower_case_table_names of the source server (0, 1 or 2). */
  readonly lowerCaseTableNames: 0 | 1 | 2;
}

export function emptyCatalog(lowerCaseTableNames: 0 | 1 | 2 = 0): SchemaCatalog {
  return { databases: new Map(), tables: new Map(), lowerCaseTableNames };
}

/** Builds a catalog from known tables and databases (e.g. from the store or --schema-sql). */
export function catalogOf(
  tables: readonly TableSchema[],
  databases: readonly DatabaseSchema[] = [],
  lowerCaseTableNames: 0 | 1 | 2 = 0,
): SchemaCatalog {
  let cat = emptyCatalog(lowerCaseTableNames);
  for (const d of databases) cat = withDatabase(cat, d);
  for (const t of tables) cat = withTable(cat, t);
  return cat;
}

/** Column and index names are case-insensitive in MySQL and MariaDB. */
export function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

function fold(cat: SchemaCatalog, name: string): string {
  return cat.lowerCaseTableNames === 0 ? name : name.toLowerCase();
}

/** The stored spelling of a database or table name (lower case under lower_case_table_names=1). */
export function storedName(cat: SchemaCatalog, name: string): string {
  return cat.lowerCaseTableNames === 1 ? name.toLowerCase() : name;
}

function tableKey(cat: SchemaCatalog, db: string, name: string): string {
  return `${fold(cat, db)}\u0000${fold(cat, name)}`;
}

/**
 * The last lookup: row events ask for the same table over and over, and building the key (a
 * concatenation, hashed anew) was ~0.8 s of a 40 s daemon profile. Safe to keep because a
 * catalog never changes (a DDL makes a new one).
 */
let lastCat: SchemaCatalog | undefined;
let lastDb = '';
let lastName = '';
let lastTable: TableSchema | undefined;

export function findTable(cat: SchemaCatalog, db: string, name: string): TableSchema | undefined {
  if (cat === lastCat && db === lastDb && name === lastName) return lastTable;
  const table = cat.tables.get(tableKey(cat, db, name));
  lastCat = cat;
  lastDb = db;
  lastName = name;
  lastTable = table;
  return table;
}

/**
 * A table whose name differs from `db.name` only in letter case, under lower_case_table_names=0
 * (the hint that the source folds names after all); undefined otherwise.
 */
export function caseTwin(cat: SchemaCatalog, db: string, name: string): TableSchema | undefined {
  if (cat.lowerCaseTableNames !== 0) return undefined;
  const d = db.toLowerCase();
  const n = name.toLowerCase();
  for (const t of cat.tables.values()) if (t.db.toLowerCase() === d && t.name.toLowerCase() === n) return t;
  return undefined;
}

export function findDatabase(cat: SchemaCatalog, name: string): DatabaseSchema | undefined {
  return cat.databases.get(fold(cat, name));
}

export function withTable(cat: SchemaCatalog, table: TableSchema): SchemaCatalog {
  const tables = new Map(cat.tables);
  tables.set(tableKey(cat, table.db, table.name), table);
  return { ...cat, tables };
}

export function withoutTable(cat: SchemaCatalog, db: string, name: string): SchemaCatalog {
  const key = tableKey(cat, db, name);
  if (!cat.tables.has(key)) return cat;
  const tables = new Map(cat.tables);
  tables.delete(key);
  return { ...cat, tables };
}

export function withDatabase(cat: SchemaCatalog, db: DatabaseSchema): SchemaCatalog {
  const databases = new Map(cat.databases);
  databases.set(fold(cat, db.name), db);
  return { ...cat, databases };
}

export function withoutDatabase(cat: SchemaCatalog, name: string): SchemaCatalog {
  const databases = new Map(cat.databases);
  databases.delete(fold(cat, name));
  return { ...cat, databases };
}

/** Tables of one database, in name order. */
export function tablesIn(cat: SchemaCatalog, db: string): TableSchema[] {
  const key = fold(cat, db);
  return [...cat.tables.values()].filter((t) => fold(cat, t.db) === key).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
