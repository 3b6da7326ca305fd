import { describe, expect, it } from 'vitest';
import { ColumnType as T } from './column.js';
import { metaLength, readColumnMeta, realTypeOf } from './column-meta.js';

describe('readColumnMeta', () => {
  it('reads 0, 1 and 2 byte metadata in MySQL order', () => {
    const b = Buffer.from([0x2c, 0x01]);
    expect(readColumnMeta(T.LONG, b, 0)).toEqual({ meta: 0, end: 0 });
    expect(readColumnMeta(T.DOUBLE, b, 0)).toEqual({ meta: 0x2c, end: 1 });
    expect(readColumnMeta(T.DATETIME2, Buffer.from([6]), 0)).toEqual({ meta: 6, end: 1 });
    expect(readColumnMeta(T.VARCHAR, b, 0)).toEqual({ meta: 300, end: 2 }); // little-endian max length
    expect(readColumnMeta(T.NEWDECIMAL, Buffer.from([10, 4]), 0)).toEqual({ meta: (10 << 8) | 4, end: 2 });
    expect(readColumnMeta(T.STRING, Buffer.from([0xfe, 0x28]), 0)).toEqual({ meta: 0xfe28, end: 2 });
    expect(readColumnMeta(T.BIT, Buffer.from([3, 1]), 0)).toEqual({ meta: (1 << 8) | 3, end: 2 }); // BIT(11)
  });

  it('knows every type it decodes', () => {
    for (const t of [T.BLOB, T.JSON, T.GEOMETRY, T.VECTOR, T.FLOAT, T.TIME2, T.TIMESTAMP2]) expect(metaLength(t)).toBe(1);
    for (const t of [T.VARCHAR, T.STRING, T.VAR_STRING, T.ENUM, T.SET, T.NEWDECIMAL, T.BIT]) expect(metaLength(t)).toBe(2);
    for (const t of [T.TINY, T.LONGLONG, T.DATE, T.DATETIME, T.TIMESTAMP, T.YEAR, T.TIME]) expect(metaLength(t)).toBe(0);
  });

  it('throws a coded error when the metadata runs past the buffer', () => {
    expect(() => readColumnMeta(T.VARCHAR, Buffer.from([1]), 0)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
  });
});

describe('realTypeOf', () => {
  it('finds ENUM and SET hidden in STRING metadata', () => {
    expect(realTypeOf(T.STRING, 0xf701)).toEqual({ type: T.ENUM, meta: 1 });
    expect(realTypeOf(T.STRING, 0xf802)).toEqual({ type: T.SET, meta: 2 });
  });
  it('decodes the long CHAR length trick (bug #37426)', () => {
    // CHAR(255) utf8mb4 = 1020 bytes: byte0 = 0xFE ^ ((1020 & 0x300) >> 4)
    const byte0 = 0xfe ^ ((1020 & 0x300) >> 4);
    expect(realTypeOf(T.STRING, (byte0 << 8) | (1020 & 0xff))).toEqual({ type: T.STRING, meta: 1020 });
    expect(realTypeOf(T.STRING, 0xfe28)).toEqual({ type: T.STRING, meta: 40 });
  });
  it('is idempotent and leaves other types alone', () => {
    expect(realTypeOf(T.STRING, 1020)).toEqual({ type: T.STRING, meta: 1020 });
    expect(realTypeOf(T.ENUM, 1)).toEqual({ type: T.ENUM, meta: 1 });
    expect(realTypeOf(T.VARCHAR, 300)).toEqual({ type: T.VARCHAR, meta: 300 });
  });
});
