/**
 * Column definitions and table constraints: the elements between the
 * parentheses of CREATE TABLE and after ALTER TABLE … ADD.
 *
 * Follows MySQL Reference Manual §15.1.20 "CREATE TABLE Statement"
 * (column_definition, key_part, index_option, reference_definition,
 * check_constraint_definition) and §15.1.20.8 (generated columns), plus the
 * MariaDB KB "CREATE TABLE" additions (PERSISTENT, COMPRESSED, PERIOD FOR,
 * WITH[OUT] SYSTEM VERSIONING, REF_SYSTEM_ID, engine-defined `name=value`
 * attributes).
 *
 * Invariants: column attributes are accepted in any order, as the server
 * does; DEFAULT/ON UPDATE/CHECK/generation expressions are kept as source
 * text only; a UNIQUE or PRIMARY KEY's index name falls back to its
 * CONSTRAINT symbol, as MySQL names it.
 */
import type { ColumnDefinition, ForeignKeyDefinition, IndexDefinition, IndexKind, KeyPart, TableElement, TableName } from './ast.js';
import type { Cursor } from './cursor.js';
import { parseDataType, parseTypeModifiers } from './parse-data-type.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Words that start the next column attribute: where a DEFAULT expression without parentheses ends. */
const ATTRIBUTE_START = new Set([
  'NOT', 'NULL', 'DEFAULT', 'AUTO_INCREMENT', 'UNIQUE', 'PRIMARY', 'KEY', 'COMMENT', 'COLLATE', 'CHARACTER', 'CHARSET',
  'COLUMN_FORMAT', 'STORAGE', 'VISIBLE', 'INVISIBLE', 'GENERATED', 'AS', 'ON', 'SRID', 'CONSTRAINT', 'CHECK',
  'REFERENCES', 'COMPRESSED', 'WITH', 'WITHOUT', 'ENGINE_ATTRIBUTE', 'SECONDARY_ENGINE_ATTRIBUTE', 'FIRST', 'AFTER',
  'SERIAL', 'REF_SYSTEM_ID',
]);

const stopAtAttribute = (c: Cursor): boolean => {
  const t = c.peek();
  return t.type === 'word' && ATTRIBUTE_START.has(t.upper);
};

/** A DEFAULT / ON UPDATE value: a parenthesised expression, or a literal/function call up to the next attribute. */
function defaultExpression(c: Cursor): string {
  if (c.isPunct('(')) {
    const from = c.pos;
    c.skipParens();
    return c.textFrom(from);
  }
  const from = c.pos;
  // The first token always belongs to the value (DEFAULT NULL, DEFAULT CURRENT_TIMESTAMP, DEFAULT -1 …).
  if (c.isPunct('-') || c.isPunct('+')) c.next();
  c.next();
  c.skipExpressionTail(stopAtAttribute);
  return c.textFrom(from);
}

function checkClause(c: Cursor): string {
  if (!c.isPunct('(')) c.fail("expected '(' after CHECK");
  const expression = c.skipParens();
  if (!c.acceptWord('ENFORCED')) c.acceptWords('NOT', 'ENFORCED');
  return expression;
}

/** `name [=] value` where the value is one token (or a parenthesised list). */
function skipOptionValue(c: Cursor): void {
  c.acceptPunct('=');
  if (c.isPunct('(')) c.skipParens();
  else c.next();
}

export function parseReference(c: Cursor): { table: TableName; columns: string[] } {
  c.expectWord('REFERENCES');
  const table = c.tableName();
  const columns: string[] = [];
  if (c.acceptPunct('(')) {
    do {
      columns.push(c.columnRef());
      if (c.isPunct('(')) c.skipParens();
      if (!c.acceptWord('ASC')) c.acceptWord('DESC');
    } while (c.acceptPunct(','));
    c.expectPunct(')');
  }
  for (;;) {
    if (c.acceptWord('MATCH')) c.next();
    else if (c.isWord('ON') && (c.isWord('DELETE', 1) || c.isWord('UPDATE', 1))) {
      c.pos += 2;
      if (c.acceptWords('SET', 'NULL') || c.acceptWords('SET', 'DEFAULT') || c.acceptWords('NO', 'ACTION')) continue;
      if (!c.acceptWord('RESTRICT') && !c.acceptWord('CASCADE')) c.fail('expected a referential action');
    } else return { table, columns };
  }
}

/** Parses `name data_type [attributes…]`. */
export function parseColumnDefinition(c: Cursor): ColumnDefinition {
  // A column name may be written qualified (`t1.a`, `db.t1.a`); the last part is the name.
  const name = c.columnRef();
  const dataType = parseDataType(c);
  const col: Mutable<ColumnDefinition> = { name, dataType, autoIncrement: false, primaryKey: false, unique: false, invisible: false };
  const dt = { ...dataType };
  if (dt.serial === true) {
    col.nullable = false;
    col.autoIncrement = true;
    col.unique = true;
  }
  for (;;) {
    if (c.acceptWords('NOT', 'NULL')) col.nullable = false;
    else if (c.acceptWord('NULL')) col.nullable = true;
    else if (c.acceptWord('DEFAULT')) col.default = defaultExpression(c);
    else if (c.acceptWord('AUTO_INCREMENT')) col.autoIncrement = true;
    else if (c.acceptWord('UNIQUE')) {
      c.acceptWord('KEY');
      col.unique = true;
    } else if (c.acceptWords('PRIMARY', 'KEY') || c.acceptWord('KEY')) col.primaryKey = true;
    else if (c.acceptWord('COMMENT')) col.comment = c.string('comment');
    else if (c.isWord('COLLATE') || c.isWord('CHARSET') || c.isWords('CHARACTER', 'SET') || c.isWord('BINARY')) parseTypeModifiers(c, dt);
    else if (c.acceptWord('COLUMN_FORMAT') || c.acceptWord('STORAGE')) c.next();
    else if (c.acceptWord('ENGINE_ATTRIBUTE') || c.acceptWord('SECONDARY_ENGINE_ATTRIBUTE')) skipOptionValue(c);
    else if (c.acceptWord('VISIBLE')) col.invisible = false;
    else if (c.acceptWord('INVISIBLE')) col.invisible = true;
    else if (c.isWord('GENERATED') || c.isWord('AS')) {
      if (c.acceptWord('GENERATED')) c.expectWord('ALWAYS');
      c.expectWord('AS');
      if (c.isWord('ROW') && (c.isWord('START', 1) || c.isWord('END', 1))) {
        // MariaDB system-versioning period columns are ordinary stored columns the server fills.
        c.next();
        col.systemTime = c.next().upper === 'START' ? 'start' : 'end';
        continue;
      }
      if (!c.isPunct('(')) c.fail("expected '(' after AS");
      const expression = c.skipParens();
      const stored = c.acceptWord('STORED') || c.acceptWord('PERSISTENT');
      if (!stored) c.acceptWord('VIRTUAL');
      col.generated = { expression: expression.trim(), stored };
    } else if (c.isWords('ON', 'UPDATE')) {
      c.pos += 2;
      col.onUpdate = defaultExpression(c);
    } else if (c.acceptWord('SRID')) c.integer('SRID');
    else if (c.acceptWord('REF_SYSTEM_ID')) skipOptionValue(c);
    else if (c.isWord('CONSTRAINT') || c.isWord('CHECK')) {
      if (c.acceptWord('CONSTRAINT') && !c.isWord('CHECK') && !c.isWord('REFERENCES')) c.anyName('constraint name');
      if (c.isWord('REFERENCES')) parseReference(c);
      else {
        c.expectWord('CHECK');
        checkClause(c);
      }
    } else if (c.isWord('REFERENCES')) parseReference(c);
    else if (c.acceptWord('COMPRESSED')) {
      if (c.acceptPunct('=')) c.next();
    } else if (c.acceptWords('WITH', 'SYSTEM', 'VERSIONING') || c.acceptWords('WITHOUT', 'SYSTEM', 'VERSIONING')) continue;
    else if (c.acceptWords('SERIAL', 'DEFAULT', 'VALUE')) {
      col.nullable = false;
      col.autoIncrement = true;
      col.unique = true;
    } else if ((c.peek().type === 'word' || c.peek().type === 'quoted') && c.isPunct('=', 1) && !ATTRIBUTE_START.has(c.peek().upper)) {
      // MariaDB engine-defined column attribute (`name = value`).
      c.next();
      skipOptionValue(c);
    } else break;
  }
  col.dataType = dt;
  return col;
}

export function parseKeyParts(c: Cursor): KeyPart[] {
  c.expectPunct('(');
  const parts: KeyPart[] = [];
  do {
    let part: Mutable<KeyPart>;
    if (c.isPunct('(')) part = { expression: c.skipParens().trim() };
    else {
      part = { column: c.columnRef() };
      if (c.isPunct('(')) {
        c.next();
        part.prefixLength = c.integer('key prefix length');
        c.expectPunct(')');
      }
    }
    if (c.acceptWord('DESC')) part.descending = true;
    else c.acceptWord('ASC');
    // MariaDB application-time period keys: `period WITHOUT OVERLAPS` names a period, not a column.
    if (c.acceptWords('WITHOUT', 'OVERLAPS')) part.withoutOverlaps = true;
    parts.push(part);
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  return parts;
}

export function parseIndexOptions(c: Cursor): void {
  for (;;) {
    if (c.acceptWord('USING') || c.acceptWord('TYPE')) c.next();
    else if (c.acceptWord('KEY_BLOCK_SIZE')) skipOptionValue(c);
    else if (c.acceptWords('WITH', 'PARSER')) c.next();
    else if (c.acceptWord('COMMENT')) c.string('comment');
    else if (c.acceptWord('VISIBLE') || c.acceptWord('INVISIBLE') || c.acceptWord('IGNORED') || c.acceptWords('NOT', 'IGNORED')) continue;
    else if (c.peek().type === 'word' && c.isPunct('=', 1)) {
      c.next();
      skipOptionValue(c);
    } else if (c.acceptWord('CLUSTERING')) skipOptionValue(c);
    else return;
  }
}

/**
 * After the index keyword(s): `[IF NOT EXISTS] [name] [USING type] (key_part,…) [options]`.
 * `symbol` is the CONSTRAINT name, the fallback index name.
 */
export function parseIndexBody(c: Cursor, kind: IndexKind, symbol?: string): IndexDefinition {
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  let name: string | undefined;
  if (!c.isPunct('(') && !c.isWord('USING') && !c.isWord('TYPE')) name = c.anyName('index name');
  else if (c.isWord('TYPE') && !c.isPunct('(', 1) && !c.isWord('USING', 1)) {
    // `TYPE` followed by a method name is the old spelling of USING; otherwise it is the index name.
    if (c.isPunct('(', 2)) parseIndexOptions(c);
    else name = c.anyName('index name');
  }
  parseIndexOptions(c);
  const parts = parseKeyParts(c);
  parseIndexOptions(c);
  const resolved = kind === 'primary' ? undefined : (name ?? symbol);
  const def: Mutable<IndexDefinition> = { kind, parts };
  if (resolved !== undefined) def.name = resolved;
  if (ifNotExists) def.ifNotExists = true;
  return def;
}

function parseForeignKeyBody(c: Cursor, symbol?: string): ForeignKeyDefinition {
  c.acceptWords('IF', 'NOT', 'EXISTS');
  let indexName: string | undefined;
  if (!c.isPunct('(')) indexName = c.anyName('foreign key name');
  const columns = parseKeyParts(c).map((p) => p.column ?? '');
  const ref = parseReference(c);
  const name = symbol ?? indexName;
  return name === undefined
    ? { columns, references: ref.table, referencedColumns: ref.columns }
    : { name, columns, references: ref.table, referencedColumns: ref.columns };
}

/** An index or constraint element when the cursor is at one; undefined for a column definition. */
export function parseConstraintElement(c: Cursor): TableElement | undefined {
  let symbol: string | undefined;
  const start = c.pos;
  if (c.acceptWord('CONSTRAINT')) {
    c.acceptWords('IF', 'NOT', 'EXISTS');
    if (!(c.isWord('PRIMARY') || c.isWord('UNIQUE') || c.isWord('FOREIGN') || c.isWord('CHECK'))) symbol = c.anyName('constraint name');
  }
  if (c.acceptWords('PRIMARY', 'KEY')) return { kind: 'index', index: parseIndexBody(c, 'primary', symbol) };
  if (c.acceptWord('UNIQUE')) {
    if (!c.acceptWord('INDEX')) c.acceptWord('KEY');
    return { kind: 'index', index: parseIndexBody(c, 'unique', symbol) };
  }
  if (c.acceptWords('FOREIGN', 'KEY')) return { kind: 'foreign-key', foreignKey: parseForeignKeyBody(c, symbol) };
  if (c.acceptWord('CHECK')) {
    const expression = checkClause(c);
    return symbol === undefined ? { kind: 'check', expression } : { kind: 'check', name: symbol, expression };
  }
  if (c.pos !== start) return c.fail('expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK after CONSTRAINT');
  if (c.acceptWord('INDEX') || c.acceptWord('KEY')) return { kind: 'index', index: parseIndexBody(c, 'index') };
  if (c.isWord('FULLTEXT') || c.isWord('SPATIAL') || (c.isWord('VECTOR') && (c.isWord('INDEX', 1) || c.isWord('KEY', 1)))) {
    const kind = c.next().upper.toLowerCase() as 'fulltext' | 'spatial' | 'vector';
    if (!c.acceptWord('INDEX')) c.acceptWord('KEY');
    return { kind: 'index', index: parseIndexBody(c, kind) };
  }
  if (c.isWord('PERIOD') && (c.isWord('FOR', 1) || c.isWords('PERIOD', 'IF', 'NOT', 'EXISTS', 'FOR'))) {
    c.next();
    c.acceptWords('IF', 'NOT', 'EXISTS');
    c.next();
    const name = c.anyName('period name');
    c.expectPunct('(');
    const columns = [c.identifier('column name')];
    c.expectPunct(',');
    columns.push(c.identifier('column name'));
    c.expectPunct(')');
    return { kind: 'period', name, columns };
  }
  return undefined;
}

/** One element of a CREATE TABLE definition list. */
export function parseTableElement(c: Cursor): TableElement {
  return parseConstraintElement(c) ?? { kind: 'column', column: parseColumnDefinition(c) };
}
