import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../../core/errors.js';
import { ColumnType as T, type ColumnDecodeInfo } from './column.js';
import { readValue } from './decode-value.js';

const col = (type: number, meta = 0, collation: number | undefined = undefined): ColumnDecodeInfo => ({
  type,
  meta,
  unsigned: false,
  collation,
  name: 'cell',
});

/** Every type with a representative metadata value. */
const TYPES: [number, number, number | undefined][] = [
  [T.TINY, 0, undefined],
  [T.SHORT, 0, undefined],
  [T.INT24, 0, undefined],
  [T.LONG, 0, undefined],
  [T.LONGLONG, 0, undefined],
  [T.FLOAT, 4, undefined],
  [T.DOUBLE, 8, undefined],
  [T.TIMESTAMP, 0, undefined],
  [T.DATE, 0, undefined],
  [T.TIME, 0, undefined],
  [T.DATETIME, 0, undefined],
  [T.YEAR, 0, undefined],
  [T.VARCHAR, 300, 45],
  [T.VARCHAR, 20, 8],
  [T.BIT, (2 << 8) | 3, undefined],
  [T.TIMESTAMP2, 6, undefined],
  [T.DATETIME2, 3, undefined],
  [T.TIME2, 5, undefined],
  [T.TIME2, 2, undefined],
  [T.JSON, 4, 63],
  [T.NEWDECIMAL, (20 << 8) | 6, undefined],
  [T.ENUM, 2, 45],
  [T.SET, 3, 45],
  [T.BLOB, 2, 63],
  [T.BLOB, 4, 45],
  [T.STRING, 0xfe10, 63],
  [T.STRING, 0xcefc, 45],
  [T.GEOMETRY, 4, 63],
  [T.VECTOR, 4, 63],
];

/** Valid leading bytes (length prefixes, a JSON document) for the length-prefixed types. */
const SAMPLE_PREFIX = new Map<string, Buffer>([
  [`${T.VARCHAR}/300`, Buffer.from([5, 0])],
  [`${T.VARCHAR}/20`, Buffer.from([5])],
  [`${T.JSON}/4`, Buffer.from([2, 0, 0, 0, 0x04, 0x01])],
  [`${T.BLOB}/2`, Buffer.from([5, 0])],
  [`${T.BLOB}/4`, Buffer.from([5, 0, 0, 0])],
  [`${T.STRING}/${0xfe10}`, Buffer.from([5])],
  [`${T.STRING}/${0xcefc}`, Buffer.from([5, 0])],
  [`${T.GEOMETRY}/4`, Buffer.from([25, 0, 0, 0])],
  [`${T.VECTOR}/4`, Buffer.from([8, 0, 0, 0])],
  [`${T.NEWDECIMAL}/${(20 << 8) | 6}`, Buffer.from([0x81])],
]);

describe('readValue', () => {
  it('NULL type takes no bytes', () => {
    expect(readValue(Buffer.alloc(0), 0, col(T.NULL))).toEqual({ value: null, end: 0 });
  });

  it('reads VECTOR as float32 numbers, shortest round-trip', () => {
    const data = Buffer.alloc(12);
    data.writeFloatLE(0.1, 0);
    data.writeFloatLE(-2.5, 4);
    data.writeFloatLE(1e-7, 8);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(12);
    expect(readValue(Buffer.concat([len, data]), 0, col(T.VECTOR, 4, 63))).toEqual({ value: [0.1, -2.5, 1e-7], end: 16 });
  });

  it('unknown and undecodable types are BINSNAP_E_UNKNOWN_COLUMN_TYPE naming the column', () => {
    for (const t of [T.DECIMAL, T.BOOL, T.INVALID, T.TYPED_ARRAY, 99]) {
      let caught: unknown;
      try {
        readValue(Buffer.alloc(16), 0, col(t));
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'BINSNAP_E_UNKNOWN_COLUMN_TYPE', context: { field: 'cell', typeCode: t } });
    }
  });

  it('every type: a cut-short cell is a coded corrupt-event error', () => {
    for (const [type, meta, collation] of TYPES) {
      const full = Buffer.alloc(64, 0x01);
      SAMPLE_PREFIX.get(`${type}/${meta}`)?.copy(full);
      const ok = readValue(full, 0, col(type, meta, collation));
      for (let cut = 0; cut < Math.min(ok.end, 64); cut++) {
        expect(() => readValue(full.subarray(0, cut), 0, col(type, meta, collation)), `type ${type} cut ${cut}`).toThrow(
          expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }),
        );
      }
    }
  });

  it('property: random bytes decode or throw a coded error, never past the buffer', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 48 }), ([type, meta, collation], bytes) => {
        const buf = Buffer.from(bytes);
        try {
          const r = readValue(buf, 0, col(type, meta, collation));
          expect(r.end).toBeLessThanOrEqual(buf.length);
          expect(JSON.parse(JSON.stringify(r.value))).toEqual(r.value);
        } catch (err) {
          if (!isBinsnapError(err)) throw err;
        }
      }),
      { numRuns: 5000 },
    );
  });
});
