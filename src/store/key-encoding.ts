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

const EXPONENT_BIAS = 0x8000_0000;

/** The columns of a table whose values sort numerically: its numeric-typed columns. */
export function numericKeyColumnsOf(schema: TableSchema): string[] {
  return schema.columns.filter((c) => NUMERIC_TYPES.has(c.type)).map((c) => c.name);
}

/** The sort-and-identity bytes of a key, in a Buffer of their exact size. */
export function encodeKey(key: RowKey, numericColumns: readonly string[] = NO_COLUMNS): Buffer {
  const end = encodeKeyInto(exactSink, 0, key, numericColumns);
  const out = exactSink.buf;
  exactSink.buf = EMPTY;
  return end === out.length ? out : out.subarray(0, end);
}

const EMPTY = Buffer.alloc(0);

/**
 * encodeKey's sink: a new Buffer of exactly the size asked for. Every path of encodeKeyInto asks
 * once, for its exact length (a string that turns out not to be plain ASCII asks again).
 */
const exactSink = {
  buf: EMPTY,
  room(_at: number, bytes: number): Buffer {
    this.buf = Buffer.allocUnsafe(bytes);
    return this.buf;
  },
};

const NO_COLUMNS: readonly string[] = [];

/** A growing byte buffer: `room` returns the buffer to write to, with `bytes` free at `at`. */
export interface ByteSink {
  room(at: number, bytes: number): Uint8Array;
}

/** Whether encodeIntegerKeyInto encodes a key of one column holding `value`: a nonzero safe integer (the usual key). */
export function isIntegerKey(value: JsonValue | undefined): value is number {
  return typeof value === 'number' && value !== 0 && ((value | 0) === value || isSafeWhole(value));
}

/** encodeKeyInto's bytes for a key of one column holding `value` (isIntegerKey), with no key object. */
export function encodeIntegerKeyInto(sink: ByteSink, at: number, value: number): number {
  const negative = value < 0;
  splitInteger(negative ? -value : value);
  return putInteger(sink.room(at, intDigits + 6), at, negative);
}

/**
 * encodeKey's bytes written at `at` of `sink`, without a Buffer of their own (the embedded store
 * writes keys straight into its page entries); returns the end. The sink may grow meanwhile.
 */
export function encodeKeyInto(sink: ByteSink, at: number, key: RowKey, numericColumns: readonly string[] = NO_COLUMNS): number {
  const columns = Object.keys(key);
  if (columns.length === 1) {
    const column = columns[0] as string;
    const value = key[column];
    if (typeof value === 'number') {
      if (isIntegerKey(value)) return encodeIntegerKeyInto(sink, at, value);
    } else if (typeof value === 'string') {
      if (numericColumns.length !== 0 && numericColumns.includes(column)) {
        const negative = scanDecimalText(value, column);
        if (digitsCount === 0) {
          sink.room(at, 1)[at] = TAG_ZERO;
          return at + 1;
        }
        return putDigits(sink.room(at, digitsCount + 6), at, value, negative);
      }
      if (value.length <= 256) {
        const end = asciiStringInto(sink.room(at, value.length + 3), at, value);
        if (end >= 0) return end;
      }
    }
  }
  if (busy) {
    const bytes = encodeNested(key, columns, numericColumns);
    sink.room(at, bytes.length).set(bytes, at);
    return at + bytes.length;
  }
  // Any other key goes through the scratch space. A key can only be encoded while another is
  // under way through user code (a toJSON or a getter); that one gets scratch space of its own.
  busy = true;
  try {
    pos = 0;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as string;
      writeValue(key[column] as JsonValue, numericColumns, column);
    }
    const n = pos;
    copyScratch(sink.room(at, n), at);
    return at + n;
  } finally {
    busy = false;
  }
}

/**
 * A string of code points 1 … 0x7F (no 0x00 to escape, UTF-8 is the text) at `at` of `out` (room for
 * length + 3); the end, or -1 for any other string.
 */
function asciiStringInto(out: Uint8Array, at: number, s: string): number {
  const len = s.length;
  out[at] = TAG_STRING;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return -1;
    out[at + i + 1] = c;
  }
  out[at + len + 1] = 0x00;
  out[at + len + 2] = 0x01;
  return at + len + 3;
}

// Any other key is written into one reused scratch array, then copied out into a Buffer
// of exactly its size. No per-call arrays, closures or intermediate strings except for
// fractions (toExponential) and arrays/objects (JSON text).
const SCRATCH_KEEP = 64 * 1024;
let scratch = new Uint8Array(512);
let pos = 0;
let busy = false;

/** Writes every column of the key into the scratch space from its start and returns the bytes. */
function writeColumns(key: RowKey, columns: readonly string[], numericColumns: readonly string[]): Buffer {
  pos = 0;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as string;
    writeValue(key[column] as JsonValue, numericColumns, column);
  }
  return takeBytes();
}

function encodeNested(key: RowKey, columns: readonly string[], numericColumns: readonly string[]): Buffer {
  const outerScratch = scratch;
  const outerPos = pos;
  scratch = new Uint8Array(256);
  try {
    return writeColumns(key, columns, numericColumns);
  } finally {
    scratch = outerScratch;
    pos = outerPos;
  }
}

function takeBytes(): Buffer {
  const out = Buffer.allocUnsafe(pos);
  copyScratch(out, 0);
  return out;
}

/** The `pos` bytes of the scratch space, copied to `at` of `out`. */
function copyScratch(out: Uint8Array, at: number): void {
  const n = pos;
  const from = scratch;
  if (n <= 64) {
    for (let i = 0; i < n; i++) out[at + i] = from[i] as number;
  } else {
    out.set(from.subarray(0, n), at);
    // One very large key does not pin its scratch space for the life of the process.
    if (from.length > SCRATCH_KEEP) scratch = new Uint8Array(512);
  }
}

/** Room for `n` more bytes at `pos`. */
function ensure(n: number): void {
  const need = pos + n;
  if (need > scratch.length) {
    const grown = new Uint8Array(Math.max(need, scratch.length * 2));
    grown.set(scratch.subarray(0, pos));
    scratch = grown;
  }
}

function writeValue(value: JsonValue, numericColumns: readonly string[], column: string): void {
  if (typeof value === 'number') {
    writeNumber(value, column);
  } else if (typeof value === 'string') {
    if (numericColumns.length !== 0 && numericColumns.includes(column)) {
      const negative = scanDecimalText(value, column);
      writeScannedDigits(value, negative);
    } else {
      writeString(value);
    }
  } else if (value === null) {
    ensure(1);
    scratch[pos++] = TAG_NULL;
  } else if (typeof value === 'boolean') {
    ensure(1);
    scratch[pos++] = value ? TAG_TRUE : TAG_FALSE;
  } else {
    // Same conversions (and same errors, e.g. for undefined) as ever.
    const bytes = Buffer.from(JSON.stringify(value), 'utf8');
    ensure(2 * bytes.length + 3);
    const b = scratch;
    let p = pos;
    b[p++] = TAG_JSON;
    for (let i = 0; i < bytes.length; i++) {
      const x = bytes[i] as number;
      b[p++] = x;
      if (x === 0) b[p++] = 0xff;
    }
    b[p++] = 0x00;
    b[p++] = 0x01;
    pos = p;
  }
}

/**
 * A number is its exact decimal `0.d1d2…dk × 10^exponent` (d1 ≠ 0, dk ≠ 0), the digits being
 * the shortest round-trip ones (`toExponential()`), which for a safe integer are its own.
 */
function writeNumber(n: number, column: string): void {
  if (n === 0) {
    // 0 and -0.
    ensure(1);
    scratch[pos++] = TAG_ZERO;
  } else if ((n | 0) === n || isSafeWhole(n)) {
    const negative = n < 0;
    splitInteger(negative ? -n : n);
    ensure(intDigits + 6);
    pos = putInteger(scratch, pos, negative);
  } else {
    if (!Number.isFinite(n)) {
      throw new BinsnapError('BINSNAP_E_INTERNAL', `key column ${column} holds a non-finite number`, { field: column });
    }
    // Fractions and integers beyond 2^53: the digits of the shortest round-trip form "-d.ddde±x".
    const text = n.toExponential();
    const e = text.indexOf('e');
    if (e < 0) throw new BinsnapError('BINSNAP_E_INTERNAL', `cannot encode number ${n}`);
    const negative = text.charCodeAt(0) === 0x2d;
    scanDigits(text, negative ? 1 : 0, e, Number(text.slice(e + 1)) + 1);
    writeScannedDigits(text, negative);
  }
}

/** Decimal digits of `m` in 1 … 2^31−1. */
function digitCount(m: number): number {
  return m < 100_000
    ? m < 100
      ? m < 10
        ? 1
        : 2
      : m < 1000
        ? 3
        : m < 10_000
          ? 4
          : 5
    : m < 10_000_000
      ? m < 1_000_000
        ? 6
        : 7
      : m < 100_000_000
        ? 8
        : m < 1_000_000_000
          ? 9
          : 10;
}

/** The tag and the exponent, biased, and inverted for a negative number. */
function putHeader(b: Uint8Array, p: number, negative: boolean, exponent: number): void {
  const biased = exponent + EXPONENT_BIAS;
  const exp = negative ? 0xffff_ffff - biased : biased;
  b[p] = negative ? TAG_NEGATIVE : TAG_POSITIVE;
  b[p + 1] = (exp >>> 24) & 0xff;
  b[p + 2] = (exp >>> 16) & 0xff;
  b[p + 3] = (exp >>> 8) & 0xff;
  b[p + 4] = exp & 0xff;
}

function isSafeWhole(n: number): boolean {
  return n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER && Math.floor(n) === n;
}

// What splitInteger found: the magnitude is (intHigh × 10^intLowDigits + intLow) × 10^intZeros,
// intLow's last digit not 0 (zero-padded to intLowDigits when intHigh is not 0), intDigits
// significant digits in all. Both parts are below 2^31, so the digit loops are int32 arithmetic.
let intHigh = 0;
let intLow = 0;
let intLowDigits = 0;
let intZeros = 0;
let intDigits = 0;

/** `a` a whole number in 1 … 2^53−1. */
function splitInteger(a: number): void {
  let high = 0;
  let low: number;
  let zeros = 0;
  if (a < 100_000_000) {
    low = a | 0;
  } else {
    const rest = a % 100_000_000;
    high = ((a - rest) / 100_000_000) | 0;
    low = rest | 0;
    if (low === 0) {
      // The low eight digits are trailing zeros: the value is high × 10^8.
      low = high;
      high = 0;
      zeros = 8;
    }
  }
  let stripped = 0;
  while (low % 10 === 0) {
    low = (low / 10) | 0;
    stripped++;
  }
  const lowDigits = high === 0 ? digitCount(low) : 8 - stripped;
  intHigh = high;
  intLow = low;
  intLowDigits = lowDigits;
  intZeros = zeros + stripped;
  intDigits = (high === 0 ? 0 : digitCount(high)) + lowDigits;
}

/**
 * What splitInteger found, as intDigits + 6 bytes at p; returns the end. Digit d is the byte
 * d+1 (0xFE−d when negative), so the terminator 0x00 (0xFF) sorts below every digit and a
 * shorter mantissa is the smaller magnitude.
 */
function putInteger(b: Uint8Array, p: number, negative: boolean): number {
  const k = intDigits;
  putHeader(b, p, negative, k + intZeros);
  const first = p + 5;
  const lowDigits = intLowDigits;
  let low = intLow;
  let high = intHigh;
  let i = first + k - 1;
  if (negative) {
    for (let j = 0; j < lowDigits; j++, i--) {
      const q = (low / 10) | 0;
      b[i] = 0xfe - (low - q * 10);
      low = q;
    }
    for (; i >= first; i--) {
      const q = (high / 10) | 0;
      b[i] = 0xfe - (high - q * 10);
      high = q;
    }
    b[first + k] = 0xff;
  } else {
    for (let j = 0; j < lowDigits; j++, i--) {
      const q = (low / 10) | 0;
      b[i] = 1 + (low - q * 10);
      low = q;
    }
    for (; i >= first; i--) {
      const q = (high / 10) | 0;
      b[i] = 1 + (high - q * 10);
      high = q;
    }
    b[first + k] = 0x00;
  }
  return first + k + 1;
}

// What scanDigits found: the significant digits are text[digitsStart, digitsEnd) ('.' skipped),
// digitsCount of them (0: the value is zero), and the value is 0.digits × 10^digitsExponent.
let digitsStart = 0;
let digitsEnd = 0;
let digitsCount = 0;
let digitsExponent = 0;

/** The digits text[from, to) ('.' skipped) read as 0.digits × 10^exponent: leading zeros move the exponent, trailing zeros go. */
function scanDigits(text: string, from: number, to: number, exponent: number): void {
  let start = from;
  for (; start < to; start++) {
    const c = text.charCodeAt(start);
    if (c === 0x30) exponent--;
    else if (c !== 0x2e) break;
  }
  digitsStart = start;
  digitsExponent = exponent;
  if (start === to) {
    digitsEnd = start;
    digitsCount = 0;
    return;
  }
  let end = to;
  let dots = 0;
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c === 0x30) end--;
    else if (c === 0x2e) {
      end--;
      dots = 1;
    } else break;
  }
  // A '.' not among the trailing zeros is among the digits, if the text has one.
  if (dots === 0) {
    for (let i = start; i < end; i++) {
      if (text.charCodeAt(i) === 0x2e) {
        dots = 1;
        break;
      }
    }
  } else {
    dots = 0;
  }
  digitsEnd = end;
  digitsCount = end - start - dots;
}

/** What scanDigits found, as digitsCount + 6 bytes at p (digitsCount > 0). */
function putDigits(b: Uint8Array, p: number, text: string, negative: boolean): number {
  putHeader(b, p, negative, digitsExponent);
  p += 5;
  const end = digitsEnd;
  if (negative) {
    for (let i = digitsStart; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x2e) b[p++] = 0x12e - c; // 0xFF − (c − '0' + 1)
    }
    b[p++] = 0xff;
  } else {
    for (let i = digitsStart; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x2e) b[p++] = c - 0x2f; // c − '0' + 1
    }
    b[p++] = 0x00;
  }
  return p;
}

function writeScannedDigits(text: string, negative: boolean): void {
  if (digitsCount === 0) {
    ensure(1);
    scratch[pos++] = TAG_ZERO;
  } else {
    ensure(digitsCount + 6);
    pos = putDigits(scratch, pos, text, negative);
  }
}

/**
 * A numeric column's text: `-?\d+(\.\d+)?` (ASCII digits), or an error. Leaves its digits
 * as scanDigits does, in one pass, and returns whether it is negative.
 */
function scanDecimalText(text: string, column: string): boolean {
  const len = text.length;
  const negative = len !== 0 && text.charCodeAt(0) === 0x2d;
  const intStart = negative ? 1 : 0;
  let first = -1;
  let last = -1;
  let dot = -1;
  let ok = len > intStart;
  for (let i = intStart; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x30 && c <= 0x39) {
      if (first < 0) first = i;
      last = i;
    } else if (c !== 0x30 && (c !== 0x2e || dot >= 0)) {
      ok = false;
      break;
    } else if (c === 0x2e) {
      dot = i;
    }
  }
  // A '.' needs digits on both sides.
  if (!ok || dot === intStart || dot === len - 1) {
    throw new BinsnapError('BINSNAP_E_INTERNAL', `key column ${column} is numeric but holds "${text}"`, { field: column });
  }
  if (first < 0) {
    digitsStart = digitsEnd = intStart;
    digitsCount = 0;
    digitsExponent = 0;
  } else {
    digitsStart = first;
    digitsEnd = last + 1;
    digitsCount = last + 1 - first - (dot > first && dot < last ? 1 : 0);
    // 0.digits × 10^exponent: the exponent counts the integer digits from the first significant one.
    digitsExponent = dot < 0 ? len - first : dot > first ? dot - first : dot + 1 - first;
  }
  return negative;
}

/** TAG_STRING, the UTF-8 bytes (a lone surrogate as U+FFFD, as Buffer.from does) with 0x00 as 0x00 0xFF, then 0x00 0x01. */
function writeString(s: string): void {
  const len = s.length;
  ensure(3 * len + 3);
  const b = scratch;
  let p = pos;
  b[p++] = TAG_STRING;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      b[p++] = c;
      if (c === 0) b[p++] = 0xff;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = c <= 0xdbff && i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 0x3f);
        b[p++] = 0x80 | ((cp >> 6) & 0x3f);
        b[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        b[p++] = 0xef;
        b[p++] = 0xbf;
        b[p++] = 0xbd;
      }
    }
  }
  b[p++] = 0x00;
  b[p++] = 0x01;
  pos = p;
}

/** A decimal as sign, digits without leading/trailing zeros, and exponent: value = 0.digits × 10^exponent. */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
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

/** Stable text of a key's bytes, for maps keyed by key identity. */
export function keyId(encoded: Buffer): string {
  return encoded.toString('hex');
}
