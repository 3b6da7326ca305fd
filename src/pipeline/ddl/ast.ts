/**
 * The typed AST of the DDL statements binsnap understands: a discriminated,
 * readonly union keyed by `kind`, exhaustively switched over by the applier.
 *
 * Invariants:
 *   - names are as written (unquoted, case kept); resolution against the
 *     default database and case rules happens when applying, not here;
 *   - data types are already normalised to their MySQL base spelling
 *     (INTEGER → int, BOOLEAN → tinyint, NUMERIC → decimal …, see
 *     parse-data-type.ts) but charset/collation are only what was written —
 *     inheritance needs the catalog;
 *   - expressions the processor does not need (DEFAULT, CHECK, partitioning)
 *     are kept as source text, never interpreted.
 */

export interface TableName {
  readonly db?: string;
  readonly name: string;
}

export interface DataType {
  /** Normalised base type in lower case (`int`, `varchar`, `decimal`, `json`, `inet6`, …). */
  readonly type: string;
  /** CHAR/VARCHAR/BINARY/VARBINARY/BIT length, TEXT(n)/BLOB(n) requested length, VECTOR dimensions. */
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly fsp?: number;
  readonly unsigned: boolean;
  readonly zerofill: boolean;
  /** ENUM/SET labels in definition order. */
  readonly values?: readonly string[];
  readonly charset?: string;
  readonly collation?: string;
  /** `COLLATE DEFAULT`: the default collation of the column's charset. */
  readonly collationDefault?: boolean;
  /** The `BINARY` attribute of a character type: the binary collation of its charset. */
  readonly binaryCollation?: boolean;
  /** SERIAL: implies NOT NULL AUTO_INCREMENT UNIQUE. */
  readonly serial?: boolean;
}

export interface KeyPart {
  /** Column name, or undefined for a functional key part `((expr))`. */
  readonly column?: string;
  readonly expression?: string;
  readonly prefixLength?: number;
  readonly descending?: boolean;
  /** MariaDB `period WITHOUT OVERLAPS`: `column` names an application-time period, not a column. */
  readonly withoutOverlaps?: boolean;
}

export type IndexKind = 'primary' | 'unique' | 'index' | 'fulltext' | 'spatial' | 'vector';

export interface IndexDefinition {
  readonly kind: IndexKind;
  /** Index name when given (the constraint symbol for PRIMARY/UNIQUE when no index name is given). */
  readonly name?: string;
  readonly parts: readonly KeyPart[];
  readonly ifNotExists?: boolean;
}

export interface ForeignKeyDefinition {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly references: TableName;
  readonly referencedColumns: readonly string[];
}

export interface ColumnDefinition {
  readonly name: string;
  readonly dataType: DataType;
  /** true for NULL, false for NOT NULL, undefined when not written. */
  readonly nullable?: boolean;
  /** DEFAULT expression source text. */
  readonly default?: string;
  readonly autoIncrement: boolean;
  readonly primaryKey: boolean;
  readonly unique: boolean;
  readonly comment?: string;
  readonly generated?: { readonly expression: string; readonly stored: boolean };
  readonly invisible: boolean;
  readonly onUpdate?: string;
  /** MariaDB `AS ROW START` / `AS ROW END` (system-versioning period columns). */
  readonly systemTime?: 'start' | 'end';
}

export type TableElement =
  | { readonly kind: 'column'; readonly column: ColumnDefinition }
  | { readonly kind: 'index'; readonly index: IndexDefinition }
  | { readonly kind: 'foreign-key'; readonly foreignKey: ForeignKeyDefinition }
  | { readonly kind: 'check'; readonly name?: string; readonly expression: string }
  | { readonly kind: 'period'; readonly name: string; readonly columns: readonly string[] };

export interface TableOptions {
  readonly engine?: string;
  readonly charset?: string;
  readonly collation?: string;
  readonly comment?: string;
  /** `CHARACTER SET DEFAULT` / `COLLATE DEFAULT`: take the database default. */
  readonly charsetDefault?: boolean;
  /** MariaDB WITH SYSTEM VERSIONING. */
  readonly systemVersioning?: boolean;
}

export type ColumnPosition = { readonly kind: 'first' } | { readonly kind: 'after'; readonly column: string };

export type AlterAction =
  | { readonly kind: 'add-column'; readonly column: ColumnDefinition; readonly position?: ColumnPosition; readonly ifNotExists: boolean }
  | { readonly kind: 'add-index'; readonly index: IndexDefinition }
  | { readonly kind: 'add-foreign-key'; readonly foreignKey: ForeignKeyDefinition }
  | { readonly kind: 'add-check'; readonly name?: string; readonly expression: string }
  /** MariaDB PERIOD FOR name (start, end): both columns become NOT NULL. */
  | { readonly kind: 'add-period'; readonly name: string; readonly columns: readonly string[] }
  | { readonly kind: 'drop-column'; readonly column: string; readonly ifExists: boolean }
  | { readonly kind: 'modify-column'; readonly column: ColumnDefinition; readonly position?: ColumnPosition; readonly ifExists: boolean }
  | {
      readonly kind: 'change-column';
      readonly oldName: string;
      readonly column: ColumnDefinition;
      readonly position?: ColumnPosition;
      readonly ifExists: boolean;
    }
  | { readonly kind: 'rename-column'; readonly oldName: string; readonly newName: string; readonly ifExists: boolean }
  | {
      readonly kind: 'alter-column';
      readonly column: string;
      readonly action: 'set-default' | 'drop-default' | 'set-visible' | 'set-invisible';
      readonly ifExists: boolean;
    }
  | { readonly kind: 'drop-primary-key' }
  /** DROP INDEX/KEY name; also DROP CONSTRAINT name (which may name a UNIQUE key). */
  | { readonly kind: 'drop-index'; readonly name: string; readonly ifExists: boolean; readonly constraint: boolean }
  | { readonly kind: 'drop-foreign-key'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'drop-check'; readonly name: string }
  | { readonly kind: 'rename-index'; readonly oldName: string; readonly newName: string }
  | { readonly kind: 'rename-table'; readonly to: TableName }
  | { readonly kind: 'convert-charset'; readonly charset: string; readonly collation?: string }
  | { readonly kind: 'table-options'; readonly options: TableOptions }
  /** ALGORITHM, LOCK, FORCE, ORDER BY, ENABLE/DISABLE KEYS, ALTER INDEX … VISIBLE, … */
  | { readonly kind: 'no-op'; readonly clause: string }
  /** Partition maintenance. DROP/TRUNCATE/EXCHANGE/IMPORT … change rows without row events. */
  | { readonly kind: 'partition'; readonly operation: string; readonly changesRows: boolean }
  /**
   * MariaDB ≥ 10.7: CONVERT PARTITION p TO TABLE x (x is created with the partition's rows) and
   * CONVERT TABLE x TO PARTITION p (x disappears into the table).
   */
  | { readonly kind: 'convert-partition'; readonly partition: string; readonly table: TableName; readonly toTable: boolean };

export type DdlStatement =
  | {
      readonly kind: 'create-table';
      readonly table: TableName;
      readonly orReplace: boolean;
      readonly ifNotExists: boolean;
      readonly elements: readonly TableElement[];
      readonly options: TableOptions;
      /** CREATE TABLE … [AS] SELECT: columns beyond `elements` are only known from row events. */
      readonly asSelect: boolean;
      readonly partitioned: boolean;
    }
  | { readonly kind: 'create-table-like'; readonly table: TableName; readonly like: TableName; readonly orReplace: boolean; readonly ifNotExists: boolean }
  | { readonly kind: 'alter-table'; readonly table: TableName; readonly ifExists: boolean; readonly actions: readonly AlterAction[] }
  | { readonly kind: 'rename-table'; readonly pairs: readonly { readonly from: TableName; readonly to: TableName }[]; readonly ifExists?: boolean }
  | { readonly kind: 'drop-table'; readonly tables: readonly TableName[]; readonly ifExists: boolean }
  | { readonly kind: 'truncate-table'; readonly table: TableName }
  | { readonly kind: 'create-index'; readonly table: TableName; readonly index: IndexDefinition; readonly orReplace: boolean }
  | { readonly kind: 'drop-index'; readonly table: TableName; readonly name: string; readonly ifExists: boolean }
  | {
      readonly kind: 'create-database';
      readonly name: string;
      readonly orReplace: boolean;
      readonly ifNotExists: boolean;
      readonly charset?: string;
      readonly collation?: string;
    }
  | { readonly kind: 'alter-database'; readonly name?: string; readonly charset?: string; readonly collation?: string }
  | { readonly kind: 'drop-database'; readonly name: string; readonly ifExists: boolean }
  /** MariaDB sequences are tables with a fixed layout (MariaDB KB "CREATE SEQUENCE"). */
  | { readonly kind: 'create-sequence'; readonly table: TableName; readonly orReplace: boolean; readonly ifNotExists: boolean }
  | { readonly kind: 'drop-sequence'; readonly tables: readonly TableName[]; readonly ifExists: boolean }
  /** INSERT/UPDATE/DELETE/REPLACE/LOAD DATA in a QUERY event: statement-based data changes binsnap cannot apply. */
  | { readonly kind: 'dml'; readonly verb: string }
  | { readonly kind: 'ignored'; readonly reason: string };

export type DdlStatementKind = DdlStatement['kind'];

export interface ParseFailure {
  readonly message: string;
  /** Offset in the statement text of the token where parsing failed. */
  readonly offset: number;
  /** The token found there ('' at the end of the statement). */
  readonly near: string;
  readonly statement: string;
}

export type ParseResult = { readonly ok: true; readonly statement: DdlStatement } | { readonly ok: false; readonly failure: ParseFailure };
