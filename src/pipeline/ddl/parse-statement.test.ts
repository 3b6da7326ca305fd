import { describe, expect, it } from 'vitest';
import type { AlterAction, ColumnDefinition, DdlStatement, ParseFailure } from './ast.js';
import { parseDdl } from './parse-statement.js';

function ok(sql: string): DdlStatement {
  const r = parseDdl(sql);
  if (!r.ok) throw new Error(`${r.failure.message} at ${r.failure.offset} near '${r.failure.near}'`);
  return r.statement;
}

function fail(sql: string): ParseFailure {
  const r = parseDdl(sql);
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.statement)}`);
  return r.failure;
}

function columns(sql: string): ColumnDefinition[] {
  const s = ok(sql);
  if (s.kind !== 'create-table') throw new Error(s.kind);
  return s.elements.flatMap((e) => (e.kind === 'column' ? [e.column] : []));
}

function actions(sql: string): readonly AlterAction[] {
  const s = ok(sql);
  if (s.kind !== 'alter-table') throw new Error(s.kind);
  return s.actions;
}

describe('CREATE TABLE', () => {
  it('parses a full definition into the AST', () => {
    expect(
      ok(
        "CREATE TABLE IF NOT EXISTS `shop`.`order` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, note VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'n/a' COMMENT 'free text', PRIMARY KEY (`id`), UNIQUE KEY uk_note (note(10) DESC)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='orders'",
      ),
    ).toEqual({
      kind: 'create-table',
      table: { db: 'shop', name: 'order' },
      orReplace: false,
      ifNotExists: true,
      elements: [
        {
          kind: 'column',
          column: { name: 'id', dataType: { type: 'bigint', unsigned: true, zerofill: false }, nullable: false, autoIncrement: true, primaryKey: false, unique: false, invisible: false },
        },
        {
          kind: 'column',
          column: {
            name: 'note',
            dataType: { type: 'varchar', length: 40, unsigned: false, zerofill: false, charset: 'latin1', collation: 'latin1_bin' },
            default: "'n/a'",
            comment: 'free text',
            autoIncrement: false,
            primaryKey: false,
            unique: false,
            invisible: false,
          },
        },
        { kind: 'index', index: { kind: 'primary', parts: [{ column: 'id' }] } },
        { kind: 'index', index: { kind: 'unique', name: 'uk_note', parts: [{ column: 'note', prefixLength: 10, descending: true }] } },
      ],
      options: { engine: 'InnoDB', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', comment: 'orders' },
      asSelect: false,
      partitioned: false,
    });
  });

  it('normalises type synonyms', () => {
    const cols = columns(
      'CREATE TABLE t (a INTEGER(11), b BOOL, c NUMERIC, d DEC(8), e FIXED(6,2), f REAL, g DOUBLE PRECISION, h FLOAT(30), i FLOAT(10), ' +
        'j CHARACTER VARYING(5), k NATIONAL CHAR(3), l NCHAR VARCHAR(4), m LONG VARCHAR, n LONG VARBINARY, o INT1, p MIDDLEINT, q INT8, ' +
        'r SERIAL, s YEAR(4), t BIT, u DATETIME(3), v TIME, w CHAR, x BINARY, y GEOMCOLLECTION, z NVARCHAR(2))',
    );
    const brief = cols.map((c) => {
      const d = c.dataType;
      return [c.name, d.type, d.length ?? d.precision ?? d.fsp ?? null, d.scale ?? null, d.charset ?? null];
    });
    expect(brief).toEqual([
      ['a', 'int', null, null, null],
      ['b', 'tinyint', null, null, null],
      ['c', 'decimal', 10, 0, null],
      ['d', 'decimal', 8, 0, null],
      ['e', 'decimal', 6, 2, null],
      ['f', 'double', null, null, null],
      ['g', 'double', null, null, null],
      ['h', 'double', null, null, null],
      ['i', 'float', null, null, null],
      ['j', 'varchar', 5, null, null],
      ['k', 'char', 3, null, 'utf8mb3'],
      ['l', 'varchar', 4, null, 'utf8mb3'],
      ['m', 'mediumtext', null, null, null],
      ['n', 'mediumblob', null, null, null],
      ['o', 'tinyint', null, null, null],
      ['p', 'mediumint', null, null, null],
      ['q', 'bigint', null, null, null],
      ['r', 'bigint', null, null, null],
      ['s', 'year', null, null, null],
      ['t', 'bit', 1, null, null],
      ['u', 'datetime', 3, null, null],
      ['v', 'time', 0, null, null],
      ['w', 'char', 1, null, null],
      ['x', 'binary', 1, null, null],
      ['y', 'geometrycollection', null, null, null],
      ['z', 'varchar', 2, null, 'utf8mb3'],
    ]);
    const serial = cols.find((c) => c.name === 'r');
    expect(serial).toMatchObject({ nullable: false, autoIncrement: true, unique: true, dataType: { unsigned: true, serial: true } });
  });

  it('parses every column attribute in any order', () => {
    const [a, b, c, d, e, f] = columns(
      'CREATE TABLE t (' +
        'a INT ZEROFILL NULL UNIQUE KEY COMMENT "x" COLUMN_FORMAT FIXED STORAGE DISK INVISIBLE, ' +
        'b VARCHAR(10) BINARY NOT NULL DEFAULT _utf8mb4\'q\' COLLATE utf8mb4_bin, ' +
        'c INT GENERATED ALWAYS AS ((a + 1) * 2) STORED NOT NULL, ' +
        'd TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), ' +
        'e POINT NOT NULL SRID 4326, ' +
        'f INT CONSTRAINT c1 CHECK (f > 0) REFERENCES p (id) ON DELETE CASCADE PRIMARY KEY)',
    );
    expect(a).toMatchObject({ nullable: true, unique: true, comment: 'x', invisible: true, dataType: { zerofill: true, unsigned: true } });
    expect(b).toMatchObject({ nullable: false, default: "_utf8mb4'q'", dataType: { binaryCollation: true, collation: 'utf8mb4_bin' } });
    expect(c).toMatchObject({ generated: { expression: '(a + 1) * 2', stored: true }, nullable: false });
    expect(d).toMatchObject({ default: 'CURRENT_TIMESTAMP(6)', onUpdate: 'CURRENT_TIMESTAMP(6)', dataType: { type: 'timestamp', fsp: 6 } });
    expect(e).toMatchObject({ dataType: { type: 'point' }, nullable: false });
    expect(f).toMatchObject({ primaryKey: true });
  });

  it('keeps DEFAULT expressions of every shape as text', () => {
    const cols = columns("CREATE TABLE t (a INT DEFAULT -1, b INT DEFAULT (a + 1), c DATE DEFAULT (CURRENT_DATE + INTERVAL 1 DAY) NOT NULL, d BIT(2) DEFAULT b'10', e VARCHAR(3) DEFAULT NULL, f DATETIME DEFAULT now() + interval 1 day COMMENT 'x')");
    expect(cols.map((c) => c.default)).toEqual(['-1', '(a + 1)', '(CURRENT_DATE + INTERVAL 1 DAY)', "b'10'", 'NULL', 'now() + interval 1 day']);
    expect(cols[2]?.nullable).toBe(false);
    expect(cols[5]?.comment).toBe('x');
  });

  it('parses ENUM and SET labels with escapes and introducers', () => {
    const [a, b] = columns("CREATE TABLE t (a ENUM('x','it''s','a\\\\b', _utf8mb4'é') CHARACTER SET utf8mb4, b SET('p','q') NOT NULL DEFAULT 'p,q')");
    expect(a?.dataType).toMatchObject({ type: 'enum', values: ['x', "it's", 'a\\b', 'é'], charset: 'utf8mb4' });
    expect(b?.dataType).toMatchObject({ type: 'set', values: ['p', 'q'] });
  });

  it('parses MariaDB types and attributes', () => {
    const cols = columns(
      'CREATE TABLE t (a INET6, b UUID, c INET4, d VECTOR(3) NOT NULL, e JSON CHECK (json_valid(e)), f INT AS (a) PERSISTENT, g TEXT COMPRESSED, h INT `my_attr`=\'v\', i CHAR(3) ASCII, j CHAR(2) UNICODE)',
    );
    expect(cols.map((c) => c.dataType.type)).toEqual(['inet6', 'uuid', 'inet4', 'vector', 'json', 'int', 'text', 'int', 'char', 'char']);
    expect(cols[3]?.dataType.length).toBe(3);
    expect(cols[5]?.generated).toEqual({ expression: 'a', stored: true });
    expect(cols[8]?.dataType.charset).toBe('latin1');
    expect(cols[9]?.dataType.charset).toBe('ucs2');
  });

  it('parses table constraints and index kinds', () => {
    const s = ok(
      'CREATE TABLE t (a INT, b INT, c TEXT, g GEOMETRY NOT NULL, CONSTRAINT pk PRIMARY KEY USING BTREE (a, b), CONSTRAINT uq UNIQUE (b), INDEX idx USING HASH (a) COMMENT "c" INVISIBLE, ' +
        'FULLTEXT KEY ft (c) WITH PARSER ngram, SPATIAL INDEX (g), CONSTRAINT fk FOREIGN KEY (b) REFERENCES other (id) ON UPDATE SET NULL, CHECK (a > b), KEY ((a + b)))',
    );
    if (s.kind !== 'create-table') throw new Error(s.kind);
    expect(s.elements.filter((e) => e.kind !== 'column')).toEqual([
      { kind: 'index', index: { kind: 'primary', parts: [{ column: 'a' }, { column: 'b' }] } },
      { kind: 'index', index: { kind: 'unique', name: 'uq', parts: [{ column: 'b' }] } },
      { kind: 'index', index: { kind: 'index', name: 'idx', parts: [{ column: 'a' }] } },
      { kind: 'index', index: { kind: 'fulltext', name: 'ft', parts: [{ column: 'c' }] } },
      { kind: 'index', index: { kind: 'spatial', parts: [{ column: 'g' }] } },
      { kind: 'foreign-key', foreignKey: { name: 'fk', columns: ['b'], references: { name: 'other' }, referencedColumns: ['id'] } },
      { kind: 'check', expression: 'a > b' },
      { kind: 'index', index: { kind: 'index', parts: [{ expression: 'a + b' }] } },
    ]);
  });

  it('skips partitioning, including inside version comments', () => {
    const s = ok('CREATE TABLE t (a INT) ENGINE=InnoDB /*!50100 PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB, PARTITION p1 VALUES LESS THAN MAXVALUE) */');
    expect(s).toMatchObject({ kind: 'create-table', partitioned: true, options: { engine: 'InnoDB' } });
  });

  it('recognises LIKE, AS SELECT and OR REPLACE', () => {
    expect(ok('CREATE TABLE b LIKE a')).toEqual({ kind: 'create-table-like', table: { name: 'b' }, like: { name: 'a' }, orReplace: false, ifNotExists: false });
    expect(ok('CREATE OR REPLACE TABLE b (LIKE db.a)')).toMatchObject({ kind: 'create-table-like', orReplace: true, like: { db: 'db', name: 'a' } });
    expect(ok('CREATE TABLE c (id INT PRIMARY KEY) ENGINE=InnoDB AS SELECT id, name FROM a')).toMatchObject({ kind: 'create-table', asSelect: true, elements: [{ kind: 'column' }] });
    expect(ok('CREATE TABLE c SELECT 1 AS x')).toMatchObject({ kind: 'create-table', asSelect: true, elements: [] });
    expect(ok('CREATE TABLE c IGNORE (SELECT * FROM a)')).toMatchObject({ kind: 'create-table', asSelect: true });
  });

  it('ignores temporary tables', () => {
    expect(ok('CREATE TEMPORARY TABLE t (a INT)')).toEqual({ kind: 'ignored', reason: 'temporary table' });
    expect(ok('DROP /*!40005 TEMPORARY */ TABLE IF EXISTS t')).toEqual({ kind: 'ignored', reason: 'temporary table' });
  });

  it('accepts engine-discovered tables without columns', () => {
    expect(ok("CREATE TABLE t ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='x.csv'")).toMatchObject({ kind: 'create-table', elements: [] });
  });
});

describe('ALTER TABLE', () => {
  it('parses several clauses in order with FIRST/AFTER', () => {
    expect(
      actions('ALTER TABLE t ADD COLUMN x INT FIRST, ADD y INT AFTER a, DROP COLUMN IF EXISTS z, MODIFY b TEXT NOT NULL AFTER x, CHANGE c d VARCHAR(3), RENAME COLUMN e TO f, ALGORITHM=INPLACE, LOCK = NONE').map((a) => {
        switch (a.kind) {
          case 'add-column':
          case 'modify-column':
            return [a.kind, a.column.name, a.position ?? null];
          case 'change-column':
            return [a.kind, a.oldName, a.column.name];
          case 'drop-column':
            return [a.kind, a.column, a.ifExists];
          case 'rename-column':
            return [a.kind, a.oldName, a.newName];
          default:
            return [a.kind];
        }
      }),
    ).toEqual([
      ['add-column', 'x', { kind: 'first' }],
      ['add-column', 'y', { kind: 'after', column: 'a' }],
      ['drop-column', 'z', true],
      ['modify-column', 'b', { kind: 'after', column: 'x' }],
      ['change-column', 'c', 'd'],
      ['rename-column', 'e', 'f'],
      ['no-op'],
      ['no-op'],
    ]);
  });

  it('parses a parenthesised ADD list with indexes', () => {
    expect(actions('ALTER TABLE t ADD (a INT, b INT, INDEX (a))').map((a) => a.kind)).toEqual(['add-column', 'add-column', 'add-index']);
  });

  it('parses key and constraint clauses', () => {
    expect(
      actions(
        'ALTER TABLE t ADD PRIMARY KEY (a), DROP PRIMARY KEY, ADD UNIQUE INDEX u (b), ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES p(id), DROP FOREIGN KEY fk, DROP INDEX u, DROP KEY IF EXISTS k, ' +
          'ADD CONSTRAINT ck CHECK (a > 0), DROP CHECK ck, DROP CONSTRAINT c2, RENAME INDEX a TO b, ALTER INDEX b INVISIBLE',
      ),
    ).toEqual([
      { kind: 'add-index', index: { kind: 'primary', parts: [{ column: 'a' }] } },
      { kind: 'drop-primary-key' },
      { kind: 'add-index', index: { kind: 'unique', name: 'u', parts: [{ column: 'b' }] } },
      { kind: 'add-foreign-key', foreignKey: { name: 'fk', columns: ['c'], references: { name: 'p' }, referencedColumns: ['id'] } },
      { kind: 'drop-foreign-key', name: 'fk', ifExists: false },
      { kind: 'drop-index', name: 'u', ifExists: false, constraint: false },
      { kind: 'drop-index', name: 'k', ifExists: true, constraint: false },
      { kind: 'add-check', name: 'ck', expression: 'a > 0' },
      { kind: 'drop-check', name: 'ck' },
      { kind: 'drop-index', name: 'c2', ifExists: false, constraint: true },
      { kind: 'rename-index', oldName: 'a', newName: 'b' },
      { kind: 'no-op', clause: 'ALTER INDEX b' },
    ]);
  });

  it('parses ALTER COLUMN, RENAME TO, charset and option clauses', () => {
    expect(
      actions("ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x', ALTER b DROP DEFAULT, ALTER COLUMN c SET INVISIBLE, RENAME TO db2.u, CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, DEFAULT CHARSET = latin1, ENGINE=MyISAM ROW_FORMAT=DYNAMIC, FORCE"),
    ).toEqual([
      { kind: 'alter-column', column: 'a', action: 'set-default', ifExists: false },
      { kind: 'alter-column', column: 'b', action: 'drop-default', ifExists: false },
      { kind: 'alter-column', column: 'c', action: 'set-invisible', ifExists: false },
      { kind: 'rename-table', to: { db: 'db2', name: 'u' } },
      { kind: 'convert-charset', charset: 'utf8mb4', collation: 'utf8mb4_bin' },
      { kind: 'table-options', options: { charset: 'latin1' } },
      { kind: 'table-options', options: { engine: 'MyISAM' } },
      { kind: 'table-options', options: {} },
      { kind: 'no-op', clause: 'FORCE' },
    ]);
  });

  it('parses MariaDB IF [NOT] EXISTS, ONLINE/IGNORE and WAIT', () => {
    const s = ok('ALTER ONLINE IGNORE TABLE IF EXISTS t WAIT 5 ADD COLUMN IF NOT EXISTS a INT, MODIFY IF EXISTS b INT, CHANGE COLUMN IF EXISTS c d INT, ADD INDEX IF NOT EXISTS i (a)');
    expect(s).toMatchObject({
      kind: 'alter-table',
      ifExists: true,
      actions: [{ kind: 'add-column', ifNotExists: true }, { kind: 'modify-column', ifExists: true }, { kind: 'change-column', ifExists: true }, { kind: 'add-index', index: { ifNotExists: true } }],
    });
  });

  it('records partition maintenance and whether it changes rows', () => {
    expect(actions('ALTER TABLE t TRUNCATE PARTITION p0, p1')).toEqual([{ kind: 'partition', operation: 'TRUNCATE', changesRows: true }]);
    expect(actions('ALTER TABLE t DROP PARTITION p0')).toEqual([{ kind: 'partition', operation: 'DROP', changesRows: true }]);
    expect(actions('ALTER TABLE t EXCHANGE PARTITION p0 WITH TABLE t2')).toEqual([{ kind: 'partition', operation: 'EXCHANGE', changesRows: true }]);
    expect(actions('ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))')).toEqual([{ kind: 'partition', operation: 'ADD', changesRows: false }]);
    expect(actions('ALTER TABLE t ENGINE=InnoDB PARTITION BY HASH (a) PARTITIONS 4').map((a) => a.kind)).toEqual(['table-options', 'partition']);
    expect(actions('ALTER TABLE t REMOVE PARTITIONING')).toEqual([{ kind: 'partition', operation: 'REMOVE PARTITIONING', changesRows: false }]);
  });

  it('parses ENUM redefinition through MODIFY', () => {
    const [a] = actions("ALTER TABLE t MODIFY COLUMN s ENUM('c','a','b') NOT NULL DEFAULT 'a'");
    expect(a).toMatchObject({ kind: 'modify-column', column: { name: 's', dataType: { type: 'enum', values: ['c', 'a', 'b'] }, nullable: false } });
  });
});

describe('other table statements', () => {
  it('parses RENAME TABLE with several pairs (a swap)', () => {
    expect(ok('RENAME TABLE a TO tmp, b TO a, tmp TO b')).toEqual({
      kind: 'rename-table',
      pairs: [
        { from: { name: 'a' }, to: { name: 'tmp' } },
        { from: { name: 'b' }, to: { name: 'a' } },
        { from: { name: 'tmp' }, to: { name: 'b' } },
      ],
      ifExists: false,
    });
    expect(ok('RENAME TABLES d1.a TO d2.a')).toMatchObject({ pairs: [{ from: { db: 'd1', name: 'a' }, to: { db: 'd2', name: 'a' } }] });
    expect(ok('RENAME TABLE IF EXISTS a TO b, c TO d')).toMatchObject({ ifExists: true, pairs: [{ from: { name: 'a' } }, { from: { name: 'c' } }] });
  });

  it("parses the statement after MariaDB's SET STATEMENT … FOR", () => {
    expect(ok('SET STATEMENT lock_wait_timeout=5 FOR ALTER TABLE t ADD COLUMN x INT')).toMatchObject({ kind: 'alter-table', table: { name: 't' } });
    expect(ok("SET STATEMENT max_statement_time = (1 + 2), sql_mode = 'ANSI' FOR CREATE TABLE u (a INT)")).toMatchObject({ kind: 'create-table', table: { name: 'u' } });
    expect(ok('SET STATEMENT x = 1 FOR INSERT INTO t VALUES (1)')).toMatchObject({ kind: 'dml', verb: 'INSERT' });
    expect(ok('SET sql_mode = 1')).toMatchObject({ kind: 'ignored' });
    expect(fail('SET STATEMENT x = 1').message).toContain('SET STATEMENT without FOR');
  });

  it('parses DROP TABLE, TRUNCATE and index statements', () => {
    expect(ok('DROP TABLE IF EXISTS a, `b`.c CASCADE')).toEqual({ kind: 'drop-table', ifExists: true, tables: [{ name: 'a' }, { db: 'b', name: 'c' }] });
    expect(ok('TRUNCATE t')).toEqual({ kind: 'truncate-table', table: { name: 't' } });
    expect(ok('truncate table d.t')).toEqual({ kind: 'truncate-table', table: { db: 'd', name: 't' } });
    expect(ok('CREATE UNIQUE INDEX ux USING BTREE ON t (a, b(4)) ALGORITHM=INPLACE LOCK=NONE')).toEqual({
      kind: 'create-index',
      table: { name: 't' },
      index: { kind: 'unique', name: 'ux', parts: [{ column: 'a' }, { column: 'b', prefixLength: 4 }] },
      orReplace: false,
    });
    expect(ok('DROP INDEX `PRIMARY` ON t')).toEqual({ kind: 'drop-index', table: { name: 't' }, name: 'PRIMARY', ifExists: false });
  });

  it('parses database statements', () => {
    expect(ok('CREATE DATABASE IF NOT EXISTS shop DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin')).toEqual({
      kind: 'create-database',
      name: 'shop',
      orReplace: false,
      ifNotExists: true,
      charset: 'utf8mb4',
      collation: 'utf8mb4_bin',
    });
    expect(ok('ALTER SCHEMA shop CHARSET latin1')).toEqual({ kind: 'alter-database', name: 'shop', charset: 'latin1' });
    expect(ok('ALTER DATABASE COLLATE = latin1_bin')).toEqual({ kind: 'alter-database', collation: 'latin1_bin' });
    expect(ok("ALTER DATABASE comment COMMENT 'x'")).toEqual({ kind: 'alter-database', name: 'comment' });
    expect(ok('DROP SCHEMA IF EXISTS shop')).toEqual({ kind: 'drop-database', name: 'shop', ifExists: true });
  });

  it('parses MariaDB sequences as tables', () => {
    expect(ok('CREATE SEQUENCE s START WITH 10 INCREMENT BY 2')).toEqual({ kind: 'create-sequence', table: { name: 's' }, orReplace: false, ifNotExists: false });
    expect(ok('DROP SEQUENCE IF EXISTS s')).toEqual({ kind: 'drop-sequence', tables: [{ name: 's' }], ifExists: true });
    expect(ok('ALTER SEQUENCE s RESTART 5')).toMatchObject({ kind: 'ignored' });
  });
});

describe('statements that do not change tables', () => {
  it.each([
    ["GRANT SELECT ON db.* TO 'u'@'%'"],
    ['REVOKE ALL PRIVILEGES ON *.* FROM u'],
    ["CREATE USER 'u'@'localhost' IDENTIFIED BY 'p'"],
    ['DROP USER u'],
    ['CREATE ROLE r'],
    ['CREATE DEFINER=`root`@`localhost` VIEW v AS SELECT 1'],
    ['CREATE OR REPLACE ALGORITHM=MERGE VIEW v AS SELECT 1'],
    ['DROP VIEW IF EXISTS v'],
    ['CREATE DEFINER=`root`@`%` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1'],
    ['CREATE PROCEDURE p() BEGIN SELECT 1; END'],
    ['CREATE FUNCTION f() RETURNS INT RETURN 1'],
    ['DROP PROCEDURE IF EXISTS p'],
    ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t'],
    ['ALTER EVENT e DISABLE'],
    ['ANALYZE TABLE t'],
    ['OPTIMIZE TABLE t'],
    ['REPAIR TABLE t'],
    ['CHECK TABLE t'],
    ['FLUSH PRIVILEGES'],
    ['SET @a = 1'],
    ['BEGIN'],
    ['COMMIT'],
    ["XA START 'x'"],
    ['SAVEPOINT s1'],
    ["CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'h')"],
    ["INSTALL PLUGIN p SONAME 'p.so'"],
    ['ALTER USER u ACCOUNT LOCK'],
    ['RENAME USER a TO b'],
    ['CREATE SPATIAL REFERENCE SYSTEM 1 NAME "x" DEFINITION "y"'],
    ['/* only a comment */'],
  ])('%s', (sql) => {
    expect(ok(sql).kind).toBe('ignored');
  });

  it('recognises them by their leading words when the rest does not lex (an unescaped password hash)', () => {
    // Seen from MySQL 8.0.15: the hash's random salt breaks the quoting of CREATE USER … AS '…'.
    const createUser = "CREATE USER 'backup'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$ow l~',vMAB?\\gWvaO'K1oF'";
    expect(parseDdl(createUser)).toEqual({ ok: true, statement: { kind: 'ignored', reason: 'user' } });
    // The words before the failure may leave a parenthesis open: still recognised.
    const openParen = String.raw`CREATE USER 'b'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$\'Hk&m\Z>8(9wu9QU7p6N8pcx/izEtjh3li3'`;
    expect(parseDdl(openParen, { noBackslashEscapes: true })).toEqual({ ok: true, statement: { kind: 'ignored', reason: 'user' } });
    expect(parseDdl(openParen)).toEqual({ ok: true, statement: { kind: 'ignored', reason: 'user' } });
    expect(ok("GRANT SELECT ON *.* TO 'u'@'%' IDENTIFIED BY 'x")).toEqual({ kind: 'ignored', reason: 'GRANT: privileges' });
    expect(ok("SET PASSWORD FOR 'u' = 'x")).toEqual({ kind: 'ignored', reason: 'SET: session or global setting' });
    // A table statement is not: its text must lex and parse.
    expect(fail("CREATE TABLE t (a INT COMMENT 'x)")).toMatchObject({ message: 'unterminated string', offset: 30 });
    expect(fail("ALTER TABLE t COMMENT 'it''s")).toMatchObject({ message: 'unterminated string', offset: 22 });
  });

  it('reports statement-based data changes as dml', () => {
    expect(ok('INSERT INTO t VALUES (1)')).toEqual({ kind: 'dml', verb: 'INSERT' });
    expect(ok('update t set a = 1')).toEqual({ kind: 'dml', verb: 'UPDATE' });
    expect(ok("LOAD DATA INFILE 'x' INTO TABLE t")).toEqual({ kind: 'dml', verb: 'LOAD' });
  });
});

describe('failures', () => {
  it('names the failing token and its offset', () => {
    expect(fail('CREATE TABLE t (a INT,)')).toEqual({ message: 'expected column name', offset: 22, near: ')', statement: 'CREATE TABLE t (a INT,)' });
    expect(fail('CREATE TABLE t (a FOO)')).toMatchObject({ message: 'unknown data type FOO', offset: 18 });
    expect(fail('ALTER TABLE t FROB x')).toMatchObject({ offset: 14, near: 'FROB' });
    expect(fail('FROBNICATE everything')).toMatchObject({ offset: 0, message: 'unknown statement FROBNICATE' });
    expect(fail('CREATE TABLE t (a INT')).toMatchObject({ offset: 21, near: '' });
    expect(fail('DROP TABLE t extra')).toMatchObject({ offset: 13, near: 'extra', message: 'unexpected text after the statement' });
    expect(fail("CREATE TABLE t (a ENUM('x)")).toMatchObject({ message: 'unterminated string', offset: 23 });
    expect(fail('CREATE TABLE t (a VARCHAR)')).toMatchObject({ message: 'VARCHAR needs a length' });
  });

  it('accepts one trailing semicolon only', () => {
    expect(parseDdl('DROP TABLE t;').ok).toBe(true);
    expect(fail('DROP TABLE t; DROP TABLE u')).toMatchObject({ offset: 12, near: ';' });
  });
});
