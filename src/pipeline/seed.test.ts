import { describe, expect, it } from 'vitest';
import { formatGtidSet, parseGtidSet } from '../core/gtid.js';
import { BinlogPosition } from '../core/position.js';
import { MemoryStore } from '../store/memory-store.js';
import { MARIADB_DEFAULTS } from './ddl/index.js';
import { SeedWriter, seedRowChange, seedSchema } from './seed.js';

const P = BinlogPosition.of('mysql-bin.000003', 1234);

const schema = () =>
  seedSchema(
    new Map([['d', 'CREATE DATABASE `d` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */']]),
    [
      { db: 'd', table: 'k', ddl: 'CREATE TABLE `k` (\n  `id` bigint(20) unsigned NOT NULL,\n  `v` varchar(10) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB' },
      { db: 'd', table: 'u', ddl: 'CREATE TABLE `u` (\n  `a` varchar(10) NOT NULL,\n  `n` decimal(5,2) DEFAULT NULL,\n  UNIQUE KEY `a` (`a`)\n) ENGINE=InnoDB' },
      { db: 'd', table: 'm', ddl: 'CREATE TABLE `m` (\n  `x` int(11) DEFAULT NULL\n) ENGINE=InnoDB' },
    ],
    MARIADB_DEFAULTS,
  );

describe('seedSchema', () => {
  it('records databases and tables as initial schema versions and a create event per table', () => {
    const s = schema();
    expect(s.schemaChanges.map((c) => [c.table, c.kind])).toEqual([
      ['d.', 'initial'],
      ['d.k', 'initial'],
      ['d.u', 'initial'],
      ['d.m', 'initial'],
    ]);
    expect(s.schemaChanges[0]!.schema).toMatchObject({ db: 'd', name: '', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' });
    expect(s.tableEvents).toEqual([
      { kind: 'create', table: 'd.k' },
      { kind: 'create', table: 'd.u' },
      { kind: 'create', table: 'd.m' },
    ]);
    const [k, u, m] = s.tables;
    expect(k).toMatchObject({ name: 'd.k', keyColumns: ['id'], numericKeyColumns: ['id'] });
    expect(u).toMatchObject({ name: 'd.u', keyColumns: ['a'], numericKeyColumns: [] });
    expect(m).toMatchObject({ name: 'd.m', keyColumns: [], numericKeyColumns: [] });
    expect(k!.schema.columns[1]).toMatchObject({ name: 'v', charset: 'utf8mb4' });
  });

  it('names the table whose definition does not parse', () => {
    expect(() => seedSchema(new Map(), [{ db: 'd', table: 'x', ddl: 'CREATE TABLE `x` (' }], MARIADB_DEFAULTS)).toThrow(/d\.x/);
  });
});

describe('seed rows', () => {
  it('keys rows like the change processor: identity columns, or the whole row', () => {
    const [k, , m] = schema().tables;
    expect(seedRowChange(k!, { id: '18446744073709551615', v: 'a' }, P, 7)).toEqual({
      table: 'd.k',
      version: { fileNumber: 3, offset: 1234n, rowIndex: 7 },
      op: 'upsert',
      identity: 'primary-key',
      key: { id: '18446744073709551615' },
      values: { id: '18446744073709551615', v: 'a' },
      numericKeyColumns: ['id'],
      event: { op: 'r', before: null },
    });
    expect(seedRowChange(m!, { x: 1 }, P, 0)).toMatchObject({ identity: 'whole-row', key: { x: 1 } });
    // Without a sink, no change event.
    expect('event' in seedRowChange(k!, { id: '1', v: 'a' }, P, 7, false)).toBe(false);
  });

  it('writes one transaction at P with unique row indexes across tables, and the checkpoint', async () => {
    const store = new MemoryStore();
    const s = schema();
    const [k, u, m] = s.tables;
    const w = await SeedWriter.begin(store, P, s, 1_700_000_000_000);
    await Promise.all([w.addRows(k!, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }]), w.addRows(m!, [{ x: 1 }, { x: 1 }]), w.addRows(u!, [{ a: 'q', n: '1.50' }])]);
    expect(w.rowCount).toBe(5);
    await w.commit(undefined);
    const rows = async (t: string): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of store.readTable(t, { kind: 'position', position: P })) out.push(r);
      return out;
    };
    expect(await rows('d.k')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    expect(await rows('d.m')).toEqual([{ x: 1 }, { x: 1 }]);
    expect(await rows('d.u')).toEqual([{ a: 'q', n: '1.50' }]);
    expect((await store.checkpoint())?.position.format()).toBe(P.format());
    expect((await store.schemaAt('d.k', { kind: 'latest' }))?.kind).toBe('initial');
    const versions = (await store.tableStats()).reduce((n, t) => n + t.versions, 0);
    expect(versions).toBe(5);
  });

  it('aborted, leaves nothing', async () => {
    const store = new MemoryStore();
    const s = schema();
    const w = await SeedWriter.begin(store, P, s, 1_700_000_000_000);
    await w.addRows(s.tables[0]!, [{ id: 1, v: 'a' }]);
    await w.abort();
    expect(await store.checkpoint()).toBeNull();
    expect(await store.tableStats()).toEqual([]);
  });

  it('in chunks: each chunk is durable, reports the marks it covers, and the chunks add up to one seed at P', async () => {
    const store = new MemoryStore();
    const s = schema();
    const [k, , m] = s.tables;
    const w = await SeedWriter.begin(store, P, s, 1_700_000_000_000);
    await w.addRows(k!, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }], { unit: 0, below: 3n });
    await w.addRows(m!, [{ x: 1 }], { unit: 1, below: 'end' });
    expect(w.pendingRows).toBe(3);
    // A batch queued after the chunk is not covered by it.
    const covered: Array<Record<string, unknown>> = [];
    const indexes: number[] = [];
    // The record is committed with the chunk.
    const record = (c: ReadonlyMap<number, bigint | 'end'>, nextIndex: number): Record<string, string> => {
      covered.push(Object.fromEntries(c));
      indexes.push(nextIndex);
      return { seed: `chunk ${covered.length}` };
    };
    const first = w.chunk(record);
    const later = w.addRows(k!, [{ id: 7, v: 'c' }], { unit: 0, below: 8n });
    await first;
    expect(covered).toEqual([{ 0: 3n, 1: 'end' }]);
    expect(await store.getMeta('seed')).toBe('chunk 1');
    await later;
    expect(w.pendingRows).toBe(1);
    // A chunk's checkpoint carries no GTID position: only the last one (a finished seed) does.
    expect((await store.checkpoint())?.gtidSet).toBeUndefined();
    const read = async (t: string): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const r of store.readTable(t, { kind: 'position', position: P })) out.push(r);
      return out;
    };
    expect(await read('d.k')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    await w.chunk(record);
    expect(covered[1]).toEqual({ 0: 8n, 1: 'end' });
    expect(indexes).toEqual([3, 4]);
    expect(await store.getMeta('seed')).toBe('chunk 2');
    await w.addRows(m!, [{ x: 2 }]);
    await w.commit(parseGtidSet('0-1-42'), { seed: null });
    expect(await store.getMeta('seed')).toBeNull();
    expect((await store.checkpoint())?.position.format()).toBe(P.format());
    expect(formatGtidSet((await store.checkpoint())!.gtidSet!)).toBe('0-1-42');
    expect(await read('d.k')).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 7, v: 'c' }]);
    expect(await read('d.m')).toEqual([{ x: 1 }, { x: 2 }]);
    expect((await store.schemaHistory('d.k')).map((h) => h.kind)).toEqual(['initial']);
  });

  it('a resumed seed at the same position continues the row indexes: another row at a stored index would conflict', async () => {
    const s = schema();
    const [k] = s.tables;
    for (const firstIndex of [2, 0]) {
      const store = new MemoryStore();
      const first = await SeedWriter.begin(store, P, s, 1_700_000_000_000);
      await first.addRows(k!, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }], { unit: 0, below: 3n });
      let recorded = -1;
      await first.chunk((_c, next) => {
        recorded = next;
        return {};
      });
      expect(recorded).toBe(2);
      await first.abort();
      // The source did not change: the resume takes the same position and reads the rest.
      const again = await SeedWriter.begin(store, P, s, 1_700_000_000_000, undefined, firstIndex);
      const rest = again.addRows(k!, [{ id: 3, v: 'c' }]).then(() => again.commit(undefined));
      if (firstIndex === 0) {
        await expect(rest).rejects.toMatchObject({ code: 'BINSNAP_E_STORE_CONFLICT' });
        continue;
      }
      await rest;
      const rows: unknown[] = [];
      for await (const r of store.readTable('d.k', { kind: 'latest' })) rows.push(r);
      expect(rows).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 3, v: 'c' }]);
    }
    await expect(SeedWriter.begin(new MemoryStore(), P, s, 1, undefined, 2 ** 32 + 1)).rejects.toMatchObject({ code: 'BINSNAP_E_INTERNAL' });
  });
});
