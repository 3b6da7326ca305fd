import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import { emptyCatalog } from './ddl/index.js';
import type { PipelineLog } from './pipeline-log.js';
import { SchemaProcessor } from './schema-processor.js';
import type { QueryEvent } from './transaction-assembler.js';

function query(statement: string, offset = 1000, database = 'shop', sqlMode?: bigint): QueryEvent {
  return {
    kind: 'query',
    type: 'QUERY',
    typeCode: 2,
    timestamp: 1_700_000_000,
    serverId: 1,
    eventSize: 100,
    logPos: offset + 100,
    flags: 0,
    pos: BinlogPosition.of('mysql-bin.000003', offset),
    nextPos: BinlogPosition.of('mysql-bin.000003', offset + 100),
    inPayload: false,
    threadId: 1,
    execTime: 0,
    database,
    errorCode: 0,
    statement,
    status: sqlMode === undefined ? {} : { sqlMode },
    compressed: false,
  };
}

function recordingLog(): PipelineLog & { warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  return { warnings, warn: (f) => warnings.push(f), info: () => {}, debug: () => {} };
}

function processor(skip = false, log: PipelineLog = recordingLog()): SchemaProcessor {
  return new SchemaProcessor({ catalog: emptyCatalog(), skipUnparseableDdl: skip, log });
}

describe('SchemaProcessor', () => {
  it('records CREATE, ALTER (with a row rewrite), RENAME, TRUNCATE and DROP as schema versions and table events', () => {
    const p = processor();
    const create = p.applyStatement(query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))'));
    expect(create.schemaChanges.map((c) => [c.kind, c.table])).toEqual([['create', 'shop.t']]);
    expect(create.tableEvents).toEqual([{ kind: 'create', table: 'shop.t' }]);
    const alter = p.applyStatement(query("ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 7 AFTER id, RENAME COLUMN v TO w"));
    expect(alter.schemaChanges[0]?.schema?.columns.map((c) => c.name)).toEqual(['id', 'n', 'w']);
    expect(alter.rewrites).toHaveLength(1);
    expect(alter.rewrites[0]?.sources.get('w')).toEqual({ from: 'v' });
    expect(alter.rewrites[0]?.sources.get('n')).toEqual({ added: true, default: '7' });
    // An index change rewrites nothing.
    expect(p.applyStatement(query('CREATE INDEX iw ON t (w)')).rewrites).toEqual([]);
    const rename = p.applyStatement(query('RENAME TABLE t TO u'));
    expect(rename.schemaChanges.map((c) => [c.kind, c.table, c.schema === null])).toEqual([
      ['rename', 'shop.t', true],
      ['rename', 'shop.u', false],
    ]);
    expect(rename.tableEvents).toEqual([{ kind: 'rename', table: 'shop.t', to: 'shop.u' }]);
    expect(p.applyStatement(query('TRUNCATE u')).tableEvents).toEqual([{ kind: 'truncate', table: 'shop.u' }]);
    expect(p.applyStatement(query('DROP TABLE u')).tableEvents).toEqual([{ kind: 'drop', table: 'shop.u' }]);
    expect(p.table('shop', 'u')).toBeUndefined();
    expect(p.counters.ddl).toBe(6);
  });

  it("reads string literals under the event's sql_mode: backslash escapes unless NO_BACKSLASH_ESCAPES, double quotes as names under ANSI_QUOTES", () => {
    // Bits as the servers number them (SET sql_mode = 2^n reads back the name).
    const STRICT_TRANS_TABLES = 1n << 21n;
    const NO_BACKSLASH_ESCAPES = 1n << 20n;
    const ANSI_QUOTES = 1n << 2n;
    const enumValues = (sqlMode: bigint): readonly string[] | undefined => {
      const p = processor();
      const r = p.applyStatement(query(String.raw`CREATE TABLE t (id INT PRIMARY KEY, e ENUM('a\\b', 'it''s', 'x\ty'))`, 1000, 'shop', sqlMode));
      return r.schemaChanges[0]?.schema?.columns[1]?.values;
    };
    // MySQL 8 and MariaDB log STRICT_TRANS_TABLES by default: escapes still apply.
    expect(enumValues(STRICT_TRANS_TABLES)).toEqual(['a\\b', "it's", 'x\ty']);
    expect(enumValues(0n)).toEqual(['a\\b', "it's", 'x\ty']);
    expect(enumValues(NO_BACKSLASH_ESCAPES | STRICT_TRANS_TABLES)).toEqual(['a\\\\b', "it's", 'x\\ty']);
    // The statement MySQL 8 logs for CREATE USER with a random caching_sha2_password salt.
    const user = String.raw`CREATE USER 'u'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$\'HU\"k\\#\Z>8(9wu9QU7p6N8pcxqOvKwNSEEgs0qNFugcz3xL/izEtjh3li3'`;
    const p = processor();
    expect(p.applyStatement(query(user, 1000, 'shop', STRICT_TRANS_TABLES))).toMatchObject({ schemaChanges: [], tableEvents: [] });
    expect(p.counters.ignored).toBe(1);
    const ansi = processor().applyStatement(query('CREATE TABLE "q" (id INT PRIMARY KEY)', 1000, 'shop', ANSI_QUOTES));
    expect(ansi.tableEvents).toEqual([{ kind: 'create', table: 'shop.q' }]);
  });

  it("applies an ALTER logged in two phases (MariaDB's binlog_alter_two_phase) once, at its COMMIT ALTER; not at all when rolled back", () => {
    const phase = (statement: string, gtidFlags3: number): QueryEvent => ({ ...query(statement), status: { gtidFlags3 } });
    const columns = (p: SchemaProcessor): string[] | undefined => p.table('shop', 't')?.columns.map((c) => c.name);
    const p = processor();
    p.applyStatement(query('CREATE TABLE t (id INT PRIMARY KEY)'));
    const alter = 'ALTER TABLE t ADD COLUMN w INT';
    expect(p.applyStatement(phase(alter, 2)).schemaChanges).toEqual([]);
    expect(columns(p)).toEqual(['id']);
    expect(p.applyStatement(phase(alter, 4)).schemaChanges.map((c) => c.table)).toEqual(['shop.t']);
    expect(columns(p)).toEqual(['id', 'w']);
    // Started, then rolled back: no change.
    const other = 'ALTER TABLE t ADD COLUMN x INT';
    p.applyStatement(phase(other, 2));
    expect(p.applyStatement(phase(other, 8)).schemaChanges).toEqual([]);
    expect(columns(p)).toEqual(['id', 'w']);
  });

  it('stops on an unparseable statement with its position, or skips and logs it with --skip-unparseable-ddl', () => {
    const bad = query('CREATE TABLE broken (id INT PRIMARY KEY', 4242);
    let err: unknown;
    try {
      processor().applyStatement(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BinsnapError);
    expect((err as BinsnapError).code).toBe('BINSNAP_E_DDL_UNPARSEABLE');
    expect((err as BinsnapError).context.position).toBe('mysql-bin.000003:4242');
    const log = recordingLog();
    const p = processor(true, log);
    expect(p.applyStatement(bad)).toMatchObject({ schemaChanges: [], tableEvents: [] });
    expect(p.counters.skipped).toBe(1);
    expect(log.warnings[0]).toMatchObject({ position: 'mysql-bin.000003:4242', statement: bad.statement });
  });

  it('ignores statements that change no table and refuses statement-based row changes', () => {
    const p = processor();
    expect(p.applyStatement(query("GRANT SELECT ON shop.* TO 'u'@'%'")).schemaChanges).toEqual([]);
    expect(p.applyStatement(query('CREATE VIEW v AS SELECT 1')).schemaChanges).toEqual([]);
    expect(p.counters.ignored).toBe(2);
    expect(() => p.applyStatement(query('INSERT INTO t VALUES (1)', 77))).toThrow(
      expect.objectContaining({ code: 'BINSNAP_E_STATEMENT_BASED_CHANGE', context: expect.objectContaining({ position: 'mysql-bin.000003:77' }) }),
    );
    // The server's own tables are not user data.
    expect(p.applyStatement(query("INSERT INTO mysql.user VALUES ('x')")).schemaChanges).toEqual([]);
  });

  it('keeps database defaults as `db.` entries and names an ALTER of an unknown table with its position', () => {
    const p = processor();
    const r = p.applyStatement(query('CREATE DATABASE shop2 CHARACTER SET latin1'));
    expect(r.schemaChanges).toMatchObject([{ table: 'shop2.', kind: 'create', schema: { db: 'shop2', name: '', charset: 'latin1' } }]);
    expect(() => p.applyStatement(query('ALTER TABLE nowhere ADD COLUMN x INT', 99))).toThrow(
      expect.objectContaining({ code: 'BINSNAP_E_DDL_UNKNOWN_TABLE', context: expect.objectContaining({ position: 'mysql-bin.000003:99' }) }),
    );
  });
});
