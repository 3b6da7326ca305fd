import { describe, expect, it } from 'vitest';
import { ColumnType as T, type ColumnDecodeInfo } from './column.js';
import { readValue } from './decode-value.js';
import { formatEpochSeconds } from './temporal.js';

const col = (type: number, meta = 0): ColumnDecodeInfo => ({ type, meta, unsigned: false, collation: undefined, name: 't' });
const read = (type: number, bytes: Buffer | number[], meta = 0): unknown => readValue(Buffer.from(bytes), 0, col(type, meta)).value;

/** MySQL my_time_packed_to_binary: TIME2 bytes for ±h:m:s.usec at precision fsp. */
function time2(negative: boolean, h: number, m: number, s: number, usec: number, fsp: number): Buffer {
  const hms = (h << 12) | (m << 6) | s;
  const packed = (negative ? -1 : 1) * (hms * 2 ** 24 + usec);
  const intPart = Math.floor(packed / 2 ** 24);
  const frac = packed - Math.trunc(packed / 2 ** 24) * 2 ** 24; // C remainder: sign of packed
  const out = Buffer.alloc(3 + ((fsp + 1) >> 1));
  if (fsp >= 5) {
    out.writeUIntBE(packed + 0x800000000000, 0, 6);
    return out;
  }
  out.writeUIntBE(intPart + 0x800000, 0, 3);
  if (fsp === 1 || fsp === 2) out.writeInt8(Math.trunc(frac / 10000), 3);
  if (fsp === 3 || fsp === 4) out.writeInt16BE(Math.trunc(frac / 100), 3);
  return out;
}

/** DATETIME2 bytes (5 + fraction). */
function datetime2(y: number, mo: number, d: number, h: number, mi: number, s: number, usec: number, fsp: number): Buffer {
  const ymd = ((y * 13 + mo) << 5) | d;
  const hms = (h << 12) | (mi << 6) | s;
  const out = Buffer.alloc(5 + ((fsp + 1) >> 1));
  out.writeUIntBE(ymd * 2 ** 17 + hms + 0x8000000000, 0, 5);
  writeFrac(out, 5, usec, fsp);
  return out;
}

function writeFrac(out: Buffer, o: number, usec: number, fsp: number): void {
  if (fsp === 1 || fsp === 2) out[o] = Math.floor(usec / 10000);
  else if (fsp === 3 || fsp === 4) out.writeUInt16BE(Math.floor(usec / 100), o);
  else if (fsp >= 5) out.writeUIntBE(usec, o, 3);
}

describe('YEAR and DATE', () => {
  it('reads YEAR (0 stays 0)', () => {
    expect(read(T.YEAR, [0])).toBe(0);
    expect(read(T.YEAR, [126])).toBe(2026);
    expect(read(T.YEAR, [1])).toBe(1901);
  });
  it('reads DATE, keeping zero and partial dates', () => {
    const date = (y: number, m: number, d: number): number[] => {
      const v = (y << 9) | (m << 5) | d;
      return [v & 0xff, (v >> 8) & 0xff, v >> 16];
    };
    expect(read(T.DATE, date(2026, 11, 22))).toBe('2026-11-22');
    expect(read(T.DATE, date(0, 0, 0))).toBe('0000-00-00');
    expect(read(T.DATE, date(2020, 0, 15))).toBe('2020-00-15');
    expect(read(T.DATE, date(9999, 12, 31))).toBe('9999-12-31');
    expect(read(T.DATE, date(33, 1, 1))).toBe('0033-01-01');
  });
});

describe('TIME', () => {
  it('reads the old 3-byte TIME, negative too', () => {
    const t = (v: number): Buffer => {
      const b = Buffer.alloc(3);
      b.writeIntLE(v, 0, 3);
      return b;
    };
    expect(read(T.TIME, t(123456))).toBe('12:34:56');
    expect(read(T.TIME, t(-8385959))).toBe('-838:59:59');
    expect(read(T.TIME, t(0))).toBe('00:00:00');
  });

  it('reads TIME2 for every fsp', () => {
    expect(read(T.TIME2, time2(false, 12, 34, 56, 0, 0), 0)).toBe('12:34:56');
    expect(read(T.TIME2, time2(false, 838, 59, 59, 0, 0), 0)).toBe('838:59:59');
    expect(read(T.TIME2, time2(false, 1, 2, 3, 500000, 1), 1)).toBe('01:02:03.5');
    expect(read(T.TIME2, time2(false, 1, 2, 3, 120000, 2), 2)).toBe('01:02:03.12');
    expect(read(T.TIME2, time2(false, 1, 2, 3, 123000, 3), 3)).toBe('01:02:03.123');
    expect(read(T.TIME2, time2(false, 1, 2, 3, 123400, 4), 4)).toBe('01:02:03.1234');
    expect(read(T.TIME2, time2(false, 1, 2, 3, 123450, 5), 5)).toBe('01:02:03.12345');
    expect(read(T.TIME2, time2(false, 23, 59, 59, 999999, 6), 6)).toBe('23:59:59.999999');
  });

  it('reads negative TIME2 with a fraction (MySQL borrows one second)', () => {
    expect(read(T.TIME2, time2(true, 0, 0, 1, 500000, 1), 1)).toBe('-00:00:01.5');
    expect(read(T.TIME2, time2(true, 0, 0, 0, 500000, 2), 2)).toBe('-00:00:00.50');
    expect(read(T.TIME2, time2(true, 10, 20, 30, 123000, 3), 3)).toBe('-10:20:30.123');
    expect(read(T.TIME2, time2(true, 838, 59, 59, 0, 4), 4)).toBe('-838:59:59.0000');
    expect(read(T.TIME2, time2(true, 1, 0, 0, 1, 6), 6)).toBe('-01:00:00.000001');
    expect(read(T.TIME2, time2(true, 12, 0, 0, 0, 0), 0)).toBe('-12:00:00');
    // Hand-checked bytes: -00:00:01.5 at fsp 1 is 7F FF FE CE.
    expect(time2(true, 0, 0, 1, 500000, 1)).toEqual(Buffer.from([0x7f, 0xff, 0xfe, 0xce]));
  });
});

describe('DATETIME', () => {
  it('reads the old 8-byte DATETIME', () => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(20261122103005n);
    expect(read(T.DATETIME, b)).toBe('2026-11-22 10:30:05');
    expect(read(T.DATETIME, Buffer.alloc(8))).toBe('0000-00-00 00:00:00');
  });

  it('reads DATETIME2 with fsp 0, 3 and 6', () => {
    expect(read(T.DATETIME2, datetime2(2026, 11, 22, 10, 30, 5, 0, 0), 0)).toBe('2026-11-22 10:30:05');
    expect(read(T.DATETIME2, datetime2(2026, 11, 22, 10, 30, 5, 123000, 3), 3)).toBe('2026-11-22 10:30:05.123');
    expect(read(T.DATETIME2, datetime2(1000, 1, 1, 0, 0, 0, 1, 6), 6)).toBe('1000-01-01 00:00:00.000001');
    expect(read(T.DATETIME2, datetime2(9999, 12, 31, 23, 59, 59, 999999, 6), 6)).toBe('9999-12-31 23:59:59.999999');
    expect(read(T.DATETIME2, datetime2(2026, 1, 2, 3, 4, 5, 60000, 2), 2)).toBe('2026-01-02 03:04:05.06');
    expect(read(T.DATETIME2, datetime2(0, 0, 0, 0, 0, 0, 0, 0), 0)).toBe('0000-00-00 00:00:00');
    expect(read(T.DATETIME2, datetime2(0, 0, 0, 0, 0, 0, 0, 3), 3)).toBe('0000-00-00 00:00:00.000');
    // Known bytes: '2012-06-21 15:55:17' is 99 8C AA FD D1 at fsp 0.
    expect(datetime2(2012, 6, 21, 15, 55, 17, 0, 0)).toEqual(Buffer.from([0x99, 0x8c, 0xaa, 0xfd, 0xd1]));
  });
});

describe('TIMESTAMP', () => {
  it('reads old TIMESTAMP in UTC, 0 as the zero date', () => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(1763807405);
    expect(read(T.TIMESTAMP, b)).toBe(new Date(1763807405 * 1000).toISOString().slice(0, 19).replace('T', ' '));
    expect(read(T.TIMESTAMP, Buffer.alloc(4))).toBe('0000-00-00 00:00:00');
  });

  it('reads TIMESTAMP2 with fractions, big-endian seconds', () => {
    const ts2 = (secs: number, usec: number, fsp: number): Buffer => {
      const out = Buffer.alloc(4 + ((fsp + 1) >> 1));
      out.writeUInt32BE(secs);
      writeFrac(out, 4, usec, fsp);
      return out;
    };
    expect(read(T.TIMESTAMP2, ts2(1, 0, 0), 0)).toBe('1970-01-01 00:00:01');
    expect(read(T.TIMESTAMP2, ts2(2147483647, 999999, 6), 6)).toBe('2038-01-19 03:14:07.999999');
    expect(read(T.TIMESTAMP2, ts2(0, 0, 3), 3)).toBe('0000-00-00 00:00:00.000');
    expect(read(T.TIMESTAMP2, ts2(951782400, 450000, 2), 2)).toBe('2000-02-29 00:00:00.45');
  });

  it('agrees with Date for many instants', () => {
    for (let s = 1; s < 4294967295; s += 9876543) {
      expect(formatEpochSeconds(s, 0, 0)).toBe(new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' '));
    }
  });

  it('rejects fsp > 6 and short cells with coded errors', () => {
    expect(() => read(T.DATETIME2, Buffer.alloc(9), 7)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => read(T.DATETIME2, Buffer.alloc(5), 6)).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
    expect(() => read(T.TIMESTAMP, Buffer.alloc(3))).toThrow(expect.objectContaining({ code: 'BINSNAP_E_BINLOG_CORRUPT_EVENT' }));
  });
});

describe("MariaDB's high-resolution TIME/DATETIME/TIMESTAMP of old-format columns (precision from the schema)", () => {
  const hires = (type: number, bytes: Buffer, fsp: number): unknown => readValue(bytes, 0, { ...col(type), fsp }).value;
  /** Big-endian bytes of `v` in `n` bytes. */
  const be = (v: bigint, n: number): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = n - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  };
  const scale = (fsp: number): bigint => 10n ** BigInt(6 - fsp);

  it('reads DATETIME(n) as the packed microseconds scaled down, in 6, 6, 7, 7, 7, 8 bytes', () => {
    const usec = (y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): bigint =>
      (((((BigInt(y) * 13n + BigInt(mo)) * 32n + BigInt(d)) * 24n + BigInt(h)) * 60n + BigInt(mi)) * 60n + BigInt(s)) * 1000000n + BigInt(us);
    const bytes = [6, 6, 7, 7, 7, 8];
    for (let fsp = 1; fsp <= 6; fsp++) {
      const v = usec(9999, 12, 31, 23, 59, 59, 999999) / scale(fsp);
      expect(hires(T.DATETIME, be(v, bytes[fsp - 1]!), fsp)).toBe(`9999-12-31 23:59:59.${'999999'.slice(0, fsp)}`);
    }
    expect(hires(T.DATETIME, be(usec(2024, 1, 2, 3, 4, 5, 123000) / scale(3), 7), 3)).toBe('2024-01-02 03:04:05.123');
    expect(hires(T.DATETIME, be(0n, 8), 6)).toBe('0000-00-00 00:00:00.000000');
  });

  it('reads TIME(n) offset by 838:59:59 + 1 s, negative below it', () => {
    const zero = 3020400n * 1000000n;
    const t = (us: bigint, fsp: number, n: number): Buffer => be((us + zero) / scale(fsp), n);
    expect(hires(T.TIME, t(-(3723n * 1000000n + 40000n), 2, 4), 2)).toBe('-01:02:03.04');
    expect(hires(T.TIME, t(3020399n * 1000000n + 999999n, 6, 6), 6)).toBe('838:59:59.999999');
    expect(hires(T.TIME, t(-1500000n, 6, 6), 6)).toBe('-00:00:01.500000');
    expect(hires(T.TIME, t(0n, 5, 5), 5)).toBe('00:00:00.00000');
  });

  it('reads TIMESTAMP(n) as seconds and the scaled fraction, in UTC', () => {
    expect(hires(T.TIMESTAMP, Buffer.concat([be(1714979289n, 4), be(654321n, 3)]), 6)).toBe('2024-05-06 07:08:09.654321');
    expect(hires(T.TIMESTAMP, Buffer.concat([be(1n, 4), be(5n, 1)]), 1)).toBe('1970-01-01 00:00:01.5');
  });
});
