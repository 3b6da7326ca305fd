/**
 * ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] t spec[, spec]… [partition_options].
 *
 * Follows MySQL Reference Manual §15.1.9 "ALTER TABLE Statement"
 * (alter_option, partition_options) and MariaDB KB "ALTER TABLE" (IF [NOT]
 * EXISTS on columns, indexes and partitions; WAIT/NOWAIT; SYSTEM VERSIONING;
 * CONVERT PARTITION/TABLE).
 *
 * Invariants: clauses are returned in statement order (the applier applies
 * them in that order); table options may follow each other without commas;
 * partition maintenance is returned as one `partition` action that says
 * whether it changes rows without row events (DROP, TRUNCATE, EXCHANGE,
 * IMPORT, CONVERT), and ends the clause list as the grammar requires.
 */
import type { AlterAction, ColumnPosition, DdlStatement, TableOptions } from './ast.js';
import type { Cursor } from './cursor.js';
import { charsetName } from './parse-data-type.js';
import { parseColumnDefinition, parseConstraintElement } from './parse-table-element.js';
import { isTableOptionStart, parseTableOption } from './parse-table-options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Partition operations (§15.1.9.1) and whether they remove or bring rows without row events. */
const PARTITION_OPS: Readonly<Record<string, boolean>> = {
  ADD: false, DROP: true, DISCARD: true, IMPORT: true, TRUNCATE: true, COALESCE: false, REORGANIZE: false,
  EXCHANGE: true, ANALYZE: false, CHECK: false, OPTIMIZE: false, REBUILD: false, REPAIR: false,
};

function position(c: Cursor): ColumnPosition | undefined {
  if (c.acceptWord('FIRST')) return { kind: 'first' };
  if (c.acceptWord('AFTER')) return { kind: 'after', column: c.identifier('column name') };
  return undefined;
}

function withPosition<T extends object>(action: T, pos: ColumnPosition | undefined): T & { readonly position?: ColumnPosition } {
  return pos === undefined ? action : { ...action, position: pos };
}

function partitionAction(c: Cursor, operation: string): AlterAction {
  c.skipToEnd();
  return { kind: 'partition', operation, changesRows: PARTITION_OPS[operation] ?? false };
}

/** ADD …: one or more actions (a parenthesised list adds several). */
function parseAdd(c: Cursor, out: AlterAction[]): void {
  if (c.isWord('PARTITION')) {
    out.push(partitionAction(c, 'ADD'));
    return;
  }
  if (c.acceptWords('SYSTEM', 'VERSIONING')) {
    out.push({ kind: 'table-options', options: { systemVersioning: true } });
    return;
  }
  const column = c.acceptWord('COLUMN');
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  if (!column) {
    const element = parseConstraintElement(c);
    if (element !== undefined) {
      switch (element.kind) {
        case 'index':
          out.push({ kind: 'add-index', index: ifNotExists ? { ...element.index, ifNotExists } : element.index });
          return;
        case 'foreign-key':
          out.push({ kind: 'add-foreign-key', foreignKey: element.foreignKey });
          return;
        case 'check':
          out.push(element.name === undefined ? { kind: 'add-check', expression: element.expression } : { kind: 'add-check', name: element.name, expression: element.expression });
          return;
        case 'period':
          out.push({ kind: 'add-period', name: element.name, columns: element.columns });
          return;
        case 'column':
          break;
      }
    }
  }
  if (c.acceptPunct('(')) {
    do {
      const element = parseConstraintElement(c);
      if (element === undefined) out.push({ kind: 'add-column', column: parseColumnDefinition(c), ifNotExists });
      else if (element.kind === 'index') out.push({ kind: 'add-index', index: element.index });
      else if (element.kind === 'foreign-key') out.push({ kind: 'add-foreign-key', foreignKey: element.foreignKey });
      else if (element.kind === 'check') out.push({ kind: 'add-check', expression: element.expression });
    } while (c.acceptPunct(','));
    c.expectPunct(')');
    return;
  }
  const col = parseColumnDefinition(c);
  out.push(withPosition({ kind: 'add-column' as const, column: col, ifNotExists }, position(c)));
}

function parseDrop(c: Cursor): AlterAction {
  if (c.acceptWords('PRIMARY', 'KEY')) return { kind: 'drop-primary-key' };
  if (c.acceptWord('INDEX') || c.acceptWord('KEY')) {
    const ifExists = c.acceptWords('IF', 'EXISTS');
    return { kind: 'drop-index', name: c.anyName('index name'), ifExists, constraint: false };
  }
  if (c.acceptWords('FOREIGN', 'KEY')) {
    const ifExists = c.acceptWords('IF', 'EXISTS');
    return { kind: 'drop-foreign-key', name: c.anyName('foreign key name'), ifExists };
  }
  if (c.acceptWord('CHECK')) return { kind: 'drop-check', name: c.anyName('constraint name') };
  if (c.acceptWords('CONSTRAINT', 'PRIMARY', 'KEY')) return { kind: 'drop-primary-key' };
  if (c.acceptWord('CONSTRAINT')) {
    const ifExists = c.acceptWords('IF', 'EXISTS');
    return { kind: 'drop-index', name: c.anyName('constraint name'), ifExists, constraint: true };
  }
  if (c.isWord('PARTITION')) return partitionAction(c, 'DROP');
  if (c.acceptWords('SYSTEM', 'VERSIONING')) return { kind: 'table-options', options: { systemVersioning: false } };
  if (c.acceptWord('PERIOD')) {
    c.acceptWords('IF', 'EXISTS');
    c.expectWord('FOR');
    c.anyName('period name');
    return { kind: 'no-op', clause: 'DROP PERIOD' };
  }
  c.acceptWord('COLUMN');
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const column = c.identifier('column name');
  if (!c.acceptWord('RESTRICT')) c.acceptWord('CASCADE');
  return { kind: 'drop-column', column, ifExists };
}

function parseAlterSub(c: Cursor): AlterAction {
  if (c.acceptWord('INDEX') || c.acceptWord('KEY')) {
    c.acceptWords('IF', 'EXISTS');
    const name = c.anyName('index name');
    if (!c.acceptWord('VISIBLE') && !c.acceptWord('INVISIBLE') && !c.acceptWord('IGNORED') && !c.acceptWords('NOT', 'IGNORED')) c.fail('expected VISIBLE, INVISIBLE or [NOT] IGNORED');
    return { kind: 'no-op', clause: `ALTER INDEX ${name}` };
  }
  if (c.acceptWord('CHECK') || c.acceptWord('CONSTRAINT')) {
    c.anyName('constraint name');
    if (!c.acceptWord('ENFORCED')) {
      c.expectWord('NOT');
      c.expectWord('ENFORCED');
    }
    return { kind: 'no-op', clause: 'ALTER CHECK' };
  }
  c.acceptWord('COLUMN');
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const column = c.identifier('column name');
  if (c.acceptWords('SET', 'DEFAULT')) {
    c.skipExpression();
    return { kind: 'alter-column', column, action: 'set-default', ifExists };
  }
  if (c.acceptWords('DROP', 'DEFAULT')) return { kind: 'alter-column', column, action: 'drop-default', ifExists };
  if (c.acceptWords('SET', 'VISIBLE')) return { kind: 'alter-column', column, action: 'set-visible', ifExists };
  if (c.acceptWords('SET', 'INVISIBLE')) return { kind: 'alter-column', column, action: 'set-invisible', ifExists };
  return c.fail('expected SET DEFAULT, DROP DEFAULT or SET [IN]VISIBLE');
}

function parseRename(c: Cursor): AlterAction {
  if (c.acceptWord('COLUMN')) {
    const ifExists = c.acceptWords('IF', 'EXISTS');
    const oldName = c.identifier('column name');
    c.expectWord('TO');
    return { kind: 'rename-column', oldName, newName: c.identifier('column name'), ifExists };
  }
  if (c.acceptWord('INDEX') || c.acceptWord('KEY')) {
    c.acceptWords('IF', 'EXISTS');
    const oldName = c.anyName('index name');
    c.expectWord('TO');
    return { kind: 'rename-index', oldName, newName: c.anyName('index name') };
  }
  if (!c.acceptWord('TO')) c.acceptWord('AS');
  return { kind: 'rename-table', to: c.tableName() };
}

/** One alter specification, appended to `out`; returns false when the clause list must end (partitioning). */
function parseSpec(c: Cursor, out: AlterAction[]): boolean {
  const t = c.peek();
  const w = t.type === 'word' ? t.upper : '';
  const partitionOp = PARTITION_OPS[w];
  if (c.isWords('CONVERT', 'PARTITION') || c.isWords('CONVERT', 'TABLE')) {
    c.next();
    if (c.acceptWord('PARTITION')) {
      const partition = c.anyName('partition name');
      c.expectWord('TO');
      c.expectWord('TABLE');
      out.push({ kind: 'convert-partition', partition, table: c.tableName(), toTable: true });
    } else {
      c.expectWord('TABLE');
      const table = c.tableName();
      c.expectWord('TO');
      c.expectWord('PARTITION');
      const partition = c.anyName('partition name');
      c.skipToEnd();
      out.push({ kind: 'convert-partition', partition, table, toTable: false });
    }
    return false;
  }
  if (partitionOp !== undefined && c.isWord('PARTITION', 1) && w !== 'ADD' && w !== 'DROP') {
    out.push(partitionAction(c, w));
    return false;
  }
  switch (w) {
    case 'ADD':
      c.next();
      parseAdd(c, out);
      return !out.some((a) => a.kind === 'partition');
    case 'DROP': {
      c.next();
      const action = parseDrop(c);
      out.push(action);
      return action.kind !== 'partition';
    }
    case 'MODIFY': {
      c.next();
      c.acceptWord('COLUMN');
      const ifExists = c.acceptWords('IF', 'EXISTS');
      const column = parseColumnDefinition(c);
      out.push(withPosition({ kind: 'modify-column' as const, column, ifExists }, position(c)));
      return true;
    }
    case 'CHANGE': {
      c.next();
      c.acceptWord('COLUMN');
      const ifExists = c.acceptWords('IF', 'EXISTS');
      const oldName = c.identifier('column name');
      const column = parseColumnDefinition(c);
      out.push(withPosition({ kind: 'change-column' as const, oldName, column, ifExists }, position(c)));
      return true;
    }
    case 'ALTER':
      c.next();
      out.push(parseAlterSub(c));
      return true;
    case 'RENAME':
      c.next();
      out.push(parseRename(c));
      return true;
    case 'CONVERT': {
      c.next();
      c.expectWord('TO');
      if (!c.acceptWords('CHARACTER', 'SET') && !c.acceptWord('CHARSET') && !c.acceptWords('CHAR', 'SET')) c.fail('expected CHARACTER SET');
      c.acceptPunct('=');
      const charset = c.acceptWord('DEFAULT') ? 'default' : charsetName(c);
      if (c.acceptWord('COLLATE')) {
        c.acceptPunct('=');
        // COLLATE DEFAULT: the charset's default collation.
        if (c.acceptWord('DEFAULT')) out.push({ kind: 'convert-charset', charset });
        else out.push({ kind: 'convert-charset', charset, collation: c.anyName('collation').toLowerCase() });
      } else out.push({ kind: 'convert-charset', charset });
      return true;
    }
    case 'ALGORITHM':
    case 'LOCK':
      c.next();
      c.acceptPunct('=');
      c.next();
      out.push({ kind: 'no-op', clause: w });
      return true;
    case 'FORCE':
      c.next();
      out.push({ kind: 'no-op', clause: w });
      return true;
    case 'ENABLE':
    case 'DISABLE':
      c.next();
      c.expectWord('KEYS');
      out.push({ kind: 'no-op', clause: `${w} KEYS` });
      return true;
    case 'DISCARD':
    case 'IMPORT':
      c.next();
      c.expectWord('TABLESPACE');
      out.push({ kind: 'partition', operation: `${w} TABLESPACE`, changesRows: true });
      return true;
    case 'ORDER':
      c.next();
      c.expectWord('BY');
      do {
        c.columnRef();
        if (!c.acceptWord('ASC')) c.acceptWord('DESC');
      } while (c.isPunct(',') && !isSpecStart(c, 1) && c.acceptPunct(','));
      out.push({ kind: 'no-op', clause: 'ORDER BY' });
      return true;
    case 'WITH':
    case 'WITHOUT':
      if (c.isWord('VALIDATION', 1)) {
        c.pos += 2;
        out.push({ kind: 'no-op', clause: `${w} VALIDATION` });
        return true;
      }
      break;
    case 'PARTITION':
      if (c.isWord('BY', 1)) {
        c.skipToEnd();
        out.push({ kind: 'partition', operation: 'PARTITION BY', changesRows: false });
        return false;
      }
      break;
    case 'REMOVE':
    case 'UPGRADE':
      c.next();
      c.expectWord('PARTITIONING');
      out.push({ kind: 'partition', operation: `${w} PARTITIONING`, changesRows: false });
      return true;
    default:
      break;
  }
  if (isTableOptionStart(c)) {
    const opts: Mutable<TableOptions> = {};
    parseTableOption(c, opts);
    out.push({ kind: 'table-options', options: opts });
    return true;
  }
  return c.fail('expected an ALTER TABLE clause');
}

/** After a comma inside ORDER BY: is the next token the start of another clause? */
function isSpecStart(c: Cursor, ahead: number): boolean {
  const t = c.peek(ahead);
  return t.type === 'word' && ['ADD', 'DROP', 'MODIFY', 'CHANGE', 'ALTER', 'RENAME', 'CONVERT', 'ALGORITHM', 'LOCK', 'FORCE', 'ENGINE'].includes(t.upper);
}

/** Cursor is after `ALTER [ONLINE] [IGNORE] TABLE`. */
export function parseAlterTable(c: Cursor): DdlStatement {
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const table = c.tableName();
  if (c.acceptWord('WAIT')) c.integer('WAIT seconds');
  else c.acceptWord('NOWAIT');
  const actions: AlterAction[] = [];
  while (!c.atEnd()) {
    if (!parseSpec(c, actions)) break;
    if (c.acceptPunct(',')) continue;
    if (c.atEnd()) break;
    // Table options and partitioning may follow without a comma.
    if (!isTableOptionStart(c) && !c.isWords('PARTITION', 'BY') && !c.isWord('REMOVE') && !c.isWord('ALGORITHM') && !c.isWord('LOCK')) c.fail('expected , or the end of the statement');
  }
  return { kind: 'alter-table', table, ifExists, actions };
}
