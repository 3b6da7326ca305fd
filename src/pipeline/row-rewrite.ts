/**
 * What an ALTER TABLE does to the rows already in a table. The server rebuilds
 * them (a new column gets its default, a dropped one disappears, a renamed one
 * keeps its values, a modified one is converted); no row events are logged
 * for that. So that a read as of any position after the ALTER shows what the
 * server showed, the pipeline writes every existing row again as a version of
 * the ALTER's own transaction, converted here.
 *
 * Conversions follow what MariaDB/MySQL do for the common cases (MySQL
 * Reference Manual §13.1.9 ALTER TABLE, §11.6 "Data Type Default Values",
 * §12.3 "Type Conversion"): numbers ↔ strings, DECIMAL scale (rounded half
 * away from zero), fractional seconds (truncated, MariaDB's rule), ENUM/SET
 * labels kept by name (a label no longer defined becomes ''), NULL → the
 * implicit default when a column becomes NOT NULL. A default that is an
 * expression binsnap cannot evaluate becomes null, and the caller logs it.
 *
 * Invariants: pure; the rewrite is needed only when some column's name,
 * order, type, parameters or nullability changed (`needsRewrite`).
 */
import { ownValue, setOwn } from '../core/row-object.js';
import type { ColumnSchema, TableSchema } from '../core/schema.js';
import type { JsonValue, RowValues } from '../store/index.js';
import { maxBytesPerChar } from './ddl/charset-defaults.js';

/** Where a column of the new schema takes its values from. */
export type ColumnSource = { readonly from: string } | { readonly added: true; readonly default?: string };

export interface RowRewrite {
  /** The name the rows are stored under before the statement. */
  readonly readFrom: string;
  /** The name after the statement (differs with ALTER … RENAME TO). */
  readonly writeTo: string;
  readonly before: TableSchema;
  readonly after: TableSchema;
  /** Keyed by the new column name in lower case. */
  readonly sources: ReadonlyMap<string, ColumnSource>;
  /** The statement's time (seconds since the epoch), for CURRENT_TIMESTAMP defaults. */
  readonly timestamp: number;
  /** The server's version (MAJOR × 10000 + MINOR × 100 + PATCH) when known: the end of time of system versioning moved in MariaDB 11.5. */
  readonly serverVersion?: number;
}

function signature(c: ColumnSchema): string {
  return JSON.stringify([c.type, c.unsigned, c.length, c.precision, c.scale, c.fsp, c.values, c.nullable]);
}

export function needsRewrite(r: RowRewrite): boolean {
  const a = r.before.columns;
  const b = r.after.columns;
  if (a.length !== b.length) return true;
  for (let i = 0; i < b.length; i++) {
    const src = r.sources.get(b[i]!.name.toLowerCase());
    if (!src || !('from' in src) || src.from.toLowerCase() !== a[i]!.name.toLowerCase()) return true;
    if (a[i]!.name !== b[i]!.name || signature(a[i]!) !== signature(b[i]!)) return true;
  }
  return false;
}

/**
 * Whether `row` is a history row that ALTER TABLE … DROP SYSTEM VERSIONING removes (without row
 * events): the table was system-versioned before the statement and not after, and the row's
 * period ended. A current row ends at the period's maximum: a timestamp after the statement's
 * time ('2038-01-19 03:14:07.999999', or 2106 on MariaDB ≥ 11.5), or transaction id 2^64 − 1.
 */
export function isDroppedHistory(r: RowRewrite, row: RowValues): boolean {
  const period = r.before.systemVersioning;
  if (period === undefined || r.after.systemVersioning !== undefined) return false;
  let end: JsonValue | undefined;
  for (const k of Object.keys(row)) if (k.toLowerCase() === period.rowEnd.toLowerCase()) end = ownValue(row, k);
  if (typeof end === 'string' && /^\d{4}-/.test(end)) return Date.parse(`${end.slice(0, 19).replace(' ', 'T')}Z`) / 1000 <= r.timestamp;
  if (typeof end === 'number' || typeof end === 'string') return String(end) !== '18446744073709551615';
  return false;
}

/** The row as the server holds it after the statement; `unknownDefaults` collects columns whose default could not be evaluated. */
export function rewriteRow(r: RowRewrite, row: RowValues, unknownDefaults?: Set<string>): Record<string, JsonValue> {
  const byLower = new Map<string, string>();
  for (const k of Object.keys(row)) byLower.set(k.toLowerCase(), k);
  const oldCols = new Map(r.before.columns.map((c) => [c.name.toLowerCase(), c]));
  const out: Record<string, JsonValue> = {};
  // ADD SYSTEM VERSIONING: every existing row is current, from the statement's time to the end of time.
  const period = r.before.systemVersioning === undefined ? r.after.systemVersioning : undefined;
  for (const col of r.after.columns) {
    const src = r.sources.get(col.name.toLowerCase());
    if (period !== undefined && !(src && 'from' in src)) {
      const lower = col.name.toLowerCase();
      if (lower === period.rowEnd.toLowerCase()) {
        setOwn(out, col.name, periodEnd(col, r.serverVersion));
        continue;
      }
      if (lower === period.rowStart.toLowerCase() && col.type === 'timestamp') {
        // The server takes the statement's time to the microsecond; the binlog gives the second.
        setOwn(out, col.name, defaultValue(col, 'CURRENT_TIMESTAMP', r.timestamp) ?? null);
        continue;
      }
    }
    if (src && 'from' in src) {
      const key = byLower.get(src.from.toLowerCase());
      const old = oldCols.get(src.from.toLowerCase());
      if (key === undefined) continue; // absent in the stored row (a partial image): stays absent
      setOwn(out, col.name, convert(ownValue(row, key) ?? null, old, col));
    } else {
      const d = defaultValue(col, src && 'added' in src ? src.default : undefined, r.timestamp);
      if (d === undefined) {
        unknownDefaults?.add(col.name);
        setOwn(out, col.name, null);
      } else {
        setOwn(out, col.name, d);
      }
    }
  }
  return out;
}

/** The row end of a current row: the largest TIMESTAMP (2106 from MariaDB 11.5 on 64-bit, 2038 before), or transaction id 2^64 − 1. */
function periodEnd(col: ColumnSchema, serverVersion: number | undefined): JsonValue {
  if (col.type !== 'timestamp') return '18446744073709551615';
  const end = serverVersion !== undefined && serverVersion >= 110500 ? '2106-02-07 06:28:15' : '2038-01-19 03:14:07';
  return col.fsp !== undefined && col.fsp > 0 ? `${end}.${'9'.repeat(col.fsp)}` : end;
}

const INT_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year', 'bit']);
const FLOAT_TYPES = new Set(['float', 'double', 'real']);
const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

/** Converts a stored value of column `from` into the SPEC §3 value of column `to`. */
export function convert(v: JsonValue, from: ColumnSchema | undefined, to: ColumnSchema): JsonValue {
  if (v === null) return to.nullable ? null : implicitDefault(to);
  if (from && signature({ ...from, nullable: to.nullable }) === signature(to)) return v;
  const t = to.type;
  // A temporal value read as a number is its digits: TIME 25:00:00 → 250000, DATE → YYYYMMDD.
  // Out of range (a session without strict mode): the nearest value the type holds, as the server stores it.
  const n = from && TEMPORAL_TYPES.has(from.type) && typeof v === 'string' && (NUMBER_TYPES.has(t) || INT_TYPES.has(t)) ? temporalDigits(v) : v;
  if (INT_TYPES.has(t)) return clampInteger(integerOf(n), to);
  if (t === 'decimal' || t === 'numeric') return clampDecimal(decimalText(String(numericText(n)), to.scale ?? 0), to);
  if (FLOAT_TYPES.has(t)) return typeof n === 'number' ? n : Number(numericText(n)) || 0;
  if (STRING_TYPES.has(t)) return truncated(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v), to);
  if (t === 'date' && typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]/.test(v)) return v.slice(0, 10);
  if ((t === 'datetime' || t === 'timestamp') && typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v)) return withFsp(`${v} 00:00:00`, to.fsp ?? 0);
  if (t === 'time' && typeof v === 'string' && /^\d{4}-\d\d-\d\d \d/.test(v)) return withFsp(v.slice(11), to.fsp ?? 0);
  if (t === 'enum') return typeof v === 'string' && (to.values ?? []).includes(v) ? v : '';
  if (t === 'set') {
    const labels = to.values ?? [];
    const have = new Set(String(v).split(',').filter((s) => s !== ''));
    return labels.filter((l) => have.has(l)).join(',');
  }
  if ((t === 'datetime' || t === 'timestamp' || t === 'time') && typeof v === 'string') return withFsp(v, to.fsp ?? 0);
  if (t === 'binary' && typeof v === 'string' && to.length !== undefined) {
    const bytes = Buffer.from(v, 'base64');
    const padded = Buffer.alloc(to.length);
    bytes.copy(padded, 0, 0, Math.min(bytes.length, to.length));
    return padded.toString('base64');
  }
  if (BINARY_TYPES.has(t) && from && STRING_TYPES.has(from.type) && typeof v === 'string') return Buffer.from(v, 'utf8').toString('base64');
  return v;
}

const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp', 'time']);
const NUMBER_TYPES = new Set(['decimal', 'numeric', 'float', 'double', 'real']);

/** The digits of a DATE/DATETIME/TIME text as a number's text (sign and fraction kept). */
function temporalDigits(v: string): string {
  const dot = v.indexOf('.');
  const whole = (dot < 0 ? v : v.slice(0, dot)).replace(/[-: ]/g, (ch, i: number) => (ch === '-' && i === 0 ? '-' : ''));
  return dot < 0 ? whole : `${whole}${v.slice(dot)}`;
}

/** A DECIMAL text held to the column's precision (the largest value of its sign when beyond it) and to 0 when unsigned and negative. */
function clampDecimal(text: string, to: ColumnSchema): string {
  const scale = to.scale ?? 0;
  const precision = to.precision ?? 10;
  const negative = text.startsWith('-');
  const zero = scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  if (to.unsigned && negative) return zero;
  const intDigits = text.replace('-', '').split('.')[0]!.replace(/^0+(?=\d)/, '');
  if (intDigits === '0' || intDigits.length <= precision - scale) return text;
  const max = `${'9'.repeat(Math.max(precision - scale, 0)) || '0'}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}`;
  return negative ? `-${max}` : max;
}

/** Signed and unsigned ranges of the integer types (bigint's as exact digits). */
const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint, bigint]>> = {
  tinyint: [-128n, 127n, 255n],
  smallint: [-32768n, 32767n, 65535n],
  mediumint: [-8388608n, 8388607n, 16777215n],
  int: [-2147483648n, 2147483647n, 4294967295n],
  integer: [-2147483648n, 2147483647n, 4294967295n],
  bigint: [-9223372036854775808n, 9223372036854775807n, 18446744073709551615n],
};

function clampInteger(v: JsonValue, to: ColumnSchema): JsonValue {
  const range = INT_RANGES[to.type];
  if (range === undefined) return v;
  const b = BigInt(v as number | string);
  const lo = to.unsigned ? 0n : range[0];
  const hi = to.unsigned ? range[2] : range[1];
  const c = b < lo ? lo : b > hi ? hi : b;
  if (c === b) return v;
  return c >= BigInt(Number.MIN_SAFE_INTEGER) && c <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(c) : c.toString();
}

/**
 * Text cut to what the column holds, as the server stores a longer value without strict mode:
 * CHAR/VARCHAR to their length in characters (CHAR without its trailing spaces, as SELECT returns
 * it), TINYTEXT/TEXT to their bytes.
 */
function truncated(v: string, to: ColumnSchema): string {
  const maxBytes = TEXT_BYTES[to.type];
  if (maxBytes !== undefined) return cutToBytes(v, maxBytes, to.charset);
  if (to.type !== 'char' && to.type !== 'varchar') return v;
  let out = v;
  if (to.length !== undefined && v.length > to.length) {
    const chars = [...v];
    if (chars.length > to.length) out = chars.slice(0, to.length).join('');
  }
  return to.type === 'char' ? out.replace(/ +$/, '') : out;
}

/** Bytes TINYTEXT and TEXT hold (the larger ones hold anything a row of the smaller could). */
const TEXT_BYTES: Readonly<Record<string, number>> = { tinytext: 255, text: 65535 };

/** The longest prefix of whole characters that fits `max` bytes in `charset` (utf8 and single-byte charsets; others as they are). */
function cutToBytes(v: string, max: number, charset: string | undefined): string {
  const utf8 = charset === undefined || charset.startsWith('utf8');
  if (!utf8 && maxBytesPerChar(charset) !== 1) return v;
  if ((utf8 ? Buffer.byteLength(v, 'utf8') : v.length) <= max) return v;
  let bytes = 0;
  let out = '';
  for (const ch of v) {
    const n = utf8 ? Buffer.byteLength(ch, 'utf8') : 1;
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}

function numericText(v: JsonValue): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    const m = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(v);
    return m ? m[0].trim() : '0';
  }
  if (typeof v === 'boolean') return v ? '1' : '0';
  return '0';
}

function integerOf(v: JsonValue): JsonValue {
  // Exact, rounded half away from zero (as DECIMAL → integer conversions do).
  const b = BigInt(decimalText(numericText(v), 0));
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

/** An exact decimal string with exactly `scale` fraction digits, rounded half away from zero. */
export function decimalText(text: string, scale: number): string {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
  if (!m) return scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  const negative = m[1] === '-';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + scale + 1, '0');
  let kept = BigInt(digits.slice(0, point + scale) || '0');
  if (Number(digits[point + scale]) >= 5) kept += 1n;
  let s = kept.toString().padStart(scale + 1, '0');
  s = scale > 0 ? `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}` : s;
  return negative && /[1-9]/.test(s) ? `-${s}` : s;
}

function withFsp(v: string, fsp: number): string {
  const dot = v.indexOf('.');
  const base = dot < 0 ? v : v.slice(0, dot);
  const frac = dot < 0 ? '' : v.slice(dot + 1);
  return fsp === 0 ? base : `${base}.${frac.slice(0, fsp).padEnd(fsp, '0')}`;
}

/** The value a NOT NULL column without a usable default gets (§11.6). */
export function implicitDefault(c: ColumnSchema): JsonValue {
  const t = c.type;
  if (INT_TYPES.has(t) || FLOAT_TYPES.has(t)) return 0;
  if (t === 'decimal' || t === 'numeric') return decimalText('0', c.scale ?? 0);
  if (t === 'enum') return c.values?.[0] ?? '';
  if (t === 'date') return '0000-00-00';
  if (t === 'datetime' || t === 'timestamp') return withFsp('0000-00-00 00:00:00', c.fsp ?? 0);
  if (t === 'time') return withFsp('00:00:00', c.fsp ?? 0);
  if (t === 'binary') return Buffer.alloc(c.length ?? 0).toString('base64');
  return '';
}

/** The value the DEFAULT clause gives, or undefined when it is an expression binsnap cannot evaluate. */
export function defaultValue(c: ColumnSchema, text: string | undefined, timestamp: number): JsonValue | undefined {
  if (c.generated) return undefined;
  if (c.autoIncrement) return undefined;
  if (text === undefined) return c.nullable ? null : implicitDefault(c);
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
  if (/^null$/i.test(t)) return null;
  if (/^(current_timestamp|now|localtime|localtimestamp)\s*(\(\s*\d*\s*\))?$/i.test(t)) {
    const iso = new Date(timestamp * 1000).toISOString();
    const text19 = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    return withFsp(text19, c.fsp ?? 0);
  }
  let literal: string | undefined;
  const q = /^(?:_\w+\s*)?(['"])((?:(?!\1)[^\\]|\1\1|\\.)*)\1$/s.exec(t);
  if (q) literal = unescapeString(q[2]!, q[1]!);
  else if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) literal = t;
  else if (/^b'[01]*'$/i.test(t)) return parseInt(t.slice(2, -1) || '0', 2);
  else if (/^(true|false)$/i.test(t)) literal = /^true$/i.test(t) ? '1' : '0';
  if (literal === undefined) return undefined;
  return convert(literal, { name: c.name, type: 'varchar', unsigned: false, nullable: true }, c);
}

/** The value of a quoted SQL string: the doubled quote of its own kind, and backslash escapes (\% and \_ keep the backslash). */
function unescapeString(body: string, quote: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === quote && body[i + 1] === quote) {
      out += quote;
      i++;
    } else if (ch === '\\' && i + 1 < body.length) {
      const next = body[++i]!;
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a' };
      out += next === '%' || next === '_' ? `\\${next}` : (map[next] ?? next);
    } else {
      out += ch;
    }
  }
  return out;
}
