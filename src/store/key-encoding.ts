/**
 * Row keys as byte strings whose unsigned byte order (memcmp, SQLite BLOB
 * order) is the order rows are read back in, and whose equality is key
 * identity. Every backend stores and compares keys through this one encoding.
 *
 * Order, column by column in the key object's own order:
 *   null < false < true < numbers < strings < arrays/objects.
 * Numbers compare by exact value: JSON numbers, and strings of the columns
 * named numeric (BIGINT beyond ±(2^53−1), DECIMAL, BIT — SPEC §3 prints them
 * as strings), so `"-9223372036854775808" < -1 < 0.5 < 2 < "18446744073709551615"`.
 * Numerically equal values are one key (`"1.50"` and `1.5`). Strings compare by
 * Unicode code point (UTF-8 bytes), not by a MySQL collation. Arrays and
 * objects (JSON columns of a whole-row image) compare by their JSON text.
 *
 * Each component is self-delimiting, so a composite key sorts component-wise.
 */
import { BinsnapError } from '../core/errors.js';
import type { TableSchema } from '../core/schema.js';
import type { JsonValue, RowKey } from './snapshot-store.js';

const TAG_NULL = 0x05;
const TAG_FALSE = 0x06;
const TAG_TRUE = 0x07;
const TAG_NEGATIVE = 0x10;
const TAG_ZERO = 0x11;
const TAG_POSITIVE = 0x12;
const TAG_STRING = 0x20;
const TAG_JSON = 0x30;

const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'bit',
  'year',
]);

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;
const EXPONENT_BIAS = 0x8000_0000;

/** The columns of a table whose values sort numerically: its numeric-typed columns. */
export function numericKeyColumnsOf(schema: TableSchema): string[] {
  return schema.columns.filter((c) => NUMERIC_TYPES.has(c.type)).map((c) => c.name);
}

/** The sort-and-identity bytes of a key. */
export function encodeKey(key: RowKey, numericColumns: readonly string[] = []): Buffer {
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

/** A decimal as sign, digits without leading/trailing zeros, and exponent: value = 0.digits × 10^exponent. */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

function decimalOfNumber(n: number): Decimal {
  if (n === 0) return { negative: false, digits: '', exponent: 0 };
  // Exponent form gives the shortest round-trip digits of any double.
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential());
  if (!m) throw new BinsnapError('BINSNAP_E_INTERNAL', `cannot encode number ${n}`);
  const digits = (m[2] ?? '') + (m[3] ?? '');
  return normalise(m[1] === '-', digits, '', Number(m[4]) + 1);
}

/** From an integer part and a fraction part (or digits with a given exponent). */
export function normalise(negative: boolean, intPart: string, fraction: string, exponent?: number): Decimal {
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
  // The terminator sorts below every digit, so a shorter mantissa is the smaller magnitude.
  out.push(d.negative ? 0xff : 0x00);
}

/** 0x00 inside the value becomes 0x00 0xFF; 0x00 0x01 ends it, so a prefix sorts first. */
function pushEscaped(out: number[], bytes: Buffer): void {
  for (const b of bytes) {
    out.push(b);
    if (b === 0) out.push(0xff);
  }
  out.push(0x00, 0x01);
}

/** Stable text of a key's bytes, for maps keyed by key identity. */
export function keyId(encoded: Buffer): string {
  return encoded.toString('hex');
}
