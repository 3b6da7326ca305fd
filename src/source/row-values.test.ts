import { describe, expect, it } from 'vitest';
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import { convertValue, parseJsonExact, rowObject, seedColumns, selectItem } from './row-values.js';

const col = (name: string, type: string, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({ name, type, unsigned: false, nullable: true, ...extra });
const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('convertValue (SPEC §3 from SELECT text)', () => {
  it('maps integers, BIGINT beyond 2^53 and YEAR', () => {
    expect(convertValue(col('a', 'tinyint'), b('-128'), 'mariadb')).toBe(-128);
    expect(convertValue(col('a', 'int', { unsigned: true }), b('4294967295'), 'mariadb')).toBe(4294967295);
    expect(convertValue(col('a', 'year'), b('2026'), 'mariadb')).toBe(2026);
    expect(convertValue(col('a', 'bigint'), b('9007199254740991'), 'mariadb')).toBe(9007199254740991);
    expect(convertValue(col('a', 'bigint'), b('9007199254740992'), 'mariadb')).toBe('9007199254740992');
    expect(convertValue(col('a', 'bigint', { unsigned: true }), b('18446744073709551615'), 'mariadb')).toBe('18446744073709551615');
    expect(convertValue(col('a', 'bigint'), b('-9223372036854775808'), 'mariadb')).toBe('-9223372036854775808');
  });

  it('keeps DECIMAL exact and prints FLOAT as the shortest round-tripping decimal', () => {
    expect(convertValue(col('a', 'decimal', { precision: 5, scale: 2 }), b('-0.50'), 'mariadb')).toBe('-0.50');
    // CAST(0.1f AS DOUBLE) prints the float's exact value.
    expect(convertValue(col('a', 'float'), b('0.10000000149011612'), 'mariadb')).toBe(0.1);
    expect(convertValue(col('a', 'float'), b('3.4028234663852886e38'), 'mariadb')).toBe(3.4028235e38);
    expect(convertValue(col('a', 'float'), b('16777216'), 'mariadb')).toBe(16777216);
    expect(convertValue(col('a', 'double'), b('0.1'), 'mariadb')).toBe(0.1);
    expect(convertValue(col('a', 'double'), b('-1.7976931348623157e308'), 'mariadb')).toBe(-1.7976931348623157e308);
  });

  it('reads BIT as the number of its bytes (a string beyond 2^53)', () => {
    expect(convertValue(col('a', 'bit', { length: 1 }), Buffer.from([1]), 'mariadb')).toBe(1);
    expect(convertValue(col('a', 'bit', { length: 16 }), Buffer.from([0x01, 0x02]), 'mariadb')).toBe(258);
    expect(convertValue(col('a', 'bit', { length: 64 }), Buffer.alloc(8, 0xff), 'mariadb')).toBe('18446744073709551615');
  });

  it('keeps temporal text, decodes text as UTF-8 and encodes bytes as base64', () => {
    expect(convertValue(col('a', 'datetime', { fsp: 6 }), b('2026-11-22 10:00:00.000001'), 'mariadb')).toBe('2026-11-22 10:00:00.000001');
    expect(convertValue(col('a', 'time', { fsp: 3 }), b('-838:59:59.000'), 'mariadb')).toBe('-838:59:59.000');
    expect(convertValue(col('a', 'date'), b('0000-00-00'), 'mariadb')).toBe('0000-00-00');
    expect(convertValue(col('a', 'varchar'), Buffer.from('héllo 😀', 'utf8'), 'mariadb')).toBe('héllo 😀');
    expect(convertValue(col('a', 'enum', { values: ['x', 'y'] }), b(''), 'mariadb')).toBe('');
    expect(convertValue(col('a', 'set', { values: ['x', 'y'] }), b('x,y'), 'mariadb')).toBe('x,y');
    expect(convertValue(col('a', 'binary', { length: 4 }), Buffer.from([1, 0, 0, 0]), 'mariadb')).toBe('AQAAAA==');
    expect(convertValue(col('a', 'blob'), Buffer.from([0xff]), 'mariadb')).toBe('/w==');
    expect(convertValue(col('a', 'point'), Buffer.from([0, 0, 0, 0, 1]), 'mariadb')).toBe('AAAAAAE=');
    expect(convertValue(col('a', 'int'), null, 'mariadb')).toBeNull();
  });

  it('keeps MariaDB JSON a string and parses MySQL JSON with exact integers', () => {
    expect(convertValue(col('a', 'json'), b('{"a":1}'), 'mariadb')).toBe('{"a":1}');
    expect(convertValue(col('a', 'json'), b('{"a": 1, "b": [18446744073709551615, -2.5e3, "9007199254740993"]}'), 'mysql')).toEqual({
      a: 1,
      b: ['18446744073709551615', -2500, '9007199254740993'],
    });
    expect(parseJsonExact('"a\\"1234567890123456789"')).toBe('a"1234567890123456789');
  });

  it('reads VECTOR as float32 numbers', () => {
    const raw = Buffer.alloc(8);
    raw.writeFloatLE(0.1, 0);
    raw.writeFloatLE(-2, 4);
    expect(convertValue(col('a', 'vector'), raw, 'mariadb')).toEqual([0.1, -2]);
  });
});

describe('select list and row shape', () => {
  const t: TableSchema = {
    db: 'd',
    name: 't',
    columns: [col('id', 'int'), col('f`x', 'float'), col('g', 'int', { generated: { expression: 'id+1', stored: false } })],
    primaryKey: ['id'],
    uniqueKeys: [],
  };

  it('selects FLOAT through DOUBLE and quotes names (MySQL before 8.0.17 has no CAST … AS DOUBLE)', () => {
    expect(t.columns.map((c) => selectItem(c, 'mariadb'))).toEqual(['`id`', 'CAST(`f``x` AS DOUBLE) AS `f``x`', '`g`']);
    expect(t.columns.map((c) => selectItem(c, 'mysql'))).toEqual(['`id`', '(`f``x` * 1e0) AS `f``x`', '`g`']);
  });

  it('leaves virtual generated columns out on MySQL only (as its row images do)', () => {
    expect(seedColumns(t, 'mariadb').map((c) => c.name)).toEqual(['id', 'f`x', 'g']);
    expect(seedColumns(t, 'mysql').map((c) => c.name)).toEqual(['id', 'f`x']);
  });

  it('converts a row in column order', () => {
    const values = t.columns.map((c, i) => convertValue(c, [b('1'), b('0.5'), null][i] ?? null, 'mariadb'));
    expect(rowObject(t.columns, values)).toEqual({ id: 1, 'f`x': 0.5, g: null });
  });
});
