import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeKey, numericKeyColumnsOf } from './key-encoding.js';
import type { JsonValue } from './snapshot-store.js';
import { tableSchema } from './contract-fixtures.test-util.js';

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
});
