import { describe, expect, it } from 'vitest';
import { BinsnapError } from '../core/errors.js';
import { BinlogPosition } from '../core/position.js';
import { emptyCatalog } from './ddl/index.js';
import type { PipelineLog } from './pipeline-log.js';
import { SchemaProcessor } from './schema-processor.js';
import type { QueryEvent } from './transaction-assembler.js';

function query(statement: string, offset = 1000, database = 'shop'): QueryEvent {
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
    status: {},
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
