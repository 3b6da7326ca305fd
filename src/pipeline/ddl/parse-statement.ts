/**
 * The entry point of the DDL parser: one statement text (a QUERY event's
 * statement) in, a `ParseResult` out — a typed statement, `ignored` with a
 * reason, `dml`, or a failure with the offset of the failing token.
 *
 * Follows MySQL Reference Manual §15 "SQL Statements" for the statement
 * verbs and object keywords (and the MariaDB KB "SQL Statements" index).
 *
 * Invariants:
 *   - pure and total: never throws; every lexical or syntax problem becomes
 *     `{ ok: false, failure }`;
 *   - statements that do not change tables are recognised by their leading
 *     keywords and not parsed further (their bodies can hold any SQL);
 *   - a recognised table statement must be consumed entirely (one optional
 *     trailing `;`), otherwise it is a failure at the first unread token.
 */
import type { DdlStatement, IndexKind, ParseResult } from './ast.js';
import { Cursor, SyntaxFailure, type TypeModes } from './cursor.js';
import { LexError, tokenize, type LexOptions } from './lexer.js';
import { parseAlterTable } from './parse-alter-table.js';
import { parseCreateTable } from './parse-create-table.js';
import {
  parseAlterDatabase,
  parseCreateDatabase,
  parseCreateIndex,
  parseCreateSequence,
  parseDropDatabase,
  parseDropIndex,
  parseDropSequence,
  parseDropTable,
  parseRenameTable,
  parseTruncate,
} from './parse-other-ddl.js';

export interface ParseOptions extends LexOptions {
  /**
   * MariaDB's sql_mode ORACLE: DATE is DATETIME, NUMBER without a precision DOUBLE, BLOB without
   * a length LONGBLOB (checked on MariaDB 10.11). MAXDB: TIMESTAMP is DATETIME.
   */
  readonly oracle?: boolean;
  readonly maxdb?: boolean;
}

/** Statement verbs that never change a table's structure or rows. */
const IGNORED_VERBS: Readonly<Record<string, string>> = {
  GRANT: 'privileges', REVOKE: 'privileges', SET: 'session or global setting', BEGIN: 'transaction control',
  COMMIT: 'transaction control', ROLLBACK: 'transaction control', XA: 'transaction control', SAVEPOINT: 'transaction control',
  RELEASE: 'transaction control', START: 'transaction or replication control', STOP: 'replication control',
  FLUSH: 'administration', ANALYZE: 'table maintenance', OPTIMIZE: 'table maintenance', REPAIR: 'table maintenance',
  CHECK: 'table maintenance', CHECKSUM: 'table maintenance', INSTALL: 'plugin', UNINSTALL: 'plugin', LOCK: 'locking',
  UNLOCK: 'locking', USE: 'database selection', CALL: 'routine call', DO: 'expression evaluation', SHOW: 'query',
  SELECT: 'query', HANDLER: 'handler', PREPARE: 'prepared statement', EXECUTE: 'prepared statement',
  DEALLOCATE: 'prepared statement', KILL: 'administration', RESET: 'administration', PURGE: 'administration',
  CHANGE: 'replication control', SHUTDOWN: 'administration', HELP: 'help', DESCRIBE: 'query', DESC: 'query',
  EXPLAIN: 'query', CACHE: 'key cache', BINLOG: 'binlog event replay', SIGNAL: 'condition', RESIGNAL: 'condition',
  GET: 'diagnostics', DECLARE: 'routine body', CLONE: 'administration', RESTART: 'administration', BACKUP: 'backup locks',
};

/** Verbs that change rows through a statement (not through row events). */
const DML_VERBS = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH']);

/** Objects after CREATE/ALTER/DROP that are not tables. */
const IGNORED_OBJECTS: Readonly<Record<string, string>> = {
  VIEW: 'view', TRIGGER: 'trigger', PROCEDURE: 'stored procedure', FUNCTION: 'stored function', EVENT: 'event',
  USER: 'user', ROLE: 'role', SERVER: 'server', TABLESPACE: 'tablespace', LOGFILE: 'logfile group', PACKAGE: 'package',
  SYNONYM: 'synonym', RESOURCE: 'resource group', INSTANCE: 'instance', UNDO: 'undo tablespace', PREPARE: 'prepared statement',
  AGGREGATE: 'stored function', DEFINER: 'stored program or view', ALGORITHM: 'view', SQL: 'view', PUBLICATION: 'publication',
};

function ignoredObject(c: Cursor): DdlStatement | undefined {
  const t = c.peek();
  if (t.type !== 'word') return undefined;
  if (c.isWords('SPATIAL', 'REFERENCE')) {
    c.skipToEnd();
    return { kind: 'ignored', reason: 'spatial reference system' };
  }
  const reason = IGNORED_OBJECTS[t.upper];
  if (reason === undefined) return undefined;
  c.skipToEnd();
  return { kind: 'ignored', reason };
}

function indexKind(c: Cursor): IndexKind | undefined {
  if (c.isWords('UNIQUE', 'INDEX') || c.isWords('UNIQUE', 'KEY')) return 'unique';
  if (c.isWords('FULLTEXT', 'INDEX') || c.isWords('FULLTEXT', 'KEY')) return 'fulltext';
  if (c.isWords('SPATIAL', 'INDEX') || c.isWords('SPATIAL', 'KEY')) return 'spatial';
  if (c.isWords('VECTOR', 'INDEX') || c.isWords('VECTOR', 'KEY')) return 'vector';
  if (c.isWord('INDEX')) return 'index';
  return undefined;
}

function parseCreate(c: Cursor): DdlStatement {
  const orReplace = c.acceptWords('OR', 'REPLACE');
  const temporary = c.acceptWord('TEMPORARY');
  if (!c.acceptWord('ONLINE')) c.acceptWord('OFFLINE');
  const ignored = ignoredObject(c);
  if (ignored !== undefined) return ignored;
  const kind = indexKind(c);
  if (kind !== undefined) {
    if (kind !== 'index') c.next();
    c.next();
    return parseCreateIndex(c, kind, orReplace);
  }
  if (c.acceptWord('TABLE')) return parseCreateTable(c, orReplace, temporary);
  if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) return parseCreateDatabase(c, orReplace);
  if (c.acceptWord('SEQUENCE')) return parseCreateSequence(c, orReplace, temporary);
  return c.fail('unsupported CREATE statement');
}

function parseAlter(c: Cursor): DdlStatement {
  if (!c.acceptWord('ONLINE')) c.acceptWord('OFFLINE');
  c.acceptWord('IGNORE');
  if (c.acceptWord('TABLE')) return parseAlterTable(c);
  if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) return parseAlterDatabase(c);
  if (c.acceptWord('SEQUENCE')) {
    c.skipToEnd();
    return { kind: 'ignored', reason: 'ALTER SEQUENCE changes no columns' };
  }
  return ignoredObject(c) ?? c.fail('unsupported ALTER statement');
}

function parseDrop(c: Cursor): DdlStatement {
  const temporary = c.acceptWord('TEMPORARY');
  if (c.acceptWord('TABLE') || c.acceptWord('TABLES')) return parseDropTable(c, temporary);
  if (c.acceptWord('INDEX') || c.acceptWord('KEY')) return parseDropIndex(c);
  if (c.acceptWord('DATABASE') || c.acceptWord('SCHEMA')) return parseDropDatabase(c);
  if (c.acceptWord('SEQUENCE')) return parseDropSequence(c, temporary);
  return ignoredObject(c) ?? c.fail('unsupported DROP statement');
}

/** Moves past `SET STATEMENT … FOR` (the first FOR outside parentheses); fails without one. */
function afterSetStatementFor(c: Cursor): Cursor {
  c.next();
  c.next();
  let depth = 0;
  while (!c.atEnd()) {
    const t = c.next();
    if (t.type === 'punct' && t.text === '(') depth++;
    else if (t.type === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.type === 'word' && t.upper === 'FOR') return c;
  }
  return c.fail('SET STATEMENT without FOR');
}

function parseStatement(c: Cursor): DdlStatement {
  const t = c.peek();
  if (c.atEnd()) return { kind: 'ignored', reason: 'empty statement' };
  if (t.type === 'punct' && t.text === '(') {
    c.skipToEnd();
    return { kind: 'ignored', reason: 'query' };
  }
  if (t.type !== 'word') return c.fail('expected a statement');
  // MariaDB's SET STATEMENT var = value [, …] FOR <statement>: the binlog logs it as typed, and
  // the statement after FOR is the one that runs (an ALTER under a lock_wait_timeout, say).
  if (t.upper === 'SET' && c.isWord('STATEMENT', 1)) return parseStatement(afterSetStatementFor(c));
  c.next();
  switch (t.upper) {
    case 'CREATE':
      return parseCreate(c);
    case 'ALTER':
      return parseAlter(c);
    case 'DROP':
      return parseDrop(c);
    case 'RENAME':
      if (c.acceptWord('TABLE') || c.acceptWord('TABLES')) return parseRenameTable(c);
      if (c.isWord('USER')) {
        c.skipToEnd();
        return { kind: 'ignored', reason: 'user' };
      }
      return c.fail('unsupported RENAME statement');
    case 'TRUNCATE':
      return parseTruncate(c);
    case 'LOAD':
      if (c.isWord('INDEX')) {
        c.skipToEnd();
        return { kind: 'ignored', reason: 'key cache' };
      }
      c.skipToEnd();
      return { kind: 'dml', verb: 'LOAD' };
    default:
      break;
  }
  if (DML_VERBS.has(t.upper)) {
    c.skipToEnd();
    return { kind: 'dml', verb: t.upper };
  }
  const reason = IGNORED_VERBS[t.upper];
  if (reason !== undefined) {
    c.skipToEnd();
    return { kind: 'ignored', reason: `${t.upper}: ${reason}` };
  }
  return c.fail(`unknown statement ${t.text}`, t);
}

/** Parses one statement (a trailing `;` is allowed). Never throws. */
function typeModes(options: ParseOptions): TypeModes {
  return { oracle: options.oracle === true, maxdb: options.maxdb === true };
}

export function parseDdl(sql: string, options: ParseOptions = {}): ParseResult {
  try {
    const c = new Cursor(sql, tokenize(sql, options), typeModes(options));
    const statement = parseStatement(c);
    if (!c.atEnd()) c.fail('unexpected text after the statement');
    return { ok: true, statement };
  } catch (err) {
    if (err instanceof SyntaxFailure) {
      return { ok: false, failure: { message: err.message, offset: err.offset, near: err.near, statement: sql } };
    }
    if (err instanceof LexError) {
      const leading = recogniseByLeadingWords(sql.slice(0, err.offset), options);
      if (leading !== undefined) return { ok: true, statement: leading };
      return { ok: false, failure: { message: err.message, offset: err.offset, near: sql.slice(err.offset, err.offset + 20), statement: sql } };
    }
    throw err;
  }
}

/**
 * A statement whose text does not lex is still recognised when the words
 * before the failure make it one that is not parsed further (ignored, or
 * DML). Seen on MySQL 8.0.15: CREATE USER … AS '…' logs a
 * caching_sha2_password hash whose random salt breaks the quoting when read
 * without the session's backslash escapes.
 */
function recogniseByLeadingWords(prefix: string, options: ParseOptions): DdlStatement | undefined {
  try {
    const statement = parseStatement(new Cursor(prefix, tokenize(prefix, options), typeModes(options)));
    return statement.kind === 'ignored' || statement.kind === 'dml' ? statement : undefined;
  } catch (err) {
    if (err instanceof SyntaxFailure || err instanceof LexError) return undefined;
    throw err;
  }
}
