/**
 * The token cursor every parsing module works on: look-ahead, keyword
 * matching (case-insensitive), identifiers, qualified names, and skipping of
 * balanced expressions the DDL processor keeps only as text.
 *
 * Invariants: a failed `expect…` throws `SyntaxFailure` carrying the offset of
 * the offending token; parsing never reads past `eof`; skipped expressions
 * are returned as the exact source slice.
 */
import type { TableName } from './ast.js';
import type { Token } from './lexer.js';

export class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly near: string,
  ) {
    super(message);
  }
}

/**
 * Reserved words that cannot be unquoted identifiers (MySQL Reference Manual
 * §11.3 "Keywords and Reserved Words", the subset that matters to DDL).
 */
const RESERVED = new Set([
  'ADD', 'ALTER', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASCADE', 'CHANGE', 'CHARACTER', 'CHECK', 'COLLATE',
  'COLUMN', 'CONSTRAINT', 'CONVERT', 'CREATE', 'DEFAULT', 'DELETE', 'DESC', 'DROP', 'EXISTS', 'FOREIGN', 'FROM',
  'FULLTEXT', 'IF', 'IGNORE', 'IN', 'INDEX', 'INSERT', 'INTO', 'IS', 'KEY', 'KEYS', 'LIKE', 'LOCK', 'NOT',
  'NULL', 'ON', 'OR', 'ORDER', 'PARTITION', 'PRIMARY', 'REFERENCES', 'RENAME', 'REPLACE', 'RESTRICT', 'SELECT',
  'SET', 'SPATIAL', 'TABLE', 'TO', 'UNIQUE', 'UNSIGNED', 'UPDATE', 'USING', 'VALUES', 'WHERE', 'WITH', 'ZEROFILL',
]);

/** The sql_mode flags that change what a data type's name means (ParseOptions). */
export interface TypeModes {
  readonly oracle: boolean;
  readonly maxdb: boolean;
}

const PLAIN_TYPES: TypeModes = { oracle: false, maxdb: false };

export class Cursor {
  pos = 0;

  constructor(
    readonly sql: string,
    readonly tokens: readonly Token[],
    readonly typeModes: TypeModes = PLAIN_TYPES,
  ) {}

  peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
    if (t === undefined) throw new SyntaxFailure('empty token list', 0, '');
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.pos += 1;
    return t;
  }

  atEnd(): boolean {
    const t = this.peek();
    return t.type === 'eof' || (t.type === 'punct' && t.text === ';' && this.peek(1).type === 'eof');
  }

  fail(message: string, token: Token = this.peek()): never {
    throw new SyntaxFailure(message, token.start, token.text);
  }

  /** True when the token `ahead` is the keyword `word` (unquoted). */
  isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'word' && t.upper === word;
  }

  /** True when the next tokens are the keywords `words` in order. */
  isWords(...words: string[]): boolean {
    return words.every((w, i) => this.isWord(w, i));
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'punct' && t.text === p;
  }

  /** Consumes the keyword when present. */
  acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos += 1;
    return true;
  }

  /** Consumes the keyword sequence when all of it is present. */
  acceptWords(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.pos += words.length;
    return true;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos += 1;
    return true;
  }

  expectWord(word: string): void {
    if (!this.acceptWord(word)) this.fail(`expected ${word}`);
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`expected '${p}'`);
  }

  /** An identifier: quoted, or an unquoted word that is not reserved (numbers allowed: `t.1a` parts). */
  isIdentifier(ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'quoted' || (t.type === 'word' && !RESERVED.has(t.upper));
  }

  identifier(what = 'identifier'): string {
    const t = this.peek();
    if (t.type === 'quoted' || (t.type === 'word' && !RESERVED.has(t.upper))) {
      this.pos += 1;
      return t.text;
    }
    return this.fail(`expected ${what}`);
  }

  /** An identifier where reserved words are also accepted (after a dot, as index names, …). */
  anyName(what = 'name'): string {
    const t = this.peek();
    if (t.type === 'quoted' || t.type === 'word' || t.type === 'number') {
      this.pos += 1;
      return t.text;
    }
    if (t.type === 'string') {
      this.pos += 1;
      return t.text;
    }
    return this.fail(`expected ${what}`);
  }

  /** `name` or `db.name`. */
  tableName(): TableName {
    const first = this.identifier('table name');
    if (this.acceptPunct('.')) return { db: first, name: this.anyName('table name') };
    return { name: first };
  }

  /** A column reference, possibly written `t.c` or `db.t.c`: the last part is the column. */
  columnRef(): string {
    let name = this.identifier('column name');
    while (this.acceptPunct('.')) name = this.anyName('column name');
    return name;
  }

  /** A string literal, adjacent literals concatenated (§11.1.1). */
  string(what = 'string'): string {
    const t = this.peek();
    if (t.type !== 'string') return this.fail(`expected ${what}`);
    let value = '';
    while (this.peek().type === 'string') value += this.next().text;
    return value;
  }

  /** A non-negative integer literal. */
  integer(what = 'number'): number {
    const t = this.peek();
    if (t.type !== 'number' || !/^\d+$/.test(t.text)) return this.fail(`expected ${what}`);
    this.pos += 1;
    return Number(t.text);
  }

  /** Text of source from token index `from` (inclusive) to the current position (exclusive). */
  textFrom(from: number): string {
    if (from >= this.pos) return '';
    const a = this.tokens[from] as Token;
    const b = this.tokens[this.pos - 1] as Token;
    return this.sql.slice(a.start, b.end);
  }

  /** Skips a parenthesised group starting at the current `(`; returns the inner source text. */
  skipParens(): string {
    const open = this.peek();
    if (!(open.type === 'punct' && open.text === '(')) return this.fail("expected '('");
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.type === 'eof') return this.fail('unbalanced parentheses', open);
      if (t.type === 'punct' && t.text === '(') depth += 1;
      else if (t.type === 'punct' && t.text === ')') {
        depth -= 1;
        if (depth === 0) return this.sql.slice(open.end, t.start);
      }
    }
  }

  /**
   * Skips an expression up to (not including) a `,` or `)` at depth 0, the end
   * of the statement, or a token for which `stop` says so; returns its text.
   */
  skipExpression(stop: (c: Cursor) => boolean = () => false): string {
    const from = this.pos;
    this.skipExpressionTail(stop, true);
    if (this.pos === from) this.fail('expected an expression');
    return this.textFrom(from);
  }

  /** Like skipExpression, but may skip nothing; `stop` is consulted from the first token unless `afterFirst`. */
  skipExpressionTail(stop: (c: Cursor) => boolean, afterFirst = false): void {
    const from = this.pos;
    for (;;) {
      const t = this.peek();
      if (t.type === 'eof' || this.atEnd()) break;
      if (t.type === 'punct' && (t.text === ',' || t.text === ')')) break;
      if (t.type === 'punct' && t.text === '(') {
        this.skipParens();
        continue;
      }
      if ((this.pos > from || !afterFirst) && stop(this)) break;
      this.pos += 1;
    }
  }

  /**
   * Skips everything to the end of the statement, parentheses balanced or
   * not: what is skipped is not parsed, and a statement cut short by a lexical
   * error (see `parseDdl`) can leave one open.
   */
  skipToEnd(): void {
    while (!this.atEnd()) this.pos += 1;
  }
}
