/**
 * DDL coverage measurement on a public corpus: the `.test` files of the
 * MariaDB test suite (Debian package `mariadb-test-data`, installed under
 * /usr/share/mysql/mysql-test). The files are read at test time and never
 * copied into this repository (they are GPL).
 *
 * Extraction follows the mysqltest language (MariaDB KB "mysqltest Command
 * Reference"): statements end with the current delimiter (`delimiter X;` or
 * `--delimiter X` changes it); lines starting with `--` or `#` outside a
 * statement are commands or comments; `perl`/`write_file`/`append_file`
 * blocks run to their `EOF` line; `if (…) {`, `while (…) {` and `}` are
 * control flow. Kept: statements beginning CREATE/ALTER/RENAME/DROP/TRUNCATE
 * on TABLE, INDEX, DATABASE or SCHEMA. Left out: statements holding a
 * `$variable` (mysqltest substitutes them) and statements expected to fail
 * (preceded by `--error`/`error`), which never reach a binlog.
 *
 * Invariant: `extractStatements` is pure; only `measureCorpus` reads files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDdl } from './parse-statement.js';

export const CORPUS_DIRS = ['/usr/share/mysql/mysql-test', '/usr/share/mariadb/mariadb-test', '/usr/share/mysql-test'];

export interface CorpusStatement {
  readonly file: string;
  readonly line: number;
  readonly sql: string;
}

const MYSQLTEST_COMMANDS = new Set([
  'let', 'eval', 'echo', 'source', 'connect', 'connection', 'disconnect', 'error', 'replace_result', 'replace_column',
  'replace_regex', 'sleep', 'real_sleep', 'send', 'reap', 'send_eval', 'query_vertical', 'query_horizontal', 'die', 'exit',
  'skip', 'exec', 'execw', 'exec_in_background', 'system', 'remove_file', 'remove_files_wildcard', 'file_exists', 'mkdir',
  'rmdir', 'force-rmdir', 'copy_file', 'copy_files_wildcard', 'move_file', 'list_files', 'list_files_write_file',
  'list_files_append_file', 'cat_file', 'diff_files', 'inc', 'dec', 'vertical_results', 'horizontal_results',
  'sorted_result', 'partially_sorted_result', 'lowercase_result', 'result_format', 'character_set', 'shutdown_server',
  'wait_for_slave_to_stop', 'sync_slave_with_master', 'save_master_pos', 'sync_with_master', 'change_user',
  'dirty_close', 'ping', 'query', 'query_get_value', 'start_timer', 'end_timer', 'chmod', 'output', 'send_quit',
  'send_shutdown', 'enable_metadata', 'disable_metadata', 'end', 'append_file', 'write_file', 'perl', 'require',
  'replace_numeric_round', 'reset_connection', 'disable_abort_on_error', 'enable_abort_on_error', 'assert', 'single_query',
]);

const TABLE_DDL_RE =
  /^(?:create\s+(?:or\s+replace\s+)?(?:temporary\s+)?(?:table|(?:unique\s+|fulltext\s+|spatial\s+)?index|database|schema)\b|alter\s+(?:online\s+)?(?:ignore\s+)?(?:table|database|schema)\b|rename\s+tables?\b|drop\s+(?:temporary\s+)?(?:tables?|index|database|schema)\b|truncate\b)/i;

/** Whether a statement is a table/index/database DDL statement of the kinds measured. */
export function isMeasuredDdl(sql: string): boolean {
  return TABLE_DDL_RE.test(sql.replace(/^(?:\s|\/\*(?!!)[\s\S]*?\*\/)+/, ''));
}

function firstWord(line: string): string {
  return (/^[A-Za-z_-]+/.exec(line)?.[0] ?? '').toLowerCase();
}

/** Splits a mysqltest file into SQL statements (all of them; filter with isMeasuredDdl). */
export function extractStatements(text: string, file: string): { statements: CorpusStatement[]; expectedErrors: number } {
  const statements: CorpusStatement[] = [];
  const lines = text.split('\n');
  let delimiter = ';';
  let buffer: string[] = [];
  let startLine = 0;
  let expectError = false;
  let expectedErrors = 0;
  let blockEnd: string | undefined;
  const scanner = new DelimiterScanner();

  const finish = (stmt: string): void => {
    const sql = stmt.trim();
    const word = firstWord(sql);
    if (sql === '') return;
    if (word === 'delimiter') {
      delimiter = sql.slice('delimiter'.length).trim() || ';';
      return;
    }
    if (word === 'error' || word === '-error') {
      expectError = true;
      return;
    }
    if (MYSQLTEST_COMMANDS.has(word) || word.startsWith('enable_') || word.startsWith('disable_')) return;
    if (expectError) {
      expectError = false;
      expectedErrors += 1;
      return;
    }
    if (sql.includes('$')) return;
    statements.push({ file, line: startLine + 1, sql });
  };

  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const trimmed = line.trim();
    if (blockEnd !== undefined) {
      if (trimmed === blockEnd) blockEnd = undefined;
      continue;
    }
    if (buffer.length === 0) {
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      if (trimmed.startsWith('--')) {
        const cmd = trimmed.slice(2).trim();
        const word = firstWord(cmd);
        if (word === 'delimiter') delimiter = cmd.slice('delimiter'.length).trim() || ';';
        else if (word === 'error') expectError = true;
        else if (word === 'perl' || word === 'write_file' || word === 'append_file') blockEnd = 'EOF';
        // Any other `--…` line is a mysqltest command or a comment.
        continue;
      }
      if (/^(?:if|while)\s*\(/i.test(trimmed) || /^}/.test(trimmed) || trimmed === '{') continue;
      const word = firstWord(trimmed);
      if (word === 'perl' || word === 'write_file' || word === 'append_file') {
        const m = /^\w+(?:\s+\S+)?(?:\s+(\S+))?\s*;?$/.exec(trimmed.replace(new RegExp(`${escapeRe(delimiter)}$`), ''));
        blockEnd = m?.[1] ?? 'EOF';
        continue;
      }
      startLine = i;
    }
    // Find delimiters outside quotes and comments; text after one starts the next statement.
    let rest = line;
    for (;;) {
      const at = scanner.findDelimiter(rest, delimiter);
      if (at < 0) {
        buffer.push(rest);
        break;
      }
      buffer.push(rest.slice(0, at));
      finish(buffer.join('\n'));
      buffer = [];
      rest = rest.slice(at + delimiter.length);
      const more = rest.trim();
      if (more === '' || more.startsWith('#') || more.startsWith('--')) break;
      startLine = i;
    }
  }
  return { statements, expectedErrors };
}

/** Quote and comment state carried across the lines of one statement. */
class DelimiterScanner {
  private quote = '';
  private blockComment = false;

  /** Index of the first delimiter outside quotes and comments in `text`, or -1. */
  findDelimiter(text: string, delimiter: string): number {
    for (let k = 0; k < text.length; k += 1) {
      const ch = text[k] as string;
      if (this.blockComment) {
        if (ch === '*' && text[k + 1] === '/') {
          this.blockComment = false;
          k += 1;
        }
        continue;
      }
      if (this.quote !== '') {
        if (ch === '\\' && this.quote !== '`') k += 1;
        else if (ch === this.quote) this.quote = '';
        continue;
      }
      if (text.startsWith(delimiter, k)) return k;
      if (ch === "'" || ch === '"' || ch === '`') this.quote = ch;
      else if (ch === '#' || (ch === '-' && text.startsWith('-- ', k))) return -1;
      else if (ch === '/' && text[k + 1] === '*' && text[k + 2] !== '!') {
        this.blockComment = true;
        k += 1;
      }
    }
    return -1;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith('.test')) out.push(p);
  }
}

export interface CorpusFailure {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
  readonly message: string;
  readonly near: string;
  readonly sql: string;
}

export interface CorpusReport {
  readonly dir: string;
  readonly files: number;
  readonly statements: number;
  readonly parsed: number;
  readonly ignored: number;
  readonly expectedErrorsSkipped: number;
  readonly failures: readonly CorpusFailure[];
  /** Mean parse time per statement in microseconds. */
  readonly microsPerStatement: number;
}

/** Extracts every measured DDL statement of the corpus under `dir` and parses it. */
export function measureCorpus(dir: string): CorpusReport {
  const files: string[] = [];
  walk(dir, files);
  files.sort();
  const failures: CorpusFailure[] = [];
  let statements = 0;
  let parsed = 0;
  let ignored = 0;
  let expectedErrorsSkipped = 0;
  let nanos = 0n;
  for (const f of files) {
    const rel = relative(dir, f);
    const extracted = extractStatements(readFileSync(f, 'latin1'), rel);
    expectedErrorsSkipped += extracted.expectedErrors;
    for (const s of extracted.statements) {
      if (!isMeasuredDdl(s.sql)) continue;
      statements += 1;
      const t0 = process.hrtime.bigint();
      const r = parseDdl(s.sql);
      nanos += process.hrtime.bigint() - t0;
      if (r.ok) {
        parsed += 1;
        if (r.statement.kind === 'ignored') ignored += 1;
      } else {
        failures.push({ file: s.file, line: s.line, offset: r.failure.offset, message: r.failure.message, near: r.failure.near, sql: s.sql });
      }
    }
  }
  return {
    dir,
    files: files.length,
    statements,
    parsed,
    ignored,
    expectedErrorsSkipped,
    failures,
    microsPerStatement: statements === 0 ? 0 : Number(nanos / 1000n) / statements,
  };
}
