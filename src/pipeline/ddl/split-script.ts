/**
 * Splits an SQL script (e.g. `mariadb-dump --no-data` output given with
 * --schema-sql) into statements, as the `mysql`/`mariadb` client does: a
 * statement ends at the current delimiter outside quotes and comments; a
 * `DELIMITER x` line changes the delimiter (dumps use `;;` around triggers).
 *
 * Follows the MySQL Reference Manual §6.5.1.2 "mysql Client Commands"
 * (`delimiter`) and §11.7 (comments).
 *
 * Invariants: pure; statement text is returned trimmed, without its
 * delimiter and leading comments, with its 0-based start offset in the
 * script; executable comments `/*!…*\/` are kept (they are code); empty
 * statements are dropped.
 */

export interface ScriptStatement {
  readonly sql: string;
  /** Offset of the statement's first character in the script. */
  readonly offset: number;
}

export function splitScript(script: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let delimiter = ';';
  let start = 0;
  let i = 0;
  const n = script.length;
  const emit = (end: number): void => {
    const raw = script.slice(start, end);
    const sql = raw.trim();
    if (sql !== '') out.push({ sql, offset: start + (raw.length - raw.trimStart().length) });
  };
  while (i < n) {
    // `DELIMITER x` at the start of a line (outside any statement text) changes the delimiter.
    if (script.slice(start, i).trim() === '' && (i === 0 || script[i - 1] === '\n')) {
      const m = /^[ \t]*delimiter[ \t]+(\S+)[^\n]*(?:\n|$)/i.exec(script.slice(i, i + 200));
      if (m !== null) {
        delimiter = m[1] as string;
        i += m[0].length;
        start = i;
        continue;
      }
    }
    const ch = script[i] as string;
    if (script.startsWith(delimiter, i)) {
      emit(i);
      i += delimiter.length;
      start = i;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      i += 1;
      while (i < n && script[i] !== ch) i += script[i] === '\\' && ch !== '`' ? 2 : 1;
      i += 1;
      continue;
    }
    const leading = script.slice(start, i).trim() === '';
    if (ch === '#' || (ch === '-' && script.startsWith('--', i) && /[\s]/.test(script[i + 2] ?? ' '))) {
      while (i < n && script[i] !== '\n') i += 1;
      if (leading) start = i;
      continue;
    }
    if (ch === '/' && script[i + 1] === '*' && script[i + 2] !== '!' && !script.startsWith('/*M!', i)) {
      const close = script.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      if (leading) start = i;
      continue;
    }
    i += 1;
  }
  emit(n);
  return out;
}
