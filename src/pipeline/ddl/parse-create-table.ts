/**
 * CREATE [OR REPLACE] [TEMPORARY] TABLE [IF NOT EXISTS] — definitions, LIKE,
 * and CREATE … [AS] SELECT.
 *
 * Follows MySQL Reference Manual §15.1.20 ("CREATE TABLE Statement",
 * §15.1.20.3 "CREATE TABLE … LIKE", §15.1.20.4 "CREATE TABLE … SELECT") and
 * MariaDB KB "CREATE TABLE" (OR REPLACE).
 *
 * Invariants: the cursor arrives after the TABLE keyword; a query part is not
 * parsed (its columns are unknown here) and only flags `asSelect`; TEMPORARY
 * tables are returned as `ignored` (ROW format never logs their rows).
 */
import type { DdlStatement, TableElement } from './ast.js';
import type { Cursor } from './cursor.js';
import { parseTableElement } from './parse-table-element.js';
import { parseTableOptions, skipPartitioning } from './parse-table-options.js';

function isQueryStart(c: Cursor): boolean {
  return c.isWord('SELECT') || c.isWord('WITH') || c.isWord('VALUES') || c.isWord('TABLE') || (c.isPunct('(') && (c.isWord('SELECT', 1) || c.isWord('WITH', 1) || c.isWord('VALUES', 1) || c.isPunct('(', 1)));
}

export function parseCreateTable(c: Cursor, orReplace: boolean, temporary: boolean): DdlStatement {
  const ifNotExists = c.acceptWords('IF', 'NOT', 'EXISTS');
  const table = c.tableName();
  if (c.isWord('LIKE') || (c.isPunct('(') && c.isWord('LIKE', 1))) {
    const paren = c.acceptPunct('(');
    c.expectWord('LIKE');
    const like = c.tableName();
    if (paren) c.expectPunct(')');
    if (temporary) return { kind: 'ignored', reason: 'temporary table' };
    return { kind: 'create-table-like', table, like, orReplace, ifNotExists };
  }
  const elements: TableElement[] = [];
  if (c.isPunct('(') && !isQueryStart(c)) {
    c.next();
    do elements.push(parseTableElement(c));
    while (c.acceptPunct(','));
    c.expectPunct(')');
  }
  const options = parseTableOptions(c);
  let partitioned = false;
  if (c.isWords('PARTITION', 'BY')) {
    skipPartitioning(c);
    partitioned = true;
  }
  let asSelect = false;
  const duplicates = c.acceptWord('IGNORE') || c.acceptWord('REPLACE');
  const viaAs = c.acceptWord('AS');
  if (duplicates || viaAs || isQueryStart(c)) {
    if (!isQueryStart(c)) c.fail('expected a SELECT');
    asSelect = true;
    c.skipToEnd();
  }
  if (temporary) return { kind: 'ignored', reason: 'temporary table' };
  // Without columns, an engine discovers them (CONNECT, S3, FederatedX …): the schema will be incomplete.
  if (elements.length === 0 && !asSelect && Object.keys(options).length === 0) c.fail('expected a table definition, LIKE or SELECT');
  return { kind: 'create-table', table, orReplace, ifNotExists, elements, options, asSelect, partitioned };
}
