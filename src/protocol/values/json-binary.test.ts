import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnType as T, type ColumnDecodeInfo, type JsonValue } from './column.js';
import { decodeBinaryJson, readValue } from './decode-value.js';
import { encodeDecimal } from './test-support/decimal-encoder.js';
import { encodeBinaryJson, J, type EncodableJson } from './test-support/binary-json-encoder.js';

const decode = (v: EncodableJson, large = false): JsonValue => {
  const b = encodeBinaryJson(v, large);
  return decodeBinaryJson(b, 0, b.length);
};
const packed = (hi: number, lo: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(lo >>> 0, 0);
  b.writeInt32LE(hi, 4);
  return b;
};

describe('decodeBinaryJson', () => {
  it('decodes literals and every scalar type', () => {
    expect(decode(null)).toBe(null);
    expect(decode(true)).toBe(true);
    expect(decode(false)).toBe(false);
    expect(decode(J.int16(-5))).toBe(-5);
    expect(decode(J.uint16(65535))).toBe(65535);
    expect(decode(J.int32(-2147483648))).toBe(-2147483648);
    expect(decode(J.uint32(4294967295))).toBe(4294967295);
    expect(decode(J.int64(-(2n ** 53n - 1n)))).toBe(-(2 ** 53 - 1));
    expect(decode(J.double(1.25))).toBe(1.25);
    expect(decode('héllo 😀')).toBe('héllo 😀');
    expect(decode('x'.repeat(200))).toBe('x'.repeat(200)); // 2-byte varlen length
    expect(decode('y'.repeat(20000))).toBe('y'.repeat(20000)); // 3-byte varlen length
  });

  it('keeps 64-bit integers exact (strings beyond 2^53−1)', () => {
    expect(decode(J.int64(2n ** 63n - 1n))).toBe('9223372036854775807');
    expect(decode(J.int64(-(2n ** 63n)))).toBe('-9223372036854775808');
    expect(decode(J.uint64(2n ** 64n - 1n))).toBe('18446744073709551615');
    expect(decode(J.uint64(42n))).toBe(42);
  });

  it('decodes small objects and arrays, nested, with inlined and offset values', () => {
    const doc = { a: 1, b: [true, null, 'x', 70000, 1.5, { c: 'd' }], e: {}, f: [], g: -40000 };
    expect(decode(doc)).toEqual(doc);
    expect(decode([1, [2, [3, [4]]]])).toEqual([1, [2, [3, [4]]]]);
  });

  it('decodes large objects and arrays (32-bit offsets, inlined int32)', () => {
    const doc = { big: 'z'.repeat(70000), n: [J.int32(-7), J.uint32(4000000000), 3], o: { k: false } };
    expect(decode(doc, true)).toEqual({ big: 'z'.repeat(70000), n: [-7, 4000000000, 3], o: { k: false } });
    const arr = Array.from({ length: 5000 }, (_, i) => i * 1000);
    expect(decode(arr, true)).toEqual(arr);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const out = decode(JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as EncodableJson) as Record<string, JsonValue>;
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('prints opaque temporal values as MySQL JSON does', () => {
    // 2015-01-15 23:24:25.000006: ymd = (2015*13+1)<<5|15, hms = 23<<12|24<<6|25
    const ymdhms = (((2015 * 13 + 1) << 5) | 15) * 2 ** 17 + ((23 << 12) | (24 << 6) | 25);
    const value = BigInt(ymdhms) * 2n ** 24n + 6n;
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(value);
    expect(decode(J.opaque(T.DATETIME, b))).toBe('2015-01-15 23:24:25.000006');
    expect(decode(J.opaque(T.TIMESTAMP, b))).toBe('2015-01-15 23:24:25.000006');
    const date = Buffer.alloc(8);
    date.writeBigInt64LE(BigInt((((2015 * 13 + 1) << 5) | 15) * 2 ** 17) * 2n ** 24n);
    expect(decode(J.opaque(T.DATE, date))).toBe('2015-01-15');
    const time = Buffer.alloc(8);
    time.writeBigInt64LE(-(BigInt((100 << 12) | (2 << 6) | 3) * 2n ** 24n + 500000n));
    expect(decode(J.opaque(T.TIME, time))).toBe('-100:02:03.500000');
    expect(decode(J.opaque(T.TIME, packed(0, 0)))).toBe('00:00:00.000000');
  });

  it('decodes opaque DECIMAL: a number when exact, else the digits', () => {
    const dec = (text: string, p: number, s: number): JsonValue =>
      decode(J.opaque(T.NEWDECIMAL, Buffer.concat([Buffer.from([p, s]), encodeDecimal(text, p, s)])));
    expect(dec('1.50', 4, 2)).toBe(1.5);
    expect(dec('-12', 5, 0)).toBe(-12);
    expect(dec('12345678901234567890.1', 30, 1)).toBe('12345678901234567890.1');
    expect(dec('0.1', 3, 1)).toBe(0.1);
  });

  it('prints other opaque values as base64:typeN:…', () => {
    expect(decode(J.opaque(T.BLOB, Buffer.from([1, 2, 3])))).toBe('base64:type252:AQID');
    expect(decode(J.opaque(T.BIT, Buffer.from([0xff])))).toBe('base64:type16:/w==');
  });

  it('reads a JSON column through readValue (4-byte length); empty is null', () => {
    const doc = encodeBinaryJson({ k: [1, 'two'] });
    const len = Buffer.alloc(4);
    len.writeUInt32LE(doc.length);
    const col: ColumnDecodeInfo = { type: T.JSON, meta: 4, unsigned: false, collation: 63, name: 'j' };
    expect(readValue(Buffer.concat([len, doc]), 0, col)).toEqual({ value: { k: [1, 'two'] }, end: 4 + doc.length });
    expect(readValue(Buffer.alloc(4), 0, col)).toEqual({ value: null, end: 4 });
  });

  it('property: any JSON document round-trips through the encoder', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
        fc.string({ unit: 'grapheme' }),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    })).value as fc.Arbitrary<EncodableJson>;
    fc.assert(
      fc.property(json, fc.boolean(), (v, large) => {
        expect(decode(v, large)).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects malformed documents with coded errors, never anything else', () => {
    const good = encodeBinaryJson({ a: [1, 'two', { b: null }], c: 'x'.repeat(40) });
    const codes = new Set<string>();
    for (let cut = 1; cut < good.length; cut++) {
      try {
        decodeBinaryJson(good, 0, cut);
      } catch (err) {
        codes.add((err as { code?: string }).code ?? 'uncoded');
      }
    }
    for (let i = 0; i < good.length; i++) {
      for (const x of [0x00, 0xff, 0x7f]) {
        const bad = Buffer.from(good);
        bad[i] = x;
        try {
          decodeBinaryJson(bad, 0, bad.length);
        } catch (err) {
          codes.add((err as { code?: string }).code ?? 'uncoded');
        }
      }
    }
    expect([...codes].every((c) => c === 'BINSNAP_E_BINLOG_CORRUPT_EVENT' || c === 'BINSNAP_E_UNKNOWN_COLUMN_TYPE')).toBe(true);
    expect(() => decodeBinaryJson(Buffer.from([0x0e, 0]), 0, 2)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_UNKNOWN_COLUMN_TYPE' }));
  });
});
