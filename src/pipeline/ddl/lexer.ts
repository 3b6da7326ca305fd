/**
 * Tokenizer for MySQL/MariaDB statements as they appear in binlog QUERY events.
 *
 * Follows the MySQL Reference Manual §11.1 (string literals, escapes, adjacent
 * strings, introducers), §11.2 (identifiers, backtick quoting with doubled
 * backticks), §11.7 (comments) and MariaDB KB "Comment Syntax" (executable
 * comments `/*M!100100 … *\/`).
 *
 * Invariants:
 *   - pure: text in, tokens out; every token keeps its source offsets so a
 *     parse failure can name the failing position and skipped expressions can
 *     be copied verbatim from the statement;
 *   - executable comments `/*! … *\/`, `/*!NNNNN … *\/` and `/*M!NNNNNN … *\/` are
 *     lexed as code when their version is ≤ `serverVersion` (default: always);
 *     otherwise, like every other comment, they produce no token;
 *   - a lexical error (unterminated string, quoted identifier or comment)
 *     is reported as a `LexError` with the offset where the construct began.
 */

export type TokenType =
  /** Unquoted word: keyword or identifier (compare keywords through `upper`). */
  | 'word'
  /** `backtick` quoted identifier (or "double quoted" under ANSI_QUOTES); `text` is unescaped. */
  | 'quoted'
  /** String literal; `text` is the unescaped value (with introducers dropped). */
  | 'string'
  /** Hex or bit literal: X'..', 0x.., B'..', 0b..; `text` is the source spelling. */
  | 'hex'
  | 'number'
  /** `@name` or `@@name` (the text includes the sigils). */
  | 'variable'
  | 'punct'
  | 'eof';

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  /** Upper-cased text for `word` tokens, '' otherwise. */
  readonly upper: string;
  /** Offset of the first character in the statement. */
  readonly start: number;
  /** Offset after the last character. */
  readonly end: number;
}

export interface LexOptions {
  /** Server version as MAJOR*10000+MINOR*100+PATCH (e.g. 101106); executable comments above it are skipped. Default: include all. */
  readonly serverVersion?: number;
  /** SQL mode ANSI_QUOTES: "text" is an identifier, not a string. */
  readonly ansiQuotes?: boolean;
  /** SQL mode NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  readonly noBackslashEscapes?: boolean;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const PUNCT3 = new Set(['<=>', '->>']);
const PUNCT2 = new Set(['<=', '>=', '<>', '!=', '||', '&&', '<<', '>>', ':=', '->']);

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  "'": "'",
  '"': '"',
  '\\': '\\',
};

function isWordChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24 || c >= 0x80
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

const NUMBER_RE = /^(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+|0b[01]+)$/;

/** Splits a statement into tokens; the last token is always `eof`. */
export function tokenize(sql: string, options: LexOptions = {}): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  const maxVersion = options.serverVersion ?? Number.POSITIVE_INFINITY;
  let i = 0;
  /** Inside an executable comment whose content is lexed as code. */
  let inExecComment = false;

  const push = (type: TokenType, text: string, start: number, end: number): void => {
    tokens.push({ type, text, upper: type === 'word' ? text.toUpperCase() : '', start, end });
  };

  const readQuoted = (start: number, quote: string, escapes: boolean): { value: string; end: number } => {
    let value = '';
    let j = start + 1;
    for (;;) {
      if (j >= n) throw new LexError(`unterminated ${quote === '`' ? 'quoted identifier' : 'string'}`, start);
      const ch = sql[j] as string;
      if (ch === quote) {
        if (sql[j + 1] === quote) {
          value += quote;
          j += 2;
          continue;
        }
        return { value, end: j + 1 };
      }
      if (ch === '\\' && escapes) {
        const next = sql[j + 1];
        if (next === undefined) throw new LexError('unterminated string', start);
        // §11.1.1: \% and \_ keep their backslash; unknown escapes drop it.
        value += next === '%' || next === '_' ? `\\${next}` : (ESCAPES[next] ?? next);
        j += 2;
        continue;
      }
      value += ch;
      j += 1;
    }
  };

  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i += 1;
      continue;
    }
    const ch = sql[i] as string;
    const next = sql[i + 1];
    // Comments.
    if (ch === '#' || (ch === '-' && next === '-' && (i + 2 >= n || isSpace(sql.charCodeAt(i + 2))))) {
      while (i < n && sql[i] !== '\n') i += 1;
      continue;
    }
    if (ch === '*' && next === '/' && inExecComment) {
      inExecComment = false;
      i += 2;
      continue;
    }
    if (ch === '/' && next === '*') {
      const start = i;
      const exec = /^\/\*(M?)!(\d{5,6})?/.exec(sql.slice(i, i + 12));
      if (exec && !inExecComment) {
        const version = exec[2] === undefined ? 0 : Number(exec[2]);
        if (version <= maxVersion) {
          inExecComment = true;
          i += exec[0].length;
          continue;
        }
      }
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new LexError('unterminated comment', start);
      i = close + 2;
      continue;
    }
    // Strings and quoted identifiers.
    if (ch === '`' || (ch === '"' && options.ansiQuotes === true)) {
      const q = readQuoted(i, ch, false);
      push('quoted', q.value, i, q.end);
      i = q.end;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const q = readQuoted(i, ch, options.noBackslashEscapes !== true);
      push('string', q.value, i, q.end);
      i = q.end;
      continue;
    }
    if (ch === '@') {
      let j = i + 1;
      if (sql[j] === '@') j += 1;
      if (sql[j] === '`' || sql[j] === "'" || sql[j] === '"') {
        const q = readQuoted(j, sql[j] as string, sql[j] !== '`');
        j = q.end;
      } else {
        while (j < n && (isWordChar(sql.charCodeAt(j)) || sql[j] === '.')) j += 1;
      }
      push('variable', sql.slice(i, j), i, j);
      i = j;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql.charCodeAt(j))) j += 1;
      // Decimal fraction and exponent sign belong to a number.
      if (/^\d+$/.test(sql.slice(i, j)) && sql[j] === '.' && /\d/.test(sql[j + 1] ?? '')) {
        j += 1;
        while (j < n && isWordChar(sql.charCodeAt(j))) j += 1;
      }
      if (/^\d+(?:\.\d*)?[eE]$/.test(sql.slice(i, j)) && (sql[j] === '+' || sql[j] === '-') && /\d/.test(sql[j + 1] ?? '')) {
        j += 1;
        while (j < n && isWordChar(sql.charCodeAt(j))) j += 1;
      }
      const word = sql.slice(i, j);
      const quoteNext = sql[j];
      if (quoteNext === "'" && /^[xXbB]$/.test(word)) {
        const q = readQuoted(j, "'", false);
        push('hex', sql.slice(i, q.end), i, q.end);
        i = q.end;
        continue;
      }
      // Introducers (_utf8mb4'…', N'…'): the value is the string; the charset is not needed for DDL.
      if ((quoteNext === "'" || quoteNext === '"') && (word[0] === '_' || /^[nN]$/.test(word))) {
        const q = readQuoted(j, quoteNext, options.noBackslashEscapes !== true);
        push('string', q.value, i, q.end);
        i = q.end;
        continue;
      }
      if (word[0] === '_' && sql[j] !== undefined && /^[xX]'/.test(sql.slice(j, j + 2))) {
        const q = readQuoted(j + 1, "'", false);
        push('hex', sql.slice(i, q.end), i, q.end);
        i = q.end;
        continue;
      }
      if (NUMBER_RE.test(word)) {
        push(word.startsWith('0x') || word.startsWith('0b') ? 'hex' : 'number', word, i, j);
      } else {
        push('word', word, i, j);
      }
      i = j;
      continue;
    }
    if (ch === '.' && /\d/.test(next ?? '') && (tokens.length === 0 || !isQualifierEnd(tokens[tokens.length - 1] as Token, i))) {
      let j = i + 1;
      while (j < n && /[\d]/.test(sql[j] as string)) j += 1;
      if (/[eE]/.test(sql[j] ?? '')) {
        j += 1;
        if (sql[j] === '+' || sql[j] === '-') j += 1;
        while (j < n && /[\d]/.test(sql[j] as string)) j += 1;
      }
      push('number', sql.slice(i, j), i, j);
      i = j;
      continue;
    }
    const three = sql.slice(i, i + 3);
    if (PUNCT3.has(three)) {
      push('punct', three, i, i + 3);
      i += 3;
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (PUNCT2.has(two)) {
      push('punct', two, i, i + 2);
      i += 2;
      continue;
    }
    push('punct', ch, i, i + 1);
    i += 1;
  }
  push('eof', '', n, n);
  return tokens;
}

/** `t.5` style names: a dot right after an identifier is a qualifier, not a decimal point. */
function isQualifierEnd(prev: Token, dotOffset: number): boolean {
  return prev.end === dotOffset && (prev.type === 'word' || prev.type === 'quoted');
}
