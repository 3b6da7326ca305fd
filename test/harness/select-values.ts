/**
 * Reads live tables with SELECT and maps every value by SPEC §3, the mapping
 * `binsnap export` prints: an independent path (the text protocol and the
 * server's own catalog) to compare binsnap's decoded versions with.
 *
 * Rows are JSON objects, column name → value in column order, sorted the way
 * binsnap orders keys: primary-key columns in key order; numeric columns
 * (integers, DECIMAL, FLOAT, DOUBLE, BIT, YEAR) by exact value, also when the
 * value is a string of digits; strings by Unicode code point, never by a
 * collation; null first. Tables without a primary key are multisets: their
 * rows are sorted by their whole JSON text (code point order), which is only a
 * canonical order for comparing two multisets — sort both sides with
 * `sortRows(rows, [])` before comparing.
 *
 * Per type: integers and YEAR are numbers, BIGINT beyond ±(2^53−1) the string
 * of its exact digits; DECIMAL the server's text (exactly D fraction digits);
 * FLOAT is read as CAST(… AS DOUBLE) (… * 1e0 on MySQL; the exact 32-bit value; the text
 * protocol prints only 6 digits) and printed as the shortest decimal that
 * round-trips the 32-bit value; DOUBLE the server's text, which round-trips;
 * BIT the number of its bytes; dates and times the server's text (exactly fsp
 * fraction digits), TIMESTAMP in UTC (the session time zone is set to +00:00);
 * character types decoded as utf8mb4 (character_set_results); binary types,
 * blobs and geometry (SRID + WKB, as stored) base64; ENUM/SET the labels;
 * MySQL's JSON the value, integers beyond ±(2^53−1) as strings of their digits;
 * MariaDB's JSON alias is LONGTEXT and stays a string.
 */
import type mysql from 'mysql2/promise';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type Row = Record<string, JsonValue>;

export interface ColumnInfo {
  readonly name: string;
  /** information_schema DATA_TYPE, lower case: int, varchar, longtext, point, … */
  readonly dataType: string;
  readonly columnType: string;
}

export interface TableInfo {
  readonly columns: readonly ColumnInfo[];
  /** Primary-key columns in key order; empty for a table without a primary key. */
  readonly key: readonly string[];
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year']);
const NUMERIC_TYPES = new Set([...INTEGER_TYPES, 'bigint', 'decimal', 'numeric', 'float', 'double', 'real', 'bit']);
const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY_TYPES = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);
const TEMPORAL_TYPES = new Set(['date', 'datetime', 'timestamp', 'time']);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Columns (in order) and primary key of a live table, from information_schema. */
export async function tableInfo(conn: mysql.Connection, db: string, table: string): Promise<TableInfo> {
  const [cols] = await conn.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table],
  );
  const [keys] = await conn.query(
    `SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [db, table],
  );
  const columns = (cols as Array<{ name: unknown; dataType: unknown; columnType: unknown }>).map((c) => ({
    name: String(c.name),
    dataType: String(c.dataType).toLowerCase(),
    columnType: String(c.columnType).toLowerCase(),
  }));
  if (columns.length === 0) throw new Error(`no table ${db}.${table}`);
  return { columns, key: (keys as Array<{ name: unknown }>).map((k) => String(k.name)) };
}

/** Every row of db.table as SPEC §3 JSON objects, sorted as the module comment says. */
export async function selectTable(conn: mysql.Connection, db: string, table: string): Promise<Row[]> {
  return (await selectTableWithInfo(conn, db, table)).rows;
}

/** `selectTable`, with the columns and primary key it went by. */
export async function selectTableWithInfo(conn: mysql.Connection, db: string, table: string): Promise<{ rows: Row[]; info: TableInfo }> {
  await conn.query('SET NAMES utf8mb4');
  await conn.query("SET time_zone = '+00:00'");
  const info = await tableInfo(conn, db, table);
  // MySQL has CAST(… AS DOUBLE) only from 8.0.17; `* 1e0` widens the float to the same double.
  const mariadb = await isMariadb(conn);
  const asDouble = (name: string): string => (mariadb ? `CAST(${ident(name)} AS DOUBLE)` : `(${ident(name)} * 1e0)`);
  const list = info.columns.map((c) => (c.dataType === 'float' ? `${asDouble(c.name)} AS ${ident(c.name)}` : ident(c.name))).join(', ');
  const [raw] = await conn.query({
    sql: `SELECT ${list} FROM ${ident(db)}.${ident(table)}`,
    rowsAsArray: true,
    // Every field as its raw bytes; the conversion below goes by the catalog's type.
    typeCast: ((field: { buffer: () => Buffer | null }) => field.buffer()) as unknown as mysql.TypeCast,
  });
  const rows = (raw as Array<Array<Buffer | null>>).map((values) => {
    const row: Row = {};
    info.columns.forEach((c, i) => {
      row[c.name] = convertValue(c, values[i] ?? null);
    });
    return row;
  });
  return { rows: sortRows(rows, info.key, numericColumnsOf(info)), info };
}

const flavors = new WeakMap<mysql.Connection, boolean>();

/** Whether the connection's server is MariaDB (asked once per connection). */
async function isMariadb(conn: mysql.Connection): Promise<boolean> {
  let known = flavors.get(conn);
  if (known === undefined) {
    const [[v]] = (await conn.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
    known = /mariadb/i.test(String(v?.v));
    flavors.set(conn, known);
  }
  return known;
}

/** `selectTable` of each `db.table`, keyed by that name. */
export async function snapshotTables(conn: mysql.Connection, tables: readonly string[]): Promise<Record<string, Row[]>> {
  const out: Record<string, Row[]> = {};
  for (const qualified of tables) {
    const dot = qualified.indexOf('.');
    out[qualified] = await selectTable(conn, qualified.slice(0, dot), qualified.slice(dot + 1));
  }
  return out;
}

/** `snapshotTables`, plus each table's primary-key columns (empty: a multiset). */
export async function snapshotTablesWithKeys(
  conn: mysql.Connection,
  tables: readonly string[],
): Promise<{ tables: Record<string, Row[]>; keys: Record<string, string[]> }> {
  const out: Record<string, Row[]> = {};
  const keys: Record<string, string[]> = {};
  for (const qualified of tables) {
    const dot = qualified.indexOf('.');
    const r = await selectTableWithInfo(conn, qualified.slice(0, dot), qualified.slice(dot + 1));
    out[qualified] = r.rows;
    keys[qualified] = [...r.info.key];
  }
  return { tables: out, keys };
}

export function numericColumnsOf(info: TableInfo): string[] {
  return info.columns.filter((c) => NUMERIC_TYPES.has(c.dataType)).map((c) => c.name);
}

/** One raw text-protocol value (bytes, or null for NULL) mapped by SPEC §3. */
export function convertValue(c: ColumnInfo, raw: Buffer | null): JsonValue {
  if (raw === null) return null;
  const t = c.dataType;
  if (INTEGER_TYPES.has(t)) return Number(raw.toString('latin1'));
  if (t === 'bigint') return exactInteger(BigInt(raw.toString('latin1')));
  if (t === 'decimal' || t === 'numeric') return raw.toString('latin1');
  if (t === 'float') return shortestFloat32(Number(raw.toString('latin1')));
  if (t === 'double' || t === 'real') return Number(raw.toString('latin1'));
  if (t === 'bit') return exactInteger(raw.length === 0 ? 0n : BigInt(`0x${raw.toString('hex')}`));
  if (TEMPORAL_TYPES.has(t)) return raw.toString('latin1');
  if (TEXT_TYPES.has(t)) return raw.toString('utf8');
  if (BINARY_TYPES.has(t) || GEOMETRY_TYPES.has(t)) return raw.toString('base64');
  if (t === 'json') return parseJsonExact(raw.toString('utf8'));
  // MariaDB's INET4, INET6, UUID: the text the server shows.
  if (t === 'inet4' || t === 'inet6' || t === 'uuid') return raw.toString('latin1');
  throw new Error(`selectTable: no SPEC §3 mapping for column ${c.name} of type ${c.columnType}`);
}

/**
 * JSON text → value with SPEC §3's exact integers: an integer literal beyond ±(2^53−1) becomes the
 * string of its digits (JSON.parse would round it), as binsnap maps MySQL's binary JSON.
 */
export function parseJsonExact(text: string): JsonValue {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      // Copy a string literal whole (escapes included).
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i)) as RegExpExecArray;
      const literal = m[0];
      const integer = m[1] === undefined && m[2] === undefined;
      out += integer && !Number.isSafeInteger(Number(literal)) ? `"${literal}"` : literal;
      i += literal.length;
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out) as JsonValue;
}

function exactInteger(n: bigint): number | string {
  return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n.toString();
}

/** The shortest decimal (as a JS number) that reads back as the same 32-bit float. */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Sorts rows by key (see the module comment); with no key, by whole JSON text. */
export function sortRows(rows: Row[], key: readonly string[], numericColumns: readonly string[] = []): Row[] {
  if (key.length === 0) {
    const withText = rows.map((r) => ({ r, s: JSON.stringify(r) }));
    withText.sort((a, b) => compareCodePoints(a.s, b.s));
    return withText.map((x) => x.r);
  }
  const numeric = new Set(numericColumns);
  return [...rows].sort((a, b) => {
    for (const k of key) {
      const c = compareValues(a[k] ?? null, b[k] ?? null, numeric.has(k));
      if (c !== 0) return c;
    }
    return 0;
  });
}

function rank(v: JsonValue, numeric: boolean): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number' || (numeric && typeof v === 'string')) return 2;
  if (typeof v === 'string') return 3;
  return 4;
}

export function compareValues(a: JsonValue, b: JsonValue, numeric: boolean): number {
  const ra = rank(a, numeric);
  const rb = rank(b, numeric);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return compareNumbers(a as number | string, b as number | string);
  if (ra === 3) return compareCodePoints(a as string, b as string);
  return compareCodePoints(JSON.stringify(a), JSON.stringify(b));
}

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Exact comparison of numbers and decimal strings ("-0.50", "18446744073709551615"). */
function compareNumbers(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const da = decimalParts(a);
  const db = decimalParts(b);
  if (!da || !db) return Number(a) - Number(b);
  const scale = Math.max(da.frac.length, db.frac.length);
  const ia = BigInt(`${da.neg ? '-' : ''}${da.int}${da.frac.padEnd(scale, '0')}`);
  const ib = BigInt(`${db.neg ? '-' : ''}${db.int}${db.frac.padEnd(scale, '0')}`);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function decimalParts(v: number | string): { neg: boolean; int: string; frac: string } | undefined {
  const text = typeof v === 'number' ? (Number.isInteger(v) ? BigInt(v).toString() : undefined) : v;
  if (text === undefined) return undefined;
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  return { neg: m[1] === '-', int: m[2] ?? '0', frac: m[3] ?? '' };
}

/** Compares by Unicode code point (not UTF-16 code unit, not collation). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after every BMP code unit they meet here.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
