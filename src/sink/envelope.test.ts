import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../core/position.js';
import type { RowChange, TransactionEnd, TransactionStart } from '../store/index.js';
import { binlogFileName, rowOp, rowRecord, schemaTopic, tableTopic, transactionEndRecords, TransactionOrder, type EnvelopeContext } from './envelope.js';
import { isTransientKafkaError } from './kafka-sink.js';

const ctx: EnvelopeContext = { topicPrefix: 'bs', serverId: 7, now: () => 1_700_000_000_123 };
const start = BinlogPosition.of('mysql-bin.000003', 1000);
const tx: TransactionStart = { startPosition: start, gtid: '0-1-42' };
const end: TransactionStart & TransactionEnd = { ...tx, commitPosition: start.withOffset(2000), commitTimestamp: 1_699_999_999_000 };

function change(p: Partial<RowChange> & Pick<RowChange, 'op' | 'key' | 'values'>): RowChange {
  return { table: 'shop.orders', version: { fileNumber: 3, offset: 1234n, rowIndex: 0 }, identity: 'primary-key', ...p };
}

const parse = (s: string): unknown => JSON.parse(s);

describe('row records', () => {
  it('insert: key is the primary key as JSON, value the exact envelope; big integers stay strings', () => {
    const c = change({ op: 'upsert', key: { id: '18446744073709551615' }, values: { id: '18446744073709551615', qty: 2, note: null }, event: { op: 'c', before: null } });
    const r = rowRecord(ctx, tx, c, end.commitTimestamp, new TransactionOrder());
    expect(r.topic).toBe('bs.shop.orders');
    expect(r.key).toBe('{"id":"18446744073709551615"}');
    expect(r.value).toBe(
      '{"before":null,"after":{"id":"18446744073709551615","qty":2,"note":null},' +
        '"source":{"file":"mysql-bin.000003","pos":1234,"row":0,"gtid":"0-1-42","server_id":7,"db":"shop","table":"orders","ts_ms":1699999999000,"snapshot":false},' +
        '"op":"c","identity":"primary-key","ts_ms":1700000000123,"transaction":{"id":"0-1-42","total_order":1,"data_collection_order":1}}',
    );
  });

  it('update and delete carry before images; orders count per transaction and per table', () => {
    const order = new TransactionOrder();
    const u = rowRecord(ctx, tx, change({ op: 'upsert', key: { id: 1 }, values: { id: 1, qty: 3 }, event: { op: 'u', before: { id: 1, qty: 2 } } }), 5, order);
    const other = rowRecord(ctx, tx, change({ table: 'shop.items', op: 'upsert', key: { id: 9 }, values: { id: 9 }, event: { op: 'c', before: null } }), 5, order);
    const d = rowRecord(
      ctx,
      tx,
      change({ op: 'delete', key: { id: 1 }, values: null, version: { fileNumber: 3, offset: 1300n, rowIndex: 2 }, event: { op: 'd', before: { id: 1, qty: 3 } } }),
      5,
      order,
    );
    expect(parse(u.value)).toMatchObject({ op: 'u', before: { id: 1, qty: 3 - 1 }, after: { id: 1, qty: 3 }, transaction: { total_order: 1, data_collection_order: 1 } });
    expect(other.topic).toBe('bs.shop.items');
    expect(parse(other.value)).toMatchObject({ transaction: { total_order: 2, data_collection_order: 1 } });
    expect(d.key).toBe('{"id":1}');
    expect(parse(d.value)).toEqual({
      before: { id: 1, qty: 3 },
      after: null,
      source: { file: 'mysql-bin.000003', pos: 1300, row: 2, gtid: '0-1-42', server_id: 7, db: 'shop', table: 'orders', ts_ms: 5, snapshot: false },
      op: 'd',
      identity: 'primary-key',
      ts_ms: 1_700_000_000_123,
      transaction: { id: '0-1-42', total_order: 3, data_collection_order: 2 },
    });
  });

  it('a key change is a d of the old key (from the x version) then a u under the new key', () => {
    const order = new TransactionOrder();
    const before = { id: 1, qty: 2 };
    const del = rowRecord(ctx, tx, change({ op: 'delete', key: { id: 1 }, values: null, event: { op: 'x', before } }), 5, order);
    const up = rowRecord(
      ctx,
      tx,
      change({ op: 'upsert', key: { id: 2 }, values: { id: 2, qty: 2 }, version: { fileNumber: 3, offset: 1234n, rowIndex: 1 }, event: { op: 'u', before } }),
      5,
      order,
    );
    expect([del.key, up.key]).toEqual(['{"id":1}', '{"id":2}']);
    expect(parse(del.value)).toMatchObject({ op: 'd', before, after: null, source: { row: 0 } });
    expect(parse(up.value)).toMatchObject({ op: 'u', before, after: { id: 2, qty: 2 }, source: { row: 1 } });
  });

  it('an ALTER rewrite (x upsert) is a u with the stored row as before; seed rows are r with snapshot true', () => {
    const x = rowRecord(ctx, tx, change({ op: 'upsert', key: { id: 1 }, values: { id: 1, c: 'new' }, event: { op: 'x', before: { id: 1 } } }), 5, new TransactionOrder());
    expect(parse(x.value)).toMatchObject({ op: 'u', before: { id: 1 }, after: { id: 1, c: 'new' } });
    const r = rowRecord(ctx, { startPosition: start }, change({ op: 'upsert', key: { id: 1 }, values: { id: 1 }, event: { op: 'r', before: null } }), 5, new TransactionOrder());
    expect(parse(r.value)).toMatchObject({ op: 'r', before: null, source: { snapshot: true, gtid: null }, transaction: { id: 'mysql-bin.000003:1000' } });
  });

  it('a table without a primary key: the whole row is the key, identity whole-row', () => {
    const row = { a: 1, b: 'x' };
    const r = rowRecord(ctx, tx, change({ identity: 'whole-row', op: 'upsert', key: row, values: row, event: { op: 'c', before: null } }), null, new TransactionOrder());
    expect(r.key).toBe('{"a":1,"b":"x"}');
    expect(parse(r.value)).toMatchObject({ identity: 'whole-row', source: { ts_ms: null } });
  });

  it('file names come from the transaction file base and the version file number', () => {
    expect(binlogFileName(start, 3)).toBe('mysql-bin.000003');
    expect(binlogFileName(start, 12)).toBe('mysql-bin.000012');
    const r = rowRecord(ctx, tx, change({ op: 'upsert', key: { id: 1 }, values: { id: 1 }, version: { fileNumber: 4, offset: 9_007_199_254_740_993n, rowIndex: 5 } }), 5, new TransactionOrder());
    expect(parse(r.value)).toMatchObject({ op: 'u', before: null, source: { file: 'mysql-bin.000004', pos: '9007199254740993', row: 5 } });
  });

  it('rowOp covers every event kind', () => {
    expect(rowOp(change({ op: 'delete', key: { id: 1 }, values: null })).before).toEqual({ id: 1 });
  });
});

describe('source.server_id', () => {
  it('is the server id of the rows event when the change carries it, else the configured one', () => {
    const start: TransactionStart = { startPosition: BinlogPosition.of('mysql-bin.000003', 100) };
    const base: RowChange = {
      table: 'shop.t',
      version: { fileNumber: 3, offset: 200n, rowIndex: 0 },
      op: 'upsert',
      identity: 'primary-key',
      key: { id: 1 },
      values: { id: 1 },
      event: { op: 'c', before: null, serverId: 42 },
    };
    const withId = JSON.parse(rowRecord(ctx, start, base, 5, new TransactionOrder()).value) as { source: { server_id: number | null } };
    expect(withId.source.server_id).toBe(42);
    const without = JSON.parse(rowRecord(ctx, start, { ...base, event: { op: 'c', before: null } }, 5, new TransactionOrder()).value) as {
      source: { server_id: number | null };
    };
    expect(without.source.server_id).toBe(7);
  });
});

describe('transaction end records', () => {
  it('DDL and table events go to schema-changes at the transaction start; a truncate also as op t with key null', () => {
    const order = new TransactionOrder();
    const recs = transactionEndRecords(
      ctx,
      {
        ...end,
        schemaChanges: [{ table: 'shop.orders', schema: null, ddl: 'TRUNCATE TABLE orders', kind: 'truncate' }],
        tableEvents: [{ kind: 'truncate', table: 'shop.orders' }],
      },
      order,
    );
    expect(recs.map((r) => [r.topic, r.key])).toEqual([
      ['bs.schema-changes', '{"table":"shop.orders"}'],
      ['bs.schema-changes', '{"table":"shop.orders"}'],
      ['bs.shop.orders', null],
    ]);
    const src = { file: 'mysql-bin.000003', pos: 1000, gtid: '0-1-42', server_id: 7, db: 'shop', table: 'orders', ts_ms: 1_699_999_999_000, snapshot: false };
    expect(recs[0]!.value).toBe(
      '{"type":"ddl","kind":"truncate","table":"shop.orders","ddl":"TRUNCATE TABLE orders","schema":null,' +
        '"source":{"file":"mysql-bin.000003","pos":1000,"row":0,"gtid":"0-1-42","server_id":7,"db":"shop","table":"orders","ts_ms":1699999999000,"snapshot":false},' +
        '"ts_ms":1700000000123,"transaction":{"id":"0-1-42","total_order":1,"data_collection_order":1}}',
    );
    expect(parse(recs[1]!.value)).toEqual({
      type: 'table',
      kind: 'truncate',
      table: 'shop.orders',
      source: { ...src, row: 1 },
      ts_ms: 1_700_000_000_123,
      transaction: { id: '0-1-42', total_order: 2, data_collection_order: 2 },
    });
    expect(parse(recs[2]!.value)).toEqual({
      before: null,
      after: null,
      source: { ...src, row: 1 },
      op: 't',
      ts_ms: 1_700_000_000_123,
      transaction: { id: '0-1-42', total_order: 3, data_collection_order: 1 },
    });
  });

  it('rename carries its target; the schema travels with a DDL record', () => {
    const schema = { db: 'shop', name: 'b', columns: [], primaryKey: ['id'], uniqueKeys: [] };
    const recs = transactionEndRecords(
      ctx,
      { ...end, schemaChanges: [{ table: 'shop.b', schema, ddl: 'RENAME TABLE a TO b', kind: 'rename' }], tableEvents: [{ kind: 'rename', table: 'shop.a', to: 'shop.b' }] },
      new TransactionOrder(),
    );
    expect(parse(recs[0]!.value)).toMatchObject({ type: 'ddl', kind: 'rename', schema, ddl: 'RENAME TABLE a TO b' });
    expect(parse(recs[1]!.value)).toMatchObject({ type: 'table', kind: 'rename', table: 'shop.a', to: 'shop.b', source: { row: 1 } });
  });
});

describe('topics', () => {
  it('names per table, invalid characters replaced, very long names cut with a hash', () => {
    expect(tableTopic('bs', 'my db.t$1')).toBe('bs.my_db.t_1');
    expect(schemaTopic('bs')).toBe('bs.schema-changes');
    const long = tableTopic('bs', `d.${'x'.repeat(300)}`);
    expect(long.length).toBe(249);
    expect(long).not.toBe(tableTopic('bs', `d.${'x'.repeat(301)}`));
  });
});

describe('kafka error classification', () => {
  it('connection loss and exhausted retries are transient; SASL and non-retriable protocol errors are not', () => {
    const conn = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    expect(isTransientKafkaError(conn)).toBe(true);
    expect(isTransientKafkaError(Object.assign(new Error('retries'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause: conn }))).toBe(true);
    expect(isTransientKafkaError(Object.assign(new Error('SASL'), { name: 'KafkaJSSASLAuthenticationError', retriable: false }))).toBe(false);
    expect(isTransientKafkaError(Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', retriable: false, type: 'MESSAGE_TOO_LARGE' }))).toBe(false);
    expect(isTransientKafkaError(new Error('something else'))).toBe(false);
  });
});
