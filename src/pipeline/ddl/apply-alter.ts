/**
 * ALTER TABLE clauses applied to one TableSchema, the way the server applies
 * them: as one statement against the *old* table, not clause by clause.
 *
 * Follows MySQL Reference Manual §15.1.9 "ALTER TABLE Statement" and the
 * server's mysql_prepare_alter_table (sql_table.cc), which MariaDB shares:
 *   - table options (DEFAULT CHARSET, COLLATE, CONVERT TO) are taken first:
 *     every column the statement defines resolves against the new defaults;
 *   - DROP/CHANGE/MODIFY/RENAME COLUMN name old columns, so
 *     `CHANGE a b …, CHANGE b a …` swaps two names; a redefined column keeps
 *     its place unless FIRST/AFTER; new and moved columns are placed in
 *     statement order, AFTER naming a column of the new list;
 *   - old keys follow their columns (renamed, or removed from the key when
 *     dropped; a key left empty is dropped), then new keys are added in
 *     statement order;
 *   - CONVERT TO CHARACTER SET converts every character column and, as
 *     §15.1.9 "Changing the Character Set" describes, promotes a TEXT type
 *     when the new charset needs more bytes for as many characters (TEXT →
 *     MEDIUMTEXT for latin1 → utf8mb4); to `binary`, CHAR/VARCHAR/TEXT become
 *     BINARY/VARBINARY/BLOB.
 *
 * Invariants: an unknown column in MODIFY/CHANGE/DROP/RENAME/AFTER (without
 * IF EXISTS) or an ADD of an existing one (without IF NOT EXISTS) is a
 * BINSNAP_E_DDL_SCHEMA_MISMATCH: the server would have refused the
 * statement, so the history disagrees with the source.
 */
import type { ColumnSchema, DatabaseSchema, IndexSchema, TableSchema } from '../../core/schema.js';
import { qualifiedName } from '../../core/schema.js';
import type { AlterAction, ColumnDefinition, ColumnPosition, TableName } from './ast.js';
import { binaryCollationOf, defaultCollationOf, maxBytesPerChar, normaliseCharset, qualifyCollation, type ServerDefaults } from './charset-defaults.js';
import { sameName } from './catalog.js';
import { databaseDefaults, implicitSystemColumns, tableDefaults } from './build-table.js';
import { schemaMismatch } from './ddl-errors.js';
import { isCharacterType } from './parse-data-type.js';
import { resolveColumn, sizedLob, type CharsetContext } from './resolve-column.js';
import { addForeignKeyIndex, addIndex, dropIndex, renameIndexes, withIndexes, withoutVersioningKeys, withVersioningKeys } from './table-keys.js';

export interface AlterContext {
  readonly database: DatabaseSchema | undefined;
  readonly server: ServerDefaults;
}

export interface AlterOutcome {
  readonly table: TableSchema;
  /** RENAME [TO] target, as written (the caller resolves the database). */
  readonly renameTo?: TableName;
  /** Partition or tablespace operations that change rows without row events. */
  readonly rowChangingOperations: readonly string[];
  /** Whether any clause other than RENAME was present. */
  readonly altered: boolean;
  /** CONVERT PARTITION … TO TABLE / CONVERT TABLE … TO PARTITION clauses, for the caller (they change other tables). */
  readonly conversions: readonly Extract<AlterAction, { kind: 'convert-partition' }>[];
}

type ColumnAction = Extract<AlterAction, { kind: 'add-column' | 'modify-column' | 'change-column' }>;

/** A column of the new table and, when it comes from the old table, the old column's name. */
interface Slot {
  col: ColumnSchema;
  readonly oldName?: string;
}

function ctxOf(t: TableSchema, server: ServerDefaults): CharsetContext {
  return { charset: t.charset ?? server.charset, collation: t.collation ?? server.collation, server };
}

/** The old column an action redefines (CHANGE/MODIFY/RENAME COLUMN name the old column). */
function targetOf(a: AlterAction): string | undefined {
  switch (a.kind) {
    case 'change-column':
    case 'rename-column':
      return a.oldName;
    case 'modify-column':
      return a.column.name;
    default:
      return undefined;
  }
}

function place(slots: Slot[], slot: Slot, pos: ColumnPosition | undefined, table: string): void {
  if (pos === undefined) slots.push(slot);
  else if (pos.kind === 'first') slots.unshift(slot);
  else {
    const at = slots.findIndex((s) => sameName(s.col.name, pos.column));
    if (at < 0) throw schemaMismatch(table, `AFTER names column ${pos.column}, which does not exist`);
    slots.splice(at + 1, 0, slot);
  }
}

/** Keys declared inline on a column definition (a column both PRIMARY KEY and UNIQUE gets one key). */
function withInlineKeys(t: TableSchema, def: ColumnDefinition): TableSchema {
  if (def.primaryKey) return addIndex(t, { kind: 'primary', parts: [{ column: def.name }] });
  if (def.unique) return addIndex(t, { kind: 'unique', parts: [{ column: def.name }] });
  return t;
}

/** The TEXT type that holds as many characters in `to` as `type` held in `from` (§15.1.9). */
function promoteText(type: string, from: string, to: string): string {
  const capacity: Readonly<Record<string, number>> = { tinytext: 255, text: 65535, mediumtext: 16777215, longtext: 4294967295 };
  const bytes = capacity[type];
  if (bytes === undefined) return type;
  const chars = Math.floor(bytes / maxBytesPerChar(from));
  const needed = chars * maxBytesPerChar(to);
  const promoted = sizedLob('text', needed);
  return (capacity[promoted] ?? 0) > bytes ? promoted : type;
}

const TO_BINARY: Readonly<Record<string, string>> = {
  char: 'binary', varchar: 'varbinary', tinytext: 'tinyblob', text: 'blob', mediumtext: 'mediumblob', longtext: 'longblob',
};

function convertColumn(col: ColumnSchema, charset: string, collation: string): ColumnSchema {
  if (!isCharacterType(col.type) || col.charset === undefined) return col;
  if (charset === 'binary') {
    const bin = TO_BINARY[col.type];
    const { charset: _c, collation: _l, ...rest } = col;
    if (bin === undefined) return { ...col, charset: 'binary', collation: 'binary' };
    return { ...rest, type: bin };
  }
  return { ...col, type: promoteText(col.type, col.charset, charset), charset, collation };
}

/**
 * The new column list, built as the server builds it (sql_table.cc,
 * mysql_prepare_alter_table): every clause names columns of the *old* table —
 * so `CHANGE a b …, CHANGE b a …` swaps two names — old columns keep their
 * place unless redefined with FIRST/AFTER; new and moved columns are then
 * placed in statement order, AFTER naming a column of the new list.
 */
function buildColumns(table: TableSchema, actions: readonly AlterAction[], ctx: CharsetContext, name: string): Slot[] {
  const used = new Set<AlterAction>();
  const moved = new Map<AlterAction, Slot>();
  const slots: Slot[] = [];
  for (const old of table.columns) {
    const drop = actions.find((a) => a.kind === 'drop-column' && !used.has(a) && sameName(a.column, old.name));
    if (drop !== undefined) {
      used.add(drop);
      continue;
    }
    const change = actions.find((a) => !used.has(a) && targetOf(a) !== undefined && sameName(targetOf(a) as string, old.name));
    if (change === undefined) {
      slots.push({ col: old, oldName: old.name });
      continue;
    }
    used.add(change);
    if (change.kind === 'rename-column') {
      slots.push({ col: { ...old, name: change.newName }, oldName: old.name });
      continue;
    }
    const def = (change as ColumnAction).column;
    const inPrimaryKey = table.primaryKey.some((k) => sameName(k, old.name));
    const slot: Slot = { col: resolveColumn(def, ctx, { inPrimaryKey }), oldName: old.name };
    if ((change as ColumnAction).position === undefined) slots.push(slot);
    else moved.set(change, slot);
  }
  for (const a of actions) {
    switch (a.kind) {
      case 'add-column':
        if (slots.some((s) => sameName(s.col.name, a.column.name))) {
          if (a.ifNotExists) break;
          throw schemaMismatch(name, `ADD COLUMN ${a.column.name}: the column already exists`);
        }
        place(slots, { col: resolveColumn(a.column, ctx) }, a.position, name);
        break;
      case 'change-column':
      case 'modify-column':
      case 'rename-column':
      case 'drop-column': {
        const slot = moved.get(a);
        const added = used.has(a) ? -1 : slots.findIndex((s) => s.oldName === undefined && sameName(s.col.name, targetOf(a) ?? ''));
        if (slot !== undefined && a.kind !== 'rename-column' && a.kind !== 'drop-column') place(slots, slot, a.position, name);
        else if (added >= 0 && (a.kind === 'change-column' || a.kind === 'modify-column')) {
          // MariaDB lets CHANGE/MODIFY redefine a column ADDed earlier in the same statement.
          const redefined: Slot = { col: resolveColumn(a.column, ctx) };
          slots.splice(added, 1);
          if (a.position === undefined) slots.splice(added, 0, redefined);
          else place(slots, redefined, a.position, name);
        } else if (!used.has(a) && !a.ifExists) {
          const verb = { 'change-column': 'CHANGE', 'modify-column': 'MODIFY', 'rename-column': 'RENAME', 'drop-column': 'DROP' }[a.kind];
          throw schemaMismatch(name, `${verb} COLUMN ${targetOf(a) ?? (a.kind === 'drop-column' ? a.column : '')}: no such column`);
        }
        break;
      }
      case 'alter-column': {
        const at = slots.findIndex((s) => (s.oldName !== undefined && sameName(s.oldName, a.column)) || sameName(s.col.name, a.column));
        if (at < 0) {
          if (a.ifExists) break;
          throw schemaMismatch(name, `ALTER COLUMN ${a.column}: no such column`);
        }
        const slot = slots[at] as Slot;
        if (a.action === 'set-invisible') slot.col = { ...slot.col, invisible: true };
        else if (a.action === 'set-visible') {
          const { invisible: _i, ...rest } = slot.col;
          slot.col = rest;
        }
        break;
      }
      default:
        break;
    }
  }
  for (let i = 0; i < slots.length; i += 1) {
    const n = (slots[i] as Slot).col.name;
    if (slots.slice(i + 1).some((s) => sameName(s.col.name, n))) throw schemaMismatch(name, `the statement leaves two columns named ${n}`);
  }
  return slots;
}

/**
 * Old keys follow the new column list (a key part names an old column, or a
 * new column of the same name, as the server matches them); parts whose
 * column is gone are removed and keys left empty are dropped.
 */
function carryKeys(table: TableSchema, slots: readonly Slot[], actions: readonly AlterAction[]): Pick<TableSchema, 'primaryKey' | 'uniqueKeys' | 'indexes'> {
  let t: TableSchema = table;
  for (const a of actions) {
    if (a.kind === 'drop-primary-key') t = { ...t, primaryKey: [] };
    // An unknown name is a CHECK/FOREIGN KEY constraint or an index binsnap does not track
    // (such as the implicit index of a foreign key): neither changes columns or unique keys.
    else if (a.kind === 'drop-index') t = dropIndex(t, a.name).table;
  }
  // RENAME INDEX clauses name old indexes, all at once (`b TO c, c TO b` swaps).
  const renames = actions.filter((a): a is Extract<AlterAction, { kind: 'rename-index' }> => a.kind === 'rename-index');
  if (renames.length > 0) t = renameIndexes(t, renames);
  const map = (part: string): string[] => {
    const slot = slots.find((s) => (s.oldName !== undefined ? sameName(s.oldName, part) : sameName(s.col.name, part)));
    return slot === undefined ? [] : [slot.col.name];
  };
  const carry = (k: IndexSchema): IndexSchema => ({ ...k, columns: k.columns.flatMap(map) });
  const nonEmpty = (k: IndexSchema): boolean => k.columns.length > 0;
  const indexes = (t.indexes ?? []).map(carry).filter(nonEmpty);
  const keys = { primaryKey: t.primaryKey.flatMap(map), uniqueKeys: t.uniqueKeys.map(carry).filter(nonEmpty) };
  return indexes.length > 0 ? { ...keys, indexes } : keys;
}

/** Where each clause kind is handled; a new kind added to AlterAction fails to compile until placed here. */
const PHASE: Readonly<Record<AlterAction['kind'], 'table' | 'columns' | 'keys' | 'none'>> = {
  'rename-table': 'table', partition: 'table', 'convert-partition': 'table', 'convert-charset': 'table', 'table-options': 'table',
  'add-column': 'columns', 'modify-column': 'columns', 'change-column': 'columns', 'rename-column': 'columns', 'drop-column': 'columns',
  'alter-column': 'columns', 'drop-primary-key': 'keys', 'drop-index': 'keys', 'rename-index': 'keys', 'add-index': 'keys',
  'add-foreign-key': 'keys', 'add-period': 'keys', 'add-check': 'none', 'drop-check': 'none', 'drop-foreign-key': 'none', 'no-op': 'none',
};

/** Whether a statement's clauses change anything beyond the table's name. */
function altersTable(actions: readonly AlterAction[]): boolean {
  return actions.some((a) => a.kind !== 'rename-table' && PHASE[a.kind] !== undefined);
}

export function applyAlter(table: TableSchema, actions: readonly AlterAction[], ctx: AlterContext): AlterOutcome {
  const name = qualifiedName(table);
  let renameTo: TableName | undefined;
  const rowChanging: string[] = [];
  let convert: { charset: string; collation: string } | undefined;
  let versioning: boolean | undefined;
  // 1. Table-level clauses first: the statement's new defaults apply to every column it defines.
  let t = table;
  for (const a of actions) {
    switch (a.kind) {
      case 'rename-table':
        renameTo = a.to;
        break;
      case 'partition':
        if (a.changesRows) rowChanging.push(a.operation);
        break;
      case 'convert-partition':
        rowChanging.push(a.toTable ? 'CONVERT PARTITION' : 'CONVERT TABLE');
        break;
      case 'convert-charset': {
        const pair =
          a.charset === 'default'
            ? databaseDefaults(ctx.database, ctx.server)
            : {
                charset: normaliseCharset(a.charset),
                collation: a.collation === undefined ? defaultCollationOf(a.charset, ctx.server) : qualifyCollation(a.charset, a.collation),
              };
        convert = { charset: pair.charset, collation: pair.charset === 'binary' ? binaryCollationOf('binary') : pair.collation };
        t = { ...t, ...convert };
        break;
      }
      case 'table-options': {
        const o = a.options;
        if (o.charset !== undefined || o.collation !== undefined || o.charsetDefault === true) t = { ...t, ...tableDefaults(o, ctx.database, ctx.server) };
        if (o.engine !== undefined) t = { ...t, engine: o.engine };
        if (o.systemVersioning !== undefined) versioning = o.systemVersioning;
        break;
      }
      default:
        break;
    }
  }
  // 2. Columns, 3. the old keys carried over, 4. new keys in statement order.
  const slots = buildColumns(table, actions, ctxOf(t, ctx.server), name);
  const keys = carryKeys(table, slots, actions);
  t = withIndexes({ ...t, columns: slots.map((s) => s.col), primaryKey: keys.primaryKey, uniqueKeys: keys.uniqueKeys }, keys.indexes ?? []);
  const periods = new Map<string, readonly string[]>();
  for (const a of actions) {
    switch (a.kind) {
      case 'add-column':
      case 'change-column':
      case 'modify-column':
        if (t.columns.some((c) => sameName(c.name, a.column.name))) t = withInlineKeys(t, a.column);
        break;
      case 'add-index':
        t = addIndex(t, a.index, periods);
        break;
      case 'add-foreign-key':
        t = addForeignKeyIndex(t, a.foreignKey);
        break;
      case 'add-period':
        periods.set(a.name.toLowerCase(), a.columns);
        t = { ...t, columns: t.columns.map((c) => (a.columns.some((p) => sameName(p, c.name)) && c.nullable ? { ...c, nullable: false } : c)) };
        break;
      default:
        break;
    }
  }
  if (convert !== undefined) {
    const to = convert;
    t = { ...t, columns: t.columns.map((c) => convertColumn(c, to.charset, to.collation)) };
  }
  if (versioning === true) {
    const period = (which: 'start' | 'end'): string | undefined =>
      actions.flatMap((x) => (x.kind === 'add-column' && x.column.systemTime === which ? [x.column.name] : []))[0];
    const start = period('start');
    const end = period('end');
    if (start === undefined || end === undefined) {
      t = { ...t, columns: [...t.columns, ...implicitSystemColumns().filter((sc) => !t.columns.some((c) => sameName(c.name, sc.name)))] };
    }
    t = { ...t, systemVersioning: { rowStart: start ?? 'row_start', rowEnd: end ?? 'row_end' } };
  } else if (versioning === false) {
    // DROP SYSTEM VERSIONING removes the implicit (invisible) period columns; explicit ones need DROP COLUMN.
    t = withoutVersioningKeys(t);
    t = { ...t, columns: t.columns.filter((c) => !(c.invisible === true && (sameName(c.name, 'row_start') || sameName(c.name, 'row_end')))) };
  }
  if (t.systemVersioning !== undefined && !t.columns.some((c) => sameName(c.name, t.systemVersioning?.rowEnd ?? ''))) {
    const { systemVersioning: _v, ...rest } = t;
    t = rest;
  }
  t = withVersioningKeys(t);
  const altered = altersTable(actions);
  const conversions = actions.filter((a): a is Extract<AlterAction, { kind: 'convert-partition' }> => a.kind === 'convert-partition');
  const outcome = { table: t, rowChangingOperations: rowChanging, altered, conversions };
  return renameTo === undefined ? outcome : { ...outcome, renameTo };
}
