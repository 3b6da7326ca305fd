/**
 * SELECT results → SPEC §3 values, for `binsnap seed` (and later verify):
 * the same mapping `export` prints for versions decoded from the binlog, so a
 * seeded row and the same row replayed are equal.
 *
 * Every field is read by a reader chosen for its column (`valueReader`, used as
 * a mysql2 typeCast): as text or bytes straight from the packet, converted by
 * the column's type in the schema history (TableSchema), never by mysql2's
 * guess:
 * integers and YEAR → number, BIGINT beyond ±(2^53−1) → exact digit string;
 * DECIMAL → the server's text (exactly D fraction digits); FLOAT is selected
 * as CAST(col AS DOUBLE) (the text protocol prints 6 digits only) and printed
 * as the shortest decimal that round-trips the 32-bit value; DOUBLE → the
 * server's text, which round-trips; BIT → the number of its bytes; temporal
 * types → the server's text (exactly fsp digits; TIMESTAMP in UTC: the
 * session time zone must be +00:00); character types, ENUM, SET → utf8
 * (the session must `SET NAMES utf8mb4`); binary types, blobs and geometry
 * (SRID + WKB) → base64; MySQL JSON → the JSON value; MariaDB's JSON is
 * LONGTEXT and stays a string; VECTOR (binary float32 LE) → array of numbers.
 */
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import { shortestFloat32 } from '../protocol/values/float.js';
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

/** The select-list item of a column: FLOAT through DOUBLE so its exact 32-bit value arrives. */
export function selectItem(c: ColumnSchema): string {
  return c.type === 'float' ? `CAST(${ident(c.name)} AS DOUBLE) AS ${ident(c.name)}` : ident(c.name);
}

/** A text-protocol field as mysql2's typeCast hands it over: read once, as text or as bytes (null for NULL). */
export interface RawField {
  string(encoding: 'latin1' | 'utf8'): string | null;
  buffer(): Buffer | null;
}

/** Reads one field of a column and maps it by SPEC §3. */
export type ValueReader = (field: RawField) => JsonValue;

/**
 * The reader of column `c`, chosen once per column (not per value): numbers and temporal text
 * are read as latin1 text, character types as utf8 text, binary types as bytes. Reading text
 * straight from the packet spares a Buffer per value.
 */
export function valueReader(c: ColumnSchema, flavor: ServerFlavor): ValueReader {
  const t = c.type;
  if (INTEGER_TYPES.has(t)) return (f) => numberOf(f.string('latin1'));
  if (t === 'bigint') {
    return (f) => {
      const s = f.string('latin1');
      if (s === null) return null;
      // Up to 15 digits (and a sign) is always a safe integer.
      return s.length <= 15 ? Number(s) : exactInteger(BigInt(s));
    };
  }
  if (t === 'decimal' || t === 'numeric' || t === 'fixed' || TEMPORAL_TYPES.has(t)) return (f) => f.string('latin1');
  if (t === 'float') {
    return (f) => {
      const s = f.string('latin1');
      return s === null ? null : shortestFloat32(Math.fround(Number(s)));
    };
  }
  if (t === 'double' || t === 'real') return (f) => numberOf(f.string('latin1'));
  if (t === 'bit') {
    return (f) => {
      const raw = f.buffer();
      return raw === null ? null : exactInteger(raw.length === 0 ? 0n : BigInt(`0x${raw.toString('hex')}`));
    };
  }
  if (TEXT_TYPES.has(t)) return (f) => f.string('utf8');
  if (BYTES_TYPES.has(t)) {
    return (f) => {
      const raw = f.buffer();
      return raw === null ? null : raw.toString('base64');
    };
  }
  if (t === 'json') {
    if (flavor === 'mysql') {
      return (f) => {
        const s = f.string('utf8');
        return s === null ? null : parseJsonExact(s);
      };
    }
    return (f) => f.string('utf8');
  }
  if (t === 'vector') {
    return (f) => {
      const raw = f.buffer();
      return raw === null ? null : vectorOf(raw);
    };
  }
  // Other MariaDB data types (INET6, UUID, …) print as text in SELECT.
  return (f) => f.string('utf8');
}

function numberOf(s: string | null): number | null {
  return s === null ? null : Number(s);
}

/** A raw value held as bytes, read as a RawField. */
function bytesField(raw: Buffer | null): RawField {
  return {
    string: (encoding) => (raw === null ? null : raw.toString(encoding)),
    buffer: () => raw,
  };
}

/** One raw text-protocol value (bytes, or null for NULL) mapped by SPEC §3 for the column. */
export function convertValue(c: ColumnSchema, raw: Buffer | null, flavor: ServerFlavor): JsonValue {
  return valueReader(c, flavor)(bytesField(raw));
}

/** A row of values (in `columns` order) as a column → value object. */
export function rowObject(columns: readonly ColumnSchema[], values: readonly JsonValue[]): Record<string, JsonValue> {
  const row: Record<string, JsonValue> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!.name] = values[i] ?? null;
  return row;
}

function exactInteger(n: bigint): number | string {
  return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString();
}

function vectorOf(raw: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) out.push(shortestFloat32(raw.readFloatLE(i)));
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
