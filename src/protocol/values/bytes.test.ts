import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { f32le, f64le, i16le, i24le, i32le, u16be, u16le, u24be, u24le, u32be, u32le } from './bytes.js';

describe('fixed-width reads', () => {
  it('match Buffer methods', () => {
    const buf = Buffer.concat([randomBytes(4096), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x80, 0, 0, 0x80])]);
    for (let o = 0; o + 8 <= buf.length; o++) {
      expect(u16le(buf, o)).toBe(buf.readUInt16LE(o));
      expect(i16le(buf, o)).toBe(buf.readInt16LE(o));
      expect(u24le(buf, o)).toBe(buf.readUIntLE(o, 3));
      expect(i24le(buf, o)).toBe(buf.readIntLE(o, 3));
      expect(u32le(buf, o)).toBe(buf.readUInt32LE(o));
      expect(i32le(buf, o)).toBe(buf.readInt32LE(o));
      expect(u16be(buf, o)).toBe(buf.readUInt16BE(o));
      expect(u24be(buf, o)).toBe(buf.readUIntBE(o, 3));
      expect(u32be(buf, o)).toBe(buf.readUInt32BE(o));
      expect(Object.is(f32le(buf, o), buf.readFloatLE(o))).toBe(true);
      expect(Object.is(f64le(buf, o), buf.readDoubleLE(o))).toBe(true);
    }
  });
});
