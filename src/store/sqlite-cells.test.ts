import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCells, writeCells, type CellSink } from './sqlite-cells.js';
import type { JsonValue } from './snapshot-store.js';

/** A growing buffer, as the entry buffer is. */
class Sink implements CellSink {
  buf = Buffer.alloc(8);
  room(at: number, bytes: number): Buffer {
    if (at + bytes > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, at + bytes));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
    }
    return this.buf;
  }
}

function roundTrip(obj: Record<string, JsonValue>): { back: Record<string, JsonValue>; bytes: Buffer } {
  const names = Object.keys(obj);
  const sink = new Sink();
  const end = writeCells(sink, 3, 42, names, obj);
  const bytes = Buffer.from(sink.buf.subarray(3, end));
  const back = readCells(sink.buf, 3, end, (id) => {
    expect(id).toBe(42);
    return names;
  });
  return { back, bytes };
}

describe('store cells', () => {
  it('read back every value as JSON would give it', () => {
    const obj: Record<string, JsonValue> = {
      int: 7,
      negative: -2147483648,
      big: 2 ** 53 - 1,
      beyondInt32: 2147483648,
      double: 0.1,
      tiny: 5e-324,
      minusZero: -0,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      empty: '',
      ascii: 'plain text',
      long: 'x'.repeat(5000),
      accents: 'crème brûlée ✓ 😀',
      lone: 'a\ud800b',
      loneLow: '\udc00',
      pair: '\ud83d\ude00',
      // Past 16 characters text takes the native path (well-formedness checked first).
      asciiMid: 'y'.repeat(17),
      loneLong: 'y'.repeat(40) + '\udbff',
      loneLowLong: '\udc00' + 'y'.repeat(40),
      accentsLong: 'Zoë Müller-Łódź 東京 '.repeat(3),
      zero: 'a\u0000b',
      nul: null,
      yes: true,
      no: false,
      json: { a: [1, 'two', null, { b: false }], c: 'd' },
      list: [1.5, 'x'],
      '1': 'integer-like name',
    };
    const { back } = roundTrip(obj);
    expect(back).toEqual(JSON.parse(JSON.stringify(obj)));
    expect(Object.is(back['minusZero'], 0)).toBe(true);
    expect(back['lone']).toBe('a\ud800b');
    expect([back['loneLong'], back['loneLowLong']]).toEqual(['y'.repeat(40) + '\udbff', '\udc00' + 'y'.repeat(40)]);
  });

  it('leaves out a property holding undefined, as JSON does', () => {
    const obj = { a: 1, b: undefined as unknown as JsonValue, c: 'x' };
    expect(roundTrip(obj).back).toEqual({ a: 1, c: 'x' });
  });

  it('gives equal bytes for equal content and different bytes otherwise (random values)', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string({ unit: 'binary' }),
      fc.constant(null),
      fc.boolean(),
      fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), value, { maxKeys: 6 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), value, { maxKeys: 6 }), (a, b) => {
        const ra = roundTrip(a);
        expect(ra.back).toEqual(JSON.parse(JSON.stringify(a)));
        const sameNames = JSON.stringify(Object.keys(a)) === JSON.stringify(Object.keys(b));
        if (sameNames) expect(ra.bytes.equals(roundTrip(b).bytes)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses cells that do not match their shape', () => {
    const { bytes } = roundTrip({ a: 1, b: 'x' });
    expect(() => readCells(bytes, 0, bytes.length, () => ['a'])).toThrow(/damaged/);
    expect(() => readCells(bytes, 0, bytes.length, () => ['a', 'b', 'c'])).toThrow(/damaged/);
    const bad = Buffer.from(bytes);
    bad[4] = 0x7f;
    expect(() => readCells(bad, 0, bad.length, () => ['a', 'b'])).toThrow(/unknown cell tag/);
  });
});
