/**
 * A table's structure as the server's own catalog (information_schema) gives
 * it, and binsnap's schema (`binsnap schema --json`) in the same shape, to
 * compare the schema history binsnap built from DDL text with what the
 * server did: columns in order with base type, signedness, lengths,
 * precision and scale, fractional seconds, charset and collation of
 * character columns, ENUM/SET labels, nullability; the primary key and the
 * unique keys (name → columns in order).
 */
import type mysql from 'mysql2/promise';
import type { ColumnSchema, TableSchema } from '../../src/core/schema.js';

/** A column as both sides describe it: the fields of binsnap's ColumnSchema that information_schema also has. */
export type CatalogColumn = Pick<ColumnSchema, 'name' | 'unsigned' | 'length' | 'precision' | 'scale' | 'fsp' | 'charset' | 'collation' | 'values' | 'nullable'> & {
  /** information_schema's DATA_TYPE; binsnap's base type. */
  readonly type: string;
};

export interface Catalog {
  readonly columns: readonly CatalogColumn[];
  readonly primaryKey: readonly string[];
  /** Unique keys other than the primary key: `name(col,col)`, sorted. */
  readonly uniqueKeys: readonly string[];
}

const LENGTH_TYPES = new Set(['char', 'varchar', 'binary', 'varbinary']);
const CHARACTER_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const FSP_TYPES = new Set(['time', 'datetime', 'timestamp']);

/** What the server's column type text writes after a backslash in a label. */
const LABEL_ESCAPES: Readonly<Record<string, string>> = { '0': '\0', n: '\n', r: '\r', t: '\t', b: '\b', Z: '\x1a' };

/** Labels of an ENUM/SET column type text: `enum('a','b''c','d\\e')` → ['a', "b'c", 'd\\e']. */
function labels(columnType: string): string[] {
  const body = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  const out: string[] = [];
  const re = /'((?:[^'\\]|''|\\.)*)'/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    out.push((m[1] as string).replace(/''|\\(.)/g, (_all, ch: string | undefined) => (ch === undefined ? "'" : (LABEL_ESCAPES[ch] ?? ch))));
  }
  return out;
}

function column(c: Omit<CatalogColumn, 'length' | 'precision' | 'scale' | 'fsp' | 'charset' | 'collation' | 'values'> & Partial<CatalogColumn>): CatalogColumn {
  // Absent properties stay absent, so both sides compare with toEqual.
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined && v !== null)) as unknown as CatalogColumn;
}

/** db.table from information_schema, as the server sees it now. */
export async function serverCatalog(conn: mysql.Connection, db: string, table: string): Promise<Catalog> {
  const [cols] = await conn.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS ct, CHARACTER_MAXIMUM_LENGTH AS len, NUMERIC_PRECISION AS np,
            NUMERIC_SCALE AS ns, DATETIME_PRECISION AS dp, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co, IS_NULLABLE AS nul
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table],
  );
  const columns = (cols as Array<Record<string, string | number | null>>).map((r) => {
    const type = String(r['type']).toLowerCase();
    const ct = String(r['ct']).toLowerCase();
    return column({
      name: String(r['name']),
      type,
      unsigned: / unsigned/.test(ct),
      length: LENGTH_TYPES.has(type) ? Number(r['len']) : type === 'bit' ? Number(r['np']) : undefined,
      precision: type === 'decimal' ? Number(r['np']) : undefined,
      scale: type === 'decimal' ? Number(r['ns']) : undefined,
      fsp: FSP_TYPES.has(type) ? Number(r['dp'] ?? 0) : undefined,
      charset: CHARACTER_TYPES.has(type) && r['cs'] !== null ? String(r['cs']) : undefined,
      collation: CHARACTER_TYPES.has(type) && r['co'] !== null ? String(r['co']) : undefined,
      values: type === 'enum' || type === 'set' ? labels(String(r['ct'])) : undefined,
      nullable: r['nul'] === 'YES',
    });
  });
  const [stats] = await conn.query(
    `SELECT INDEX_NAME AS i, COLUMN_NAME AS c FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [db, table],
  );
  const keys = new Map<string, string[]>();
  for (const s of stats as Array<{ i: string; c: string }>) keys.set(s.i, [...(keys.get(s.i) ?? []), s.c]);
  const primaryKey = keys.get('PRIMARY') ?? [];
  keys.delete('PRIMARY');
  return { columns, primaryKey, uniqueKeys: [...keys].map(([n, c]) => `${n}(${c.join(',')})`).sort() };
}

/** binsnap's table schema (`schema --json`'s `schema`) in the catalog's shape. */
export function binsnapCatalog(schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'uniqueKeys'>): Catalog {
  const columns = schema.columns.map((c) =>
    column({
      name: c.name,
      type: c.type,
      unsigned: c.unsigned,
      length: LENGTH_TYPES.has(c.type) || c.type === 'bit' ? c.length : undefined,
      precision: c.type === 'decimal' ? c.precision : undefined,
      scale: c.type === 'decimal' ? c.scale : undefined,
      fsp: FSP_TYPES.has(c.type) ? (c.fsp ?? 0) : undefined,
      charset: CHARACTER_TYPES.has(c.type) ? c.charset : undefined,
      collation: CHARACTER_TYPES.has(c.type) ? c.collation : undefined,
      values: c.type === 'enum' || c.type === 'set' ? c.values : undefined,
      nullable: c.nullable,
    }),
  );
  return {
    columns,
    primaryKey: schema.primaryKey,
    uniqueKeys: schema.uniqueKeys.map((k) => `${k.name}(${k.columns.join(',')})`).sort(),
  };
}
