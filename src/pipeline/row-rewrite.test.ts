import { describe, expect, it } from 'vitest';
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import { convert, decimalText, defaultValue, implicitDefault, isDroppedHistory, needsRewrite, rewriteRow, type ColumnSource, type RowRewrite } from './row-rewrite.js';

const col = (name: string, type: string, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({
  name,
  type,
  unsigned: false,
  nullable: true,
  ...extra,
});

const table = (columns: readonly ColumnSchema[], extra: Partial<TableSchema> = {}): TableSchema => ({
  db: 'db',
  name: 't',
  columns,
  primaryKey: ['id'],
  uniqueKeys: [],
  ...extra,
});

/** Sources where every listed new column reads from the old column of the same name. */
function same(...names: string[]): Map<string, ColumnSource> {
  return new Map(names.map((n) => [n.toLowerCase(), { from: n }]));
}

function rewrite(before: TableSchema, after: TableSchema, sources: Map<string, ColumnSource>, timestamp = 1_700_000_000): RowRewrite {
  return { readFrom: 'db.t', writeTo: 'db.t', before, after, sources, timestamp };
}

const VARCHAR = col('v', 'varchar', { length: 20, charset: 'utf8mb4' });
const INT = col('i', 'int');

describe('decimalText', () => {
  it.each([
    ['1.005', 2, '1.01'],
    ['1.004', 2, '1.00'],
    ['-1.005', 2, '-1.01'],
    ['-0.004', 2, '0.00'],
    ['-0.005', 2, '-0.01'],
    ['12', 2, '12.00'],
    ['1e3', 1, '1000.0'],
    ['1.5E2', 0, '150'],
    ['5e-1', 0, '1'],
    ['4e-1', 0, '0'],
    ['1.5e-1', 1, '0.2'],
    ['-2.5', 0, '-3'],
    ['2.5', 0, '3'],
    ['-2.4', 0, '-2'],
    ['9.995', 2, '10.00'],
    ['0', 0, '0'],
    ['-0', 2, '0.00'],
    ['.5', 1, '0.5'],
    ['+1.25', 1, '1.3'],
    ['  7.1  ', 3, '7.100'],
    ['123456789012345678901234567890.125', 2, '123456789012345678901234567890.13'],
  ])('%s at scale %i is %s', (text, scale, expected) => {
    expect(decimalText(text, scale)).toBe(expected);
  });

  it('turns text that is not a number into zero', () => {
    expect(decimalText('abc', 2)).toBe('0.00');
    expect(decimalText('abc', 0)).toBe('0');
  });
});

describe('convert', () => {
  it('keeps a value whose column only changed nullability or stayed the same', () => {
    expect(convert('x', VARCHAR, { ...VARCHAR, nullable: false })).toBe('x');
    expect(convert(5, INT, INT)).toBe(5);
  });

  it('converts between integer types and strings', () => {
    expect(convert(5, INT, col('i', 'bigint'))).toBe(5);
    expect(convert(-7, INT, col('i', 'smallint'))).toBe(-7);
    expect(convert(5, INT, VARCHAR)).toBe('5');
    expect(convert('42abc', VARCHAR, INT)).toBe(42);
    expect(convert('abc', VARCHAR, INT)).toBe(0);
    expect(convert('  -12 ', VARCHAR, INT)).toBe(-12);
    expect(convert('2.5', VARCHAR, INT)).toBe(3);
  });

  it('keeps big integers exact as digit strings', () => {
    expect(convert('9007199254740993', VARCHAR, col('b', 'bigint'))).toBe('9007199254740993');
    expect(convert('9007199254740991', VARCHAR, col('b', 'bigint'))).toBe(9007199254740991);
  });

  it('converts numbers and strings into DECIMAL text with the new scale', () => {
    const dec = col('d', 'decimal', { precision: 10, scale: 2 });
    expect(convert(3, INT, dec)).toBe('3.00');
    expect(convert('1.005', VARCHAR, dec)).toBe('1.01');
    expect(convert('12.345', col('d', 'decimal', { precision: 10, scale: 3 }), dec)).toBe('12.35');
    expect(convert('-0.001', col('d', 'decimal', { precision: 10, scale: 3 }), dec)).toBe('0.00');
    expect(convert('1.50', dec, col('d', 'decimal', { precision: 10, scale: 0 }))).toBe('2');
  });

  it('converts into FLOAT/DOUBLE', () => {
    expect(convert('1.5', VARCHAR, col('f', 'double'))).toBe(1.5);
    expect(convert('x', VARCHAR, col('f', 'double'))).toBe(0);
    expect(convert(2, INT, col('f', 'float'))).toBe(2);
  });

  it('keeps ENUM labels by name; a label no longer defined becomes empty', () => {
    const from = col('e', 'enum', { values: ['a', 'b', 'c'] });
    const to = col('e', 'enum', { values: ['c', 'a'] });
    expect(convert('a', from, to)).toBe('a');
    expect(convert('c', from, to)).toBe('c');
    expect(convert('b', from, to)).toBe('');
  });

  it('filters SET labels and orders them as the new definition does', () => {
    const from = col('s', 'set', { values: ['a', 'b', 'c', 'd'] });
    const to = col('s', 'set', { values: ['d', 'c', 'a'] });
    expect(convert('a,c,d', from, to)).toBe('d,c,a');
    expect(convert('a,b', from, to)).toBe('a');
    expect(convert('b', from, to)).toBe('');
    expect(convert('', from, to)).toBe('');
  });

  it('truncates fractional seconds when fsp decreases (MariaDB rule)', () => {
    expect(convert('2024-01-02 03:04:05.123456', col('t', 'datetime', { fsp: 6 }), col('t', 'datetime', { fsp: 2 }))).toBe('2024-01-02 03:04:05.12');
    expect(convert('2024-01-02 03:04:05.999999', col('t', 'datetime', { fsp: 6 }), col('t', 'datetime', { fsp: 0 }))).toBe('2024-01-02 03:04:05');
    expect(convert('2024-01-02 03:04:05.987', col('t', 'timestamp', { fsp: 3 }), col('t', 'timestamp', { fsp: 1 }))).toBe('2024-01-02 03:04:05.9');
  });

  it('pads fractional seconds when fsp increases', () => {
    expect(convert('12:00:00', col('t', 'time'), col('t', 'time', { fsp: 3 }))).toBe('12:00:00.000');
    expect(convert('-01:02:03.5', col('t', 'time', { fsp: 1 }), col('t', 'time', { fsp: 3 }))).toBe('-01:02:03.500');
    expect(convert('838:59:59', col('t', 'time'), col('t', 'time', { fsp: 1 }))).toBe('838:59:59.0');
    expect(convert('2024-01-02 03:04:05', col('t', 'datetime'), col('t', 'datetime', { fsp: 6 }))).toBe('2024-01-02 03:04:05.000000');
  });

  it('turns NULL into the implicit default of a NOT NULL column, and keeps it in a nullable one', () => {
    expect(convert(null, INT, { ...INT, nullable: false })).toBe(0);
    expect(convert(null, VARCHAR, { ...VARCHAR, nullable: false })).toBe('');
    expect(convert(null, col('d', 'date'), col('d', 'date', { nullable: false }))).toBe('0000-00-00');
    expect(convert(null, col('e', 'enum', { values: ['x', 'y'] }), col('e', 'enum', { values: ['x', 'y'], nullable: false }))).toBe('x');
    expect(convert(null, col('d', 'decimal', { scale: 2 }), col('d', 'decimal', { scale: 2, nullable: false }))).toBe('0.00');
    expect(convert(null, INT, INT)).toBeNull();
  });

  it('stores a string into a binary column as base64 and pads BINARY(n)', () => {
    expect(convert('hi', VARCHAR, col('b', 'varbinary', { length: 10 }))).toBe(Buffer.from('hi').toString('base64'));
    const b = Buffer.from('ab').toString('base64');
    expect(convert(b, col('b', 'binary', { length: 2 }), col('b', 'binary', { length: 4 }))).toBe(Buffer.from([0x61, 0x62, 0, 0]).toString('base64'));
  });

  it('writes JSON values into text columns as JSON text', () => {
    expect(convert({ a: [1, 2] }, col('j', 'json'), col('j', 'longtext'))).toBe('{"a":[1,2]}');
  });
});

describe('implicitDefault', () => {
  it.each([
    [col('c', 'int', { nullable: false }), 0],
    [col('c', 'bigint', { nullable: false }), 0],
    [col('c', 'double', { nullable: false }), 0],
    [col('c', 'decimal', { scale: 3, nullable: false }), '0.000'],
    [col('c', 'varchar', { nullable: false }), ''],
    [col('c', 'set', { values: ['a'], nullable: false }), ''],
    [col('c', 'enum', { values: ['first', 'second'], nullable: false }), 'first'],
    [col('c', 'date', { nullable: false }), '0000-00-00'],
    [col('c', 'datetime', { fsp: 2, nullable: false }), '0000-00-00 00:00:00.00'],
    [col('c', 'timestamp', { nullable: false }), '0000-00-00 00:00:00'],
    [col('c', 'time', { fsp: 1, nullable: false }), '00:00:00.0'],
    [col('c', 'binary', { length: 3, nullable: false }), Buffer.alloc(3).toString('base64')],
  ])('%j → %j', (c, expected) => {
    expect(implicitDefault(c)).toBe(expected);
  });
});

describe('defaultValue', () => {
  const TS = 1_700_000_000; // 2023-11-14 22:13:20 UTC

  it('NULL is null', () => {
    expect(defaultValue(VARCHAR, 'NULL', TS)).toBeNull();
    expect(defaultValue(INT, 'null', TS)).toBeNull();
  });

  it('unquotes strings with doubled quotes and backslash escapes', () => {
    expect(defaultValue(VARCHAR, "'abc'", TS)).toBe('abc');
    expect(defaultValue(VARCHAR, "'it''s'", TS)).toBe("it's");
    expect(defaultValue(VARCHAR, "'it\\'s'", TS)).toBe("it's");
    expect(defaultValue(VARCHAR, "'a\\nb\\tc'", TS)).toBe('a\nb\tc');
    expect(defaultValue(VARCHAR, "'a\\\\b'", TS)).toBe('a\\b');
    expect(defaultValue(VARCHAR, '"say ""hi"""', TS)).toBe('say "hi"');
    expect(defaultValue(VARCHAR, "_utf8mb4'x'", TS)).toBe('x');
    expect(defaultValue(VARCHAR, "''", TS)).toBe('');
  });

  it('converts literals to the column type', () => {
    expect(defaultValue(col('d', 'decimal', { precision: 6, scale: 2 }), '1.5', TS)).toBe('1.50');
    expect(defaultValue(col('d', 'decimal', { precision: 6, scale: 2 }), "'2.345'", TS)).toBe('2.35');
    expect(defaultValue(INT, '42', TS)).toBe(42);
    expect(defaultValue(INT, "'7'", TS)).toBe(7);
    expect(defaultValue(INT, '-3', TS)).toBe(-3);
    expect(defaultValue(col('f', 'double'), '2.5e1', TS)).toBe(25);
    expect(defaultValue(VARCHAR, '12', TS)).toBe('12');
    expect(defaultValue(col('b', 'tinyint'), 'TRUE', TS)).toBe(1);
    expect(defaultValue(col('b', 'tinyint'), 'false', TS)).toBe(0);
    expect(defaultValue(col('e', 'enum', { values: ['a', 'b'] }), "'b'", TS)).toBe('b');
  });

  it('evaluates bit literals', () => {
    expect(defaultValue(col('b', 'bit', { length: 3 }), "b'101'", TS)).toBe(5);
    expect(defaultValue(col('b', 'bit', { length: 3 }), "B''", TS)).toBe(0);
  });

  it('evaluates CURRENT_TIMESTAMP and its synonyms with the statement time and the column fsp', () => {
    expect(defaultValue(col('t', 'timestamp'), 'CURRENT_TIMESTAMP', TS)).toBe('2023-11-14 22:13:20');
    expect(defaultValue(col('t', 'timestamp', { fsp: 3 }), 'CURRENT_TIMESTAMP(3)', TS)).toBe('2023-11-14 22:13:20.000');
    expect(defaultValue(col('t', 'datetime', { fsp: 6 }), 'now(6)', TS)).toBe('2023-11-14 22:13:20.000000');
    expect(defaultValue(col('t', 'datetime'), 'current_timestamp()', TS)).toBe('2023-11-14 22:13:20');
    expect(defaultValue(col('t', 'datetime'), 'LOCALTIMESTAMP', TS + 1)).toBe('2023-11-14 22:13:21');
  });

  it('is undefined for expressions it cannot evaluate', () => {
    expect(defaultValue(col('f', 'double'), '(rand())', TS)).toBeUndefined();
    expect(defaultValue(INT, '(1 + 2)', TS)).toBeUndefined();
    expect(defaultValue(VARCHAR, 'uuid()', TS)).toBeUndefined();
  });

  it('unwraps a parenthesised literal', () => {
    expect(defaultValue(VARCHAR, "('abc')", TS)).toBe('abc');
    expect(defaultValue(INT, '((4))', TS)).toBe(4);
  });

  it('without a DEFAULT clause gives null, or the implicit default when NOT NULL', () => {
    expect(defaultValue(INT, undefined, TS)).toBeNull();
    expect(defaultValue({ ...INT, nullable: false }, undefined, TS)).toBe(0);
    expect(defaultValue({ ...VARCHAR, nullable: false }, undefined, TS)).toBe('');
    expect(defaultValue(col('d', 'date', { nullable: false }), undefined, TS)).toBe('0000-00-00');
    expect(defaultValue(col('e', 'enum', { values: ['small', 'large'], nullable: false }), undefined, TS)).toBe('small');
  });

  it('is undefined for generated and AUTO_INCREMENT columns', () => {
    expect(defaultValue(col('g', 'int', { generated: { expression: 'a + 1', stored: true } }), undefined, TS)).toBeUndefined();
    expect(defaultValue(col('a', 'int', { autoIncrement: true, nullable: false }), undefined, TS)).toBeUndefined();
  });
});

describe('needsRewrite and rewriteRow', () => {
  const ID = col('id', 'int', { nullable: false });
  const NAME = col('name', 'varchar', { length: 20, charset: 'utf8mb4' });
  const AGE = col('age', 'int');
  const before = table([ID, NAME, AGE]);
  const row = { id: 1, name: 'ann', age: 30 };

  it('a charset-only change needs no rewrite', () => {
    const after = table([ID, { ...NAME, charset: 'latin1', collation: 'latin1_swedish_ci' }, AGE], { charset: 'latin1' });
    const r = rewrite(before, after, same('id', 'name', 'age'));
    expect(needsRewrite(r)).toBe(false);
    expect(rewriteRow(r, row)).toEqual(row);
  });

  it('adds a column with its default, and with null or the implicit default without one', () => {
    const after = table([ID, NAME, AGE, col('status', 'varchar', { length: 10 }), col('score', 'int'), col('flag', 'tinyint', { nullable: false })]);
    const sources = same('id', 'name', 'age');
    sources.set('status', { added: true, default: "'new'" });
    sources.set('score', { added: true });
    sources.set('flag', { added: true });
    const r = rewrite(before, after, sources);
    expect(needsRewrite(r)).toBe(true);
    const out = rewriteRow(r, row);
    expect(out).toEqual({ id: 1, name: 'ann', age: 30, status: 'new', score: null, flag: 0 });
    expect(Object.keys(out)).toEqual(['id', 'name', 'age', 'status', 'score', 'flag']);
  });

  it('adds a CURRENT_TIMESTAMP column with the statement time', () => {
    const after = table([ID, NAME, AGE, col('created', 'timestamp', { fsp: 2, nullable: false })]);
    const sources = same('id', 'name', 'age');
    sources.set('created', { added: true, default: 'CURRENT_TIMESTAMP(2)' });
    expect(rewriteRow(rewrite(before, after, sources, 1_700_000_000), row).created).toBe('2023-11-14 22:13:20.00');
  });

  it('reports a default it cannot evaluate and writes null', () => {
    const after = table([ID, NAME, AGE, col('u', 'char', { length: 36 })]);
    const sources = same('id', 'name', 'age');
    sources.set('u', { added: true, default: '(uuid())' });
    const unknown = new Set<string>();
    expect(rewriteRow(rewrite(before, after, sources), row, unknown)).toEqual({ ...row, u: null });
    expect([...unknown]).toEqual(['u']);
  });

  it('drops a column', () => {
    const after = table([ID, AGE]);
    const r = rewrite(before, after, same('id', 'age'));
    expect(needsRewrite(r)).toBe(true);
    const out = rewriteRow(r, row);
    expect(out).toEqual({ id: 1, age: 30 });
    expect('name' in out).toBe(false);
  });

  it('renames a column, keeping its values (sources keyed by the lower-case new name)', () => {
    const after = table([ID, { ...NAME, name: 'FullName' }, AGE]);
    const sources = same('id', 'age');
    sources.set('fullname', { from: 'name' });
    const r = rewrite(before, after, sources);
    expect(needsRewrite(r)).toBe(true);
    expect(rewriteRow(r, row)).toEqual({ id: 1, FullName: 'ann', age: 30 });
  });

  it('renames and converts a column at once (CHANGE COLUMN)', () => {
    const after = table([ID, NAME, col('years', 'decimal', { precision: 5, scale: 1 })]);
    const sources = same('id', 'name');
    sources.set('years', { from: 'AGE' });
    expect(rewriteRow(rewrite(before, after, sources), { id: 1, name: 'ann', age: 30 })).toEqual({ id: 1, name: 'ann', years: '30.0' });
  });

  it('reorders columns', () => {
    const after = table([ID, AGE, NAME]);
    const r = rewrite(before, after, same('id', 'age', 'name'));
    expect(needsRewrite(r)).toBe(true);
    const out = rewriteRow(r, row);
    expect(out).toEqual(row);
    expect(Object.keys(out)).toEqual(['id', 'age', 'name']);
  });

  it('a type change or a nullability change needs a rewrite', () => {
    expect(needsRewrite(rewrite(before, table([ID, NAME, col('age', 'bigint')]), same('id', 'name', 'age')))).toBe(true);
    expect(needsRewrite(rewrite(before, table([ID, NAME, { ...AGE, nullable: false }]), same('id', 'name', 'age')))).toBe(true);
    expect(needsRewrite(rewrite(before, table([ID, { ...NAME, length: 40 }, AGE]), same('id', 'name', 'age')))).toBe(true);
  });

  it('a column becoming NOT NULL turns stored nulls into the implicit default', () => {
    const after = table([ID, NAME, { ...AGE, nullable: false }]);
    expect(rewriteRow(rewrite(before, after, same('id', 'name', 'age')), { id: 2, name: null, age: null })).toEqual({ id: 2, name: null, age: 0 });
  });

  it('matches stored column names case-insensitively', () => {
    const after = table([ID, NAME, col('age', 'bigint')]);
    expect(rewriteRow(rewrite(before, after, same('id', 'name', 'age')), { ID: 3, Name: 'bo', AGE: 4 })).toEqual({ id: 3, name: 'bo', age: 4 });
  });

  it('leaves a column absent from a partial stored row absent', () => {
    const after = table([ID, AGE, NAME]);
    const out = rewriteRow(rewrite(before, after, same('id', 'age', 'name')), { id: 1, age: 30 });
    expect(out).toEqual({ id: 1, age: 30 });
    expect('name' in out).toBe(false);
  });
});

describe('conversions found wrong in review', () => {
  const dec = (p: number, s: number): ColumnSchema => col('d', 'decimal', { precision: p, scale: s });
  it('rounds negative halves away from zero when converting to an integer', () => {
    expect(convert('-2.50', dec(5, 2), col('i', 'int'))).toBe(-3);
    expect(convert('-2.5', col('v', 'varchar'), col('i', 'int'))).toBe(-3);
    expect(defaultValue(col('i', 'int'), '-2.5', 0)).toBe(-3);
    expect(convert('2.5', col('v', 'varchar'), col('i', 'int'))).toBe(3);
  });
  it('keeps a DECIMAL → BIGINT conversion exact beyond 2^53 (a string of digits)', () => {
    expect(convert('9007199254740993.4', dec(20, 1), col('b', 'bigint'))).toBe('9007199254740993');
    expect(convert('12345678901234566.50', dec(20, 2), col('b', 'bigint'))).toBe('12345678901234567');
  });
  it('unescapes a quoted default by its own quote kind only, keeping \\% and \\_', () => {
    expect(defaultValue(col('v', 'varchar'), `'a""b'`, 0)).toBe('a""b');
    expect(defaultValue(col('v', 'varchar'), `"it''s"`, 0)).toBe("it''s");
    expect(defaultValue(col('v', 'varchar'), `'it''s'`, 0)).toBe("it's");
    expect(defaultValue(col('v', 'varchar'), `'50\\%'`, 0)).toBe('50\\%');
  });
});

describe('system versioning added and dropped', () => {
  const plain = table([col('id', 'int', { nullable: false }), INT]);
  const period = { rowStart: 'row_start', rowEnd: 'row_end' };
  const versioned = table(
    [...plain.columns, col('row_start', 'timestamp', { fsp: 6, nullable: false }), col('row_end', 'timestamp', { fsp: 6, nullable: false })],
    { systemVersioning: period },
  );
  const added = new Map<string, ColumnSource>([...same('id', 'i'), ['row_start', { added: true }], ['row_end', { added: true }]]);

  it('ADD SYSTEM VERSIONING makes every row current: from the statement time to the end of time of the server', () => {
    const r = rewrite(plain, versioned, added, 1_700_000_000);
    expect(rewriteRow(r, { id: 1, i: 5 })).toEqual({ id: 1, i: 5, row_start: '2023-11-14 22:13:20.000000', row_end: '2038-01-19 03:14:07.999999' });
    expect(rewriteRow({ ...r, serverVersion: 110500 }, { id: 1, i: 5 })['row_end']).toBe('2106-02-07 06:28:15.999999');
    const trx = table([...plain.columns, col('row_start', 'bigint', { unsigned: true }), col('row_end', 'bigint', { unsigned: true })], { systemVersioning: period });
    expect(rewriteRow(rewrite(plain, trx, added), { id: 1, i: 5 })['row_end']).toBe('18446744073709551615');
  });

  it('DROP SYSTEM VERSIONING drops the rows whose period ended before the statement, keeps the current ones', () => {
    const r = rewrite(versioned, plain, same('id', 'i'), 1_700_000_000);
    expect(isDroppedHistory(r, { id: 1, i: 1, row_start: '2023-11-14 22:00:00.000000', row_end: '2023-11-14 22:10:00.123456' })).toBe(true);
    expect(isDroppedHistory(r, { id: 1, i: 2, row_start: '2023-11-14 22:10:00.123456', row_end: '2038-01-19 03:14:07.999999' })).toBe(false);
    expect(isDroppedHistory(r, { id: 1, i: 2, row_end: '2106-02-07 06:28:15.999999' })).toBe(false);
    expect(isDroppedHistory(r, { id: 1, i: 2, row_end: '18446744073709551615' })).toBe(false);
    expect(isDroppedHistory(r, { id: 1, i: 2, row_end: 4242 })).toBe(true);
    // Not a DROP SYSTEM VERSIONING: nothing is dropped.
    expect(isDroppedHistory(rewrite(versioned, versioned, same('id', 'i')), { id: 1, row_end: '2000-01-01 00:00:00.000000' })).toBe(false);
  });
});

describe('convert: values a column no longer holds (ALTER without strict mode)', () => {
  it('clamps integers to the new type, signed or unsigned, as the server stores them', () => {
    expect(convert(300, INT, col('x', 'tinyint'))).toBe(127);
    expect(convert(-300, INT, col('x', 'tinyint'))).toBe(-128);
    expect(convert(-5, INT, col('x', 'smallint', { unsigned: true }))).toBe(0);
    expect(convert(-2.5e10, col('f', 'double'), col('x', 'int'))).toBe(-2147483648);
    expect(convert('99999999999999999999', VARCHAR, col('x', 'bigint', { unsigned: true }))).toBe('18446744073709551615');
    expect(convert(200, INT, col('x', 'tinyint', { unsigned: true }))).toBe(200);
  });

  it('cuts CHAR/VARCHAR text to the new length in characters; CHAR loses its trailing spaces', () => {
    expect(convert('abcdéfghij', VARCHAR, col('x', 'varchar', { length: 5 }))).toBe('abcdé');
    expect(convert('😀😀😀', VARCHAR, col('x', 'varchar', { length: 2 }))).toBe('😀😀');
    expect(convert('ab   cd', VARCHAR, col('x', 'char', { length: 4 }))).toBe('ab');
    expect(convert('ab  ', VARCHAR, col('x', 'varchar', { length: 10 }))).toBe('ab  ');
  });

  it('turns DATETIME into DATE and back', () => {
    expect(convert('2024-12-31 23:59:59.5', col('d', 'datetime', { fsp: 1 }), col('x', 'date'))).toBe('2024-12-31');
    expect(convert('2024-12-31', col('d', 'date'), col('x', 'datetime', { fsp: 3 }))).toBe('2024-12-31 00:00:00.000');
  });
});

describe('convert: precision, byte lengths and temporal values read as numbers', () => {
  it('holds DECIMAL to its precision and unsigned DECIMAL to zero', () => {
    expect(convert('123456.789', col('d', 'decimal', { precision: 10, scale: 3 }), col('x', 'decimal', { precision: 4, scale: 2 }))).toBe('99.99');
    expect(convert('-99.996', col('d', 'decimal', { precision: 10, scale: 3 }), col('x', 'decimal', { precision: 4, scale: 2 }))).toBe('-99.99');
    expect(convert('-5.5', col('d', 'decimal', { precision: 10, scale: 2 }), col('x', 'decimal', { precision: 5, scale: 1, unsigned: true }))).toBe('0.0');
    expect(convert('12.5', col('d', 'decimal', { precision: 10, scale: 2 }), col('x', 'decimal', { precision: 5, scale: 1 }))).toBe('12.5');
  });

  it('cuts TINYTEXT to 255 bytes of whole characters', () => {
    expect(convert('x'.repeat(300), col('g', 'text', { charset: 'utf8mb4' }), col('x', 'tinytext', { charset: 'utf8mb4' }))).toBe('x'.repeat(255));
    expect(convert('é'.repeat(200), col('g', 'text', { charset: 'utf8mb4' }), col('x', 'tinytext', { charset: 'utf8mb4' }))).toBe('é'.repeat(127));
    expect(convert('é'.repeat(300), col('g', 'text', { charset: 'latin1' }), col('x', 'tinytext', { charset: 'latin1' }))).toBe('é'.repeat(255));
  });

  it('reads TIME, DATE and DATETIME as the number of their digits; DATETIME into TIME keeps the time', () => {
    expect(convert('25:00:00', col('t', 'time'), col('x', 'int'))).toBe(250000);
    expect(convert('-00:00:01', col('t', 'time'), col('x', 'int'))).toBe(-1);
    expect(convert('2024-01-02', col('t', 'date'), col('x', 'int'))).toBe(20240102);
    expect(convert('2024-01-01 10:20:30', col('k', 'varchar', { length: 30 }), col('x', 'time'))).toBe('10:20:30');
  });
});
