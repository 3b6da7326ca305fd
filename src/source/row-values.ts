/**
 * SELECT results → SPEC §3 values, for `binsnap seed` (and later verify):
 * the same mapping `export` prints for versions decoded from the binlog, so a
 * seeded row and the same row replayed are equal.
 *
 * Every field is read by a reader chosen for its column (`fieldReader`) from
 * its bytes in the row packet, converted by the column's type in the schema
 * history (TableSchema), never by mysql2's guess:
 * integers and YEAR → number, BIGINT beyond ±(2^53−1) → exact digit string;
 * DECIMAL → the server's text (exactly D fraction digits); FLOAT is selected
 * as a DOUBLE (the text protocol prints 6 digits of a FLOAT only) and printed
 * as the shortest decimal that round-trips the 32-bit value; DOUBLE → the
 * server's text, which round-trips; BIT → the number of its bytes; temporal
 * types → the server's text (exactly fsp digits; TIMESTAMP in UTC: the
 * session time zone must be +00:00); character types, ENUM, SET → utf8
 * (the session must `SET NAMES utf8mb4`); binary types, blobs and geometry
 * (SRID + WKB) → base64; MySQL JSON → the JSON value; MariaDB's JSON is
 * LONGTEXT and stays a string; VECTOR (binary float32 LE) → array of numbers.
 */
import { objectMaker, type ObjectMaker } from '../core/row-object.js';
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import { shortestFloat32 } from '../protocol/values/float.js';
import { base64Text, latin1Text, utf8Text } from '../core/slices.js';
import type { JsonValue } from '../store/index.js';
import type { ServerFlavor } from './binlog-connection.js';

const INTEGER_TYPES = new Set(['tinyint', 'bool', 'boolean', 'smallint', 'mediumint', 'int', 'integer', 'year']);
const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp', 'time']);
const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'long', 'nchar', 'nvarchar']);
const BYTES_TYPES = new Set([
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The columns a row version holds: MySQL's row images leave virtual generated columns out, MariaDB's hold them. */
export function seedColumns(table: TableSchema, flavor: ServerFlavor): readonly ColumnSchema[] {
  if (flavor === 'mariadb') return table.columns;
  return table.columns.filter((c) => !c.generated || c.generated.stored);
}

/** A backquoted identifier. */
export function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/**
 * The select-list item of a column: FLOAT widened to DOUBLE so its exact 32-bit value arrives.
 * MariaDB: CAST(… AS DOUBLE). MySQL has that cast only from 8.0.17, so there it is `… * 1e0`,
 * the same double (a product with 1 is exact and keeps the sign of zero).
 */
export function selectItem(c: ColumnSchema, flavor: ServerFlavor): string {
  if (c.type !== 'float') return ident(c.name);
  return flavor === 'mariadb' ? `CAST(${ident(c.name)} AS DOUBLE) AS ${ident(c.name)}` : `(${ident(c.name)} * 1e0) AS ${ident(c.name)}`;
}

/**
 * The bytes of one row of a text-protocol result (a row packet's payload,
 * `[base, end)` of `buf`), from which the field readers take their values.
 * Text fields whose bytes are all ASCII (numbers, temporal values, most
 * strings) are substrings of one latin1 string of the whole row: one native
 * call per row instead of one per field.
 */
export class RowBytes {
  buf: Buffer = Buffer.alloc(0);
  private base = 0;
  private end = 0;
  private text: string | undefined;

  /** Starts the next row. */
  reset(buf: Buffer, base: number, end: number): void {
    this.buf = buf;
    this.base = base;
    this.end = end;
    this.text = undefined;
  }

  /** Bytes `[s, e)` as latin1 text. */
  latin1(s: number, e: number): string {
    this.text ??= latin1Text(this.buf, this.base, this.end);
    return this.text.slice(s - this.base, e - this.base);
  }

  /** Bytes `[s, e)` as utf8 text. */
  utf8(s: number, e: number): string {
    const b = this.buf;
    // Past 16 bytes the native decoder (which checks for ASCII in wide steps) beats a loop here.
    if (e - s > 16) return utf8Text(b, s, e);
    for (let i = s; i < e; i++) if ((b[i] as number) >= 0x80) return utf8Text(b, s, e);
    return this.latin1(s, e);
  }
}

/** Reads the bytes `[s, e)` of one non-NULL field of a column and maps them by SPEC §3. */
export type FieldReader = (row: RowBytes, s: number, e: number) => JsonValue;

/**
 * The reader of column `c`, chosen once per column (not per value): integers are parsed from
 * their digits, other numbers and temporal values read as latin1 text, character types as utf8,
 * binary types as bytes.
 */
export function fieldReader(c: ColumnSchema, flavor: ServerFlavor): FieldReader {
  const t = c.type;
  if (INTEGER_TYPES.has(t)) return (r, s, e) => integerOf(r, s, e);
  if (t === 'bigint') {
    // Up to 15 digits (and a sign) is always a safe integer.
    return (r, s, e) => (e - s <= 15 ? integerOf(r, s, e) : exactInteger(BigInt(r.latin1(s, e))));
  }
  if (t === 'decimal' || t === 'numeric' || t === 'fixed' || TEMPORAL_TYPES.has(t)) return (r, s, e) => r.latin1(s, e);
  if (t === 'float') return (r, s, e) => shortestFloat32(Math.fround(Number(r.latin1(s, e))));
  if (t === 'double' || t === 'real') return (r, s, e) => Number(r.latin1(s, e));
  if (t === 'bit') return (r, s, e) => exactInteger(e === s ? 0n : BigInt(`0x${r.buf.toString('hex', s, e)}`));
  if (isUtf8Text(c)) return (r, s, e) => r.utf8(s, e);
  if (BYTES_TYPES.has(t)) return (r, s, e) => base64Text(r.buf, s, e);
  if (t === 'json') {
    if (flavor === 'mysql') return (r, s, e) => parseJsonExact(r.utf8(s, e));
    return (r, s, e) => r.utf8(s, e);
  }
  if (t === 'vector') return (r, s, e) => vectorOf(r.buf, s, e);
  // Other MariaDB data types (INET6, UUID, …) print as text in SELECT.
  return (r, s, e) => r.utf8(s, e);
}

/** Whether a column's value is its field's bytes as utf8 text, nothing else (its fieldReader's answer). */
export function isUtf8Text(c: ColumnSchema): boolean {
  return TEXT_TYPES.has(c.type);
}

/** An integer's decimal text (an optional '-', then digits) read from its bytes; anything else through Number. */
function integerOf(r: RowBytes, s: number, e: number): number {
  const b = r.buf;
  let i = s;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  if (i === e || e - i > 15) return Number(r.latin1(s, e));
  let n = 0;
  for (; i < e; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) return Number(r.latin1(s, e));
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

const scratch = new RowBytes();

/** One raw text-protocol value (bytes, or null for NULL) mapped by SPEC §3 for the column. */
export function convertValue(c: ColumnSchema, raw: Buffer | null, flavor: ServerFlavor): JsonValue {
  if (raw === null) return null;
  scratch.reset(raw, 0, raw.length);
  return fieldReader(c, flavor)(scratch, 0, raw.length);
}

const makers = new WeakMap<readonly ColumnSchema[], ObjectMaker<JsonValue>>();

/** A row of values (in `columns` order) as a column → value object (one object literal per column list: core/row-object.ts). */
export function rowObject(columns: readonly ColumnSchema[], values: readonly JsonValue[]): Record<string, JsonValue> {
  let make = makers.get(columns);
  if (make === undefined) {
    make = objectMaker(columns.map((c) => c.name));
    makers.set(columns, make);
  }
  return make(values);
}

function exactInteger(n: bigint): number | string {
  return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString();
}

function vectorOf(raw: Buffer, s: number, e: number): number[] {
  const out: number[] = [];
  for (let i = s; i + 4 <= e; i += 4) out.push(shortestFloat32(raw.readFloatLE(i)));
  return out;
}

/**
 * JSON text → value with integers beyond ±(2^53−1) kept exact as digit
 * strings (SPEC §3: "integers exact"). MySQL only; untested against a MySQL
 * server here.
 */
export function parseJsonExact(text: string): JsonValue {
  // Quote big integer literals outside strings before parsing.
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && (ch === '-' || (ch >= '0' && ch <= '9'))) {
      const lit = m[0];
      const isInt = /^-?\d+$/.test(lit);
      out += isInt && (BigInt(lit) > MAX_SAFE || BigInt(lit) < -MAX_SAFE) ? `"${lit}"` : lit;
      i += lit.length;
      continue;
    }
    out += ch;
    i++;
  }
  return JSON.parse(out) as JsonValue;
}
