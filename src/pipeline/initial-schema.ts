/**
 * The schema a replay starts from (issue 5, item 3): the store's schema
 * history as of the start position (an earlier seed or replay), with the
 * CREATE statements of a `--schema-sql` file (e.g. `mariadb-dump --no-data`)
 * applied on top. Tables the file defines differently from the store become
 * `initial` schema versions recorded at the start position; the rest of the
 * history is already stored.
 *
 * Invariants: a statement of the file that cannot be parsed, or that a dump
 * would not hold, is BINSNAP_E_SCHEMA_SQL naming its line; data statements
 * (INSERT) are skipped with a warning, settings and locks are ignored.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { qualifiedName, type DatabaseSchema, type TableSchema } from '../core/schema.js';
import type { SchemaChange, SnapshotStore } from '../store/index.js';
import { applyDdl, catalogOf, MARIADB_DEFAULTS, parseDdl, splitScript, type SchemaCatalog, type ServerDefaults } from './ddl/index.js';
import type { PipelineLog } from './pipeline-log.js';
import { databaseChanges } from './schema-processor.js';

export interface InitialSchema {
  readonly catalog: SchemaCatalog;
  /** Schema versions to record at the start position. */
  readonly changes: readonly SchemaChange[];
}

/** Every table's schema as of `at` in the store (dropped tables left out); names folded by `lowerCaseTableNames`. */
export async function catalogFromStore(store: SnapshotStore, at: BinlogPosition, lowerCaseTableNames: 0 | 1 | 2 = 0): Promise<SchemaCatalog> {
  const tables: TableSchema[] = [];
  const databases: DatabaseSchema[] = [];
  for (const name of await store.schemaTables()) {
    const v = await store.schemaAt(name, { kind: 'position', position: at });
    if (!v?.schema) continue;
    if (v.schema.name === '' && name.endsWith('.')) {
      // A database's defaults (see databaseEntryName).
      const s = v.schema;
      databases.push({ name: s.db, ...(s.charset !== undefined ? { charset: s.charset } : {}), ...(s.collation !== undefined ? { collation: s.collation } : {}) });
    } else {
      tables.push(v.schema);
    }
  }
  return catalogOf(tables, databases, lowerCaseTableNames);
}

/** Applies a --schema-sql script to `base`; returns the catalog and the tables it changed. */
export function applySchemaSql(
  base: SchemaCatalog,
  script: string,
  file: string,
  log: PipelineLog,
  defaults: ServerDefaults = { ...MARIADB_DEFAULTS, charset: 'utf8mb4', collation: 'utf8mb4_general_ci' },
): InitialSchema {
  let cat = base;
  let db: string | undefined;
  const ddlOf = new Map<string, string>();
  for (const st of splitScript(script)) {
    const line = script.slice(0, st.offset).split('\n').length;
    const use = /^USE\s+`?([^`;\s]+)`?\s*;?$/i.exec(st.sql);
    if (use) {
      db = use[1];
      continue;
    }
    // Version comments apply as on a current server: /*!40101 … */ and /*M!100100 … */ are read, while
    // mariadb-dump's /*M!999999\- enable the sandbox mode */ (meant for no server) is skipped.
    const parsed = parseDdl(st.sql, { serverVersion: 999_998 });
    if (!parsed.ok) {
      throw new BinsnapError(
        'BINSNAP_E_SCHEMA_SQL',
        `cannot parse the statement at line ${line} of ${file}: ${parsed.failure.message} near '${parsed.failure.near}'`,
        { file, line, statement: st.sql.slice(0, 1000) },
      );
    }
    const s = parsed.statement;
    if (s.kind === 'ignored') continue;
    if (s.kind === 'dml') {
      log.warn({ file, line }, `--schema-sql: a ${s.verb} statement holds data, not schema; it is skipped`);
      continue;
    }
    try {
      const r = applyDdl(cat, s, { ...(db !== undefined ? { defaultDb: db } : {}), serverDefaults: defaults });
      cat = r.catalog;
      for (const c of r.changes) {
        if (c.kind === 'create' || c.kind === 'alter') ddlOf.set(qualifiedName(c.table), st.sql);
        if (c.kind === 'rename') ddlOf.set(qualifiedName(c.to), st.sql);
      }
    } catch (err) {
      if (!isBinsnapError(err)) throw err;
      throw new BinsnapError('BINSNAP_E_SCHEMA_SQL', `the statement at line ${line} of ${file} does not apply: ${err.message}`, {
        file,
        line,
        statement: st.sql.slice(0, 1000),
      }, { cause: err });
    }
  }
  const changes: SchemaChange[] = databaseChanges(base, cat, `-- from ${file}`).map((c) => ({ ...c, kind: 'initial' as const }));
  const before = new Map([...base.tables.values()].map((t) => [qualifiedName(t), JSON.stringify(t)]));
  for (const t of [...cat.tables.values()].sort((a, b) => (qualifiedName(a) < qualifiedName(b) ? -1 : 1))) {
    const name = qualifiedName(t);
    if (before.get(name) === JSON.stringify(t)) continue;
    changes.push({ table: name, schema: t, ddl: ddlOf.get(name) ?? `-- from ${file}`, kind: 'initial' });
  }
  return { catalog: cat, changes };
}
