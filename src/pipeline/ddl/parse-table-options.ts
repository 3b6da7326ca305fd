/**
 * Table options (ENGINE, DEFAULT CHARSET, COLLATE, COMMENT, ROW_FORMAT, …)
 * and partitioning clauses, shared by CREATE TABLE and ALTER TABLE.
 *
 * Follows MySQL Reference Manual §15.1.20 (table_option, partition_options)
 * and MariaDB KB "CREATE TABLE" (engine-defined `name=value` options, WITH
 * SYSTEM VERSIONING, PAGE_CHECKSUM, TRANSACTIONAL, SEQUENCE=…).
 *
 * Invariants: options may be separated by commas or spaces; only the charset,
 * collation, engine and comment are kept (the rest do not change a table's
 * columns); a partitioning clause is skipped as balanced text.
 */
import type { TableOptions } from './ast.js';
import type { Cursor } from './cursor.js';
import { charsetName } from './parse-data-type.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Options whose value follows, with or without `=`. */
const VALUE_OPTIONS = new Set([
  'AUTO_INCREMENT', 'AVG_ROW_LENGTH', 'CHECKSUM', 'TABLE_CHECKSUM', 'COMPRESSION', 'CONNECTION', 'DELAY_KEY_WRITE',
  'ENCRYPTION', 'ENGINE_ATTRIBUTE', 'SECONDARY_ENGINE_ATTRIBUTE', 'SECONDARY_ENGINE', 'INSERT_METHOD', 'KEY_BLOCK_SIZE',
  'MAX_ROWS', 'MIN_ROWS', 'PACK_KEYS', 'PASSWORD', 'ROW_FORMAT', 'STATS_AUTO_RECALC', 'STATS_PERSISTENT',
  'STATS_SAMPLE_PAGES', 'PAGE_CHECKSUM', 'TRANSACTIONAL', 'PAGE_COMPRESSED', 'PAGE_COMPRESSION_LEVEL', 'IETF_QUOTES',
  'ENCRYPTED', 'ENCRYPTION_KEY_ID', 'SEQUENCE', 'AUTOEXTEND_SIZE',
]);

function optionValue(c: Cursor): string {
  c.acceptPunct('=');
  const t = c.next();
  if (t.type === 'eof') c.fail('expected an option value', t);
  return t.text;
}

/** True when the cursor is at a word that starts a table option. */
export function isTableOptionStart(c: Cursor): boolean {
  const t = c.peek();
  if (t.type === 'quoted') return c.isPunct('=', 1);
  if (t.type !== 'word') return false;
  const w = t.upper;
  return (
    VALUE_OPTIONS.has(w) || w === 'ENGINE' || w === 'TYPE' || w === 'COMMENT' || w === 'CHARSET' || w === 'COLLATE' ||
    c.isWords('CHARACTER', 'SET') || c.isWords('CHAR', 'SET') || (w === 'DEFAULT' && (c.isWord('CHARSET', 1) || c.isWord('COLLATE', 1) || c.isWord('CHARACTER', 1) || c.isWord('CHAR', 1))) ||
    c.isWords('DATA', 'DIRECTORY') || c.isWords('INDEX', 'DIRECTORY') || w === 'UNION' || w === 'TABLESPACE' ||
    c.isWords('STORAGE', 'DISK') || c.isWords('STORAGE', 'MEMORY') || c.isWords('WITH', 'SYSTEM') ||
    c.isWords('START', 'TRANSACTION') || c.isPunct('=', 1)
  );
}

/** Parses one table option into `opts`; returns false (consuming nothing) when none starts here. */
export function parseTableOption(c: Cursor, opts: Mutable<TableOptions>): boolean {
  if (!isTableOptionStart(c)) return false;
  const w = c.peek().upper;
  if (w === 'DEFAULT') c.next();
  if (c.acceptWords('CHARACTER', 'SET') || c.acceptWord('CHARSET') || c.acceptWords('CHAR', 'SET')) {
    c.acceptPunct('=');
    if (c.acceptWord('DEFAULT')) opts.charsetDefault = true;
    else opts.charset = charsetName(c);
  } else if (c.acceptWord('COLLATE')) {
    c.acceptPunct('=');
    if (c.acceptWord('DEFAULT')) opts.charsetDefault = true;
    else opts.collation = c.anyName('collation').toLowerCase();
  } else if (c.acceptWord('ENGINE') || c.acceptWord('TYPE')) opts.engine = optionValue(c);
  else if (c.acceptWord('COMMENT')) {
    c.acceptPunct('=');
    opts.comment = c.string('comment');
  } else if (c.acceptWords('DATA', 'DIRECTORY') || c.acceptWords('INDEX', 'DIRECTORY')) optionValue(c);
  else if (c.acceptWord('UNION')) {
    c.acceptPunct('=');
    c.skipParens();
  } else if (c.acceptWord('TABLESPACE')) {
    c.anyName('tablespace');
    if (c.acceptWord('STORAGE')) c.next();
  } else if (c.acceptWord('STORAGE')) c.next();
  else if (c.acceptWords('WITH', 'SYSTEM', 'VERSIONING')) opts.systemVersioning = true;
  else if (c.acceptWords('START', 'TRANSACTION')) return true;
  else {
    c.next();
    optionValue(c);
  }
  return true;
}

/** Parses table options separated by spaces or commas until none follows. */
export function parseTableOptions(c: Cursor): TableOptions {
  const opts: Mutable<TableOptions> = {};
  for (;;) {
    const save = c.pos;
    if (c.acceptPunct(',') && !isTableOptionStart(c)) {
      c.pos = save;
      return opts;
    }
    if (!parseTableOption(c, opts)) {
      c.pos = save;
      return opts;
    }
  }
}

/** Words that end a partitioning clause in CREATE TABLE (the start of `[AS] SELECT`). */
const QUERY_START = new Set(['SELECT', 'AS', 'IGNORE', 'REPLACE', 'WITH', 'VALUES', 'TABLE']);

/** Skips `PARTITION BY …` up to the end of the statement or a query part. */
export function skipPartitioning(c: Cursor): void {
  c.expectWord('PARTITION');
  c.expectWord('BY');
  while (!c.atEnd()) {
    if (c.isPunct('(')) {
      c.skipParens();
      continue;
    }
    const t = c.peek();
    if (t.type === 'word' && QUERY_START.has(t.upper)) return;
    c.next();
  }
}
