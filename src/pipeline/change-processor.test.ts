/**
 * The change processor with and without change events (a pipeline without a
 * sink asks for none): the row changes are the same but for `event`, on
 * updates that keep their key, change it, change a JSON key cell only in
 * form, on tables without a key, and on images that leave columns out.
 */
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../core/position.js';
import type { TableSchema } from '../core/schema.js';
import type { RowImage, RowsEvent } from '../protocol/binlog/events.js';
import { MemoryStore } from '../store/memory-store.js';
import type { RowChange } from '../store/index.js';
import { ChangeProcessor, PartialImageSeen } from './change-processor.js';
import { SILENT_LOG } from './pipeline-log.js';

const POS = BinlogPosition.of('mysql-bin.000003', 1200n);
const START = BinlogPosition.of('mysql-bin.000003', 1000n);

function schema(key: readonly string[], columns: readonly string[]): TableSchema {
  return {
    db: 'd',
    name: 't',
    columns: columns.map((c) => ({ name: c, type: c === 'j' ? 'json' : 'int', unsigned: false, nullable: !key.includes(c) })),
    primaryKey: key,
    uniqueKeys: [],
  };
}

function updates(columns: readonly string[], pairs: ReadonlyArray<readonly [RowImage, RowImage]>): RowsEvent {
  return {
    kind: 'rows',
    action: 'update',
    type: 'UPDATE_ROWS_V1',
    typeCode: 24,
    timestamp: 1_700_000_000,
    serverId: 7,
    eventSize: 100,
    logPos: 1300,
    flags: 0,
    pos: POS,
    nextPos: POS.withOffset(1300n),
    inPayload: false,
    version: 1,
    tableId: 1,
    database: 'd',
    table: 't',
    columnNames: columns,
    rows: pairs.map(([before, after]) => ({ before, after })),
    partial: false,
    compressed: false,
  } as unknown as RowsEvent;
}

async function both(ev: RowsEvent, s: TableSchema): Promise<{ withEvents: RowChange[]; without: RowChange[] }> {
  const store = new MemoryStore();
  const withEvents = await new ChangeProcessor(store, SILENT_LOG, true).toChanges(ev, s, START);
  const without = await new ChangeProcessor(store, SILENT_LOG, false).toChanges(ev, s, START);
  return { withEvents, without };
}

const json = (v: unknown): RowImage[number] => v as RowImage[number];

const noEvent = (c: RowChange): RowChange => {
  const { event: _event, ...rest } = c;
  return rest;
};

describe('change processor, with and without change events', () => {
  it('an update that keeps its key: one upsert; the event (op u, the row before) only when asked for', async () => {
    const s = schema(['id'], ['id', 'v']);
    const { withEvents, without } = await both(updates(['id', 'v'], [[[1, 10], [1, 11]], [[2, 20], [2, 21]]]), s);
    expect(without).toEqual([
      { table: 'd.t', version: { fileNumber: 3, offset: 1200n, rowIndex: 0 }, op: 'upsert', identity: 'primary-key', key: { id: 1 }, values: { id: 1, v: 11 }, numericKeyColumns: ['id'] },
      { table: 'd.t', version: { fileNumber: 3, offset: 1200n, rowIndex: 1 }, op: 'upsert', identity: 'primary-key', key: { id: 2 }, values: { id: 2, v: 21 }, numericKeyColumns: ['id'] },
    ]);
    expect(without.every((c) => !('event' in c))).toBe(true);
    expect(withEvents.map((c) => c.event)).toEqual([
      { op: 'u', before: { id: 1, v: 10 }, serverId: 7 },
      { op: 'u', before: { id: 2, v: 20 }, serverId: 7 },
    ]);
    expect(withEvents.map(noEvent)).toEqual(without);
  });

  it('an update that changes its key: the delete of the old key, then the upsert of the new one', async () => {
    const s = schema(['a', 'b'], ['a', 'b', 'v']);
    const { withEvents, without } = await both(updates(['a', 'b', 'v'], [[[1, 'x', 0], [1, 'y', 0]], [[5, 'z', 1], [5, 'z', 2]]]), s);
    expect(without.map((c) => [c.op, c.key, c.values, c.version.rowIndex])).toEqual([
      ['delete', { a: 1, b: 'x' }, null, 0],
      ['upsert', { a: 1, b: 'y' }, { a: 1, b: 'y', v: 0 }, 1],
      ['upsert', { a: 5, b: 'z' }, { a: 5, b: 'z', v: 2 }, 2],
    ]);
    expect(withEvents.map((c) => c.event?.op)).toEqual(['x', 'u', 'u']);
    expect(withEvents.map(noEvent)).toEqual(without);
  });

  it('a key cell holding JSON: equal content is the same key, other content a new key', async () => {
    const s = schema(['j'], ['j', 'v']);
    const { withEvents, without } = await both(
      updates(['j', 'v'], [
        [[json({ p: [1] }), 1], [json({ p: [1] }), 2]],
        [[json({ p: [1] }), 2], [json({ p: [2] }), 2]],
      ]),
      s,
    );
    expect(without.map((c) => [c.op, c.key])).toEqual([
      ['upsert', { j: { p: [1] } }],
      ['delete', { j: { p: [1] } }],
      ['upsert', { j: { p: [2] } }],
    ]);
    expect(withEvents.map(noEvent)).toEqual(without);
  });

  it('a table without a key: every update removes the old row and adds the new one', async () => {
    const s = schema([], ['a', 'b']);
    const { withEvents, without } = await both(updates(['a', 'b'], [[[1, 2], [1, 3]]]), s);
    expect(without.map((c) => [c.op, c.identity, c.key, c.values])).toEqual([
      ['delete', 'whole-row', { a: 1, b: 2 }, null],
      ['upsert', 'whole-row', { a: 1, b: 3 }, { a: 1, b: 3 }],
    ]);
    expect(withEvents.map(noEvent)).toEqual(without);
  });

  it('an image that leaves a column out takes the slow path in both modes', async () => {
    const s = schema(['id'], ['id', 'v']);
    for (const events of [true, false]) {
      const p = new ChangeProcessor(new MemoryStore(), SILENT_LOG, events);
      await expect(Promise.resolve().then(() => p.toChanges(updates(['id', 'v'], [[[1, undefined], [1, 3]]]), s, START))).rejects.toThrow(PartialImageSeen);
    }
  });

  it('rows of a table without a schema: whole rows by their columns, the same for the same columns across events', async () => {
    const p = new ChangeProcessor(new MemoryStore(), SILENT_LOG, false);
    const first = await p.toChanges(updates(['a', 'b'], [[[1, 2], [1, 3]]]), undefined, START);
    const again = await p.toChanges(updates(['a', 'b'], [[[1, 3], [1, 4]]]), undefined, START);
    const other = await p.toChanges(updates(['b', 'a'], [[[5, 6], [7, 6]]]), undefined, START);
    expect([...first, ...again, ...other].map((c) => [c.op, c.identity, c.key, c.values])).toEqual([
      ['delete', 'whole-row', { a: 1, b: 2 }, null],
      ['upsert', 'whole-row', { a: 1, b: 3 }, { a: 1, b: 3 }],
      ['delete', 'whole-row', { a: 1, b: 3 }, null],
      ['upsert', 'whole-row', { a: 1, b: 4 }, { a: 1, b: 4 }],
      ['delete', 'whole-row', { b: 5, a: 6 }, null],
      ['upsert', 'whole-row', { b: 7, a: 6 }, { b: 7, a: 6 }],
    ]);
    expect(Object.keys(other[1]!.values!)).toEqual(['b', 'a']);
  });

  it('keeps a column named __proto__ as an own property on the slow path (images that leave columns out)', async () => {
    const s = schema(['id'], ['id', 'v', '__proto__']);
    const p = new ChangeProcessor(new MemoryStore(), SILENT_LOG, false);
    p.startCache([], true);
    const out = await p.toChanges(updates(['id', 'v', '__proto__'], [[[1, 2, 'p'], [1, undefined, 'q']]]), s, START);
    const values = out[0]!.values!;
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(values, '__proto__')?.value).toBe('q');
    expect(Object.keys(values)).toEqual(['id', 'v', '__proto__']);
  });
});
