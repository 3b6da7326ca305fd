/**
 * The smaller table-changing statements: RENAME TABLE, DROP TABLE, TRUNCATE,
 * CREATE/DROP INDEX, CREATE/ALTER/DROP DATABASE, CREATE/DROP SEQUENCE.
 *
 * Follows MySQL Reference Manual §15.1.36 (RENAME TABLE), §15.1.32 (DROP
 * TABLE), §15.1.37 (TRUNCATE TABLE), §15.1.15 / §15.1.27 (CREATE/DROP INDEX),
 * §15.1.12 / §15.1.2 / §15.1.24 (CREATE/ALTER/DROP DATABASE) and the MariaDB
 * KB pages of the same statements (IF EXISTS on RENAME, WAIT/NOWAIT, OR
 * REPLACE, CREATE SEQUENCE).
 *
 * Invariants: each function starts after the statement's object keyword(s)
 * and leaves the cursor at the end of what it understood; the caller checks
 * that nothing follows.
 */
import type { DdlStatement, IndexKind, TableName } from './ast.js';
import type { Cursor } from './cursor.js';
import { charsetName } from './parse-data-type.js';
import { parseIndexOptions, parseKeyParts } from './parse-table-element.js';

function skipWait(c: Cursor): void {
  if (c.acceptWord('WAIT')) c.integer('WAIT seconds');
  else c.acceptWord('NOWAIT');
}

/** ALGORITHM [=] x / LOCK [=] x after CREATE/DROP INDEX. */
function skipAlgorithmLock(c: Cursor): void {
  while (c.isWord('ALGORITHM') || c.isWord('LOCK')) {
    c.next();
    c.acceptPunct('=');
    c.next();
  }
}

function tableList(c: Cursor): TableName[] {
  const tables: TableName[] = [];
  do tables.push(c.tableName());
  while (c.acceptPunct(','));
  return tables;
}

/** RENAME TABLE[S] [IF EXISTS] a TO b [, c TO d]… */
export function parseRenameTable(c: Cursor): DdlStatement {
  const pairs: { from: TableName; to: TableName }[] = [];
  // MariaDB ≥ 10.5: RENAME TABLE IF EXISTS skips the pairs whose table is missing.
  let ifExists = false;
  do {
    if (c.acceptWords('IF', 'EXISTS')) ifExists = true;
    const from = c.tableName();
    skipWait(c);
    c.expectWord('TO');
    pairs.push({ from, to: c.tableName() });
  } while (c.acceptPunct(','));
  return { kind: 'rename-table', pairs, ifExists };
}

/** DROP [TEMPORARY] TABLE[S] [IF EXISTS] a[, b]… [WAIT n|NOWAIT] [RESTRICT|CASCADE] */
export function parseDropTable(c: Cursor, temporary: boolean): DdlStatement {
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const tables = tableList(c);
  skipWait(c);
  if (!c.acceptWord('RESTRICT')) c.acceptWord('CASCADE');
  if (temporary) return { kind: 'ignored', reason: 'temporary table' };
  return { kind: 'drop-table', tables, ifExists };
}

/** TRUNCATE [TABLE] t [WAIT n|NOWAIT] */
export function parseTruncate(c: Cursor): DdlStatement {
  c.acceptWord('TABLE');
  const table = c.tableName();
  skipWait(c);
  // sql_mode=ORACLE: TRUNCATE … {DROP | REUSE} STORAGE.
  if (c.acceptWord('DROP') || c.acceptWord('REUSE')) c.expectWord('STORAGE');
  return { kind: 'truncate-table', table };
}

/** CREATE [OR REPLACE] [ONLINE|OFFLINE] [UNIQUE|FULLTEXT|SPATIAL] INDEX [IF NOT EXISTS] name [USING t] ON tbl (parts) … */
export function parseCreateIndex(c: Cursor, kind: IndexKind, orReplace: boolean): DdlStatement {
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = c.anyName('index name');
  parseIndexOptions(c);
  c.expectWord('ON');
  const table = c.tableName();
  skipWait(c);
  const parts = parseKeyParts(c);
  parseIndexOptions(c);
  skipWait(c);
  skipAlgorithmLock(c);
  return { kind: 'create-index', table, index: ifNotExists ? { kind, name, parts, ifNotExists } : { kind, name, parts }, orReplace };
}

/** DROP INDEX [IF EXISTS] name ON tbl [ALGORITHM…] [LOCK…] */
export function parseDropIndex(c: Cursor): DdlStatement {
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const name = c.anyName('index name');
  c.expectWord('ON');
  const table = c.tableName();
  skipWait(c);
  skipAlgorithmLock(c);
  return { kind: 'drop-index', table, name, ifExists };
}

/** Database options: [DEFAULT] CHARACTER SET, COLLATE, ENCRYPTION, COMMENT, READ ONLY. */
function databaseOptions(c: Cursor): { charset?: string; collation?: string } {
  const out: { charset?: string; collation?: string } = {};
  for (;;) {
    c.acceptWord('DEFAULT');
    if (c.acceptWords('CHARACTER', 'SET') || c.acceptWord('CHARSET') || c.acceptWords('CHAR', 'SET')) {
      c.acceptPunct('=');
      out.charset = charsetName(c);
    } else if (c.acceptWord('COLLATE')) {
      c.acceptPunct('=');
      out.collation = c.anyName('collation').toLowerCase();
    } else if (c.acceptWord('ENCRYPTION') || c.acceptWord('COMMENT')) {
      c.acceptPunct('=');
      c.next();
    } else if (c.acceptWords('READ', 'ONLY')) {
      c.acceptPunct('=');
      c.next();
    } else return out;
  }
}

export function parseCreateDatabase(c: Cursor, orReplace: boolean): DdlStatement {
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  const name = c.anyName('database name');
  return { kind: 'create-database', name, orReplace, ifNotExists, ...databaseOptions(c) };
}

export function parseAlterDatabase(c: Cursor): DdlStatement {
  let name: string | undefined;
  const optionWord = ['CHARSET', 'COLLATE', 'ENCRYPTION', 'COMMENT', 'READ'].some((w) => c.isWord(w));
  const optionStart =
    c.isWord('DEFAULT') || c.isWords('READ', 'ONLY') || c.isWords('CHARACTER', 'SET') || c.isWords('CHAR', 'SET') || (optionWord && c.peek(1).type !== 'word' && c.peek(1).type !== 'quoted');
  if (!optionStart) name = c.anyName('database name');
  if (c.acceptWords('UPGRADE', 'DATA', 'DIRECTORY', 'NAME')) return { kind: 'ignored', reason: 'ALTER DATABASE UPGRADE DATA DIRECTORY NAME' };
  const opts = databaseOptions(c);
  return name === undefined ? { kind: 'alter-database', ...opts } : { kind: 'alter-database', name, ...opts };
}

export function parseDropDatabase(c: Cursor): DdlStatement {
  const ifExists = c.acceptWords('IF', 'EXISTS');
  return { kind: 'drop-database', name: c.anyName('database name'), ifExists };
}

/** CREATE [OR REPLACE] [TEMPORARY] SEQUENCE [IF NOT EXISTS] name [options…]: options do not change the table layout. */
export function parseCreateSequence(c: Cursor, orReplace: boolean, temporary: boolean): DdlStatement {
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  const table = c.tableName();
  c.skipToEnd();
  if (temporary) return { kind: 'ignored', reason: 'temporary sequence' };
  return { kind: 'create-sequence', table, orReplace, ifNotExists };
}

export function parseDropSequence(c: Cursor, temporary: boolean): DdlStatement {
  const ifExists = c.acceptWords('IF', 'EXISTS');
  const tables = tableList(c);
  if (temporary) return { kind: 'ignored', reason: 'temporary sequence' };
  return { kind: 'drop-sequence', tables, ifExists };
}
