/**
 * Keys of a TableSchema: the primary key, unique keys and named non-unique
 * indexes — adding (with MySQL's automatic index names), dropping, renaming,
 * the implicit index of a FOREIGN KEY. (ALTER TABLE carries old keys over to
 * the new column list in apply-alter.ts.)
 *
 * Follows MySQL Reference Manual §15.1.20 (an unnamed index is named after
 * its first column, with `_2`, `_3`, … when taken; PRIMARY KEY columns are
 * NOT NULL), §15.1.20.5 (the index a FOREIGN KEY needs) and §17.6.2.1
 * "Clustered and Secondary Indexes" (InnoDB's row identity without a
 * primary key).
 *
 * Invariants: key column names are stored in the table's own spelling;
 * `primaryKey` is only ever the declared PRIMARY KEY — see `rowIdentityKey`
 * for the key InnoDB clusters on when there is none.
 */
import type { IndexSchema, TableSchema } from '../../core/schema.js';
import type { ForeignKeyDefinition, IndexDefinition, KeyPart } from './ast.js';
import { qualifiedName } from '../../core/schema.js';
import { sameName } from './catalog.js';
import { schemaMismatch } from './ddl-errors.js';

function allIndexNames(t: TableSchema): string[] {
  return [...t.uniqueKeys.map((k) => k.name), ...(t.indexes ?? []).map((k) => k.name)];
}

function nameTaken(t: TableSchema, name: string): boolean {
  return sameName(name, 'PRIMARY') || allIndexNames(t).some((n) => sameName(n, name));
}

/** MySQL's name for an unnamed index whose first column is `base`. */
function autoIndexName(t: TableSchema, base: string): string {
  if (!nameTaken(t, base)) return base;
  for (let i = 2; ; i += 1) {
    const candidate = `${base}_${i}`;
    if (!nameTaken(t, candidate)) return candidate;
  }
}

function columnName(t: TableSchema, name: string): string {
  const col = t.columns.find((c) => sameName(c.name, name));
  // An incomplete table (CREATE … SELECT) has key columns that only the SELECT defines.
  if (col === undefined && t.incomplete === true) return name;
  if (col === undefined) throw schemaMismatch(qualifiedName(t), `key column ${name} does not exist`);
  return col.name;
}

/** Application-time periods by lower-case name → [start, end] columns (MariaDB PERIOD FOR). */
export type Periods = ReadonlyMap<string, readonly string[]>;

/** Key columns of the parts; `p WITHOUT OVERLAPS` stands for the period's end and start columns (MariaDB). */
function partColumns(t: TableSchema, parts: readonly KeyPart[], periods: Periods): string[] {
  return parts.flatMap((p) => {
    if (p.column === undefined) return [];
    if (p.withoutOverlaps === true) {
      const period = periods.get(p.column.toLowerCase());
      return period === undefined ? [] : [...period].reverse().map((c) => columnName(t, c));
    }
    return [columnName(t, p.column)];
  });
}

/** Adds an index from its definition; an existing name with IF NOT EXISTS leaves the table unchanged. */
export function addIndex(table: TableSchema, def: IndexDefinition, periods: Periods = new Map()): TableSchema {
  let t = table;
  const columns = partColumns(t, def.parts, periods);
  if (def.kind === 'primary') {
    if (def.ifNotExists === true && t.primaryKey.length > 0) return t;
    t = withoutCoveredForeignKeyIndexes(t, columns);
    return {
      ...t,
      primaryKey: columns,
      columns: t.columns.map((c) => (columns.some((k) => sameName(k, c.name)) && c.nullable ? { ...c, nullable: false } : c)),
    };
  }
  if (def.name !== undefined && nameTaken(t, def.name) && def.ifNotExists === true) return t;
  t = withoutCoveredForeignKeyIndexes(t, columns);
  const first = def.parts[0];
  const base = first?.column === undefined ? 'functional_index' : columnName(t, first.column);
  const name = def.name ?? autoIndexName(t, base);
  const index: IndexSchema = { name, unique: def.kind === 'unique', columns };
  if (def.kind === 'unique') return { ...t, uniqueKeys: [...t.uniqueKeys, index] };
  return { ...t, indexes: [...(t.indexes ?? []), index] };
}

/** Removes foreign-key indexes that a key on `columns` makes redundant (the server drops them). */
function withoutCoveredForeignKeyIndexes(t: TableSchema, columns: readonly string[]): TableSchema {
  const indexes = t.indexes ?? [];
  const kept = indexes.filter((k) => !(k.forForeignKey === true && startsWith(columns, k.columns)));
  return kept.length === indexes.length ? t : withIndexes(t, kept);
}

function startsWith(cols: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= cols.length && prefix.every((c, i) => sameName(c, cols[i] ?? ''));
}

/**
 * The index a FOREIGN KEY needs (§15.1.20.5): none when an existing key
 * starts with the foreign key's columns, else a non-unique index named after
 * the constraint (or, unnamed, like any index).
 */
export function addForeignKeyIndex(t: TableSchema, fk: ForeignKeyDefinition): TableSchema {
  const starts = (cols: readonly string[]): boolean => startsWith(cols, fk.columns);
  if (starts(t.primaryKey) || t.uniqueKeys.some((k) => starts(k.columns)) || (t.indexes ?? []).some((k) => starts(k.columns))) return t;
  const parts = fk.columns.map((column) => ({ column }));
  const added = addIndex(t, fk.name === undefined ? { kind: 'index', parts } : { kind: 'index', name: fk.name, parts });
  const indexes = added.indexes ?? [];
  return { ...added, indexes: indexes.map((k, i) => (i === indexes.length - 1 ? { ...k, forForeignKey: true } : k)) };
}

/** Drops the index (or PRIMARY) of that name; `found` is false when there is none. */
export function dropIndex(t: TableSchema, name: string): { table: TableSchema; found: boolean } {
  if (sameName(name, 'PRIMARY')) return { table: { ...t, primaryKey: [] }, found: t.primaryKey.length > 0 };
  const uniqueKeys = t.uniqueKeys.filter((k) => !sameName(k.name, name));
  const indexes = (t.indexes ?? []).filter((k) => !sameName(k.name, name));
  const found = uniqueKeys.length !== t.uniqueKeys.length || indexes.length !== (t.indexes ?? []).length;
  return { table: withIndexes({ ...t, uniqueKeys }, indexes), found };
}

/** Renames indexes simultaneously: every old name refers to the index before any rename. */
export function renameIndexes(t: TableSchema, renames: readonly { readonly oldName: string; readonly newName: string }[]): TableSchema {
  const rename = (k: IndexSchema): IndexSchema => {
    const r = renames.find((x) => sameName(x.oldName, k.name));
    return r === undefined ? k : { ...k, name: r.newName };
  };
  return withIndexes({ ...t, uniqueKeys: t.uniqueKeys.map(rename) }, (t.indexes ?? []).map(rename));
}

/**
 * MariaDB extends the primary key and every UNIQUE key of a system-versioned
 * table with its row-end column (current and history rows share the rest).
 */
export function withVersioningKeys(t: TableSchema): TableSchema {
  const end = t.systemVersioning?.rowEnd;
  if (end === undefined || !t.columns.some((c) => sameName(c.name, end))) return t;
  const extend = (cols: readonly string[]): readonly string[] => (cols.length === 0 || cols.some((c) => sameName(c, end)) ? cols : [...cols, end]);
  return { ...t, primaryKey: extend(t.primaryKey), uniqueKeys: t.uniqueKeys.map((k) => ({ ...k, columns: extend(k.columns) })) };
}

/** Undoes withVersioningKeys (DROP SYSTEM VERSIONING). */
export function withoutVersioningKeys(t: TableSchema): TableSchema {
  const end = t.systemVersioning?.rowEnd;
  if (end === undefined) return t;
  const strip = (cols: readonly string[]): readonly string[] => (cols.length > 1 && sameName(cols[cols.length - 1] ?? '', end) ? cols.slice(0, -1) : cols);
  const { systemVersioning: _v, ...rest } = t;
  return { ...rest, primaryKey: strip(t.primaryKey), uniqueKeys: t.uniqueKeys.map((k) => ({ ...k, columns: strip(k.columns) })) };
}

/** Sets `indexes`, leaving the field out when there are none (so schemas compare by deep equality). */
export function withIndexes(t: TableSchema, indexes: readonly IndexSchema[]): TableSchema {
  if (indexes.length > 0) return { ...t, indexes };
  if (t.indexes === undefined) return t;
  const { indexes: _dropped, ...rest } = t;
  return rest;
}

/**
 * The columns that identify a row: the primary key, or else — as InnoDB
 * clusters on it — the first UNIQUE key whose columns are all NOT NULL;
 * empty when neither exists (the table is then a multiset of rows).
 */
export function rowIdentityKey(t: TableSchema): readonly string[] {
  if (t.primaryKey.length > 0) return t.primaryKey;
  const notNull = (name: string): boolean => t.columns.some((c) => sameName(c.name, name) && !c.nullable);
  return t.uniqueKeys.find((k) => k.columns.length > 0 && k.columns.every(notNull))?.columns ?? [];
}
