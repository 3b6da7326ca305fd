import { describe, expect, it } from 'vitest';
import { LexError, tokenize } from './lexer.js';

const texts = (sql: string, opts = {}): string[] => tokenize(sql, opts).filter((t) => t.type !== 'eof').map((t) => t.text);

describe('tokenize', () => {
  it('drops -- , # and /* */ comments, but `--x` is two minus signs', () => {
    expect(texts('a -- comment\nb # other\nc /* block\n */ d')).toEqual(['a', 'b', 'c', 'd']);
    expect(texts('1--2')).toEqual(['1', '-', '-', '2']);
    expect(texts('a --\nb')).toEqual(['a', 'b']);
  });

  it('lexes executable comments as code, MySQL and MariaDB forms', () => {
    expect(texts('CREATE TABLE t (a int) /*!50100 PARTITION BY HASH (a) */')).toEqual(['CREATE', 'TABLE', 't', '(', 'a', 'int', ')', 'PARTITION', 'BY', 'HASH', '(', 'a', ')']);
    expect(texts('DROP /*!40005 TEMPORARY */ TABLE t')).toEqual(['DROP', 'TEMPORARY', 'TABLE', 't']);
    expect(texts('a /*M!100100 b */ c /*! d */')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('skips executable comments newer than the server version', () => {
    expect(texts('a /*!80023 b */ c /*M!100500 d */', { serverVersion: 50744 })).toEqual(['a', 'c']);
    expect(texts('a /*!50100 b */', { serverVersion: 50744 })).toEqual(['a', 'b']);
  });

  it('unquotes backtick identifiers with doubled backticks', () => {
    const [t] = tokenize('`a``b c`');
    expect(t).toMatchObject({ type: 'quoted', text: 'a`b c', start: 0, end: 8 });
  });

  it('unescapes strings in both quote styles and joins nothing by itself', () => {
    const toks = tokenize(`'it''s' "say \\"hi\\"" 'a\\nb' 'x\\%'`);
    expect(toks.slice(0, 4).map((t) => [t.type, t.text])).toEqual([
      ['string', "it's"],
      ['string', 'say "hi"'],
      ['string', 'a\nb'],
      ['string', 'x\\%'],
    ]);
  });

  it('treats introducers and N prefixes as strings, X/B literals as hex', () => {
    const toks = tokenize("_utf8mb4'abc' N'n' X'4142' b'01' 0x1F _binary'ab'");
    expect(toks.slice(0, 6).map((t) => [t.type, t.text])).toEqual([
      ['string', 'abc'],
      ['string', 'n'],
      ['hex', "X'4142'"],
      ['hex', "b'01'"],
      ['hex', '0x1F'],
      ['string', 'ab'],
    ]);
  });

  it('lexes numbers, qualified names and identifiers starting with digits', () => {
    expect(tokenize('1.5e+3 .5 db.t1 t.5 1abc').slice(0, 8).map((t) => [t.type, t.text])).toEqual([
      ['number', '1.5e+3'],
      ['number', '.5'],
      ['word', 'db'],
      ['punct', '.'],
      ['word', 't1'],
      ['word', 't'],
      ['punct', '.'],
      ['number', '5'],
    ]);
    expect(tokenize('1abc')[0]).toMatchObject({ type: 'word', text: '1abc' });
  });

  it('keeps upper-cased keywords and offsets', () => {
    const [a, b] = tokenize('create  Table');
    expect(a).toMatchObject({ upper: 'CREATE', start: 0, end: 6 });
    expect(b).toMatchObject({ upper: 'TABLE', start: 8, end: 13 });
  });

  it('honours ANSI_QUOTES and NO_BACKSLASH_ESCAPES', () => {
    expect(tokenize('"a b"', { ansiQuotes: true })[0]).toMatchObject({ type: 'quoted', text: 'a b' });
    expect(tokenize("'a\\'", { noBackslashEscapes: true })[0]).toMatchObject({ type: 'string', text: 'a\\' });
  });

  it('reports unterminated constructs with the offset where they began', () => {
    expect(() => tokenize("a 'abc")).toThrow(LexError);
    try {
      tokenize('x `abc');
    } catch (err) {
      expect((err as LexError).offset).toBe(2);
    }
    expect(() => tokenize('a /* b')).toThrow(/unterminated comment/);
  });

  it('lexes variables and multi-character operators', () => {
    expect(texts('@a @@global.x @`q` a<=>b c->>d e:=1')).toEqual(['@a', '@@global.x', '@`q`', 'a', '<=>', 'b', 'c', '->>', 'd', 'e', ':=', '1']);
  });
});
