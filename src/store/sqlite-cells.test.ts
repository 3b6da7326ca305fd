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
    bad[1] = 0x7f; // the first cell's tag, after the one-byte shape id

    expect(() => readCells(bad, 0, bad.length, () => ['a', 'b'])).toThrow(/unknown cell tag/);
    // A string whose length runs past the cells (a damaged length byte).
    const long = Buffer.from(bytes);
    long[4] = 0x40; // STR8 length of 'x' (tag at 3, after INT8 1 at 1–2)
    expect(() => readCells(long, 0, long.length, () => ['a', 'b'])).toThrow(/string cell runs past/);
  });

  it('reads a row with an absent cell without that property, and any column name as an own property', () => {
    const names = ['a', '__proto__', 'c'];
    const sink = new Sink();
    const end = writeCells(sink, 0, 1, names, { a: 1, ['__proto__']: 'p', c: undefined } as unknown as Record<string, JsonValue>);
    const back = readCells(sink.buf, 0, end, () => names);
    expect(Object.keys(back)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toBe('p');
    const full = writeCells(sink, 0, 1, names, { a: 1, ['__proto__']: 'p', c: 3 } as unknown as Record<string, JsonValue>);
    const all = readCells(sink.buf, 0, full, () => names);
    expect(Object.keys(all)).toEqual(names);
    expect(Object.getOwnPropertyDescriptor(all, '__proto__')?.value).toBe('p');
  });

  it('writes each value in its smallest form (layout 5), and reads it back', () => {
    // Bytes of a one-column row after the one-byte shape id (42).
    const size = (v: JsonValue): number => {
      const { back, bytes } = roundTrip({ v });
      expect(back).toEqual({ v: JSON.parse(JSON.stringify(v)) as JsonValue });
      expect(bytes[0]).toBe(42);
      return bytes.length - 1;
    };
    expect([0, 127, -128].map(size)).toEqual([2, 2, 2]);
    expect([128, -129, 32767, -32768].map(size)).toEqual([3, 3, 3, 3]);
    expect([32768, -32769, 2 ** 31 - 1, -(2 ** 31)].map(size)).toEqual([5, 5, 5, 5]);
    expect([2 ** 31, 0.5].map(size)).toEqual([9, 9]);
    // Strings: a one-byte length up to 255 utf8 bytes, whatever the number of characters.
    expect(['', 'a'.repeat(85), 'a'.repeat(86), 'a'.repeat(255), 'a'.repeat(256)].map(size)).toEqual([2, 87, 88, 257, 261]);
    expect(['é'.repeat(127), 'é'.repeat(128), '✓'.repeat(85), '✓'.repeat(86)].map(size)).toEqual([256, 261, 257, 263]);
    // A lone surrogate goes as JSON text (u32 length) whatever its length.
    expect(size('a\uD800')).toBe(5 + JSON.stringify('a\uD800').length);
    // A shape id of several varint bytes.
    const sink = new Sink();
    const end = writeCells(sink, 0, 300, ['x'], { x: 1 });
    expect(readCells(sink.buf, 0, end, (id) => (id === 300 ? ['x'] : []))).toEqual({ x: 1 });
    expect(end).toBe(2 + 2);
  });
});
