/**
 * applyDdl: one parsed statement applied to a SchemaCatalog → the next
 * catalog and the table changes the statement made, in order.
 *
 * Follows the MySQL Reference Manual statement pages cited in the parser
 * modules; the decisions where servers or settings differ are documented in
 * README.md of this folder.
 *
 * Invariants:
 *   - pure: no I/O, no logging; the input catalog is never modified;
 *   - a statement the server could only have executed on a table the history
 *     lacks (ALTER, RENAME, TRUNCATE, CREATE/DROP INDEX, CREATE … LIKE) throws
 *     BINSNAP_E_DDL_UNKNOWN_TABLE; IF EXISTS forms and DROP of an unknown
 *     table change nothing (the server logs them, and nothing is lost);
 *   - `ignored` and `dml` statements return the catalog unchanged with no
 *     changes: the caller records (or refuses) them;
 *   - RENAME TABLE pairs apply one after another, so a swap through a
 *     temporary name (a→tmp, b→a, tmp→b) ends with the tables exchanged.
 */
import { assertNever } from '../../core/errors.js';
import { qualifiedName, type DatabaseSchema, type TableSchema } from '../../core/schema.js';
import type { DdlStatement, TableName } from './ast.js';
import { applyAlter } from './apply-alter.js';
import { buildTable, databaseDefaults, duplicateColumn, sequenceTable } from './build-table.js';
import {
  caseTwin,
  findDatabase,
  findTable,
  storedName,
  tablesIn,
  withDatabase,
  withTable,
  withoutDatabase,
  withoutTable,
  type SchemaCatalog,
} from './catalog.js';
import { resolvePair, type ServerDefaults } from './charset-defaults.js';
import { schemaMismatch, unknownTable } from './ddl-errors.js';
import { addIndex, dropIndex } from './table-keys.js';

export interface TableRef {
  readonly db: string;
  readonly name: string;
}

export type TableChange =
  | { readonly kind: 'create'; readonly table: TableRef; readonly schema: TableSchema }
  | { readonly kind: 'alter'; readonly table: TableRef; readonly schema: TableSchema }
  | { readonly kind: 'rename'; readonly from: TableRef; readonly to: TableRef; readonly schema: TableSchema }
  | { readonly kind: 'drop'; readonly table: TableRef }
  | { readonly kind: 'truncate'; readonly table: TableRef }
  /** Partition/tablespace maintenance that removed or brought rows without row events. */
  | { readonly kind: 'rows-changed-without-events'; readonly table: TableRef; readonly operations: readonly string[] };

export interface ApplyOptions {
  /** The QUERY event's default database (`db` field); unqualified names resolve against it. */
  readonly defaultDb?: string;
  readonly serverDefaults: ServerDefaults;
}

export interface ApplyResult {
  readonly catalog: SchemaCatalog;
  readonly changes: readonly TableChange[];
}

const ref = (t: { readonly db: string; readonly name: string }): TableRef => ({ db: t.db, name: t.name });

class Applier {
  cat: SchemaCatalog;
  readonly changes: TableChange[] = [];

  constructor(
    catalog: SchemaCatalog,
    readonly opts: ApplyOptions,
  ) {
    this.cat = catalog;
  }

  resolve(name: TableName): TableRef {
    const db = name.db ?? this.opts.defaultDb;
    if (db === undefined || db === '') throw unknownTable(name.name, 'a statement without a database (no database selected)');
    return { db: storedName(this.cat, db), name: storedName(this.cat, name.name) };
  }

  existing(name: TableName, what: string): TableSchema {
    const r = this.resolve(name);
    const t = findTable(this.cat, r.db, r.name);
    if (t === undefined) {
      const twin = caseTwin(this.cat, r.db, r.name);
      throw unknownTable(qualifiedName(r), what, twin === undefined ? undefined : qualifiedName(twin));
    }
    return t;
  }

  put(t: TableSchema): void {
    this.cat = withTable(this.cat, t);
  }

  drop(r: TableRef): boolean {
    if (findTable(this.cat, r.db, r.name) === undefined) return false;
    this.cat = withoutTable(this.cat, r.db, r.name);
    this.changes.push({ kind: 'drop', table: r });
    return true;
  }

  create(t: TableSchema, orReplace: boolean): void {
    const dup = duplicateColumn(t.columns);
    if (dup !== undefined) throw schemaMismatch(qualifiedName(t), `CREATE TABLE names column ${dup} twice`);
    if (orReplace) this.drop(ref(t));
    this.put(t);
    this.changes.push({ kind: 'create', table: ref(t), schema: t });
  }

  /** True when the table exists and the statement is IF NOT EXISTS (the server only warns). */
  skipExisting(r: TableRef, ifNotExists: boolean): boolean {
    return ifNotExists && findTable(this.cat, r.db, r.name) !== undefined;
  }

  rename(from: TableSchema, to: TableRef): TableSchema {
    if (findTable(this.cat, to.db, to.name) !== undefined && !(from.db === to.db && from.name === to.name)) {
      throw schemaMismatch(qualifiedName(to), `RENAME of ${qualifiedName(from)} to an existing table`);
    }
    this.cat = withoutTable(this.cat, from.db, from.name);
    const renamed: TableSchema = { ...from, db: to.db, name: to.name };
    this.put(renamed);
    this.changes.push({ kind: 'rename', from: ref(from), to, schema: renamed });
    return renamed;
  }

  database(name: string): DatabaseSchema | undefined {
    return findDatabase(this.cat, name);
  }

  apply(s: DdlStatement): void {
    const server = this.opts.serverDefaults;
    switch (s.kind) {
      case 'create-table': {
        const r = this.resolve(s.table);
        if (!s.orReplace && this.skipExisting(r, s.ifNotExists)) return;
        const built = buildTable(r.db, r.name, s.elements, s.options, this.database(r.db), server, s.asSelect);
        this.create(built, s.orReplace || findTable(this.cat, r.db, r.name) !== undefined);
        return;
      }
      case 'create-table-like': {
        const r = this.resolve(s.table);
        if (!s.orReplace && this.skipExisting(r, s.ifNotExists)) return;
        const source = this.existing(s.like, 'CREATE TABLE … LIKE');
        this.create({ ...source, db: r.db, name: r.name }, true);
        return;
      }
      case 'create-sequence': {
        const r = this.resolve(s.table);
        if (!s.orReplace && this.skipExisting(r, s.ifNotExists)) return;
        this.create(sequenceTable(r.db, r.name), true);
        return;
      }
      case 'alter-table': {
        const r = this.resolve(s.table);
        if (s.ifExists && findTable(this.cat, r.db, r.name) === undefined) return;
        const before = this.existing(s.table, 'ALTER TABLE');
        const out = applyAlter(before, s.actions, { database: this.database(before.db), server });
        let t = out.table;
        if (out.altered) {
          this.put(t);
          this.changes.push({ kind: 'alter', table: ref(t), schema: t });
        }
        if (out.renameTo !== undefined) {
          // An unqualified new name is in the session's default database, as for every table name (§15.1.9).
          const to = this.resolve({ db: out.renameTo.db ?? this.opts.defaultDb ?? before.db, name: out.renameTo.name });
          if (to.db !== t.db || to.name !== t.name) t = this.rename(t, to);
        }
        for (const conv of out.conversions) {
          const other = this.resolve(conv.table);
          if (conv.toTable) {
            // The new table has the partitioned table's columns and keys, and the partition's rows.
            this.create({ ...before, db: other.db, name: other.name }, false);
            this.changes.push({ kind: 'rows-changed-without-events', table: other, operations: ['CONVERT PARTITION'] });
          } else if (!this.drop(other)) throw unknownTable(qualifiedName(other), 'ALTER TABLE … CONVERT TABLE');
        }
        if (out.rowChangingOperations.length > 0) {
          this.changes.push({ kind: 'rows-changed-without-events', table: ref(t), operations: out.rowChangingOperations });
        }
        return;
      }
      case 'rename-table':
        for (const p of s.pairs) {
          if (s.ifExists === true) {
            const r = this.resolve(p.from);
            if (findTable(this.cat, r.db, r.name) === undefined) continue;
          }
          const from = this.existing(p.from, 'RENAME TABLE');
          this.rename(from, this.resolve(p.to));
        }
        return;
      case 'drop-table':
      case 'drop-sequence':
        for (const name of s.tables) this.drop(this.resolve(name));
        return;
      case 'truncate-table': {
        const t = this.existing(s.table, 'TRUNCATE TABLE');
        this.changes.push({ kind: 'truncate', table: ref(t) });
        return;
      }
      case 'create-index': {
        const before = this.existing(s.table, 'CREATE INDEX');
        const base = s.orReplace && s.index.name !== undefined ? dropIndex(before, s.index.name).table : before;
        const t = addIndex(base, s.index);
        this.put(t);
        this.changes.push({ kind: 'alter', table: ref(t), schema: t });
        return;
      }
      case 'drop-index': {
        const r = this.resolve(s.table);
        const before = findTable(this.cat, r.db, r.name);
        if (before === undefined) {
          if (s.ifExists) return;
          throw unknownTable(qualifiedName(r), 'DROP INDEX');
        }
        const t = dropIndex(before, s.name).table;
        this.put(t);
        this.changes.push({ kind: 'alter', table: ref(t), schema: t });
        return;
      }
      case 'create-database': {
        const name = storedName(this.cat, s.name);
        if (this.database(name) !== undefined && s.ifNotExists && !s.orReplace) return;
        if (s.orReplace) this.dropDatabase(name);
        const pair = resolvePair(s.charset, s.collation, server) ?? { charset: server.charset, collation: server.collation };
        this.cat = withDatabase(this.cat, { name, ...pair });
        return;
      }
      case 'alter-database': {
        const name = s.name ?? this.opts.defaultDb;
        if (name === undefined) throw unknownTable('(none)', 'ALTER DATABASE without a database (no database selected)');
        const current = this.database(name);
        const base = databaseDefaults(current, server);
        const pair = resolvePair(s.charset, s.collation, server) ?? base;
        this.cat = withDatabase(this.cat, { name: current?.name ?? storedName(this.cat, name), ...pair });
        return;
      }
      case 'drop-database':
        this.dropDatabase(s.name);
        return;
      case 'dml':
      case 'ignored':
        return;
      default:
        assertNever(s, 'DDL statement');
    }
  }

  dropDatabase(name: string): void {
    for (const t of tablesIn(this.cat, name)) this.drop(ref(t));
    this.cat = withoutDatabase(this.cat, name);
  }
}

/** Applies one statement; throws BINSNAP_E_DDL_UNKNOWN_TABLE / BINSNAP_E_DDL_SCHEMA_MISMATCH when the history disagrees. */
export function applyDdl(catalog: SchemaCatalog, statement: DdlStatement, options: ApplyOptions): ApplyResult {
  const a = new Applier(catalog, options);
  a.apply(statement);
  return { catalog: a.cat, changes: a.changes };
}
