/**
 * A seeded, deterministic random workload for a MariaDB 10.11 server, or
 * with `flavor: 'mysql'` a MySQL 8.0 one (the big transaction then comes from
 * a recursive CTE, not the Sequence engine), binlog in ROW format with FULL
 * images (or any, with `anyRowImage`), recording checkpoints — the binlog position
 * after selected commits and a SELECT snapshot (SPEC §3 values) of every
 * workload table at that moment — for differential tests of `binsnap replay`.
 *
 * Two halves: `generateWorkload` is pure (seed → steps: SQL text, which steps
 * are checkpoints and which tables exist after each), so the same seed always
 * gives the same statements; `runWorkload` executes the steps on one
 * connection and records the checkpoints. The generator keeps a model of each
 * table (current name, columns, live primary keys) so every statement stays
 * valid after DDL; rolled-back transactions undo their model changes.
 *
 * Tables (in database `db`, all created by the workload so the CREATEs are in
 * the binlog): `types_t` (every SPEC §3 type MariaDB has), `comp` (composite
 * key (b, a) over a utf8mb4_bin VARCHAR, so keys differing only in case or
 * accent coexist), `lat` (latin1_swedish_ci VARCHAR key: keys carry a unique
 * counter so they never collide under the case- and accent-insensitive
 * collation, and some updates change only the case of a key), `nopk` (no
 * primary key: duplicates, DELETE/UPDATE … LIMIT 1), `plain`, and `bulk` (the
 * 100k-row transaction, INSERT … SELECT from the Sequence engine's
 * seq_1_to_N; later truncated, dropped and created again differently).
 *
 * DDL mid-stream: ADD COLUMN (AFTER, FIRST), DROP COLUMN, RENAME COLUMN,
 * MODIFY (INT→BIGINT, VARCHAR length), ENUM reorder + new labels, CONVERT TO
 * CHARACTER SET utf8mb4, RENAME TABLE, a swap of two tables through a
 * temporary name in one RENAME, TRUNCATE, DROP + CREATE with a new definition.
 *
 * The connection must allow multiple statements (the harness `connect` does):
 * each transaction is sent as one round trip.
 */
import type mysql from 'mysql2/promise';
import { serverCatalog, type Catalog } from './catalog.js';
import { snapshotTablesWithKeys, type Row } from './select-values.js';

// ── options and results ─────────────────────────────────────────────────────

export interface WorkloadOptions {
  readonly seed: number;
  /** Random transactions (the bulk phase and DDL come on top). */
  readonly transactions: number;
  readonly db: string;
  /** Checkpoint after every this many random transactions (default 50). */
  readonly checkpointEvery?: number;
  /** Rows of the one big transaction (default 100 000). */
  readonly bigRows?: number;
  /** Called with each checkpoint as it is recorded. */
  readonly onCheckpoint?: (cp: WorkloadCheckpoint) => void | Promise<void>;
  /** Accept a server with MINIMAL/NOBLOB row images (default: FULL is required). */
  readonly anyRowImage?: boolean;
  /** The server: MariaDB (default) fills the big transaction from the Sequence engine, MySQL from a recursive CTE. */
  readonly flavor?: 'mariadb' | 'mysql';
  /** Also record each table's structure from information_schema at every checkpoint (`catalogs`). */
  readonly catalogs?: boolean;
}

export interface WorkloadCheckpoint {
  /** `file:offset` from SHOW MASTER STATUS right after the commit: its commit position. */
  readonly position: string;
  /** What happened just before: `txn 350`, `ddl: ALTER TABLE …`, `bulk insert`, `end`. */
  readonly label: string;
  readonly step: number;
  /** `db.table` → rows (select-values.ts order) of every workload table existing then. */
  readonly tables: Record<string, Row[]>;
  /** `db.table` → its primary-key columns then (empty for a table without one). */
  readonly keys: Record<string, string[]>;
  /** With `catalogs`: `db.table` → its structure from information_schema then. */
  readonly catalogs?: Record<string, Catalog>;
}

export interface WorkloadResult {
  /** SHOW MASTER STATUS before the first statement (before CREATE DATABASE). */
  readonly start: string;
  /** SHOW MASTER STATUS after the last statement. */
  readonly end: string;
  readonly checkpoints: WorkloadCheckpoint[];
  readonly steps: number;
  readonly statements: number;
  readonly elapsedMs: number;
}

export interface WorkloadStep {
  readonly sql: string;
  readonly label: string;
  readonly checkpoint: boolean;
  /** Workload tables (`db.table`) existing after this step. */
  readonly tables: readonly string[];
  readonly statements: number;
}

// ── the PRNG ────────────────────────────────────────────────────────────────

/** A small 32-bit PRNG (xorshift-multiply mix of a Weyl sequence); never Math.random. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x5bd1e995) >>> 0;
  }
  u32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)] as T;
  }
  /** Uniform BigInt in [lo, hi]. */
  big(lo: bigint, hi: bigint): bigint {
    const span = hi - lo + 1n;
    const r = (BigInt(this.u32()) << 64n) | (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    return lo + (r % span);
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

// ── SQL literals ────────────────────────────────────────────────────────────

export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`;
}

function sqlBytes(b: Buffer): string {
  return b.length === 0 ? "''" : `X'${b.toString('hex')}'`;
}

const id = (name: string): string => `\`${name}\``;

// ── the table model ─────────────────────────────────────────────────────────

type Gen =
  | 'ti' | 'tiu' | 'si' | 'siu' | 'mi' | 'miu' | 'i' | 'iu' | 'bi' | 'biu'
  | 'dec20' | 'dec65' | 'dec10' | 'dec6' | 'dec8' | 'fl' | 'db' | 'bit1' | 'bit64' | 'yr'
  | 'date' | 'time3' | 'dt0' | 'dt6' | 'ts2' | 'ts6'
  | 'char10l' | 'vcu' | 'vclat' | 'text' | 'blob' | 'bin8' | 'vbin'
  | 'enum' | 'set' | 'json' | 'geom' | 'tinyx' | 'shorty';

interface Col {
  name: string;
  gen: Gen;
  /** Max characters for string generators. */
  max?: number;
  labels?: readonly string[];
  notNull?: boolean;
}

type KeyKind =
  | { kind: 'int'; col: string }
  | { kind: 'lat'; col: string }
  | { kind: 'comp'; a: string; b: string }
  | { kind: 'str'; col: string };

/** A key: column → SQL literal, and its identity text. */
interface Key {
  readonly id: string;
  readonly values: ReadonlyArray<readonly [string, string]>;
  /** For lat keys: the word part, kept to make case-only changes. */
  readonly word?: string;
  readonly n?: number;
}

/** Keys with O(1) add, remove and random pick. */
class KeySet {
  private readonly list: Key[] = [];
  private readonly index = new Map<string, number>();
  get size(): number {
    return this.list.length;
  }
  has(k: string): boolean {
    return this.index.has(k);
  }
  add(k: Key): void {
    if (this.index.has(k.id)) throw new Error(`workload model: key ${k.id} already present`);
    this.index.set(k.id, this.list.length);
    this.list.push(k);
  }
  remove(keyId: string): Key {
    const i = this.index.get(keyId);
    if (i === undefined) throw new Error(`workload model: no key ${keyId}`);
    const k = this.list[i] as Key;
    const last = this.list.pop() as Key;
    if (last !== k) {
      this.list[i] = last;
      this.index.set(last.id, i);
    }
    this.index.delete(keyId);
    return k;
  }
  random(rng: Rng): Key | undefined {
    return this.list.length === 0 ? undefined : rng.pick(this.list);
  }
  clear(): void {
    this.list.length = 0;
    this.index.clear();
  }
}

interface TableModel {
  name: string;
  cols: Col[];
  key: KeyKind | null;
  keys: KeySet;
  counter: number;
  /** Random DML targets this table (the bulk table only gets scripted statements). */
  dml: boolean;
  /** lat keys: characters allowed (latin1 until CONVERT TO utf8mb4). */
  utf8?: boolean;
}

// ── value generators ────────────────────────────────────────────────────────

const INT_RANGES: Record<string, readonly [bigint, bigint]> = {
  ti: [-128n, 127n],
  tiu: [0n, 255n],
  si: [-32768n, 32767n],
  siu: [0n, 65535n],
  mi: [-8388608n, 8388607n],
  miu: [0n, 16777215n],
  i: [-2147483648n, 2147483647n],
  iu: [0n, 4294967295n],
  bi: [-9223372036854775808n, 9223372036854775807n],
  biu: [0n, 18446744073709551615n],
};

const LATIN1_CHARS = 'abcdefgxyzABCXYZ0123 éèßÿÀçÆøÅüñ_-,.';
const UTF8_CHARS = [...'abcxyzABCXYZ 09éßÿ€ñ日本語中文한국', '😀', '🎉', '𝄞', "'", '\\', '"', '%', '\u00a0', '\u200b'];
const LAT_WORDS = ['été', 'straße', 'ærø', 'çava', 'über', 'naïve', 'ÿes', 'abc', 'Zürich', 'Ångström', 'mañana'];
const UTF8_KEY_WORDS = ['😀', '日本', 'Ω', 'ǅ', 'ﬁ'];
const COMP_WORDS = ['a', 'A', 'b', 'B', 'é', 'É', 'e', 'E', 'ß', 'ss', 'SS', '😀', '😁', '日本', 'x_y', 'Z', 'ǆ'];
const JSON_TEXTS = [
  '{}',
  '[]',
  'null',
  '"just a string"',
  '{"a": 1, "b": [true, false, null], "c": "é😀"}',
  '{"big": 12345678901234567890, "neg": -9007199254740993, "f": 1.5e300}',
  '[1, 2.5, "x", {"nested": {"deep": [[]]}}]',
  '{"quote": "\\"", "backslash": "\\\\", "nl": "a\\nb"}',
];

function genString(rng: Rng, chars: readonly string[] | string, maxLen: number): string {
  const pool = typeof chars === 'string' ? [...chars] : chars;
  const len = rng.chance(0.1) ? maxLen : rng.int(0, maxLen);
  let s = '';
  for (let i = 0; i < len; i++) s += rng.pick(pool);
  return s;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function genDate(rng: Rng): string {
  return `${pad(rng.int(1000, 9999), 4)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
}

function frac(rng: Rng, digits: number): string {
  return digits === 0 ? '' : `.${pad(rng.int(0, 10 ** digits - 1), digits)}`;
}

function genDecimal(rng: Rng, m: number, d: number): string {
  const intDigits = m - d;
  if (rng.chance(0.1)) return `${rng.chance(0.5) ? '-' : ''}${'9'.repeat(intDigits) || '0'}${d ? `.${'9'.repeat(d)}` : ''}`;
  let int = '';
  const len = rng.int(0, intDigits);
  for (let i = 0; i < len; i++) int += String(rng.int(0, 9));
  let f = '';
  for (let i = 0; i < d; i++) f += String(rng.int(0, 9));
  return `${rng.chance(0.3) ? '-' : ''}${int || '0'}${d ? `.${f}` : ''}`;
}

function genValue(rng: Rng, c: Col): string {
  if (!c.notNull && rng.chance(0.05)) return 'NULL';
  switch (c.gen) {
    case 'ti': case 'tiu': case 'si': case 'siu': case 'mi': case 'miu': case 'i': case 'iu': case 'bi': case 'biu': {
      const [lo, hi] = INT_RANGES[c.gen] as readonly [bigint, bigint];
      const r = rng.float();
      if (r < 0.08) return String(lo);
      if (r < 0.16) return String(hi);
      if (r < 0.22 && hi > 9007199254740993n) return String(rng.pick([9007199254740991n, 9007199254740992n, 9007199254740993n, ...(lo < 0n ? [-9007199254740993n] : [])]));
      if (r < 0.5) return String(rng.big(lo < -1000n ? -1000n : lo, hi > 1000n ? 1000n : hi));
      return String(rng.big(lo, hi));
    }
    case 'dec20':
      return sqlString(genDecimal(rng, 20, 6));
    case 'dec65':
      return sqlString(genDecimal(rng, 65, 30));
    case 'dec10':
      return sqlString(genDecimal(rng, 10, 2));
    case 'dec6':
      return rng.pick(["'1.00'", "'2.50'", "'-0.50'"]);
    case 'dec8':
      return sqlString(genDecimal(rng, 8, 3));
    case 'fl': {
      const r = rng.float();
      if (r < 0.15) return rng.pick(['3.4028234e38', '-3.4028234e38', '1.17549435e-38', '1.4e-45', '0', '-0', '16777217', '0.1']);
      const v = (rng.float() - 0.5) * 10 ** rng.int(-20, 20);
      return v.toPrecision(rng.int(1, 9));
    }
    case 'db': {
      if (rng.chance(0.15)) return rng.pick(['1.7976931348623157e308', '-2.2250738585072014e-308', '5e-324', '0.1', '-0', '9007199254740993']);
      return ((rng.float() - 0.5) * 10 ** rng.int(-100, 100)).toPrecision(17);
    }
    case 'bit1':
      return rng.pick(["b'0'", "b'1'"]);
    case 'bit64':
      return String(rng.chance(0.2) ? rng.pick([0n, 18446744073709551615n, 9007199254740993n]) : rng.big(0n, 18446744073709551615n));
    case 'yr':
      return String(rng.chance(0.1) ? rng.pick([0, 1901, 2155]) : rng.int(1901, 2155));
    case 'date':
      return sqlString(rng.chance(0.1) ? rng.pick(['1000-01-01', '9999-12-31', '0000-00-00']) : genDate(rng));
    case 'time3': {
      if (rng.chance(0.1)) return sqlString(rng.pick(['-838:59:59.000', '838:59:59.000', '-00:00:00.001', '00:00:00.000']));
      return sqlString(`${rng.chance(0.3) ? '-' : ''}${pad(rng.int(0, 837), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}${frac(rng, 3)}`);
    }
    case 'dt0':
    case 'dt6': {
      const digits = c.gen === 'dt6' ? 6 : 0;
      if (rng.chance(0.08)) return sqlString(rng.pick([`1000-01-01 00:00:00${digits ? '.000000' : ''}`, `9999-12-31 23:59:59${digits ? '.999999' : ''}`, '0000-00-00 00:00:00']));
      return sqlString(`${genDate(rng)} ${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}${frac(rng, digits)}`);
    }
    case 'ts2':
    case 'ts6': {
      const digits = c.gen === 'ts2' ? 2 : 6;
      const secs = rng.chance(0.1) ? rng.pick([1, 2147483647]) : rng.int(1, 2147483647);
      const iso = new Date(secs * 1000).toISOString();
      return sqlString(`${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac(rng, digits)}`);
    }
    case 'char10l':
      return sqlString(genString(rng, LATIN1_CHARS, c.max ?? 10));
    case 'vclat':
      return sqlString(genString(rng, LATIN1_CHARS, c.max ?? 40));
    case 'vcu':
      return sqlString(genString(rng, UTF8_CHARS, c.max ?? 40));
    case 'text':
      return sqlString(rng.chance(0.03) ? genString(rng, UTF8_CHARS, 3000) : genString(rng, UTF8_CHARS, 120));
    case 'blob':
      return sqlBytes(rng.bytes(rng.chance(0.03) ? rng.int(1000, 5000) : rng.int(0, 120)));
    case 'bin8': {
      const b = rng.bytes(rng.int(0, 8));
      if (b.length > 0 && rng.chance(0.3)) b[b.length - 1] = 0;
      return sqlBytes(b);
    }
    case 'vbin':
      return sqlBytes(rng.bytes(rng.int(0, 30)));
    case 'enum':
      return sqlString(rng.pick(c.labels ?? []));
    case 'set':
      return sqlString((c.labels ?? []).filter(() => rng.chance(0.4)).join(','));
    case 'json':
      return sqlString(rng.pick(JSON_TEXTS));
    case 'geom': {
      // Pairs valid in SRID 4326 too, where MySQL reads latitude (±90) first and longitude (±180) second.
      const xy = (): string => `${rng.int(-9000, 9000) / 100} ${rng.int(-18000, 18000) / 100}`;
      const srid = rng.pick([0, 4326]);
      const wkt = rng.pick([
        () => `POINT(${xy()})`,
        () => `LINESTRING(${xy()},${xy()},${xy()})`,
        () => 'POLYGON((0 0,10 0,10 10,0 10,0 0))',
      ])();
      return `ST_GeomFromText('${wkt}', ${srid})`;
    }
    case 'tinyx':
      return String(rng.int(1, 5));
    case 'shorty':
      return rng.pick(["'p'", "'q'", 'NULL', "'é'"]);
  }
}

// ── the generator ───────────────────────────────────────────────────────────

const ENUM_LABELS_0 = ['alpha', 'beta', 'gamma'];
const SET_LABELS = ['x', 'y', 'z', 'w'];

function typesTable(): { cols: Col[]; ddl: (name: string) => string } {
  const cols: Col[] = [
    { name: 'ti', gen: 'ti' }, { name: 'tiu', gen: 'tiu' }, { name: 'si', gen: 'si' }, { name: 'siu', gen: 'siu' },
    { name: 'mi', gen: 'mi' }, { name: 'miu', gen: 'miu' }, { name: 'i', gen: 'i' }, { name: 'iu', gen: 'iu' },
    { name: 'bi', gen: 'bi' }, { name: 'biu', gen: 'biu' }, { name: 'de', gen: 'dec20' }, { name: 'dw', gen: 'dec65' },
    { name: 'fl', gen: 'fl' }, { name: 'db', gen: 'db' }, { name: 'b1', gen: 'bit1' }, { name: 'b64', gen: 'bit64' },
    { name: 'yr', gen: 'yr' }, { name: 'd', gen: 'date' }, { name: 't3', gen: 'time3' }, { name: 'dt6', gen: 'dt6' },
    { name: 'ts2', gen: 'ts2' }, { name: 'c10', gen: 'char10l', max: 10 }, { name: 'vc', gen: 'vcu', max: 100 },
    { name: 'tx', gen: 'text' }, { name: 'bl', gen: 'blob' }, { name: 'bn', gen: 'bin8' }, { name: 'vb', gen: 'vbin' },
    { name: 'en', gen: 'enum', labels: ENUM_LABELS_0 }, { name: 'st', gen: 'set', labels: SET_LABELS },
    { name: 'js', gen: 'json' }, { name: 'g', gen: 'geom' },
  ];
  const ddl = (name: string): string => `CREATE TABLE ${id(name)} (
  id INT NOT NULL PRIMARY KEY,
  ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED,
  i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, de DECIMAL(20,6), dw DECIMAL(65,30),
  fl FLOAT, db DOUBLE, b1 BIT(1), b64 BIT(64), yr YEAR, d DATE, t3 TIME(3), dt6 DATETIME(6), ts2 TIMESTAMP(2) NULL DEFAULT NULL,
  c10 CHAR(10) CHARACTER SET latin1, vc VARCHAR(100) CHARACTER SET utf8mb4, tx TEXT CHARACTER SET utf8mb4, bl BLOB,
  bn BINARY(8), vb VARBINARY(30), en ENUM('alpha','beta','gamma'), st SET('x','y','z','w'), js JSON, g GEOMETRY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
  return { cols, ddl };
}

interface Gstate {
  readonly rng: Rng;
  readonly db: string;
  readonly tables: Map<string, TableModel>;
  readonly steps: WorkloadStep[];
  /** Undo actions of the open transaction (applied in reverse on ROLLBACK). */
  undo: Array<() => void>;
}

function qualifiedTables(g: Gstate): string[] {
  return [...g.tables.values()].map((t) => `${g.db}.${t.name}`).sort();
}

function emit(g: Gstate, sql: string[], label: string, checkpoint: boolean): void {
  g.steps.push({ sql: sql.join(';\n'), label, checkpoint, tables: qualifiedTables(g), statements: sql.length });
}

function table(g: Gstate, role: string): TableModel {
  const t = g.tables.get(role);
  if (!t) throw new Error(`workload model: no table of role ${role}`);
  return t;
}

function newKey(g: Gstate, t: TableModel): Key | undefined {
  const k = t.key;
  if (k === null) return undefined;
  const rng = g.rng;
  switch (k.kind) {
    case 'int': {
      const n = ++t.counter;
      return { id: String(n), values: [[k.col, String(n)]], n };
    }
    case 'str': {
      const n = ++t.counter;
      const s = `c${n}`;
      return { id: s, values: [[k.col, sqlString(s)]], n };
    }
    case 'lat': {
      const n = ++t.counter;
      const word = randomCase(rng, t.utf8 && rng.chance(0.3) ? rng.pick(UTF8_KEY_WORDS) + rng.pick(LAT_WORDS) : rng.pick(LAT_WORDS));
      return latKey(k.col, word, n);
    }
    case 'comp':
      for (let tries = 0; tries < 20; tries++) {
        const a = rng.int(1, 30);
        const b = rng.pick(COMP_WORDS) + (rng.chance(0.5) ? String(rng.int(0, 9)) : '');
        const keyId = `${a}|${b}`;
        if (!t.keys.has(keyId)) return { id: keyId, values: [[k.a, String(a)], [k.b, sqlString(b)]] };
      }
      return undefined;
  }
}

function latKey(col: string, word: string, n: number): Key {
  const s = `${word}-${n}`;
  return { id: s, values: [[col, sqlString(s)]], word, n };
}

/** Flips the case of characters whose both cases are single latin1 characters. */
function randomCase(rng: Rng, s: string): string {
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    const low = ch.toLowerCase();
    const ok = up.length === 1 && low.length === 1 && up.codePointAt(0)! <= 0xff && low.codePointAt(0)! <= 0xff;
    out += ok ? (rng.chance(0.5) ? up : low) : ch;
  }
  return out;
}

function where(key: Key): string {
  return key.values.map(([c, v]) => `${id(c)} = ${v}`).join(' AND ');
}

function whereAny(keys: Key[]): string {
  return keys.length === 1 ? where(keys[0] as Key) : keys.map((k) => `(${where(k)})`).join(' OR ');
}

function keyCols(t: TableModel): Set<string> {
  const k = t.key;
  if (k === null) return new Set();
  return new Set(k.kind === 'comp' ? [k.a, k.b] : [k.col]);
}

function addKey(g: Gstate, t: TableModel, k: Key): void {
  t.keys.add(k);
  g.undo.push(() => t.keys.remove(k.id));
}

function removeKey(g: Gstate, t: TableModel, k: Key): void {
  t.keys.remove(k.id);
  g.undo.push(() => t.keys.add(k));
}

function distinctKeys(g: Gstate, t: TableModel, n: number): Key[] {
  const out = new Map<string, Key>();
  for (let i = 0; i < n * 2 && out.size < n; i++) {
    const k = t.keys.random(g.rng);
    if (k) out.set(k.id, k);
  }
  return [...out.values()];
}

/** One random DML statement on table `t`, updating the model. */
function dml(g: Gstate, t: TableModel): string | undefined {
  const rng = g.rng;
  const T = `${id(g.db)}.${id(t.name)}`;
  const kc = keyCols(t);
  const valueCols = t.cols.filter((c) => !kc.has(c.name));
  if (t.key === null) {
    // Multiset: a small value domain so duplicates are common.
    const r = rng.float();
    if (r < 0.5) {
      const n = rng.int(1, 4);
      const tuple = (): string => `(${t.cols.map((c) => genValue(rng, c)).join(', ')})`;
      const rows: string[] = [];
      for (let i = 0; i < n; i++) rows.push(rng.chance(0.3) && rows.length > 0 ? (rows[rows.length - 1] as string) : tuple());
      return `INSERT INTO ${T} (${t.cols.map((c) => id(c.name)).join(', ')}) VALUES ${rows.join(', ')}`;
    }
    const first = t.cols[0] as Col;
    if (r < 0.8) return `DELETE FROM ${T} WHERE ${id(first.name)} = ${genValue(rng, { ...first, notNull: true })} LIMIT 1`;
    const c = rng.pick(t.cols);
    return `UPDATE ${T} SET ${id(c.name)} = ${genValue(rng, c)} WHERE ${id(first.name)} = ${genValue(rng, { ...first, notNull: true })} LIMIT ${rng.int(1, 2)}`;
  }
  const size = t.keys.size;
  const wantInsert = size < 60 ? 0.8 : size > 250 ? 0.15 : 0.35;
  const r = rng.float();
  if (r < wantInsert || size === 0) {
    const rows: string[] = [];
    const n = rng.int(1, 5);
    for (let i = 0; i < n; i++) {
      const k = newKey(g, t);
      if (!k) break;
      addKey(g, t, k);
      const byCol = new Map(k.values);
      rows.push(`(${t.cols.map((c) => byCol.get(c.name) ?? genValue(rng, c)).join(', ')})`);
    }
    if (rows.length === 0) return undefined;
    return `INSERT INTO ${T} (${t.cols.map((c) => id(c.name)).join(', ')}) VALUES ${rows.join(', ')}`;
  }
  if (r < wantInsert + 0.3 && valueCols.length > 0) {
    const keys = distinctKeys(g, t, rng.int(1, 3));
    const sets = new Map<string, string>();
    const n = rng.int(1, Math.min(3, valueCols.length));
    for (let i = 0; i < n; i++) {
      const c = rng.pick(valueCols);
      sets.set(c.name, genValue(rng, c));
    }
    return `UPDATE ${T} SET ${[...sets].map(([c, v]) => `${id(c)} = ${v}`).join(', ')} WHERE ${whereAny(keys)}`;
  }
  if (r < wantInsert + 0.45) {
    // Primary-key change (for lat keys sometimes only the case of the key changes).
    const old = t.keys.random(rng) as Key;
    let next: Key | undefined;
    if (t.key.kind === 'lat' && old.word !== undefined && old.n !== undefined && rng.chance(0.5)) {
      const flipped = [...old.word].map((ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase())).join('');
      const word = randomCase(rng, old.word) === old.word ? flipped : randomCase(rng, old.word);
      // Only case changes that stay in latin1 (ß → SS and ÿ → Ÿ do not).
      const ok = [...word].every((ch) => ch.codePointAt(0)! <= 0xff || !!t.utf8) && word.length === old.word.length && word !== old.word;
      if (ok) next = latKey(t.key.col, word, old.n);
    }
    next ??= newKey(g, t);
    if (!next) return undefined;
    removeKey(g, t, old);
    addKey(g, t, next);
    const extra = valueCols.length > 0 && rng.chance(0.3) ? rng.pick(valueCols) : undefined;
    const sets = [...next.values.map(([c, v]) => `${id(c)} = ${v}`), ...(extra ? [`${id(extra.name)} = ${genValue(rng, extra)}`] : [])];
    return `UPDATE ${T} SET ${sets.join(', ')} WHERE ${where(old)}`;
  }
  const keys = distinctKeys(g, t, rng.int(1, 3));
  for (const k of keys) removeKey(g, t, k);
  return `DELETE FROM ${T} WHERE ${whereAny(keys)}`;
}

function randomTransaction(g: Gstate, n: number, every: number): void {
  const rng = g.rng;
  const targets = [...g.tables.values()].filter((t) => t.dml);
  const r = rng.float();
  const rollback = r < 0.08;
  const single = !rollback && r < 0.35;
  const count = single ? 1 : rng.int(2, 6);
  g.undo = [];
  const stmts: string[] = [];
  for (let i = 0; i < count; i++) {
    const s = dml(g, rng.pick(targets));
    if (s) stmts.push(s);
  }
  if (rollback) {
    for (const u of g.undo.reverse()) u();
    emit(g, ['START TRANSACTION', ...stmts, 'ROLLBACK'], `txn ${n} (rolled back)`, false);
  } else {
    const sql = single ? stmts : ['START TRANSACTION', ...stmts, 'COMMIT'];
    emit(g, sql, `txn ${n}`, (n + 1) % every === 0);
  }
  g.undo = [];
}

interface DdlEvent {
  readonly at: number;
  readonly run: (g: Gstate) => void;
}

function ddl(g: Gstate, sql: string, apply: () => void): void {
  apply();
  emit(g, [sql], `ddl: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`, true);
}

function rename(g: Gstate, from: string, to: string): void {
  const m = g.tables.get(from);
  if (!m) throw new Error(`workload model: no table ${from}`);
  m.name = to;
}

function colOf(t: TableModel, name: string): Col {
  const c = t.cols.find((x) => x.name === name);
  if (!c) throw new Error(`workload model: no column ${name} in ${t.name}`);
  return c;
}

function ddlEvents(bigRows: number, flavor: 'mariadb' | 'mysql'): Array<Omit<DdlEvent, 'at'> & { frac: number }> {
  const T = (g: Gstate, role: string): string => `${id(g.db)}.${id(table(g, role).name)}`;
  return [
    { frac: 0.05, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} ADD COLUMN note VARCHAR(30) CHARACTER SET utf8mb4 DEFAULT 'n/a' AFTER name`, () => {
      const t = table(g, 'plain');
      t.cols.splice(t.cols.findIndex((c) => c.name === 'name') + 1, 0, { name: 'note', gen: 'vcu', max: 30 });
    }) },
    { frac: 0.1, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} ADD COLUMN seq INT NOT NULL DEFAULT 7 FIRST`, () => {
      table(g, 'plain').cols.unshift({ name: 'seq', gen: 'i', notNull: true });
    }) },
    { frac: 0.15, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'types')} MODIFY en ENUM('gamma','alpha','beta','delta')`, () => {
      colOf(table(g, 'types'), 'en').labels = ['gamma', 'alpha', 'beta', 'delta'];
    }) },
    { frac: 0.2, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} RENAME COLUMN qty TO quantity`, () => {
      colOf(table(g, 'plain'), 'qty').name = 'quantity';
    }) },
    { frac: 0.25, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} MODIFY quantity BIGINT`, () => {
      colOf(table(g, 'plain'), 'quantity').gen = 'bi';
    }) },
    { frac: 0.3, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'lat')} MODIFY val VARCHAR(200) CHARACTER SET latin1`, () => {
      colOf(table(g, 'lat'), 'val').max = 200;
    }) },
    { frac: 0.35, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'lat')} CONVERT TO CHARACTER SET utf8mb4`, () => {
      const t = table(g, 'lat');
      t.utf8 = true;
      colOf(t, 'val').gen = 'vcu';
    }) },
    { frac: 0.4, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} DROP COLUMN note`, () => {
      const t = table(g, 'plain');
      t.cols = t.cols.filter((c) => c.name !== 'note');
    }) },
    { frac: 0.45, run: (g) => ddl(g, `RENAME TABLE ${T(g, 'plain')} TO ${id(g.db)}.plain_r`, () => rename(g, 'plain', 'plain_r')) },
    { frac: 0.5, run: (g) => bulkPhase(g, bigRows, flavor) },
    { frac: 0.55, run: (g) => {
      const a = T(g, 'plain');
      const b = T(g, 'comp');
      ddl(g, `RENAME TABLE ${a} TO ${id(g.db)}.swap_tmp, ${b} TO ${a}, ${id(g.db)}.swap_tmp TO ${b}`, () => {
        const pa = table(g, 'plain').name;
        rename(g, 'comp', pa);
        table(g, 'plain').name = 'comp';
      });
    } },
    { frac: 0.6, run: (g) => ddl(g, `TRUNCATE TABLE ${T(g, 'nopk')}`, () => {}) },
    { frac: 0.65, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'types')} ADD COLUMN u8 TINYINT UNSIGNED NOT NULL DEFAULT 7 FIRST, ADD COLUMN added DECIMAL(12,4) AFTER fl`, () => {
      const t = table(g, 'types');
      t.cols.unshift({ name: 'u8', gen: 'tiu', notNull: true });
      t.cols.splice(t.cols.findIndex((c) => c.name === 'fl') + 1, 0, { name: 'added', gen: 'dec8' });
    }) },
    { frac: 0.7, run: (g) => {
      ddl(g, `DROP TABLE ${T(g, 'bulk')}`, () => g.tables.delete('bulk'));
      const t: TableModel = {
        name: 'bulk',
        cols: [{ name: 'code', gen: 'vcu', notNull: true }, { name: 'payload', gen: 'blob' }, { name: 'amount', gen: 'dec8' }, { name: 'at', gen: 'ts6' }],
        key: { kind: 'str', col: 'code' },
        keys: new KeySet(),
        counter: 0,
        dml: true,
      };
      ddl(g, `CREATE TABLE ${id(g.db)}.bulk (amount DECIMAL(8,3), code VARCHAR(16) NOT NULL, payload BLOB, at TIMESTAMP(6) NULL DEFAULT NULL, PRIMARY KEY (code)) ENGINE=InnoDB`, () => {
        t.cols = [colOfList(t.cols, 'amount'), colOfList(t.cols, 'code'), colOfList(t.cols, 'payload'), colOfList(t.cols, 'at')];
        g.tables.set('bulk', t);
      });
    } },
    { frac: 0.75, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'plain')} MODIFY name VARCHAR(200) CHARACTER SET utf8mb4`, () => {
      colOf(table(g, 'plain'), 'name').max = 200;
    }) },
    { frac: 0.8, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'types')} RENAME COLUMN vc TO vc_renamed`, () => {
      colOf(table(g, 'types'), 'vc').name = 'vc_renamed';
    }) },
    { frac: 0.85, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'comp')} ADD COLUMN extra INT AFTER a`, () => {
      const t = table(g, 'comp');
      t.cols.splice(t.cols.findIndex((c) => c.name === 'a') + 1, 0, { name: 'extra', gen: 'mi' });
    }) },
    // Labels written with backslash escapes, under the session's STRICT_TRANS_TABLES (a DDL
    // read without its escapes would fail to parse or give other labels).
    { frac: 0.9, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'types')} MODIFY en ENUM('delta','beta','alpha','gamma','omega','o\\'clock','back\\\\slash')`, () => {
      colOf(table(g, 'types'), 'en').labels = ['delta', 'beta', 'alpha', 'gamma', 'omega', "o'clock", 'back\\slash'];
    }) },
    { frac: 0.95, run: (g) => ddl(g, `ALTER TABLE ${T(g, 'types')} DROP COLUMN dw`, () => {
      const t = table(g, 'types');
      t.cols = t.cols.filter((c) => c.name !== 'dw');
    }) },
  ];
}

function colOfList(cols: Col[], name: string): Col {
  const c = cols.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

/** The big transaction: checkpoint before, INSERT … SELECT of bigRows rows, a few scripted changes, TRUNCATE. */
function bulkPhase(g: Gstate, bigRows: number, flavor: 'mariadb' | 'mysql'): void {
  const T = `${id(g.db)}.${id(table(g, 'bulk').name)}`;
  // A checkpoint right before (the previous commit is the last random transaction).
  emit(g, ['DO 0'], 'before bulk insert', true);
  emit(
    g,
    [
      ...(flavor === 'mysql' ? [`SET SESSION cte_max_recursion_depth = ${bigRows + 1}`] : []),
      'START TRANSACTION',
      flavor === 'mysql'
        ? `INSERT INTO ${T} (id, v, s) WITH RECURSIVE sq (seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM sq WHERE seq < ${bigRows}) SELECT seq, seq * 7 % 1000, CONCAT('row-', seq) FROM sq`
        : `INSERT INTO ${T} (id, v, s) SELECT seq, seq * 7 % 1000, CONCAT('row-', seq) FROM ${id(g.db)}.seq_1_to_${bigRows}`,
      'COMMIT',
    ],
    `bulk insert of ${bigRows} rows`,
    true,
  );
  emit(
    g,
    // One row in seven: with the default 100k rows, a transaction large enough to stream (its
    // updates keep their keys, so a replay writes them from the binlog bytes, ADR 0021).
    ['START TRANSACTION', `UPDATE ${T} SET v = v + 1, s = CONCAT(s, '+') WHERE id % 7 = 0`, `DELETE FROM ${T} WHERE id % 1009 = 0`, 'COMMIT'],
    'bulk update and delete',
    true,
  );
  ddl(g, `TRUNCATE TABLE ${T}`, () => {});
}

/** The steps of a workload: pure, the same for the same options. */
export function generateWorkload(opts: Pick<WorkloadOptions, 'seed' | 'transactions' | 'db' | 'checkpointEvery' | 'bigRows' | 'flavor'>): WorkloadStep[] {
  const every = opts.checkpointEvery ?? 50;
  const bigRows = opts.bigRows ?? 100_000;
  const g: Gstate = { rng: new Rng(opts.seed), db: opts.db, tables: new Map(), steps: [], undo: [] };
  const D = id(opts.db);
  const types = typesTable();
  const model = (name: string, cols: Col[], key: KeyKind | null, dmlOn = true): TableModel => ({ name, cols, key, keys: new KeySet(), counter: 0, dml: dmlOn });

  emit(g, [`CREATE DATABASE ${D} CHARACTER SET utf8mb4`], 'create database', false);
  const creates: Array<[string, TableModel, string]> = [
    ['types', model('types_t', [{ name: 'id', gen: 'i' }, ...types.cols], { kind: 'int', col: 'id' }), types.ddl(`${opts.db}\`.\`types_t`)],
    [
      'comp',
      model('comp', [{ name: 'a', gen: 'i' }, { name: 'b', gen: 'vcu' }, { name: 'v', gen: 'i' }, { name: 'note', gen: 'vcu', max: 100 }], { kind: 'comp', a: 'a', b: 'b' }),
      `CREATE TABLE ${D}.comp (a INT NOT NULL, b VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, v INT, note VARCHAR(100), PRIMARY KEY (b, a)) ENGINE=InnoDB`,
    ],
    [
      'lat',
      model('lat', [{ name: 'k', gen: 'vclat' }, { name: 'val', gen: 'vclat', max: 60 }, { name: 'n', gen: 'si' }], { kind: 'lat', col: 'k' }),
      `CREATE TABLE ${D}.lat (k VARCHAR(40) NOT NULL PRIMARY KEY, val VARCHAR(60), n SMALLINT) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
    ],
    [
      'nopk',
      model('nopk', [{ name: 'x', gen: 'tinyx' }, { name: 'y', gen: 'shorty' }, { name: 'z', gen: 'dec6' }], null),
      `CREATE TABLE ${D}.nopk (x TINYINT, y VARCHAR(10), z DECIMAL(6,2)) ENGINE=InnoDB`,
    ],
    [
      'plain',
      model('plain', [{ name: 'id', gen: 'i' }, { name: 'name', gen: 'vcu', max: 50 }, { name: 'qty', gen: 'i' }, { name: 'price', gen: 'dec10' }, { name: 'updated', gen: 'dt0' }], { kind: 'int', col: 'id' }),
      `CREATE TABLE ${D}.plain (id INT NOT NULL PRIMARY KEY, name VARCHAR(50), qty INT, price DECIMAL(10,2), updated DATETIME) ENGINE=InnoDB`,
    ],
    [
      'bulk',
      model('bulk', [{ name: 'id', gen: 'i' }, { name: 'v', gen: 'i' }, { name: 's', gen: 'vcu' }], { kind: 'int', col: 'id' }, false),
      `CREATE TABLE ${D}.bulk (id INT NOT NULL PRIMARY KEY, v INT, s VARCHAR(20)) ENGINE=InnoDB`,
    ],
  ];
  for (const [role, m, sql] of creates) {
    g.tables.set(role, m);
    emit(g, [sql], `create ${m.name}`, false);
  }
  g.steps[g.steps.length - 1] = { ...(g.steps[g.steps.length - 1] as WorkloadStep), checkpoint: true };

  const events = ddlEvents(bigRows, opts.flavor ?? 'mariadb')
    .map((e) => ({ at: Math.floor(e.frac * opts.transactions), run: e.run }))
    .sort((a, b) => a.at - b.at);
  let next = 0;
  for (let n = 0; n < opts.transactions; n++) {
    while (next < events.length && (events[next] as DdlEvent).at <= n) (events[next++] as DdlEvent).run(g);
    randomTransaction(g, n, every);
  }
  while (next < events.length) (events[next++] as DdlEvent).run(g);
  g.steps[g.steps.length - 1] = { ...(g.steps[g.steps.length - 1] as WorkloadStep), checkpoint: true };
  return g.steps;
}

// ── execution ───────────────────────────────────────────────────────────────

export async function masterPosition(conn: mysql.Connection): Promise<string> {
  const [rows] = await conn.query('SHOW MASTER STATUS');
  const r = (rows as Array<{ File?: string; Position?: number | string }>)[0];
  if (!r?.File) throw new Error('SHOW MASTER STATUS returned nothing: is the binary log on?');
  return `${r.File}:${String(r.Position)}`;
}

/** Runs the workload on `conn` (the only writer on the server) and records its checkpoints. */
export async function runWorkload(conn: mysql.Connection, opts: WorkloadOptions): Promise<WorkloadResult> {
  const t0 = Date.now();
  const steps = generateWorkload(opts);
  if ((opts.flavor ?? 'mariadb') === 'mariadb') {
    const [engines] = await conn.query("SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'SEQUENCE' AND SUPPORT IN ('YES', 'DEFAULT')");
    if ((engines as unknown[]).length === 0) throw new Error('runWorkload needs MariaDB with the Sequence engine (seq_1_to_N)');
  }
  const [fmt] = await conn.query("SELECT @@binlog_format AS f, @@binlog_row_image AS i");
  const f = (fmt as Array<{ f: string; i: string }>)[0];
  if (f?.f !== 'ROW' || (f.i !== 'FULL' && opts.anyRowImage !== true)) {
    throw new Error(`runWorkload needs binlog_format=ROW and binlog_row_image=FULL (or anyRowImage), not ${f?.f}/${f?.i}`);
  }
  await conn.query("SET SESSION time_zone = '+00:00', SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
  const start = await masterPosition(conn);
  const checkpoints: WorkloadCheckpoint[] = [];
  let statements = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as WorkloadStep;
    try {
      await conn.query(step.sql);
    } catch (err) {
      throw new Error(`workload step ${i} (${step.label}) failed: ${(err as Error).message}\n${step.sql.slice(0, 2000)}`, { cause: err });
    }
    statements += step.statements;
    if (step.checkpoint) {
      const position = await masterPosition(conn);
      const snap = await snapshotTablesWithKeys(conn, step.tables);
      let catalogs: Record<string, Catalog> | undefined;
      if (opts.catalogs === true) {
        catalogs = {};
        for (const t of step.tables) {
          const dot = t.indexOf('.');
          catalogs[t] = await serverCatalog(conn, t.slice(0, dot), t.slice(dot + 1));
        }
      }
      const cp: WorkloadCheckpoint = { position, label: step.label, step: i, tables: snap.tables, keys: snap.keys, ...(catalogs ? { catalogs } : {}) };
      checkpoints.push(cp);
      await opts.onCheckpoint?.(cp);
    }
  }
  const end = await masterPosition(conn);
  return { start, end, checkpoints, steps: steps.length, statements, elapsedMs: Date.now() - t0 };
}
