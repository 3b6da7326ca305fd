import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnType as T, type ColumnDecodeInfo } from './column.js';
import { readValue } from './decode-value.js';
import { decimalBinSize, readDecimal } from './decimal.js';
import { shortestFloat32 } from './float.js';
import { encodeDecimal } from './test-support/decimal-encoder.js';

const col = (type: number, meta = 0, unsigned = false): ColumnDecodeInfo => ({ type, meta, unsigned, collation: undefined, name: 'c' });
const read = (type: number, bytes: number[] | Buffer, meta = 0, unsigned = false): unknown =>
  readValue(Buffer.from(bytes), 0, col(type, meta, unsigned)).value;

describe('integers', () => {
  it('reads every width signed and unsigned', () => {
    expect(read(T.TINY, [0xff])).toBe(-1);
    expect(read(T.TINY, [0xff], 0, true)).toBe(255);
    expect(read(T.SHORT, [0x00, 0x80])).toBe(-32768);
    expect(read(T.SHORT, [0x00, 0x80], 0, true)).toBe(32768);
    expect(read(T.INT24, [0xff, 0xff, 0xff])).toBe(-1);
    expect(read(T.INT24, [0xff, 0xff, 0xff], 0, true)).toBe(16777215);
    expect(read(T.LONG, [0, 0, 0, 0x80])).toBe(-2147483648);
    expect(read(T.LONG, [0xff, 0xff, 0xff, 0xff], 0, true)).toBe(4294967295);
    expect(readValue(Buffer.from([9, 1, 2]), 1, col(T.TINY)).end).toBe(2);
  });

  it('keeps BIGINT exact: number within ±(2^53−1), digits beyond', () => {
    const big = (v: bigint, unsigned = false): unknown => {
      const b = Buffer.alloc(8);
      if (unsigned) b.writeBigUInt64LE(v);
      else b.writeBigInt64LE(v);
      return read(T.LONGLONG, b, 0, unsigned);
    };
    expect(big(0n)).toBe(0);
    expect(big(-1n)).toBe(-1);
    expect(big(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(big(-(2n ** 53n - 1n))).toBe(-Number.MAX_SAFE_INTEGER);
    expect(big(2n ** 53n)).toBe('9007199254740992');
    expect(big(-(2n ** 53n))).toBe('-9007199254740992');
    expect(big(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(big(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(big(2n ** 64n - 1n, true)).toBe('18446744073709551615');
    expect(big(2n ** 53n + 1n, true)).toBe('9007199254740993');
    expect(big(4294967296n * 3n + 7n, true)).toBe(12884901895);
  });

  it('property: BIGINT is the exact value for any 64-bit pattern', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64LE(v);
        const out = read(T.LONGLONG, b);
        expect(String(out)).toBe(v.toString());
        expect(typeof out).toBe(v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? 'number' : 'string');
      }),
    );
  });

  it('reads BIT(n) big-endian', () => {
    expect(read(T.BIT, [0x01, 0x02], (1 << 8) | 3)).toBe(0x102); // BIT(11) = 2 bytes
    expect(read(T.BIT, [0x05], 5)).toBe(5); // BIT(5)
    expect(read(T.BIT, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 8 << 8)).toBe('18446744073709551615');
    expect(read(T.BIT, [0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 8 << 8)).toBe(2 ** 53 - 1);
  });
});

describe('DECIMAL', () => {
  it('decodes the example from MySQL decimal2bin: DECIMAL(14,4) 1234567890.1234', () => {
    const bytes = [0x81, 0x0d, 0xfb, 0x38, 0xd2, 0x04, 0xd2];
    expect(read(T.NEWDECIMAL, bytes, (14 << 8) | 4)).toBe('1234567890.1234');
    expect(read(T.NEWDECIMAL, bytes.map((b) => b ^ 0xff), (14 << 8) | 4)).toBe('-1234567890.1234');
    expect(decimalBinSize(14, 4)).toBe(7);
  });

  it('keeps exactly `scale` fraction digits and a single leading 0', () => {
    const dec = (text: string, p: number, s: number): unknown => read(T.NEWDECIMAL, encodeDecimal(text, p, s), (p << 8) | s);
    expect(dec('1234.5678', 10, 4)).toBe('1234.5678');
    expect(dec('-0.5', 5, 2)).toBe('-0.50');
    expect(dec('0', 5, 2)).toBe('0.00');
    expect(dec('0', 10, 0)).toBe('0');
    expect(dec('-7', 10, 0)).toBe('-7');
    expect(dec('-0', 5, 2)).toBe('0.00');
    expect(dec('0.000000001', 30, 20)).toBe('0.00000000100000000000');
    expect(dec('99999999999999999999999999999999999.999999999999999999999999999999', 65, 30)).toBe(
      '99999999999999999999999999999999999.999999999999999999999999999999',
    );
    expect(dec('1000000000', 10, 0)).toBe('1000000000');
  });

  it('property: any decimal round-trips exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65 }).chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: Math.min(p, 30) }))).chain(([p, s]) =>
        fc.tuple(fc.constant(p), fc.constant(s), fc.boolean(), fc.stringMatching(new RegExp(`^[0-9]{${p - s}}$`)), fc.stringMatching(new RegExp(`^[0-9]{${s}}$`)))),
        ([p, s, neg, ip, fp]) => {
          const intText = ip.replace(/^0+/, '') || '0';
          const zero = /^0*$/.test(ip + fp);
          const text = `${neg && !zero ? '-' : ''}${intText}${s > 0 ? `.${fp}` : ''}`;
          const buf = Buffer.concat([encodeDecimal(`${neg ? '-' : ''}${ip}.${fp}`, p, s), Buffer.from([0xaa])]);
          const out = readDecimal(buf, 0, p, s, 'c');
          expect(out.text).toBe(text);
          expect(out.end).toBe(decimalBinSize(p, s));
        },
      ),
    );
  });

  it('rejects truncated input and invalid metadata with coded errors', () => {
    expect(() => read(T.NEWDECIMAL, [0x81, 0x0d], (14 << 8) | 4)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => read(T.NEWDECIMAL, [0x81], (2 << 8) | 5)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => read(T.DECIMAL, [0x30])).toThrow(expect.objectContaining({ code: 'BINSNAP_E_UNKNOWN_COLUMN_TYPE' }));
  });
});

describe('FLOAT and DOUBLE', () => {
  const f32 = (x: number): number => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(x);
    return read(T.FLOAT, b, 4) as number;
  };
  it('prints the shortest decimal that round-trips the float', () => {
    expect(f32(0.1)).toBe(0.1);
    expect(f32(3.14)).toBe(3.14);
    expect(f32(-1.5)).toBe(-1.5);
    expect(f32(16777216)).toBe(16777216);
    expect(f32(2 ** 30)).toBe(1073741800); // 1.0737418e9 reads back as 2^30
    expect(f32(3.4028234663852886e38)).toBe(3.4028235e38);
    expect(f32(1.401298464324817e-45)).toBe(1e-45);
  });

  it('property: for any float32, the output round-trips and no shorter one does', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
        const out = shortestFloat32(f);
        expect(Math.fround(out) === f).toBe(true);
        const digits = out.toExponential().replace(/^-/, '').replace(/e.*$/, '').replace('.', '').length;
        if (digits > 1) expect(Math.fround(Number(f.toPrecision(digits - 1)))).not.toBe(f);
      }),
      { numRuns: 20000 },
    );
  });

  it('property: shortest also for every bit pattern, subnormals included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const b = Buffer.alloc(4);
        b.writeUInt32LE(bits);
        const f = b.readFloatLE(0);
        if (!Number.isFinite(f)) return;
        const out = shortestFloat32(f);
        expect(Math.fround(out) === f).toBe(true);
        const digits = out.toExponential().replace(/^-/, '').replace(/e.*$/, '').replace('.', '').length;
        for (let p = 1; p < digits; p++) expect(Math.fround(Number(f.toPrecision(p))) === f).toBe(false);
      }),
      { numRuns: 20000 },
    );
    for (const f of [1.401298464324817e-45, 1.1754942106924411e-38, 9.80908925027372e-45]) {
      const out = shortestFloat32(f);
      expect(Math.fround(out)).toBe(f);
    }
  });

  it('reads DOUBLE as is', () => {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(0.1 + 0.2);
    expect(read(T.DOUBLE, b, 8)).toBe(0.30000000000000004);
  });
});
