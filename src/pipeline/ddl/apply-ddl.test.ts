import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../../core/errors.js';
import type { ColumnSchema, TableSchema } from '../../core/schema.js';
import { applyDdl, type ApplyOptions, type TableChange } from './apply-ddl.js';
import { catalogOf, emptyCatalog, findDatabase, findTable, type SchemaCatalog } from './catalog.js';
import { MARIADB_DEFAULTS, MYSQL8_DEFAULTS, type ServerDefaults } from './charset-defaults.js';
import { unparseableDdl } from './ddl-errors.js';
import { parseDdl } from './parse-statement.js';
import { rowIdentityKey } from './table-keys.js';

const UTF8MB4_SERVER: ServerDefaults = { charset: 'utf8mb4', collation: 'utf8mb4_general_ci', flavor: 'mariadb' };

/** Runs statements in order from `start`, returning the final catalog and every change. */
function run(statements: string[], opts: Partial<ApplyOptions> = {}, start: SchemaCatalog = emptyCatalog()): { catalog: SchemaCatalog; changes: TableChange[] } {
  let catalog = start;
  const changes: TableChange[] = [];
  for (const sql of statements) {
    const r = parseDdl(sql);
    if (!r.ok) throw unparseableDdl(r.failure);
    const out = applyDdl(catalog, r.statement, { defaultDb: 'db', serverDefaults: UTF8MB4_SERVER, ...opts });
    catalog = out.catalog;
    changes.push(...out.changes);
  }
  return { catalog, changes };
}

function table(statements: string[], name = 't', opts: Partial<ApplyOptions> = {}): TableSchema {
  const t = findTable(run(statements, opts).catalog, 'db', name);
  if (t === undefined) throw new Error(`no table db.${name}`);
  return t;
}

const names = (t: TableSchema): string[] => t.columns.map((c) => c.name);
const col = (t: TableSchema, name: string): ColumnSchema => {
  const c = t.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no column ${name}`);
  return c;
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof BinsnapError) return err.code;
    throw err;
  }
  return undefined;
}

describe('CREATE TABLE', () => {
  it('builds a table schema with resolved types, keys and charsets', () => {
    const t = table([
      "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(20) NOT NULL, price DECIMAL(10,2), at DATETIME(3), flag BOOL, kind ENUM('a','b') DEFAULT 'a', doc JSON, blob1 BLOB, PRIMARY KEY (id), UNIQUE KEY (name)) ENGINE=InnoDB",
    ]);
    expect(t).toEqual({
      db: 'db',
      name: 't',
      columns: [
        { name: 'id', type: 'int', unsigned: true, nullable: false, autoIncrement: true },
        { name: 'name', type: 'varchar', unsigned: false, length: 20, charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: false },
        { name: 'price', type: 'decimal', unsigned: false, precision: 10, scale: 2, nullable: true },
        { name: 'at', type: 'datetime', unsigned: false, fsp: 3, nullable: true },
        { name: 'flag', type: 'tinyint', unsigned: false, nullable: true },
        { name: 'kind', type: 'enum', unsigned: false, values: ['a', 'b'], charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: true },
        { name: 'doc', type: 'longtext', unsigned: false, charset: 'utf8mb4', collation: 'utf8mb4_bin', nullable: true },
        { name: 'blob1', type: 'blob', unsigned: false, nullable: true },
      ],
      primaryKey: ['id'],
      uniqueKeys: [{ name: 'name', unique: true, columns: ['name'] }],
      charset: 'utf8mb4',
      collation: 'utf8mb4_general_ci',
      engine: 'InnoDB',
    });
  });

  it('keeps JSON as json on MySQL', () => {
    const t = table(['CREATE TABLE t (doc JSON)'], 't', { serverDefaults: MYSQL8_DEFAULTS });
    expect(col(t, 'doc')).toEqual({ name: 'doc', type: 'json', unsigned: false, nullable: true });
  });

  it('inherits charsets column ← table ← database ← server', () => {
    const { catalog } = run([
      'CREATE DATABASE l1 CHARACTER SET latin1',
      'CREATE TABLE l1.a (x VARCHAR(5), y VARCHAR(5) CHARACTER SET utf8, z TEXT COLLATE utf8mb4_unicode_ci, w CHAR(2) BINARY)',
      'CREATE TABLE l1.b (x VARCHAR(5)) DEFAULT CHARSET=cp1251',
      'CREATE TABLE l1.c (x VARCHAR(5)) COLLATE latin1_german2_ci',
      'CREATE TABLE db.d (x VARCHAR(5))',
    ]);
    const a = findTable(catalog, 'l1', 'a') as TableSchema;
    expect([a.charset, a.collation]).toEqual(['latin1', 'latin1_swedish_ci']);
    expect(a.columns.map((c) => [c.name, c.charset, c.collation])).toEqual([
      ['x', 'latin1', 'latin1_swedish_ci'],
      ['y', 'utf8mb3', 'utf8mb3_general_ci'],
      ['z', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['w', 'latin1', 'latin1_bin'],
    ]);
    expect(findTable(catalog, 'l1', 'b')?.columns[0]).toMatchObject({ charset: 'cp1251', collation: 'cp1251_general_ci' });
    expect(findTable(catalog, 'l1', 'c')?.columns[0]).toMatchObject({ charset: 'latin1', collation: 'latin1_german2_ci' });
    expect(findTable(catalog, 'db', 'd')?.columns[0]).toMatchObject({ charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
  });

  it('uses the MySQL 8 default collation when the server says so', () => {
    const t = table(['CREATE TABLE t (x VARCHAR(5) CHARACTER SET utf8mb4, y TEXT)'], 't', { serverDefaults: MYSQL8_DEFAULTS });
    expect(t.columns.map((c) => c.collation)).toEqual(['utf8mb4_0900_ai_ci', 'utf8mb4_0900_ai_ci']);
  });

  it('turns CHARACTER SET binary into binary types and sizes TEXT(n)/BLOB(n)', () => {
    const t = table(['CREATE TABLE t (a CHAR(4) CHARACTER SET binary, b VARCHAR(9) CHARSET binary, c TEXT CHARACTER SET binary, d TEXT(100), e TEXT(70) CHARACTER SET latin1, f BLOB(300), g TEXT(20000))']);
    expect(t.columns.map((c) => [c.type, c.length ?? null, c.charset ?? null])).toEqual([
      ['binary', 4, null],
      ['varbinary', 9, null],
      ['blob', null, null],
      ['text', null, 'utf8mb4'],
      ['tinytext', null, 'latin1'],
      ['blob', null, null],
      ['mediumtext', null, 'utf8mb4'],
    ]);
  });

  it("reads DATE, NUMBER and BLOB as MariaDB's sql_mode ORACLE does, and TIMESTAMP as MAXDB does", () => {
    const sql = 'CREATE TABLE t (a DATE, b NUMBER, c NUMBER(5), d NUMBER(5,2), e BLOB, f BLOB(100), g mariadb_schema.DATE, h TIMESTAMP NULL, i TEXT)';
    const typesOf = (options: Parameters<typeof parseDdl>[1]): Array<[string, number | null, number | null]> => {
      const r = parseDdl(sql, options);
      if (!r.ok) throw unparseableDdl(r.failure);
      const t = findTable(applyDdl(emptyCatalog(), r.statement, { defaultDb: 'db', serverDefaults: UTF8MB4_SERVER }).catalog, 'db', 't')!;
      return t.columns.map((c) => [c.type, c.precision ?? null, c.scale ?? null]);
    };
    // Checked on MariaDB 10.11: SET sql_mode = 'ORACLE' (or 'MAXDB'), then information_schema.COLUMNS.
    expect(typesOf({ oracle: true })).toEqual([
      ['datetime', null, null],
      ['double', null, null],
      ['decimal', 5, 0],
      ['decimal', 5, 2],
      ['longblob', null, null],
      ['tinyblob', null, null],
      ['date', null, null],
      ['timestamp', null, null],
      ['text', null, null],
    ]);
    expect(typesOf({ maxdb: true }).map((t) => t[0])).toEqual(['date', 'decimal', 'decimal', 'decimal', 'blob', 'tinyblob', 'date', 'datetime', 'text']);
    expect(typesOf({}).map((t) => t[0])).toEqual(['date', 'decimal', 'decimal', 'decimal', 'blob', 'tinyblob', 'date', 'timestamp', 'text']);
  });

  it('applies SERIAL, NATIONAL CHAR and primary keys making columns NOT NULL', () => {
    const t = table(['CREATE TABLE t (id SERIAL, n NATIONAL CHAR(3), a INT, b INT, PRIMARY KEY (a, b))']);
    expect(col(t, 'id')).toEqual({ name: 'id', type: 'bigint', unsigned: true, nullable: false, autoIncrement: true });
    expect(col(t, 'n')).toMatchObject({ charset: 'utf8mb3', collation: 'utf8mb3_general_ci' });
    expect(t.primaryKey).toEqual(['a', 'b']);
    expect([col(t, 'a').nullable, col(t, 'b').nullable]).toEqual([false, false]);
    expect(t.uniqueKeys).toEqual([{ name: 'id', unique: true, columns: ['id'] }]);
  });

  it('names unnamed indexes as MySQL does', () => {
    const t = table(['CREATE TABLE t (a INT, b INT, KEY (a), UNIQUE (a), UNIQUE (a, b), INDEX (b), UNIQUE KEY named (b))']);
    expect(t.uniqueKeys.map((k) => k.name)).toEqual(['a_2', 'a_3', 'named']);
    expect(t.indexes?.map((k) => k.name)).toEqual(['a', 'b']);
  });

  it('honours explicit_defaults_for_timestamp=OFF', () => {
    const t = table(['CREATE TABLE t (a TIMESTAMP, b TIMESTAMP NULL, c DATETIME)'], 't', {
      serverDefaults: { ...UTF8MB4_SERVER, explicitDefaultsForTimestamp: false },
    });
    expect(t.columns.map((c) => c.nullable)).toEqual([false, true, true]);
  });

  it('records generated and invisible columns', () => {
    const t = table(['CREATE TABLE t (a INT, b INT AS (a * 2) VIRTUAL, c INT GENERATED ALWAYS AS (a + 1) STORED INVISIBLE)']);
    expect(col(t, 'b').generated).toEqual({ expression: 'a * 2', stored: false });
    expect(col(t, 'c')).toMatchObject({ generated: { expression: 'a + 1', stored: true }, invisible: true });
  });

  it('marks CREATE … SELECT incomplete and keeps the declared columns and keys', () => {
    const { catalog, changes } = run(['CREATE TABLE t (id INT NOT NULL, PRIMARY KEY (id, other)) SELECT id, other FROM src']);
    const t = findTable(catalog, 'db', 't') as TableSchema;
    expect(t).toMatchObject({ incomplete: true, primaryKey: ['id', 'other'], columns: [{ name: 'id' }] });
    expect(changes).toEqual([{ kind: 'create', table: { db: 'db', name: 't' }, schema: t }]);
  });

  it('copies the source table for CREATE TABLE … LIKE', () => {
    const { catalog } = run(['CREATE TABLE a (x INT PRIMARY KEY, y VARCHAR(3))', 'CREATE DATABASE other', 'CREATE TABLE other.b LIKE a']);
    const a = findTable(catalog, 'db', 'a') as TableSchema;
    expect(findTable(catalog, 'other', 'b')).toEqual({ ...a, db: 'other', name: 'b' });
  });

  it('skips IF NOT EXISTS on an existing table and replaces with OR REPLACE', () => {
    const a = run(['CREATE TABLE t (a INT)', 'CREATE TABLE IF NOT EXISTS t (b INT)']);
    expect(names(findTable(a.catalog, 'db', 't') as TableSchema)).toEqual(['a']);
    expect(a.changes.map((c) => c.kind)).toEqual(['create']);
    const b = run(['CREATE TABLE t (a INT)', 'CREATE OR REPLACE TABLE t (b INT)']);
    expect(names(findTable(b.catalog, 'db', 't') as TableSchema)).toEqual(['b']);
    expect(b.changes.map((c) => c.kind)).toEqual(['create', 'drop', 'create']);
  });

  // The cases below were checked against MariaDB 10.11's information_schema.
  it('gives a FOREIGN KEY an index unless a key starts with its columns, and drops it when one is added', () => {
    const t = table(['CREATE TABLE p (id INT PRIMARY KEY)', 'CREATE TABLE t (aaaa INT, b INT, KEY (b), FOREIGN KEY (aaaa) REFERENCES p (id), CONSTRAINT fb FOREIGN KEY (b) REFERENCES p (id))']);
    expect(t.indexes).toEqual([
      { name: 'b', unique: false, columns: ['b'] },
      { name: 'aaaa', unique: false, columns: ['aaaa'], forForeignKey: true },
    ]);
    const u = table(['CREATE TABLE t (a INT, c INT, FOREIGN KEY (a) REFERENCES p (id))', 'ALTER TABLE t ADD INDEX (a)', 'CREATE UNIQUE INDEX ac ON t (a, c)']);
    expect(u.indexes).toEqual([{ name: 'a', unique: false, columns: ['a'] }]);
    expect(u.uniqueKeys).toEqual([{ name: 'ac', unique: true, columns: ['a', 'c'] }]);
  });

  it('makes AUTO_INCREMENT columns NOT NULL unless NULL is written', () => {
    expect(col(table(['CREATE TABLE t (a INT AUTO_INCREMENT, KEY (a))']), 'a').nullable).toBe(false);
    expect(col(table(['CREATE TABLE t (a INT AUTO_INCREMENT NULL, KEY (a))']), 'a').nullable).toBe(true);
  });

  it('resolves COLLATE DEFAULT to the charset default, not the table collation', () => {
    const t = table(['CREATE TABLE t (a CHAR(10) COLLATE DEFAULT, b CHAR(2) CHARACTER SET latin1 COLLATE DEFAULT) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin']);
    expect(t.columns.map((c) => c.collation)).toEqual(['utf8mb4_general_ci', 'latin1_swedish_ci']);
    const u = table(['CREATE TABLE t (a VARCHAR(10)) CHARSET latin1', 'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE DEFAULT']);
    expect(col(u, 'a').collation).toBe('utf8mb4_general_ci');
  });

  it('completes MariaDB charset-less uca1400 collations with the charset in effect', () => {
    const { catalog } = run([
      'CREATE DATABASE k CHARACTER SET utf8mb3',
      'CREATE TABLE k.t (a VARCHAR(10) COLLATE uca1400_ai_ci, b VARCHAR(3) CHARACTER SET utf8mb4 COLLATE uca1400_as_cs) CHARSET utf8mb4',
      'CREATE TABLE k.t2 (a VARCHAR(3)) COLLATE uca1400_ai_ci',
    ]);
    expect(findTable(catalog, 'k', 't')?.columns.map((c) => c.collation)).toEqual(['utf8mb4_uca1400_ai_ci', 'utf8mb4_uca1400_as_cs']);
    expect(findTable(catalog, 'k', 't2')?.columns[0]).toMatchObject({ charset: 'utf8mb3', collation: 'utf8mb3_uca1400_ai_ci' });
  });

  it('keeps one key for a column declared PRIMARY KEY and UNIQUE', () => {
    const t = table(['CREATE TABLE t (a INT, b CHAR KEY UNIQUE)']);
    expect([t.primaryKey, t.uniqueKeys]).toEqual([['b'], []]);
  });

  it('makes PERIOD columns NOT NULL and expands WITHOUT OVERLAPS keys', () => {
    const t = table(['CREATE TABLE t (id INT, f INT, s DATE, e DATE, PERIOD FOR p(s, e), PRIMARY KEY (id, p WITHOUT OVERLAPS))']);
    expect(t.columns.map((c) => c.nullable)).toEqual([false, true, false, false]);
    expect(t.primaryKey).toEqual(['id', 'e', 's']);
  });

  it('adds MariaDB implicit system-versioning columns (present in row images)', () => {
    const t = table(['CREATE TABLE t (a INT) WITH SYSTEM VERSIONING']);
    expect(names(t)).toEqual(['a', 'row_start', 'row_end']);
    expect(col(t, 'row_end')).toEqual({ name: 'row_end', type: 'timestamp', unsigned: false, fsp: 6, nullable: false, invisible: true });
  });

  it('creates MariaDB sequences as tables', () => {
    const t = table(['CREATE SEQUENCE s'], 's');
    expect(names(t)).toEqual(['next_not_cached_value', 'minimum_value', 'maximum_value', 'start_value', 'increment', 'cache_size', 'cycle_option', 'cycle_count']);
  });
});

describe('ALTER TABLE', () => {
  const base = 'CREATE TABLE t (a INT NOT NULL, b VARCHAR(10), c TEXT, PRIMARY KEY (a), UNIQUE KEY ub (b, c(10)), KEY kc (c(5)))';

  // Expected results below were checked against MariaDB 10.11 (SHOW CREATE TABLE).
  it('applies several clauses with FIRST/AFTER as the server does', () => {
    const t = table([base, 'ALTER TABLE t ADD COLUMN z INT FIRST, ADD y INT AFTER a, ADD x INT, MODIFY c TEXT AFTER z, CHANGE b bb VARCHAR(20) NOT NULL FIRST']);
    expect(names(t)).toEqual(['bb', 'z', 'c', 'a', 'y', 'x']);
    expect(col(t, 'bb')).toMatchObject({ length: 20, nullable: false });
    expect(t.primaryKey).toEqual(['a']);
    expect(t.uniqueKeys).toEqual([{ name: 'ub', unique: true, columns: ['bb', 'c'] }]);
    expect(t.indexes).toEqual([{ name: 'kc', unique: false, columns: ['c'] }]);
  });

  it('resolves every clause against the old table (a CHANGE swap)', () => {
    const t = table(['CREATE TABLE t (a INT, b INT, PRIMARY KEY (a))', 'ALTER TABLE t CHANGE a b INT, CHANGE b a INT']);
    expect(t.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['b', false],
      ['a', true],
    ]);
    expect(t.primaryKey).toEqual(['b']);
    const r = table(['CREATE TABLE t (x INT, y INT, z INT)', 'ALTER TABLE t CHANGE COLUMN x a INT, RENAME COLUMN y TO x, CHANGE COLUMN z y FLOAT']);
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['a', 'int'],
      ['x', 'int'],
      ['y', 'float'],
    ]);
    expect(codeOf(() => run(['CREATE TABLE t (a INT)', 'ALTER TABLE t ADD b INT, DROP COLUMN b']))).toBe('BINSNAP_E_DDL_SCHEMA_MISMATCH');
  });

  it('lets MODIFY redefine a column added earlier in the same statement (MariaDB)', () => {
    const t = table(['CREATE TABLE t (a INT)', 'ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 2, ALTER COLUMN c DROP DEFAULT, MODIFY COLUMN c BIGINT']);
    expect(t.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['a', 'int', true],
      ['c', 'bigint', true],
    ]);
    expect(names(table(['CREATE TABLE t (a INT)', 'ALTER TABLE t ADD b INT AFTER a, MODIFY b BIGINT FIRST']))).toEqual(['b', 'a']);
  });

  it('keeps a key on a column dropped and re-added in one statement', () => {
    const t = table(['CREATE TABLE t (c CHAR(10), i INT UNSIGNED AUTO_INCREMENT NOT NULL PRIMARY KEY)', 'ALTER TABLE t DROP i, ADD i INT UNSIGNED NOT NULL AUTO_INCREMENT, AUTO_INCREMENT = 1']);
    expect(names(t)).toEqual(['c', 'i']);
    expect(t.primaryKey).toEqual(['i']);
  });

  it('resolves columns of the statement against its new table default', () => {
    const t = table(['CREATE TABLE t (a VARCHAR(5)) CHARSET latin1', 'ALTER TABLE t ADD b VARCHAR(5), DEFAULT CHARSET utf8mb3']);
    expect(t.columns.map((c) => c.charset)).toEqual(['latin1', 'utf8mb3']);
  });

  it('adds a parenthesised list of columns at the end', () => {
    expect(names(table([base, 'ALTER TABLE t ADD (p INT, q INT)']))).toEqual(['a', 'b', 'c', 'p', 'q']);
  });

  it('redefines ENUM labels', () => {
    const t = table(["CREATE TABLE t (s ENUM('a','b'))", "ALTER TABLE t MODIFY s ENUM('b','a','c') NOT NULL"]);
    expect(col(t, 's')).toMatchObject({ type: 'enum', values: ['b', 'a', 'c'], nullable: false });
  });

  it('removes dropped columns from keys and drops emptied keys', () => {
    const t = table([base, 'ALTER TABLE t DROP COLUMN c']);
    expect(t.uniqueKeys).toEqual([{ name: 'ub', unique: true, columns: ['b'] }]);
    expect(t.indexes).toBeUndefined();
    const u = table([base, 'ALTER TABLE t DROP a']);
    expect(u.primaryKey).toEqual([]);
  });

  it('renames columns in keys (RENAME COLUMN and CHANGE), case-insensitively', () => {
    const t = table([base, 'ALTER TABLE t RENAME COLUMN A TO id, CHANGE COLUMN B name VARCHAR(10)']);
    expect(t.primaryKey).toEqual(['id']);
    expect(t.uniqueKeys[0]?.columns).toEqual(['name', 'c']);
  });

  it('changes primary and unique keys and index names', () => {
    const t = table([base, 'ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (b), DROP INDEX ub, ADD UNIQUE (c(3)), RENAME INDEX kc TO kc2']);
    expect(t.primaryKey).toEqual(['b']);
    expect(col(t, 'b').nullable).toBe(false);
    expect(t.uniqueKeys).toEqual([{ name: 'c', unique: true, columns: ['c'] }]);
    expect(t.indexes).toEqual([{ name: 'kc2', unique: false, columns: ['c'] }]);
  });

  it('changes only the table default with DEFAULT CHARSET', () => {
    const t = table(['CREATE TABLE t (a VARCHAR(5)) CHARSET latin1', 'ALTER TABLE t DEFAULT CHARACTER SET utf8mb4', 'ALTER TABLE t ADD b VARCHAR(5)']);
    expect([t.charset, t.collation]).toEqual(['utf8mb4', 'utf8mb4_general_ci']);
    expect(t.columns.map((c) => c.charset)).toEqual(['latin1', 'utf8mb4']);
  });

  it('converts every character column with CONVERT TO CHARACTER SET, promoting TEXT', () => {
    const t = table([
      "CREATE TABLE t (a VARCHAR(5), b TEXT, c TINYTEXT, d ENUM('x'), e INT, f LONGTEXT, g VARBINARY(3)) CHARSET latin1",
      'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    ]);
    expect(t.columns.map((c) => [c.type, c.charset ?? null, c.collation ?? null])).toEqual([
      ['varchar', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['mediumtext', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['text', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['enum', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['int', null, null],
      ['longtext', 'utf8mb4', 'utf8mb4_unicode_ci'],
      ['varbinary', null, null],
    ]);
    expect([t.charset, t.collation]).toEqual(['utf8mb4', 'utf8mb4_unicode_ci']);
  });

  it('keeps TEXT when the new charset needs no more bytes, and converts to binary types', () => {
    const down = table(['CREATE TABLE t (b TEXT) CHARSET utf8mb4', 'ALTER TABLE t CONVERT TO CHARACTER SET latin1']);
    expect(col(down, 'b')).toMatchObject({ type: 'text', charset: 'latin1', collation: 'latin1_swedish_ci' });
    const bin = table(['CREATE TABLE t (a CHAR(2), b VARCHAR(4), c TEXT)', 'ALTER TABLE t CONVERT TO CHARACTER SET binary']);
    expect(bin.columns.map((c) => [c.type, c.length ?? null, c.charset ?? null])).toEqual([
      ['binary', 2, null],
      ['varbinary', 4, null],
      ['blob', null, null],
    ]);
  });

  it('renames with ALTER … RENAME TO and reports rename after alter', () => {
    const { catalog, changes } = run([base, 'ALTER TABLE t ADD d INT, RENAME TO u']);
    expect(findTable(catalog, 'db', 't')).toBeUndefined();
    expect(names(findTable(catalog, 'db', 'u') as TableSchema)).toEqual(['a', 'b', 'c', 'd']);
    expect(changes.slice(1).map((c) => c.kind)).toEqual(['alter', 'rename']);
  });

  it('reports partition operations that change rows without row events', () => {
    const { changes } = run(['CREATE TABLE t (a INT) PARTITION BY HASH (a) PARTITIONS 2', 'ALTER TABLE t TRUNCATE PARTITION p0']);
    expect(changes[2]).toEqual({ kind: 'rows-changed-without-events', table: { db: 'db', name: 't' }, operations: ['TRUNCATE'] });
  });

  it('converts a partition to a table and a table to a partition (MariaDB 10.7+)', () => {
    const { catalog, changes } = run([
      'CREATE TABLE t (a INT PRIMARY KEY) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))',
      'ALTER TABLE t CONVERT PARTITION p0 TO TABLE t0',
      'ALTER TABLE t CONVERT TABLE t0 TO PARTITION p2 VALUES LESS THAN (30)',
    ]);
    expect(findTable(catalog, 'db', 't0')).toBeUndefined();
    expect(changes.slice(1).map((c) => `${c.kind} ${'table' in c ? c.table.name : ''}`)).toEqual([
      'alter t',
      'create t0',
      'rows-changed-without-events t0',
      'rows-changed-without-events t',
      'alter t',
      'drop t0',
      'rows-changed-without-events t',
    ]);
  });

  it('ignores IF [NOT] EXISTS clauses that do not apply', () => {
    const t = table([base, 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT, DROP COLUMN IF EXISTS nope, MODIFY IF EXISTS nope INT']);
    expect(names(t)).toEqual(['a', 'b', 'c']);
    expect(run(['ALTER TABLE IF EXISTS nope ADD x INT']).changes).toEqual([]);
  });

  it('refuses what the server would have refused: a history mismatch', () => {
    expect(codeOf(() => run([base, 'ALTER TABLE t ADD a INT']))).toBe('BINSNAP_E_DDL_SCHEMA_MISMATCH');
    expect(codeOf(() => run([base, 'ALTER TABLE t DROP nope']))).toBe('BINSNAP_E_DDL_SCHEMA_MISMATCH');
    expect(codeOf(() => run([base, 'ALTER TABLE t ADD x INT AFTER nope']))).toBe('BINSNAP_E_DDL_SCHEMA_MISMATCH');
  });

  it('sets and clears INVISIBLE', () => {
    const t = table([base, 'ALTER TABLE t ALTER COLUMN b SET INVISIBLE, ALTER c SET DEFAULT (1)']);
    expect(col(t, 'b').invisible).toBe(true);
    expect(col(table([base, 'ALTER TABLE t ALTER COLUMN b SET INVISIBLE', 'ALTER TABLE t ALTER COLUMN b SET VISIBLE']), 'b').invisible).toBeUndefined();
  });

  it('adds and drops MariaDB system versioning, with row_end in every unique key', () => {
    const v = table(['CREATE TABLE t (a INT PRIMARY KEY, u INT UNIQUE)', 'ALTER TABLE t ADD SYSTEM VERSIONING', 'ALTER TABLE t ADD UNIQUE (a, u)']);
    expect(names(v)).toEqual(['a', 'u', 'row_start', 'row_end']);
    expect(v.systemVersioning).toEqual({ rowStart: 'row_start', rowEnd: 'row_end' });
    expect([v.primaryKey, v.uniqueKeys.map((k) => k.columns)]).toEqual([
      ['a', 'row_end'],
      [
        ['u', 'row_end'],
        ['a', 'u', 'row_end'],
      ],
    ]);
    const d = table(['CREATE TABLE t (a INT PRIMARY KEY) WITH SYSTEM VERSIONING', 'ALTER TABLE t DROP SYSTEM VERSIONING']);
    expect([names(d), d.primaryKey, d.systemVersioning]).toEqual([['a'], ['a'], undefined]);
    // Explicit period columns (checked against MariaDB 10.11: PRIMARY KEY (id, e), UNIQUE (f, e)).
    const e = table(['CREATE TABLE t (id INT PRIMARY KEY, f TEXT UNIQUE, s BIGINT UNSIGNED AS ROW START, e BIGINT UNSIGNED AS ROW END, PERIOD FOR SYSTEM_TIME(s, e)) WITH SYSTEM VERSIONING']);
    expect([names(e), e.primaryKey, e.uniqueKeys[0]?.columns, e.systemVersioning]).toEqual([['id', 'f', 's', 'e'], ['id', 'e'], ['f', 'e'], { rowStart: 's', rowEnd: 'e' }]);
  });

  it('renames indexes simultaneously', () => {
    const t = table(['CREATE TABLE t (a INT, b INT, c INT, KEY b (a), KEY c (b), KEY d (c))', 'ALTER TABLE t RENAME INDEX b TO c, RENAME INDEX c TO d, RENAME INDEX d TO b']);
    expect(t.indexes?.map((k) => `${k.name}:${k.columns.join()}`)).toEqual(['c:a', 'd:b', 'b:c']);
  });
});

describe('RENAME, DROP, TRUNCATE, indexes and databases', () => {
  it('swaps two tables through a temporary name', () => {
    const { catalog, changes } = run(['CREATE TABLE a (x INT)', 'CREATE TABLE b (y INT)', 'RENAME TABLE a TO tmp, b TO a, tmp TO b']);
    expect(names(findTable(catalog, 'db', 'a') as TableSchema)).toEqual(['y']);
    expect(names(findTable(catalog, 'db', 'b') as TableSchema)).toEqual(['x']);
    expect(findTable(catalog, 'db', 'tmp')).toBeUndefined();
    expect(changes.slice(2).map((c) => (c.kind === 'rename' ? `${c.from.name}->${c.to.name}` : c.kind))).toEqual(['a->tmp', 'b->a', 'tmp->b']);
  });

  it('renames across databases', () => {
    const { catalog } = run(['CREATE TABLE a (x INT)', 'RENAME TABLE db.a TO archive.a2']);
    expect(findTable(catalog, 'archive', 'a2')).toMatchObject({ db: 'archive', name: 'a2' });
  });

  it('drops tables, skipping unknown ones', () => {
    const { catalog, changes } = run(['CREATE TABLE a (x INT)', 'DROP TABLE IF EXISTS a, nope']);
    expect(findTable(catalog, 'db', 'a')).toBeUndefined();
    expect(changes[1]).toEqual({ kind: 'drop', table: { db: 'db', name: 'a' } });
  });

  it('reports TRUNCATE without changing the schema', () => {
    const { catalog, changes } = run(['CREATE TABLE a (x INT)', 'TRUNCATE TABLE a']);
    expect(changes[1]).toEqual({ kind: 'truncate', table: { db: 'db', name: 'a' } });
    expect(findTable(catalog, 'db', 'a')).toEqual((changes[0] as { schema: TableSchema }).schema);
  });

  it('creates and drops indexes', () => {
    const t = table(['CREATE TABLE t (a INT, b INT)', 'CREATE UNIQUE INDEX ua ON t (a)', 'CREATE INDEX kb ON t (b)', 'DROP INDEX kb ON t']);
    expect(t.uniqueKeys).toEqual([{ name: 'ua', unique: true, columns: ['a'] }]);
    expect(t.indexes).toBeUndefined();
  });

  it('tracks database defaults and drops their tables with the database', () => {
    const { catalog, changes } = run([
      'CREATE DATABASE shop CHARACTER SET latin1',
      'ALTER DATABASE shop COLLATE latin1_bin',
      'CREATE TABLE shop.a (x VARCHAR(1))',
      'DROP DATABASE shop',
    ]);
    expect(changes.map((c) => c.kind)).toEqual(['create', 'drop']);
    expect(changes[0]).toMatchObject({ schema: { columns: [{ charset: 'latin1', collation: 'latin1_bin' }] } });
    expect(findDatabase(catalog, 'shop')).toBeUndefined();
  });

  it('throws BINSNAP_E_DDL_UNKNOWN_TABLE for statements on tables the history lacks', () => {
    for (const sql of ['ALTER TABLE nope ADD x INT', 'RENAME TABLE nope TO x', 'TRUNCATE nope', 'CREATE TABLE x LIKE nope', 'CREATE INDEX i ON nope (a)', 'DROP INDEX i ON nope']) {
      expect(codeOf(() => run([sql]))).toBe('BINSNAP_E_DDL_UNKNOWN_TABLE');
    }
    expect(codeOf(() => run(['CREATE TABLE t (a INT)'], { defaultDb: undefined }))).toBe('BINSNAP_E_DDL_UNKNOWN_TABLE');
  });

  it('returns the catalog unchanged for ignored and dml statements', () => {
    const start = catalogOf([]);
    for (const sql of ['GRANT ALL ON *.* TO u', 'INSERT INTO t VALUES (1)']) {
      const r = parseDdl(sql);
      if (!r.ok) throw new Error('parse');
      const out = applyDdl(start, r.statement, { serverDefaults: MARIADB_DEFAULTS });
      expect(out.catalog).toBe(start);
      expect(out.changes).toEqual([]);
    }
  });

  it('folds names under lower_case_table_names=1', () => {
    const { catalog } = run(['CREATE TABLE MixedCase (a INT)', 'ALTER TABLE MIXEDCASE ADD b INT'], {}, emptyCatalog(1));
    expect(findTable(catalog, 'db', 'mixedcase')).toMatchObject({ name: 'mixedcase', columns: [{ name: 'a' }, { name: 'b' }] });
    expect(codeOf(() => run(['CREATE TABLE MixedCase (a INT)', 'ALTER TABLE mixedcase ADD b INT']))).toBe('BINSNAP_E_DDL_UNKNOWN_TABLE');
  });

  it('does not modify the input catalog', () => {
    const first = run(['CREATE TABLE a (x INT)']).catalog;
    const snapshot = JSON.stringify([...first.tables.values()]);
    run(['ALTER TABLE a ADD y INT', 'RENAME TABLE a TO b'], {}, first);
    expect(JSON.stringify([...first.tables.values()])).toBe(snapshot);
  });
});

describe('rowIdentityKey', () => {
  it('is the primary key, else the first all-NOT-NULL unique key, else empty', () => {
    expect(rowIdentityKey(table(['CREATE TABLE t (a INT PRIMARY KEY, b INT NOT NULL UNIQUE)']))).toEqual(['a']);
    expect(rowIdentityKey(table(['CREATE TABLE t (a INT UNIQUE, b INT NOT NULL, c INT NOT NULL, UNIQUE (b, c))']))).toEqual(['b', 'c']);
    expect(rowIdentityKey(table(['CREATE TABLE t (a INT UNIQUE)']))).toEqual([]);
  });
});

describe('unparseableDdl', () => {
  it('builds BINSNAP_E_DDL_UNPARSEABLE naming statement, offset and position', () => {
    const r = parseDdl('ALTER TABLE t FROB');
    if (r.ok) throw new Error('parsed');
    const err = unparseableDdl(r.failure, 'mysql-bin.000003:4711');
    expect(err.code).toBe('BINSNAP_E_DDL_UNPARSEABLE');
    expect(err.describe()).toContain('position=mysql-bin.000003:4711');
    expect(err.describe()).toContain('statement=ALTER TABLE t FROB');
    expect(err.message).toContain("near 'FROB' at offset 14");
    expect(err.remedy).toContain('--skip-unparseable-ddl');
  });
});
