import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { encodeKey, encodeKeyInto, numericKeyColumnsOf } from './key-encoding.js';
import type { JsonValue, RowKey } from './snapshot-store.js';
import { tableSchema } from './contract-fixtures.test-util.js';

/**
 * The first implementation of `encodeKey`, kept verbatim as the oracle of the persisted
 * bytes: the optimised encoder must produce exactly these bytes (and these errors) for
 * every input, since stores keep them.
 */
const reference = (() => {
  const TAG_NULL = 0x05;
  const TAG_FALSE = 0x06;
  const TAG_TRUE = 0x07;
  const TAG_NEGATIVE = 0x10;
  const TAG_ZERO = 0x11;
  const TAG_POSITIVE = 0x12;
  const TAG_STRING = 0x20;
  const TAG_JSON = 0x30;
  const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;
  const EXPONENT_BIAS = 0x8000_0000;
  interface Decimal {
    readonly negative: boolean;
    readonly digits: string;
    readonly exponent: number;
  }

  function encodeKey(key: RowKey, numericColumns: readonly string[] = []): Buffer {
    const parts: number[] = [];
    for (const [column, value] of Object.entries(key)) {
      encodeValue(parts, value, numericColumns.includes(column), column);
    }
    return Buffer.from(parts);
  }

  function encodeValue(out: number[], value: JsonValue, numeric: boolean, column: string): void {
    if (value === null) {
      out.push(TAG_NULL);
    } else if (typeof value === 'boolean') {
      out.push(value ? TAG_TRUE : TAG_FALSE);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', `key column ${column} holds a non-finite number`, { field: column });
      }
      encodeDecimal(out, decimalOfNumber(value));
    } else if (typeof value === 'string') {
      if (numeric) {
        const m = DECIMAL_TEXT.exec(value);
        if (!m) {
          throw new BinsnapError('BINSNAP_E_INTERNAL', `key column ${column} is numeric but holds "${value}"`, { field: column });
        }
        encodeDecimal(out, normalise(m[1] === '-', m[2] ?? '', m[3] ?? ''));
      } else {
        out.push(TAG_STRING);
        pushEscaped(out, Buffer.from(value, 'utf8'));
      }
    } else {
      out.push(TAG_JSON);
      pushEscaped(out, Buffer.from(JSON.stringify(value), 'utf8'));
    }
  }

  function decimalOfNumber(n: number): Decimal {
    if (n === 0) return { negative: false, digits: '', exponent: 0 };
    const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential());
    if (!m) throw new BinsnapError('BINSNAP_E_INTERNAL', `cannot encode number ${n}`);
    const digits = (m[2] ?? '') + (m[3] ?? '');
    return normalise(m[1] === '-', digits, '', Number(m[4]) + 1);
  }

  function normalise(negative: boolean, intPart: string, fraction: string, exponent?: number): Decimal {
    const all = intPart + fraction;
    let exp = exponent ?? intPart.length;
    let start = 0;
    while (start < all.length && all[start] === '0') start++;
    exp -= start;
    let end = all.length;
    while (end > start && all[end - 1] === '0') end--;
    const digits = all.slice(start, end);
    if (digits === '') return { negative: false, digits: '', exponent: 0 };
    return { negative, digits, exponent: exp };
  }

  function encodeDecimal(out: number[], d: Decimal): void {
    if (d.digits === '') {
      out.push(TAG_ZERO);
      return;
    }
    const biased = d.exponent + EXPONENT_BIAS;
    const exp = d.negative ? 0xffff_ffff - biased : biased;
    out.push(d.negative ? TAG_NEGATIVE : TAG_POSITIVE, (exp >>> 24) & 0xff, (exp >>> 16) & 0xff, (exp >>> 8) & 0xff, exp & 0xff);
    for (const ch of d.digits) {
      const digit = ch.charCodeAt(0) - 0x30 + 1;
      out.push(d.negative ? 0xff - digit : digit);
    }
    out.push(d.negative ? 0xff : 0x00);
  }

  function pushEscaped(out: number[], bytes: Buffer): void {
    for (const b of bytes) {
      out.push(b);
      if (b === 0) out.push(0xff);
    }
    out.push(0x00, 0x01);
  }

  return { encodeKey };
})();

/** The bytes (hex) or the error (class, message, context) an encoder gives. */
function outcome(encode: (key: RowKey, numeric?: readonly string[]) => Buffer, key: RowKey, numeric: readonly string[]): unknown {
  try {
    return { hex: encode(key, numeric).toString('hex') };
  } catch (e) {
    const err = e as Error & { context?: unknown; code?: unknown };
    return { error: err.constructor.name, message: err.message, code: err.code, context: err.context };
  }
}

function expectSameAsReference(key: RowKey, numeric: readonly string[] = []): void {
  const expected = outcome(reference.encodeKey, key, numeric);
  expect(outcome(encodeKey, key, numeric)).toEqual(expected);
  expect(outcome(encodeIntoSink, key, numeric)).toEqual(expected);
}

/** encodeKeyInto behind a small sink that grows, after a few bytes already written (the store's entry buffer). */
function encodeIntoSink(key: RowKey, numeric?: readonly string[]): Buffer {
  let buf = new Uint8Array(8).fill(0xaa);
  const sink = {
    room(at: number, bytes: number): Uint8Array {
      if (at + bytes > buf.length) {
        const next = new Uint8Array(Math.max(at + bytes, buf.length * 2));
        next.set(buf.subarray(0, at));
        buf = next;
      }
      return buf;
    },
  };
  const end = encodeKeyInto(sink, 3, key, numeric);
  expect(Array.from(buf.subarray(0, 3))).toEqual([0xaa, 0xaa, 0xaa]);
  return Buffer.from(buf.subarray(3, end));
}

/** Reference order, written independently of the byte encoding: exact decimals via BigInt, strings by code point. */
type Typed = { kind: 'null' } | { kind: 'bool'; v: boolean } | { kind: 'num'; m: bigint; e: number } | { kind: 'str'; v: string } | { kind: 'json'; v: string };

const RANK = { null: 0, bool: 1, num: 2, str: 3, json: 4 } as const;

function typed(v: JsonValue, numeric: boolean): Typed {
  if (v === null) return { kind: 'null' };
  if (typeof v === 'boolean') return { kind: 'bool', v };
  if (typeof v === 'number') {
    const [mant = '0', exp = '0'] = v.toExponential().split('e');
    const digits = mant.replace('.', '').replace('-', '');
    const frac = mant.includes('.') ? (mant.split('.')[1] ?? '').length : 0;
    return { kind: 'num', m: BigInt(digits) * (v < 0 ? -1n : 1n), e: Number(exp) - frac };
  }
  if (typeof v === 'string') {
    if (!numeric) return { kind: 'str', v };
    const neg = v.startsWith('-');
    const [i = '0', f = ''] = (neg ? v.slice(1) : v).split('.');
    return { kind: 'num', m: BigInt(i + f) * (neg ? -1n : 1n), e: -f.length };
  }
  return { kind: 'json', v: JSON.stringify(v) };
}

function cmpTyped(a: Typed, b: Typed): number {
  if (a.kind !== b.kind) return RANK[a.kind] - RANK[b.kind];
  if (a.kind === 'bool' && b.kind === 'bool') return Number(a.v) - Number(b.v);
  if (a.kind === 'num' && b.kind === 'num') {
    const e = Math.min(a.e, b.e);
    const x = a.m * 10n ** BigInt(a.e - e);
    const y = b.m * 10n ** BigInt(b.e - e);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if ((a.kind === 'str' && b.kind === 'str') || (a.kind === 'json' && b.kind === 'json')) {
    const x = Array.from(a.v, (c) => c.codePointAt(0) ?? 0);
    const y = Array.from(b.v, (c) => c.codePointAt(0) ?? 0);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
    return x.length - y.length;
  }
  return 0;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: undefined }))
  .map(([neg, i, f]) => `${neg && (i !== 0n || (f ?? '').replace(/0/g, '') !== '') ? '-' : ''}${i}${f === undefined ? '' : `.${f}`}`);

const plain: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', 'a', 'a\u0000', 'a\u0000b', 'ab', '\u0001'),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
);

describe('key encoding', () => {
  it('byte order equals the reference order for single values', () => {
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        expect(sign(Buffer.compare(encodeKey({ k: a }), encodeKey({ k: b })))).toBe(sign(cmpTyped(typed(a, false), typed(b, false))));
      }),
      { numRuns: 3000 },
    );
  });

  it('numeric columns order numbers and decimal strings by exact value', () => {
    const num: fc.Arbitrary<JsonValue> = fc.oneof(decimalText, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String));
    fc.assert(
      fc.property(num, num, (a, b) => {
        const byBytes = sign(Buffer.compare(encodeKey({ k: a }, ['k']), encodeKey({ k: b }, ['k'])));
        expect(byBytes).toBe(sign(cmpTyped(typed(a, true), typed(b, true))));
      }),
      { numRuns: 3000 },
    );
  });

  it('composite keys compare column by column', () => {
    fc.assert(
      fc.property(fc.tuple(plain, plain), fc.tuple(plain, plain), ([a1, a2], [b1, b2]) => {
        const ref = cmpTyped(typed(a1, false), typed(b1, false)) || cmpTyped(typed(a2, false), typed(b2, false));
        expect(sign(Buffer.compare(encodeKey({ x: a1, y: a2 }), encodeKey({ x: b1, y: b2 })))).toBe(sign(ref));
      }),
      { numRuns: 3000 },
    );
  });

  it('names the numeric columns of a schema', () => {
    const s = tableSchema('d', 't', ['id', 'name']);
    expect(numericKeyColumnsOf(s)).toEqual(['id']);
  });

  it('refuses a non-number in a numeric column', () => {
    expect(() => encodeKey({ id: 'abc' }, ['id'])).toThrow(/numeric/);
  });

  describe('bytes identical to the first implementation', () => {
    const edgeNumbers = [
      0, -0, 1, -1, 9, 10, 11, 99, 100, 101, 1200, -1200, 1_000_000, 123_456_789, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32,
      -(2 ** 32), 4_294_967_295, 999_999_999_999_999, 1e15, 1e16, -1e16, 9_999_999_999_999_998, Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 2 ** 60, 1e21, 1e22, -1e22, 123e30,
      Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, Number.EPSILON, 0.1, -0.1, 0.5, 1.5, -1.5, 0.000001,
      1e-7, 1.25e-300, 2.5, 1 / 3, -2 / 3, 100.5, 1e300, Infinity, -Infinity, NaN,
    ];
    const numberArb: fc.Arbitrary<number> = fc.oneof(
      fc.constantFrom(...edgeNumbers),
      fc.integer(),
      fc.integer({ min: -1000, max: 1000 }),
      fc.maxSafeInteger(),
      fc.maxSafeInteger().map((n) => n - (n % 10 ** (Math.abs(n) % 16))),
      fc.integer({ min: -15, max: 15 }).chain((e) => fc.integer({ min: -99, max: 99 }).map((m) => m * 10 ** e)),
      fc.double(),
      fc.double({ min: -1e6, max: 1e6 }),
    );
    const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const stringArb: fc.Arbitrary<string> = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: anyChar, maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('\u0000', 'a', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud800', '\udbff', '\udc00', '\udfff', '\uffff', '😀', 'é'), maxLength: 8 }),
      fc.string({ minLength: 60, maxLength: 400 }),
      fc.constantFrom('', 'a', 'a\u0000', '\u0000', 'a\u0000b', 'ab', '\u0001', 'cust-00042', 'Ünïcödé', '日本語', '\ud83d', '\ude00x'),
    );
    const decimalTextArb: fc.Arbitrary<string> = fc.oneof(
      decimalText,
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
      fc
        .tuple(fc.constantFrom('', '-'), fc.stringMatching(/^[0-9]{1,25}$/), fc.option(fc.stringMatching(/^[0-9]{1,25}$/), { nil: undefined }))
        .map(([s, i, f]) => `${s}${i}${f === undefined ? '' : `.${f}`}`),
      fc.constantFrom(
        '0', '-0', '00', '-00.000', '0.0', '000123', '123000', '0.00120', '-0.00120', '18446744073709551615', '-9223372036854775808',
        '9223372036854775807', '1.', '.5', '-', '', '+1', '1e5', ' 1', '1 ', '1\n', '--1', '0x10', '١', '1.2.3', '-.5', 'abc', '1,5', '٣.٤',
      ),
      stringArb,
    );
    const valueArb: fc.Arbitrary<JsonValue> = fc.oneof(
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.boolean(), weight: 1 },
      { arbitrary: numberArb, weight: 4 },
      { arbitrary: stringArb, weight: 3 },
      { arbitrary: decimalTextArb, weight: 3 },
      { arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>, weight: 1 },
    );
    const columnArb = fc.constantFrom('id', 'k', 'tenant', 'code', 'a', 'b', 'z', '0', '1', '10', '__proto_x', 'é');
    const keyArb = fc
      .uniqueArray(fc.tuple(columnArb, valueArb), { minLength: 1, maxLength: 4, selector: ([c]) => c })
      .map((entries) => Object.fromEntries(entries) as RowKey);

    it('single numbers, in and out of numeric columns', () => {
      for (const n of edgeNumbers) {
        expectSameAsReference({ k: n });
        expectSameAsReference({ k: n }, ['k']);
      }
      fc.assert(
        fc.property(numberArb, fc.boolean(), (n, numeric) => expectSameAsReference({ id: n }, numeric ? ['id'] : [])),
        { numRuns: 20_000 },
      );
    });

    it('every safe integer shape: each digit count, trailing zeros, sign', () => {
      for (let digits = 1; digits <= 16; digits++) {
        for (const lead of [1, 4, 9]) {
          for (let zeros = 0; zeros < digits; zeros++) {
            const base = Math.min(Number.MAX_SAFE_INTEGER, lead * 10 ** (digits - 1) + 7654321098765 * 10 ** zeros);
            const n = base - (base % 10 ** zeros);
            expectSameAsReference({ k: n });
            expectSameAsReference({ k: -n });
            expectSameAsReference({ k: n + 1 });
            expectSameAsReference({ k: n - 1 });
          }
        }
      }
    });

    it('single strings, including non-ASCII, lone surrogates and 0x00', () => {
      fc.assert(
        fc.property(stringArb, (s) => {
          expectSameAsReference({ k: s });
          expectSameAsReference({ k: s }, ['other']);
        }),
        { numRuns: 20_000 },
      );
    });

    it('decimal and invalid strings in numeric columns', () => {
      fc.assert(
        fc.property(decimalTextArb, (s) => expectSameAsReference({ id: s }, ['id'])),
        { numRuns: 20_000 },
      );
    });

    it('null, booleans, arrays and objects', () => {
      for (const v of [null, true, false, [], {}, [1, 'a\u0000'], { b: 1, a: [null] }, '\ud800'] as JsonValue[]) {
        expectSameAsReference({ k: v });
        expectSameAsReference({ k: v }, ['k']);
      }
      fc.assert(
        fc.property(fc.jsonValue() as fc.Arbitrary<JsonValue>, (v) => expectSameAsReference({ k: v })),
        { numRuns: 5_000 },
      );
    });

    it('composite keys of 1-4 columns, any column order, any numeric columns', () => {
      fc.assert(
        fc.property(keyArb, fc.subarray(['id', 'k', 'tenant', 'code', 'a', 'b', 'z', '0', '1', '10', 'é', 'missing']), (key, numeric) =>
          expectSameAsReference(key, numeric),
        ),
        { numRuns: 30_000 },
      );
    });

    it('the same key with its columns in another order', () => {
      fc.assert(
        fc.property(keyArb, fc.boolean(), (key, numeric) => {
          const reversed = Object.fromEntries(Object.entries(key).reverse()) as RowKey;
          const cols = numeric ? Object.keys(key) : [];
          expectSameAsReference(reversed, cols);
          expectSameAsReference(key, cols);
        }),
        { numRuns: 5_000 },
      );
    });

    it('the default numeric columns, an empty key, and a very long key', () => {
      expect(encodeKey({ id: 5 }).toString('hex')).toBe(reference.encodeKey({ id: 5 }).toString('hex'));
      expect(encodeKey({}).length).toBe(0);
      expectSameAsReference({});
      const long = 'x\u0000é😀'.repeat(5000);
      expectSameAsReference({ a: long, b: 12, c: long }, ['b']);
      expectSameAsReference({ a: '9'.repeat(20_000) + '.' + '0'.repeat(100) }, ['a']);
      expectSameAsReference({ a: 1, j: Array.from({ length: 3000 }, (_, i) => i) });
    });

    it('a key encoded while another is being encoded (toJSON calling back) still comes out whole', () => {
      const inner = { toJSON: () => encodeKey({ x: 'inner', y: 7 }).toString('hex') } as unknown as JsonValue;
      const key = { a: 'before', j: [inner], b: 99 } as RowKey;
      expectSameAsReference(key, ['b']);
      expect(encodeKey({ x: 'after', y: 7 }).toString('hex')).toBe(reference.encodeKey({ x: 'after', y: 7 }).toString('hex'));
    });

    it('returned buffers are independent of each other', () => {
      const a = encodeKey({ k: 'aaaa' });
      const b = encodeKey({ k: 'bbbb' });
      expect(a.toString('hex')).toBe(reference.encodeKey({ k: 'aaaa' }).toString('hex'));
      expect(b.toString('hex')).toBe(reference.encodeKey({ k: 'bbbb' }).toString('hex'));
    });
  });
});
