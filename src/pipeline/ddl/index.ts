/**
 * The pure part of the DDL processor (issue 5, item 2): a MySQL/MariaDB DDL
 * parser (statement text → typed AST) and `applyDdl` (AST + catalog → next
 * catalog + table changes). No I/O, no logging: the pipeline's schema
 * processor wires these to the binlog, the store and the skip flag.
 */
export type * from './ast.js';
export { parseDdl, type ParseOptions } from './parse-statement.js';
export { applyDdl, type ApplyOptions, type ApplyResult, type TableChange, type TableRef } from './apply-ddl.js';
export {
  catalogOf,
  emptyCatalog,
  findDatabase,
  findTable,
  tablesIn,
  type SchemaCatalog,
} from './catalog.js';
export {
  MARIADB_DEFAULTS,
  MYSQL8_DEFAULTS,
  defaultCollationOf,
  charsetOfCollation,
  normaliseCharset,
  normaliseCollation,
  type ServerDefaults,
  type ServerFlavor,
} from './charset-defaults.js';
export { rowIdentityKey } from './table-keys.js';
export { unparseableDdl } from './ddl-errors.js';
export { splitScript, type ScriptStatement } from './split-script.js';
