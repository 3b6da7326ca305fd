/**
 * The schema processor: keeps the catalog (every table's schema) as of the
 * event being processed, turns each DDL statement of the binlog into schema
 * changes and table events for the store, and answers the decoder's schema
 * lookups, so every row event is decoded with the schema as of its position
 * (SPEC §4).
 *
 * - DDL: parsed (`parseDdl`) and applied (`applyDdl`); statements that change
 *   no table are counted as ignored; a statement that cannot be parsed stops
 *   with BINSNAP_E_DDL_UNPARSEABLE naming it and its position, unless the
 *   user passed --skip-unparseable-ddl (then it is logged and counted).
 *   Statement-based data changes (DML in a QUERY event) stop with
 *   BINSNAP_E_STATEMENT_BASED_CHANGE: applying nothing would be silently wrong.
 * - Lookups: the history's columns for the TABLE_MAP; where the binlog carries
 *   its own metadata it is checked against the history, and a difference in
 *   names, count, type family (the decoder), signedness or character set is
 *   BINSNAP_E_SCHEMA_MISMATCH naming both. A table the history lacks is taken
 *   from TABLE_MAP full metadata (recorded as an `initial` schema version);
 *   without names it is BINSNAP_E_ROWS_UNKNOWN_TABLE.
 *
 * Invariants: the catalog is an immutable value, replaced per statement;
 * schema changes made by lookups are handed out once by `takeChanges`.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { qualifiedName, type TableSchema } from '../core/schema.js';
import type { SchemaChange, TableEvent } from '../store/index.js';
import type { TableMapEvent } from '../protocol/binlog/events.js';
import type { SchemaColumn, SchemaLookup } from '../protocol/binlog/table-schema.js';
import { GTID_FLAGS3_ROLLBACK_ALTER, GTID_FLAGS3_START_ALTER } from '../protocol/binlog/query-event.js';
import { charsetOfCollation } from '../protocol/values/charsets.js';
import { mariadbCollationName } from '../protocol/values/mariadb-collations.js';
import {
  applyDdl,
  defaultCollationOf,
  findTable,
  MARIADB_DEFAULTS,
  MYSQL8_DEFAULTS,
  parseDdl,
  unparseableDdl,
  type SchemaCatalog,
  type ServerDefaults,
  type TableChange,
} from './ddl/index.js';
import { caseTwin, withTable } from './ddl/catalog.js';
import { hasColumnNames, hasPrimaryKeyMetadata, imageColumns, metadataDifferences, schemaColumnsOf, tableFromMetadata } from './column-types.js';
import type { QueryEvent } from './transaction-assembler.js';
import { needsRewrite, type ColumnSource, type RowRewrite } from './row-rewrite.js';
import type { DdlStatement } from './ddl/index.js';
import type { PipelineLog } from './pipeline-log.js';

export interface SchemaProcessorOptions {
  readonly catalog: SchemaCatalog;
  readonly skipUnparseableDdl: boolean;
  readonly log: PipelineLog;
}

export interface StatementResult {
  readonly schemaChanges: SchemaChange[];
  readonly tableEvents: readonly TableEvent[];
  /** ALTER TABLE changes to columns: the stored rows must be written again, converted. */
  readonly rewrites: readonly RowRewrite[];
}

export interface SchemaCounters {
  ddl: number;
  ignored: number;
  skipped: number;
}

/**
 * sql_mode bits of a QUERY event's status (the same on MySQL and MariaDB:
 * `SET sql_mode = 4` reads back ANSI_QUOTES, `1048576` NO_BACKSLASH_ESCAPES;
 * bit 21, next to it, is STRICT_TRANS_TABLES, on by default).
 */
const MODE_ANSI_QUOTES = 1n << 2n;
const MODE_NO_BACKSLASH_ESCAPES = 1n << 20n;
/**
 * MariaDB only (MySQL 8 has neither; its 5.7 ORACLE and MAXDB change no type): `SET sql_mode =
 * 512` reads back ORACLE (with the modes it implies), `4096` MAXDB. They change what DATE, NUMBER,
 * BLOB and TIMESTAMP mean in DDL (ParseOptions).
 */
const MODE_ORACLE = 1n << 9n;
const MODE_MAXDB = 1n << 12n;

const NONE: StatementResult = Object.freeze({ schemaChanges: [] as SchemaChange[], tableEvents: [], rewrites: [] });

/** `10.11.6-MariaDB-log` → 101106, for version comments `/*!50100 … *\/`. */
function versionNumber(text: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : undefined;
}

export class SchemaProcessor {
  private cat: SchemaCatalog;
  private defaults: ServerDefaults = MARIADB_DEFAULTS;
  private serverVersion: number | undefined;
  /** Known once a format description was read (a range read from the middle of a file may not show one). */
  private flavor: 'mysql' | 'mariadb' | undefined;
  private pending: SchemaChange[] = [];
  private readonly columnsCache = new WeakMap<TableSchema, { count: number; columns: SchemaColumn[] }>();
  readonly counters: SchemaCounters = { ddl: 0, ignored: 0, skipped: 0 };
  /** The decoder's schema lookup, bound to this processor. */
  readonly lookup: SchemaLookup = (db, table, map, position) => this.columnsFor(db, table, map, position);

  constructor(private readonly opts: SchemaProcessorOptions) {
    this.cat = opts.catalog;
  }

  get catalog(): SchemaCatalog {
    return this.cat;
  }

  /** Puts the catalog back (a transaction with DDL that never committed). */
  restore(catalog: SchemaCatalog): void {
    this.cat = catalog;
    this.pending = [];
  }

  /** Learns the server flavour and version from a file's format description. */
  onFormatDescription(serverVersion: string): void {
    this.serverVersion = versionNumber(serverVersion);
    this.setFlavor(/mariadb/i.test(serverVersion) ? 'mariadb' : 'mysql');
  }

  /**
   * Learns the server flavour from an event only one of them writes, when no format description
   * was read: a range that starts mid-file skips the file's own (JSON is a type of its own on
   * MySQL and LONGTEXT on MariaDB, so DDL resolves differently).
   */
  learnFlavor(flavor: 'mysql' | 'mariadb'): void {
    if (this.flavor === undefined) this.setFlavor(flavor);
  }

  private setFlavor(flavor: 'mysql' | 'mariadb'): void {
    this.flavor = flavor;
    const base = flavor === 'mysql' ? MYSQL8_DEFAULTS : MARIADB_DEFAULTS;
    if (this.defaults.flavor !== base.flavor) this.defaults = { ...this.defaults, ...base, charset: this.defaults.charset, collation: this.defaults.collation };
  }

  /** The table's schema now, if the history has it. */
  table(db: string, name: string): TableSchema | undefined {
    return findTable(this.cat, db, name);
  }

  /** Schema changes recorded by lookups (tables learnt from TABLE_MAP) since the last call. */
  takeChanges(): SchemaChange[] {
    if (this.pending.length === 0) return [];
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Applies one non-control statement of the binlog. */
  applyStatement(ev: QueryEvent): StatementResult {
    const position = ev.pos;
    this.serverDefaultsFrom(ev);
    const flags3 = ev.status.gtidFlags3 ?? 0;
    if ((flags3 & (GTID_FLAGS3_START_ALTER | GTID_FLAGS3_ROLLBACK_ALTER)) !== 0) {
      // MariaDB's binlog_alter_two_phase logs an ALTER twice: when it starts, and when it commits
      // (or rolls back) with the same text. The table changes at the COMMIT ALTER, once.
      this.counters.ignored++;
      this.opts.log.debug({ position: position.format(), flags3 }, 'the first phase of an ALTER, or one rolled back: the table changes at its COMMIT ALTER');
      return NONE;
    }
    const sqlMode = ev.status.sqlMode ?? 0n;
    const parsed = parseDdl(ev.statement, {
      ...(this.serverVersion !== undefined ? { serverVersion: this.serverVersion } : {}),
      ansiQuotes: (sqlMode & MODE_ANSI_QUOTES) !== 0n,
      noBackslashEscapes: (sqlMode & MODE_NO_BACKSLASH_ESCAPES) !== 0n,
      oracle: this.flavor !== 'mysql' && (sqlMode & MODE_ORACLE) !== 0n,
      maxdb: this.flavor !== 'mysql' && (sqlMode & MODE_MAXDB) !== 0n,
    });
    if (!parsed.ok) {
      if (!this.opts.skipUnparseableDdl) throw unparseableDdl(parsed.failure, position.format());
      this.counters.skipped++;
      this.opts.log.warn(
        { position: position.format(), statement: ev.statement, near: parsed.failure.near, offset: parsed.failure.offset },
        'skipped a DDL statement binsnap cannot parse (--skip-unparseable-ddl)',
      );
      return NONE;
    }
    const st = parsed.statement;
    if (st.kind === 'ignored') {
      this.counters.ignored++;
      this.opts.log.debug({ position: position.format(), reason: st.reason }, 'statement changes no table');
      return NONE;
    }
    if (st.kind === 'dml') {
      if (touchesOnlySystemTables(ev)) {
        this.counters.ignored++;
        return NONE;
      }
      throw new BinsnapError(
        'BINSNAP_E_STATEMENT_BASED_CHANGE',
        `a ${st.verb} statement is logged as SQL, not as rows: ${ev.statement.slice(0, 200)}`,
        { position: position.format(), file: position.file, offset: position.offset, statement: ev.statement.slice(0, 1000) },
      );
    }
    let result;
    try {
      result = applyDdl(this.cat, st, { ...(ev.database !== '' ? { defaultDb: ev.database } : {}), serverDefaults: this.sessionDefaults(ev) });
    } catch (err) {
      throw withPosition(err, position, ev.statement);
    }
    const before = this.cat;
    this.cat = result.catalog;
    this.counters.ddl++;
    const stored = this.storeChanges(result.changes, ev.statement, position);
    stored.schemaChanges.push(...databaseChanges(before, this.cat, ev.statement));
    if (st.kind !== 'alter-table') return stored;
    const rewrite = rewriteOf(st, before, result.changes, ev, this.serverVersion);
    return rewrite && needsRewrite(rewrite) ? { ...stored, rewrites: [rewrite] } : stored;
  }

  private storeChanges(changes: readonly TableChange[], ddl: string, position: BinlogPosition): StatementResult {
    const schemaChanges: SchemaChange[] = [];
    const tableEvents: TableEvent[] = [];
    for (const c of changes) {
      switch (c.kind) {
        case 'create':
          schemaChanges.push({ table: qualifiedName(c.table), schema: c.schema, ddl, kind: 'create' });
          tableEvents.push({ kind: 'create', table: qualifiedName(c.table) });
          break;
        case 'alter':
          schemaChanges.push({ table: qualifiedName(c.table), schema: c.schema, ddl, kind: 'alter' });
          break;
        case 'rename':
          schemaChanges.push({ table: qualifiedName(c.from), schema: null, ddl, kind: 'rename' });
          schemaChanges.push({ table: qualifiedName(c.to), schema: c.schema, ddl, kind: 'rename' });
          tableEvents.push({ kind: 'rename', table: qualifiedName(c.from), to: qualifiedName(c.to) });
          break;
        case 'drop':
          schemaChanges.push({ table: qualifiedName(c.table), schema: null, ddl, kind: 'drop' });
          tableEvents.push({ kind: 'drop', table: qualifiedName(c.table) });
          break;
        case 'truncate': {
          const schema = findTable(this.cat, c.table.db, c.table.name) ?? null;
          schemaChanges.push({ table: qualifiedName(c.table), schema, ddl, kind: 'truncate' });
          tableEvents.push({ kind: 'truncate', table: qualifiedName(c.table) });
          break;
        }
        case 'rows-changed-without-events':
          this.opts.log.warn(
            { position: position.format(), table: qualifiedName(c.table), operations: c.operations, statement: ddl },
            'a partition operation changed rows without row events: the snapshot of this table may differ from the source from here on (re-seed it)',
          );
          break;
      }
    }
    return { schemaChanges, tableEvents, rewrites: [] };
  }

  /**
   * The server defaults with the statement's session character_set_collations (MariaDB ≥ 11.2,
   * QUERY status variable 131): a charset named without a collation takes the collation the
   * session maps it to. Pairs naming an id this binsnap does not know are left out.
   */
  private sessionDefaults(ev: QueryEvent): ServerDefaults {
    const pairs = ev.status.characterSetCollations;
    if (pairs === undefined || pairs.length === 0) return this.defaults;
    const overrides: Record<string, string> = { ...this.defaults.charsetCollations };
    for (const [charsetId, collationId] of pairs) {
      const charset = charsetOfCollation(charsetId)?.name;
      const collation = mariadbCollationName(collationId);
      if (charset !== undefined && collation !== undefined) overrides[charset] = collation;
      else this.opts.log.debug({ position: ev.pos.format(), charsetId, collationId }, 'character_set_collations names an unknown collation id: left out');
    }
    return { ...this.defaults, charsetCollations: overrides };
  }

  /** character_set_server of the statement's session (QUERY status), so new databases get the server's default. */
  private serverDefaultsFrom(ev: QueryEvent): void {
    const id = ev.status.collationServer;
    if (id === undefined) return;
    const charset = charsetOfCollation(id)?.name;
    if (charset === undefined || charset === this.defaults.charset) return;
    this.defaults = { ...this.defaults, charset, collation: defaultCollationOf(charset, this.defaults) };
  }

  private columnsFor(db: string, name: string, map: TableMapEvent, position: BinlogPosition): readonly SchemaColumn[] | undefined {
    let table = findTable(this.cat, db, name);
    if (table?.incomplete) table = this.complete(table, map, position);
    if (!table) {
      if (!hasColumnNames(map)) {
        throw new BinsnapError(
          'BINSNAP_E_ROWS_UNKNOWN_TABLE',
          `rows for ${db}.${name}, which is not in the schema history, and the binlog does not name its columns`,
          { table: `${db}.${name}`, position: position.format(), file: position.file, offset: position.offset },
        );
      }
      table = tableFromMetadata(map);
      const twin = caseTwin(this.cat, db, name);
      if (twin !== undefined) {
        this.opts.log.warn(
          { table: qualifiedName(table), known: qualifiedName(twin), position: position.format() },
          'rows for a table the schema history knows only in another letter case: if the source server has lower_case_table_names=1, replay binlog files with --lower-case-table-names 1',
        );
      }
      if (!hasPrimaryKeyMetadata(map)) {
        this.opts.log.warn(
          { table: qualifiedName(table), position: position.format() },
          'a table unknown to the schema history was taken from the binlog metadata, which names no primary key: its rows are kept as a multiset',
        );
      }
      this.cat = withTable(this.cat, table);
      this.pending.push({ table: qualifiedName(table), schema: table, ddl: `-- from TABLE_MAP metadata at ${position.format()}`, kind: 'initial' });
    }
    const cached = this.columnsCache.get(table);
    let columns: SchemaColumn[];
    if (cached && cached.count === map.columns.length) {
      columns = cached.columns;
    } else {
      columns = schemaColumnsOf(imageColumns(table, map.columns.length), this.flavor);
      this.columnsCache.set(table, { count: map.columns.length, columns });
    }
    if (map.optionalMetadata.length > 0) {
      const diffs = metadataDifferences(imageColumns(table, map.columns.length), map.columns);
      if (diffs.length > 0) {
        throw new BinsnapError(
          'BINSNAP_E_SCHEMA_MISMATCH',
          `rows for ${db}.${name} do not match the schema history: ${diffs.join('; ')}`,
          { table: `${db}.${name}`, position: position.format(), file: position.file, offset: position.offset },
        );
      }
    }
    return columns;
  }

  /** CREATE TABLE … SELECT: the selected columns come from TABLE_MAP metadata. */
  private complete(table: TableSchema, map: TableMapEvent, position: BinlogPosition): TableSchema {
    if (!hasColumnNames(map)) {
      throw new BinsnapError(
        'BINSNAP_E_ROWS_UNKNOWN_TABLE',
        `rows for ${qualifiedName(table)}, created by CREATE TABLE … SELECT: the binlog does not name the selected columns`,
        { table: qualifiedName(table), position: position.format() },
      );
    }
    const fromMap = tableFromMetadata(map);
    const known = new Map(table.columns.map((c) => [c.name.toLowerCase(), c]));
    const columns = fromMap.columns.map((c) => known.get(c.name.toLowerCase()) ?? c);
    const { incomplete: _drop, ...rest } = table;
    const done: TableSchema = {
      ...rest,
      columns,
      primaryKey: table.primaryKey.length > 0 ? table.primaryKey : fromMap.primaryKey,
    };
    this.cat = withTable(this.cat, done);
    this.pending.push({ table: qualifiedName(done), schema: done, ddl: `-- columns of CREATE TABLE … SELECT from TABLE_MAP metadata at ${position.format()}`, kind: 'alter' });
    return done;
  }
}

/** Name under which a database's defaults are kept in the schema history: `db.` (an empty table name). */
export function databaseEntryName(db: string): string {
  return `${db}.`;
}

/** CREATE/ALTER/DROP DATABASE as schema versions, so a later replay starts with the databases' default charsets. */
export function databaseChanges(before: SchemaCatalog, after: SchemaCatalog, ddl: string): SchemaChange[] {
  const out: SchemaChange[] = [];
  for (const [key, d] of after.databases) {
    const old = before.databases.get(key);
    if (old === d) continue;
    const schema: TableSchema = {
      db: d.name,
      name: '',
      columns: [],
      primaryKey: [],
      uniqueKeys: [],
      ...(d.charset !== undefined ? { charset: d.charset } : {}),
      ...(d.collation !== undefined ? { collation: d.collation } : {}),
    };
    out.push({ table: databaseEntryName(d.name), schema, ddl, kind: old ? 'alter' : 'create' });
  }
  for (const [key, d] of before.databases) {
    if (!after.databases.has(key)) out.push({ table: databaseEntryName(d.name), schema: null, ddl, kind: 'drop' });
  }
  return out;
}

type AlterStatement = Extract<DdlStatement, { kind: 'alter-table' }>;

/** How the rows of an altered table map onto its new columns, from the statement's clauses. */
function rewriteOf(st: AlterStatement, before: SchemaCatalog, changes: readonly TableChange[], ev: QueryEvent, serverVersion: number | undefined): RowRewrite | undefined {
  const altered = changes.find((c) => c.kind === 'alter');
  if (!altered || altered.kind !== 'alter') return undefined;
  const old = findTable(before, altered.table.db, altered.table.name);
  if (!old) return undefined;
  const renamed = changes.find((c) => c.kind === 'rename');
  const after = renamed && renamed.kind === 'rename' ? renamed.schema : altered.schema;
  const sources = new Map<string, ColumnSource>();
  for (const a of st.actions) {
    if (a.kind === 'change-column') sources.set(a.column.name.toLowerCase(), { from: a.oldName });
    else if (a.kind === 'rename-column') sources.set(a.newName.toLowerCase(), { from: a.oldName });
    else if (a.kind === 'add-column') {
      sources.set(a.column.name.toLowerCase(), a.column.default !== undefined ? { added: true, default: a.column.default } : { added: true });
    }
  }
  const oldNames = new Set(old.columns.map((c) => c.name.toLowerCase()));
  for (const c of after.columns) {
    const k = c.name.toLowerCase();
    if (!sources.has(k)) sources.set(k, oldNames.has(k) ? { from: c.name } : { added: true });
  }
  return { readFrom: qualifiedName(old), writeTo: qualifiedName(after), before: old, after, sources, timestamp: ev.timestamp, ...(serverVersion !== undefined ? { serverVersion } : {}) };
}

/** DML on the server's own tables (mysql.*): not user data. */
function touchesOnlySystemTables(ev: QueryEvent): boolean {
  const s = ev.statement;
  if (/\b(mysql|sys|performance_schema)`?\s*\.\s*`?\w/i.test(s)) return true;
  return ev.database === 'mysql' && !/\b\w+`?\s*\.\s*`?\w+/.test(s);
}

function withPosition(err: unknown, position: BinlogPosition, statement: string): unknown {
  if (!isBinsnapError(err)) return err;
  return new BinsnapError(
    err.code,
    err.message,
    { ...err.context, position: position.format(), statement: statement.slice(0, 1000) },
    { cause: err },
  );
}
