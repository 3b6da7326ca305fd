/**
 * The SnapshotStore contract suite (SPEC §1, §4): every backend registers it
 * with a factory and must pass all of it unchanged. Each test gets a fresh,
 * empty store. `reopen`, when the backend persists, closes the store and
 * opens the same data again (restart and crash-rollback tests).
 */
import { describe, expect, it } from 'vitest';
import { isBinsnapError } from '../core/errors.js';
import { parseGtidSet } from '../core/gtid.js';
import type { JsonValue, RowValues, SnapshotStore } from './snapshot-store.js';
import { add, at, del, LATEST, pos, readAll, remove, tableSchema, txn, upsert, versionCount } from './contract-fixtures.test-util.js';

export interface StoreUnderTest {
  readonly store: SnapshotStore;
  readonly cleanup: () => Promise<void>;
  /** Closes `store` and opens the same data again; absent for backends that do not persist. */
  readonly reopen?: () => Promise<SnapshotStore>;
}

export type StoreFactory = () => Promise<StoreUnderTest>;

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isBinsnapError(err) ? err.code : err).toBe(code);
}

const T = 'shop.orders';

/** Three transactions on `shop.orders`: insert 1 and 2, then update 1 and delete 2, then re-insert 2. */
function threeTransactions(): ReturnType<typeof txn>[] {
  return [
    txn({ start: [1, 100], commit: [1, 200], ts: 1000, rows: [upsert(T, { id: 1 }, { id: 1, v: 'a' }, [1, 150, 0]), upsert(T, { id: 2 }, { id: 2, v: 'b' }, [1, 150, 1])] }),
    txn({ start: [1, 200], commit: [1, 300], ts: 2000, rows: [upsert(T, { id: 1 }, { id: 1, v: 'a2' }, [1, 250]), del(T, { id: 2 }, [1, 260])] }),
    txn({ start: [1, 300], commit: [1, 400], ts: 3000, rows: [upsert(T, { id: 2 }, { id: 2, v: 'b3' }, [1, 350])] }),
  ];
}

export function describeSnapshotStoreContract(name: string, factory: StoreFactory): void {
  async function withStore(fn: (s: StoreUnderTest) => Promise<void>): Promise<void> {
    const s = await factory();
    try {
      await fn(s);
    } finally {
      await s.cleanup();
    }
  }

  describe(`SnapshotStore contract: ${name}`, () => {
    describe('as-of reads', () => {
      it('an empty store has no rows, no checkpoint and resolves nothing', () =>
        withStore(async ({ store }) => {
          expect(await readAll(store, T)).toEqual([]);
          expect(await store.checkpoint()).toBeNull();
          expect(await store.resolveAsOf(LATEST)).toBeNull();
          expect(await store.tableStats()).toEqual([]);
        }));

      it('shows the state after every transaction committed at or before the position, at and between boundaries', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          expect(await readAll(store, T, at(1, 99))).toEqual([]);
          // Inside the first transaction: its rows event is at 150 but it commits at 200.
          expect(await readAll(store, T, at(1, 150))).toEqual([]);
          expect(await readAll(store, T, at(1, 199))).toEqual([]);
          const first = [{ id: 1, v: 'a' }, { id: 2, v: 'b' }];
          expect(await readAll(store, T, at(1, 200))).toEqual(first);
          expect(await readAll(store, T, at(1, 260))).toEqual(first);
          expect(await readAll(store, T, at(1, 300))).toEqual([{ id: 1, v: 'a2' }]);
          expect(await readAll(store, T, at(1, 399))).toEqual([{ id: 1, v: 'a2' }]);
          const last = [{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }];
          expect(await readAll(store, T, at(1, 400))).toEqual(last);
          expect(await readAll(store, T, at(2, 4))).toEqual(last);
          expect(await readAll(store, T)).toEqual(last);
          expect((await store.resolveAsOf(at(1, 399)))?.format()).toBe('mysql-bin.000001:300');
          expect((await store.resolveAsOf(LATEST))?.format()).toBe('mysql-bin.000001:400');
          expect(await store.resolveAsOf(at(1, 150))).toBeNull();
        }));

      it('compares file numbers numerically across binlog files', () =>
        withStore(async ({ store }) => {
          await store.apply([
            txn({ start: [9, 100], commit: [9, 200], rows: [upsert(T, { id: 1 }, { id: 1, v: 'nine' }, [9, 150])] }),
            txn({ start: [10, 4], commit: [10, 90], rows: [upsert(T, { id: 1 }, { id: 1, v: 'ten' }, [10, 50])] }),
          ]);
          expect(await readAll(store, T, at(9, 1_000_000))).toEqual([{ id: 1, v: 'nine' }]);
          expect(await readAll(store, T, at(10, 90))).toEqual([{ id: 1, v: 'ten' }]);
        }));

      it('resolves an instant to the last transaction (by position) whose commit time is not after it', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          const instant = (ms: number) => ({ kind: 'instant', at: new Date(ms) }) as const;
          expect(await readAll(store, T, instant(999))).toEqual([]);
          expect(await readAll(store, T, instant(1000))).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
          expect(await readAll(store, T, instant(2999))).toEqual([{ id: 1, v: 'a2' }]);
          expect(await readAll(store, T, instant(10_000))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect((await store.resolveAsOf(instant(2500)))?.format()).toBe('mysql-bin.000001:300');
        }));

      it('with clocks stepping backwards, an instant includes everything up to the last commit at or before it', () =>
        withStore(async ({ store }) => {
          await store.apply([
            txn({ start: [1, 100], commit: [1, 200], ts: 5000, rows: [upsert(T, { id: 1 }, { id: 1 }, [1, 150])] }),
            txn({ start: [1, 200], commit: [1, 300], ts: 3000, rows: [upsert(T, { id: 2 }, { id: 2 }, [1, 250])] }),
          ]);
          expect(await readAll(store, T, { kind: 'instant', at: new Date(4000) })).toEqual([{ id: 1 }, { id: 2 }]);
        }));

      it('keeps a column named __proto__ or constructor as an ordinary column', () =>
        withStore(async ({ store }) => {
          // JSON.parse makes __proto__ an own property, as the pipeline's row objects do.
          const row = JSON.parse('{"id":1,"__proto__":"p","constructor":2}') as Record<string, JsonValue>;
          const partial = JSON.parse('{"id":2,"__proto__":"q"}') as Record<string, JsonValue>;
          await store.apply([txn({ start: [1, 100], commit: [1, 200], ts: 1000, rows: [upsert(T, { id: 1 }, row, [1, 150, 0]), upsert(T, { id: 2 }, partial, [1, 150, 1])] })]);
          const check = (got: RowValues | null, want: Record<string, JsonValue>): void => {
            expect(got).not.toBeNull();
            expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
            expect(Object.keys(got!)).toEqual(Object.keys(want));
            for (const k of Object.keys(want)) expect(Object.getOwnPropertyDescriptor(got, k)?.value).toBe(want[k]);
          };
          const all = await readAll(store, T);
          check(all[0] ?? null, row);
          check(all[1] ?? null, partial);
          check(await store.readRow(T, { id: 1 }, LATEST), row);
          check((await store.rowHistory(T, { id: 1 }))[0]?.values ?? null, row);
        }));

      it('upsert, delete and re-insert of one key; readRow as of a position', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          expect(await store.readRow(T, { id: 2 }, at(1, 200))).toEqual({ id: 2, v: 'b' });
          expect(await store.readRow(T, { id: 2 }, at(1, 300))).toBeNull();
          expect(await store.readRow(T, { id: 2 }, LATEST)).toEqual({ id: 2, v: 'b3' });
          expect(await store.readRow(T, { id: 3 }, LATEST)).toBeNull();
          expect(await store.readRow('shop.other', { id: 1 }, LATEST)).toBeNull();
        }));
    });

    describe('key order', () => {
      it('orders numeric keys numerically, negatives and fractions included', () =>
        withStore(async ({ store }) => {
          const ids = [10, 9, -1, 2.5, 0, -20, 1e21, 1e-7, 100];
          await store.apply([txn({ start: [1, 4], commit: [1, 1000], rows: ids.map((id, i) => upsert(T, { id }, { id }, [1, 10, i])) })]);
          expect((await readAll(store, T)).map((r) => r['id'])).toEqual([-20, -1, 0, 1e-7, 2.5, 9, 10, 100, 1e21]);
        }));

      it('orders strings by code point and composite keys column by column', () =>
        withStore(async ({ store }) => {
          const strs = ['b', 'a', 'B', 'é', 'ab', '', 'a\u0000', '😀', '\uffff'];
          const comp: [string, number][] = [['x', 2], ['w', 10], ['x', -1], ['w', 9], ['x', 10]];
          await store.apply([
            txn({
              start: [1, 4],
              commit: [1, 1000],
              rows: [
                ...strs.map((s, i) => upsert('d.s', { k: s }, { k: s }, [1, 10, i])),
                ...comp.map(([a, b], i) => upsert('d.c', { a, b }, { a, b }, [1, 20, i])),
              ],
            }),
          ]);
          expect((await readAll(store, 'd.s')).map((r) => r['k'])).toEqual(['', 'B', 'a', 'a\u0000', 'ab', 'b', 'é', '\uffff', '😀']);
          expect((await readAll(store, 'd.c')).map((r) => [r['a'], r['b']])).toEqual([['w', 9], ['w', 10], ['x', -1], ['x', 2], ['x', 10]]);
        }));

      it('sorts big integers and decimals given as strings numerically in numeric key columns', () =>
        withStore(async ({ store }) => {
          const ids = ['18446744073709551615', 5, '-9223372036854775808', '9007199254740993', -3, '-0.50', '9223372036854775807', '12.25'];
          const num = ['id'];
          await store.apply([txn({ start: [1, 4], commit: [1, 1000], rows: ids.map((id, i) => upsert(T, { id }, { id }, [1, 10, i], num)) })]);
          expect((await readAll(store, T)).map((r) => r['id'])).toEqual([
            '-9223372036854775808',
            -3,
            '-0.50',
            5,
            '12.25',
            '9007199254740993',
            '9223372036854775807',
            '18446744073709551615',
          ]);
          // A number and its digits are the same key in a numeric column.
          expect(await store.readRow(T, { id: '5' }, LATEST, { numericKeyColumns: num })).toEqual({ id: 5 });
          await store.apply([txn({ start: [1, 1000], commit: [1, 2000], rows: [del(T, { id: 5 }, [1, 1500])].map((c) => ({ ...c, numericKeyColumns: num })) })]);
          expect(await store.readRow(T, { id: '5' }, LATEST, { numericKeyColumns: num })).toBeNull();
        }));
    });

    describe('tables without a primary key', () => {
      it('keep a multiset: duplicates count, a delete removes one occurrence, never below zero', () =>
        withStore(async ({ store }) => {
          const P = 'd.log';
          const r1 = { a: 1, b: 'x' };
          const r2 = { a: 0, b: 'y' };
          await store.apply([
            txn({ start: [1, 4], commit: [1, 100], rows: [add(P, r1, [1, 50, 0]), add(P, r1, [1, 50, 1]), add(P, r2, [1, 50, 2]), add(P, r1, [1, 50, 3])] }),
            txn({ start: [1, 100], commit: [1, 200], rows: [remove(P, r1, [1, 150, 0]), remove(P, r2, [1, 150, 1]), remove(P, r2, [1, 150, 2])] }),
            txn({ start: [1, 200], commit: [1, 300], rows: [add(P, r2, [1, 250, 0])] }),
          ]);
          expect(await readAll(store, P, at(1, 100))).toEqual([r2, r1, r1, r1]);
          expect(await readAll(store, P, at(1, 200))).toEqual([r1, r1]);
          // The extra delete of r2 did not make its count negative: one insert brings it back.
          expect(await readAll(store, P)).toEqual([r2, r1, r1]);
          expect((await store.tableStats()).find((t) => t.table === P)).toEqual({ table: P, rows: 3, versions: 8 });
        }));
    });

    describe('table events', () => {
      it('a truncate empties the table from its position on, old versions stay readable', () =>
        withStore(async ({ store }) => {
          await store.apply([
            ...threeTransactions(),
            txn({ start: [1, 400], commit: [1, 450], events: [{ kind: 'truncate', table: T }] }),
            txn({ start: [1, 450], commit: [1, 500], rows: [upsert(T, { id: 7 }, { id: 7 }, [1, 480])] }),
          ]);
          expect(await readAll(store, T, at(1, 449))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(store, T, at(1, 450))).toEqual([]);
          expect(await readAll(store, T)).toEqual([{ id: 7 }]);
          // A row's history runs through a truncate.
          expect((await store.rowHistory(T, { id: 2 })).map((h) => h.op)).toEqual(['upsert', 'delete', 'upsert']);
        }));

      it('drop and re-create keep separate histories', () =>
        withStore(async ({ store }) => {
          await store.apply([
            ...threeTransactions(),
            txn({ start: [1, 400], commit: [1, 450], events: [{ kind: 'drop', table: T }] }),
            txn({ start: [1, 450], commit: [1, 500], events: [{ kind: 'create', table: T }] }),
            txn({ start: [1, 500], commit: [1, 600], rows: [upsert(T, { id: 2 }, { id: 2, v: 'new' }, [1, 550])] }),
          ]);
          expect(await readAll(store, T, at(1, 449))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(store, T, at(1, 450))).toEqual([]);
          expect(await readAll(store, T, at(1, 500))).toEqual([]);
          expect(await readAll(store, T)).toEqual([{ id: 2, v: 'new' }]);
          const history = await store.rowHistory(T, { id: 2 });
          expect(history.map((h) => h.values)).toEqual([{ id: 2, v: 'new' }]);
          expect(history[0]?.position.format()).toBe('mysql-bin.000001:550');
          expect(history[0]?.transaction.commitPosition.format()).toBe('mysql-bin.000001:600');
          expect((await store.tableEventsOf(T)).map((e) => e.event.kind)).toEqual(['drop', 'create']);
        }));

      it('rows written in the transaction that creates the table belong to the new table (CREATE … SELECT)', () =>
        withStore(async ({ store }) => {
          await store.apply([
            txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 1 }, { id: 1 }, [1, 150])] }),
            txn({ start: [1, 200], commit: [1, 300], events: [{ kind: 'drop', table: T }] }),
            txn({ start: [1, 300], commit: [1, 400], events: [{ kind: 'create', table: T }], rows: [upsert(T, { id: 5 }, { id: 5 }, [1, 350])] }),
          ]);
          expect(await readAll(store, T, at(1, 399))).toEqual([]);
          expect(await readAll(store, T)).toEqual([{ id: 5 }]);
        }));

      it('a renamed table carries its rows and history to the new name', () =>
        withStore(async ({ store }) => {
          const B = 'shop.orders_v2';
          await store.apply([
            ...threeTransactions(),
            txn({ start: [1, 400], commit: [1, 450], events: [{ kind: 'rename', table: T, to: B }] }),
            txn({ start: [1, 450], commit: [1, 500], rows: [upsert(B, { id: 3 }, { id: 3 }, [1, 480]), upsert(B, { id: 1 }, { id: 1, v: 'b1' }, [1, 481])] }),
          ]);
          expect(await readAll(store, B, at(1, 449))).toEqual([]);
          expect(await readAll(store, B, at(1, 450))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(store, B)).toEqual([{ id: 1, v: 'b1' }, { id: 2, v: 'b3' }, { id: 3 }]);
          expect(await readAll(store, T, at(1, 449))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(store, T)).toEqual([]);
          const history = await store.rowHistory(B, { id: 1 });
          expect(history.map((h) => [h.table, h.values])).toEqual([
            [T, { id: 1, v: 'a' }],
            [T, { id: 1, v: 'a2' }],
            [B, { id: 1, v: 'b1' }],
          ]);
          expect(await store.rowHistory(T, { id: 1 })).toEqual([]);
          expect((await store.tableEventsOf(B)).map((e) => e.event)).toEqual([{ kind: 'rename', table: T, to: B }]);
        }));

      it('a swap in one statement (RENAME t TO old, new TO t) resolves in statement order', () =>
        withStore(async ({ store }) => {
          const NEW = 'shop._orders_new';
          const OLD = 'shop._orders_old';
          await store.apply([
            txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 1 }, { id: 1, v: 'old' }, [1, 150])] }),
            txn({ start: [1, 200], commit: [1, 300], events: [{ kind: 'create', table: NEW }] }),
            txn({ start: [1, 300], commit: [1, 400], rows: [upsert(NEW, { id: 1 }, { id: 1, v: 'copied' }, [1, 350])] }),
            txn({ start: [1, 400], commit: [1, 500], events: [{ kind: 'rename', table: T, to: OLD }, { kind: 'rename', table: NEW, to: T }] }),
            txn({ start: [1, 500], commit: [1, 600], events: [{ kind: 'drop', table: OLD }] }),
          ]);
          expect(await readAll(store, T, at(1, 499))).toEqual([{ id: 1, v: 'old' }]);
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'copied' }]);
          expect(await readAll(store, OLD, at(1, 500))).toEqual([{ id: 1, v: 'old' }]);
          expect(await readAll(store, OLD)).toEqual([]);
          expect(await readAll(store, NEW)).toEqual([]);
        }));
    });

    describe('schema history', () => {
      it('returns the schema as of a position and every version with its DDL', () =>
        withStore(async ({ store }) => {
          const s1 = tableSchema('shop', 'orders', ['id', 'v']);
          const s2 = tableSchema('shop', 'orders', ['id', 'v', 'w']);
          await store.apply([
            txn({ start: [1, 100], commit: [1, 200], schemas: [{ table: T, schema: s1, ddl: 'CREATE TABLE orders (id INT PRIMARY KEY, v TEXT)', kind: 'create' }], events: [{ kind: 'create', table: T }] }),
            txn({ start: [1, 300], commit: [1, 400], schemas: [{ table: T, schema: s2, ddl: 'ALTER TABLE orders ADD w TEXT', kind: 'alter' }] }),
            txn({ start: [1, 500], commit: [1, 600], schemas: [{ table: T, schema: null, ddl: 'DROP TABLE orders', kind: 'drop' }] }),
          ]);
          expect(await store.schemaAt(T, at(1, 199))).toBeNull();
          expect((await store.schemaAt(T, at(1, 200)))?.schema).toEqual(s1);
          expect((await store.schemaAt(T, at(1, 399)))?.schema).toEqual(s1);
          const v2 = await store.schemaAt(T, at(1, 400));
          expect(v2?.schema).toEqual(s2);
          expect(v2?.ddl).toBe('ALTER TABLE orders ADD w TEXT');
          expect(v2?.transaction.commitPosition.format()).toBe('mysql-bin.000001:400');
          expect((await store.schemaAt(T, LATEST))?.schema).toBeNull();
          expect((await store.schemaHistory(T)).map((s) => [s.kind, s.transaction.commitPosition.format()])).toEqual([
            ['create', 'mysql-bin.000001:200'],
            ['alter', 'mysql-bin.000001:400'],
            ['drop', 'mysql-bin.000001:600'],
          ]);
          expect(await store.schemaHistory('shop.none')).toEqual([]);
          await store.apply([
            txn({ start: [1, 700], commit: [1, 800], schemas: [{ table: 'a.first', schema: s1, ddl: 'CREATE TABLE a.first (id INT PRIMARY KEY, v TEXT)', kind: 'create' }] }),
          ]);
          // Dropped names stay listed: their history is still readable.
          expect(await store.schemaTables()).toEqual(['a.first', T]);
        }));
    });

    describe('idempotency and order', () => {
      it('applying the same transactions again writes nothing new', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          const before = { rows: await readAll(store, T), versions: await versionCount(store), cp: await store.checkpoint() };
          await store.apply(threeTransactions());
          for (const t of threeTransactions()) await store.apply([t]);
          expect(await readAll(store, T)).toEqual(before.rows);
          expect(await versionCount(store)).toBe(before.versions);
          expect(await versionCount(store)).toBe(5);
          expect(await store.checkpoint()).toEqual(before.cp);
        }));

      it('two halves in either order give the same content as the whole', () =>
        withStore(async ({ store }) => {
          const all = [
            ...threeTransactions(),
            txn({ start: [1, 400], commit: [1, 450], events: [{ kind: 'rename', table: T, to: 'shop.o2' }] }),
            txn({ start: [1, 450], commit: [1, 500], rows: [upsert('shop.o2', { id: 9 }, { id: 9 }, [1, 470])] }),
          ];
          await store.apply(all.slice(3));
          await store.apply(all.slice(0, 3));
          const whole = await factory();
          try {
            await whole.store.apply(all);
            for (const table of [T, 'shop.o2']) {
              for (const p of [150, 200, 300, 400, 449, 450, 500]) {
                expect(await readAll(store, table, at(1, p))).toEqual(await readAll(whole.store, table, at(1, p)));
              }
            }
            expect(await readAll(store, 'shop.o2')).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }, { id: 9 }]);
            expect(await store.tableStats()).toEqual(await whole.store.tableStats());
            expect(await store.checkpoint()).toEqual(await whole.store.checkpoint());
          } finally {
            await whole.cleanup();
          }
        }));

      it('a different value for a stored version is a conflict, and nothing of that transaction is applied', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          const cp = await store.checkpoint();
          const other = txn({
            start: [1, 400],
            commit: [1, 500],
            rows: [upsert(T, { id: 5 }, { id: 5 }, [1, 450]), upsert(T, { id: 1 }, { id: 1, v: 'DIFFERENT' }, [1, 250])],
          });
          // The version lies before this transaction's start: refused as invalid before any write.
          await expect(store.apply([other])).rejects.toThrow();
          const forged = txn({ start: [1, 200], commit: [1, 300], ts: 2000, rows: [upsert(T, { id: 1 }, { id: 1, v: 'DIFFERENT' }, [1, 250])] });
          await expectCode(store.apply([forged]), 'BINSNAP_E_STORE_CONFLICT');
          const otherTable = txn({ start: [1, 200], commit: [1, 300], ts: 2000, rows: [upsert('x.y', { id: 1 }, { id: 1, v: 'a2' }, [1, 250])] });
          await expectCode(store.apply([otherTable]), 'BINSNAP_E_STORE_CONFLICT');
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(store, 'x.y')).toEqual([]);
          expect(await store.checkpoint()).toEqual(cp);
          expect(await versionCount(store)).toBe(5);
        }));

      it('a batch commits whole: a conflict in its last transaction leaves its first one invisible', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          const good = txn({ start: [1, 400], commit: [1, 500], rows: [upsert(T, { id: 8 }, { id: 8 }, [1, 450])] });
          const bad = txn({ start: [1, 200], commit: [1, 300], ts: 2000, rows: [del(T, { id: 1 }, [1, 250])] });
          await expectCode(store.apply([good, bad]), 'BINSNAP_E_STORE_CONFLICT');
          expect(await store.readRow(T, { id: 8 }, LATEST)).toBeNull();
          expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000001:400');
          await store.apply([good]);
          expect(await store.readRow(T, { id: 8 }, LATEST)).toEqual({ id: 8 });
        }));

      it('transactions contradicting each other within one batch are a conflict and nothing is applied', () =>
        withStore(async ({ store }) => {
          const a = txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 1 }, { id: 1, v: 'x' }, [1, 150])] });
          const b = txn({ start: [1, 100], commit: [1, 200], rows: [upsert(T, { id: 1 }, { id: 1, v: 'y' }, [1, 150])] });
          await expectCode(store.apply([a, b]), 'BINSNAP_E_STORE_CONFLICT');
          const ddl = (text: string) => txn({ start: [1, 100], commit: [1, 200], schemas: [{ table: T, schema: null, ddl: text, kind: 'drop' }] });
          await expectCode(store.apply([ddl('DROP TABLE orders'), ddl('DROP TABLE other')]), 'BINSNAP_E_STORE_CONFLICT');
          expect(await readAll(store, T)).toEqual([]);
          expect(await store.schemaHistory(T)).toEqual([]);
          expect(await store.checkpoint()).toBeNull();
          await store.apply([a, a]);
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'x' }]);
        }));

      it('a schema change or table event that differs from the stored one is a conflict', () =>
        withStore(async ({ store }) => {
          const s = tableSchema('shop', 'orders', ['id']);
          await store.apply([txn({ start: [1, 100], commit: [1, 200], schemas: [{ table: T, schema: s, ddl: 'CREATE TABLE orders (id INT)', kind: 'create' }], events: [{ kind: 'create', table: T }] })]);
          await expectCode(
            store.apply([txn({ start: [1, 100], commit: [1, 200], schemas: [{ table: T, schema: s, ddl: 'CREATE TABLE other (id INT)', kind: 'create' }] })]),
            'BINSNAP_E_STORE_CONFLICT',
          );
          await expectCode(
            store.apply([txn({ start: [1, 100], commit: [1, 200], events: [{ kind: 'drop', table: T }] })]),
            'BINSNAP_E_STORE_CONFLICT',
          );
          await expectCode(store.apply([txn({ start: [1, 100], commit: [1, 200], gtid: 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:7' })]), 'BINSNAP_E_STORE_CONFLICT');
        }));

      it('a batch of many transactions (as the daemon applies them) is stored whole, again without change, and a GTID that differs is a conflict', () =>
        withStore(async ({ store }) => {
          const s1 = tableSchema('shop', 'orders', ['id', 'v']);
          const batch = (gtidOf: (i: number) => string): ReturnType<typeof txn>[] =>
            Array.from({ length: 70 }, (_, i) =>
              txn({
                start: [1, 1000 + i * 100],
                commit: [1, 1050 + i * 100],
                gtid: gtidOf(i),
                rows: [upsert(T, { id: i % 9 }, { id: i % 9, v: `t${i}` }, [1, 1010 + i * 100])],
                ...(i === 5 ? { schemas: [{ table: T, schema: s1, ddl: 'ALTER TABLE orders COMMENT "x"', kind: 'alter' as const }], events: [{ kind: 'create' as const, table: 'shop.more' }] } : {}),
              }),
            );
          const gtid = (i: number): string => `0-1-${i + 1}`;
          await store.apply(batch(gtid));
          const before = { rows: await readAll(store, T), versions: await versionCount(store), cp: await store.checkpoint() };
          expect(before.versions).toBe(70);
          expect(before.cp?.position.format()).toBe('mysql-bin.000001:7950');
          expect((await store.schemaAt(T, at(1, 1549)))?.ddl).toBeUndefined();
          expect((await store.schemaAt(T, at(1, 1550)))?.ddl).toBe('ALTER TABLE orders COMMENT "x"');
          expect((await store.schemaHistory(T)).map((h) => h.transaction.gtid)).toEqual(['0-1-6']);
          await store.apply(batch(gtid));
          expect(await readAll(store, T)).toEqual(before.rows);
          expect(await versionCount(store)).toBe(70);
          for (const odd of [3, 40, 67]) {
            await expectCode(store.apply(batch((i) => (i === odd ? '0-2-99' : gtid(i)))), 'BINSNAP_E_STORE_CONFLICT');
          }
          expect(await store.checkpoint()).toEqual(before.cp);
        }));
    });

    describe('checkpoint', () => {
      it('is written with the transaction, keeps the GTID set and never moves backwards', () =>
        withStore(async ({ store }) => {
          const gtidSet = parseGtidSet('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
          const [t1, t2, t3] = threeTransactions() as [ReturnType<typeof txn>, ReturnType<typeof txn>, ReturnType<typeof txn>];
          await store.apply([{ ...t3, checkpoint: { position: t3.commitPosition, gtidSet, commitTimestamp: 3000 } }]);
          await store.apply([t1, t2]);
          const cp = await store.checkpoint();
          expect(cp?.position.format()).toBe('mysql-bin.000001:400');
          expect(cp?.commitTimestamp).toBe(3000);
          expect(cp?.gtidSet?.flavor).toBe('mysql');
          expect(cp?.gtidSet && cp.gtidSet.flavor === 'mysql' ? cp.gtidSet.set.format() : '').toBe('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5');
          await store.saveCheckpoint({ position: pos(1, 10), commitTimestamp: 1 });
          expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000001:400');
          await store.saveCheckpoint({ position: pos(2, 4), commitTimestamp: 4000, gtidSet: parseGtidSet('0-1-100') });
          const moved = await store.checkpoint();
          expect(moved?.position.format()).toBe('mysql-bin.000002:4');
          expect(moved?.gtidSet?.flavor).toBe('mariadb');
        }));
    });

    describe('streamed transactions', () => {
      it('a large transaction streamed in batches becomes visible only at commit', () =>
        withStore(async ({ store }) => {
          const n = 20_000;
          const w = await store.beginTransaction({ startPosition: pos(3, 4), gtid: '0-1-7' });
          for (let b = 0; b < n / 1000; b++) {
            const batch = Array.from({ length: 1000 }, (_, i) => {
              const id = b * 1000 + i;
              return upsert('big.t', { id }, { id, pad: 'x'.repeat(20) }, [3, 100 + Math.floor(id / 100) * 50, id % 100]);
            });
            await w.addRows(batch);
            if (b === 5) expect(await readAll(store, 'big.t')).toEqual([]);
          }
          expect(await store.checkpoint()).toBeNull();
          await w.commit({ commitPosition: pos(3, 1_000_000), commitTimestamp: 5000 });
          const rows = await readAll(store, 'big.t');
          expect(rows.length).toBe(n);
          expect(rows[0]).toEqual({ id: 0, pad: 'x'.repeat(20) });
          expect(rows[n - 1]?.['id']).toBe(n - 1);
          expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000003:1000000');
        }));

      it('an aborted writer or a failing batch leaves nothing visible and the checkpoint unchanged', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          const cp = await store.checkpoint();
          const w1 = await store.beginTransaction({ startPosition: pos(1, 400) });
          await w1.addRows([upsert(T, { id: 50 }, { id: 50 }, [1, 450])]);
          await expect(store.apply(threeTransactions())).rejects.toThrow();
          await expect(store.beginTransaction({ startPosition: pos(1, 400) })).rejects.toThrow();
          await w1.abort();
          const w2 = await store.beginTransaction({ startPosition: pos(1, 400) });
          await w2.addRows([upsert(T, { id: 51 }, { id: 51 }, [1, 450])]);
          // A version before the transaction's start is refused and the writer is rolled back, also
          // after a valid row of the same batch (whose position checks the next row may share).
          await expect(w2.addRows([upsert(T, { id: 54 }, { id: 54 }, [1, 450, 1]), upsert(T, { id: 52 }, { id: 52 }, [1, 10])])).rejects.toThrow(
            /before its transaction's start/,
          );
          await expect(w2.commit({ commitPosition: pos(1, 500), commitTimestamp: 1 })).rejects.toThrow();
          const w3 = await store.beginTransaction({ startPosition: pos(1, 400) });
          await w3.addRows([upsert(T, { id: 53 }, { id: 53 }, [1, 450])]);
          // A commit before the last version is refused too.
          await expect(w3.commit({ commitPosition: pos(1, 420), commitTimestamp: 1 })).rejects.toThrow();
          const w4 = await store.beginTransaction({ startPosition: pos(1, 200) });
          await expectCode(w4.addRows([upsert(T, { id: 1 }, { id: 1, v: 'conflict' }, [1, 250])]), 'BINSNAP_E_STORE_CONFLICT');
          await w4.abort();
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await store.checkpoint()).toEqual(cp);
          expect(await versionCount(store)).toBe(5);
        }));

      it('a writer left open when the store closes is rolled back', async () => {
        const s = await factory();
        try {
          await s.store.apply(threeTransactions());
          const w = await s.store.beginTransaction({ startPosition: pos(1, 400) });
          await w.addRows([upsert(T, { id: 60 }, { id: 60 }, [1, 450])]);
          if (!s.reopen) return;
          const again = await s.reopen();
          expect(await readAll(again, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect((await again.checkpoint())?.position.format()).toBe('mysql-bin.000001:400');
          await again.apply([txn({ start: [1, 400], commit: [1, 500], rows: [upsert(T, { id: 60 }, { id: 60 }, [1, 450])] })]);
          expect(await again.readRow(T, { id: 60 }, LATEST)).toEqual({ id: 60 });
        } finally {
          await s.cleanup();
        }
      });
    });

    describe('larger tables', () => {
      it('reads thousands of keys in order through renames and multisets (paged reads)', () =>
        withStore(async ({ store }) => {
          const n = 5000;
          const keyed = Array.from({ length: n }, (_, i) => upsert('d.k', { id: n - i }, { id: n - i }, [1, 100 + Math.floor(i / 50), i % 50]));
          const bag = Array.from({ length: n }, (_, i) => add('d.bag', { x: i % 1500 }, [1, 300 + Math.floor(i / 50), i % 50]));
          await store.apply([
            txn({ start: [1, 4], commit: [1, 1000], rows: [...keyed, ...bag] }),
            txn({ start: [1, 1000], commit: [1, 1100], events: [{ kind: 'rename', table: 'd.k', to: 'd.k2' }] }),
            txn({ start: [1, 1100], commit: [1, 1200], rows: [del('d.k2', { id: 1 }, [1, 1150, 0]), upsert('d.k2', { id: n + 1 }, { id: n + 1 }, [1, 1150, 1])] }),
          ]);
          const ids = (await readAll(store, 'd.k2')).map((r) => r['id']);
          expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 2));
          const xs = (await readAll(store, 'd.bag')).map((r) => r['x']);
          expect(xs.length).toBe(n);
          expect(xs.slice(0, 5)).toEqual([0, 0, 0, 0, 1]);
          expect([...xs].sort((a, b) => Number(a) - Number(b))).toEqual(xs);
        }));
    });

    describe('seed and history', () => {
      it('seed versions at a position merge with streamed versions by version', () =>
        withStore(async ({ store }) => {
          const S: [number, number] = [1, 400];
          await store.apply([
            ...threeTransactions(),
            txn({ start: S, commit: S, rows: [upsert(T, { id: 1 }, { id: 1, v: 'seed' }, [1, 400, 0]), upsert(T, { id: 4 }, { id: 4 }, [1, 400, 1])] }),
          ]);
          expect(await readAll(store, T, at(1, 399))).toEqual([{ id: 1, v: 'a2' }]);
          expect(await readAll(store, T, at(1, 400))).toEqual([{ id: 1, v: 'seed' }, { id: 2, v: 'b3' }, { id: 4 }]);
          const h = await store.rowHistory(T, { id: 1 });
          expect(h.map((e) => [e.op, e.position.format(), e.transaction.startPosition.format()])).toEqual([
            ['upsert', 'mysql-bin.000001:150', 'mysql-bin.000001:100'],
            ['upsert', 'mysql-bin.000001:250', 'mysql-bin.000001:200'],
            ['upsert', 'mysql-bin.000001:400', 'mysql-bin.000001:400'],
          ]);
        }));

      it('a transaction written in parts (same positions, schema changes and events; disjoint rows) holds the union of its parts', async () => {
        // How a resumed seed writes: each part is the seed's one transaction at S again, with the next rows.
        const S: [number, number] = [2, 4];
        const B = 'shop.items';
        const end = {
          schemas: [
            { table: T, schema: tableSchema('shop', 'orders', ['id', 'v']), ddl: 'CREATE TABLE orders (id INT PRIMARY KEY, v TEXT)', kind: 'initial' as const },
            { table: B, schema: tableSchema('shop', 'items', ['id']), ddl: 'CREATE TABLE items (id INT PRIMARY KEY)', kind: 'initial' as const },
          ],
          events: [
            { kind: 'create' as const, table: T },
            { kind: 'create' as const, table: B },
          ],
        };
        const part = (rows: ReturnType<typeof upsert>[]) => txn({ start: S, commit: S, ts: 9000, ...end, rows });
        const part1 = [upsert(T, { id: 1 }, { id: 1, v: 's1' }, [2, 4, 0]), upsert(T, { id: 3 }, { id: 3, v: 's3' }, [2, 4, 1]), upsert(B, { id: 10 }, { id: 10 }, [2, 4, 2])];
        const part2 = [upsert(T, { id: 2 }, { id: 2, v: 's2' }, [2, 4, 3]), upsert(B, { id: 5 }, { id: 5 }, [2, 4, 4]), upsert(B, { id: 11 }, { id: 11 }, [2, 4, 5])];
        const stream = async (store: SnapshotStore, rows: ReturnType<typeof upsert>[]): Promise<void> => {
          const t = part(rows);
          const w = await store.beginTransaction({ startPosition: t.startPosition });
          await w.addRows(rows);
          await w.commit({ commitPosition: t.commitPosition, commitTimestamp: t.commitTimestamp, schemaChanges: t.schemaChanges ?? [], tableEvents: t.tableEvents ?? [] });
        };
        const ways: [string, (store: SnapshotStore) => Promise<void>][] = [
          ['two applies', async (st) => {
            await st.apply([part(part1)]);
            await st.apply([part(part2)]);
          }],
          ['two applies, second part first', async (st) => {
            await st.apply([part(part2)]);
            await st.apply([part(part1)]);
          }],
          ['two streamed writers', async (st) => {
            await stream(st, part1);
            await stream(st, part2);
          }],
          ['a writer, then an apply of both parts again', async (st) => {
            await stream(st, part1);
            await st.apply([part(part2), part(part1)]);
          }],
        ];
        for (const [way, write] of ways) {
          const s = await factory();
          try {
            const { store } = s;
            // Older history of T, cut off by the seed's create.
            await store.apply(threeTransactions());
            await write(store);
            expect(await readAll(store, T, at(2, 3)), way).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
            for (const asOf of [at(2, 4), LATEST]) {
              expect(await readAll(store, T, asOf), way).toEqual([{ id: 1, v: 's1' }, { id: 2, v: 's2' }, { id: 3, v: 's3' }]);
              expect(await readAll(store, B, asOf), way).toEqual([{ id: 5 }, { id: 10 }, { id: 11 }]);
            }
            expect(await store.readRow(B, { id: 11 }, at(2, 4)), way).toEqual({ id: 11 });
            expect((await store.resolveAsOf(LATEST))?.format(), way).toBe('mysql-bin.000002:4');
            expect((await store.checkpoint())?.position.format(), way).toBe('mysql-bin.000002:4');
            expect((await store.schemaHistory(T)).map((v) => [v.kind, v.seq]), way).toEqual([['initial', 0]]);
            expect((await store.schemaHistory(B)).map((v) => [v.kind, v.seq]), way).toEqual([['initial', 1]]);
            expect((await store.tableEventsOf(B)).map((e) => e.event), way).toEqual([{ kind: 'create', table: B }]);
            expect(await store.tableStats(), way).toEqual([
              { table: B, rows: 3, versions: 3 },
              { table: T, rows: 3, versions: 8 },
            ]);
            const h = await store.rowHistory(T, { id: 2 });
            expect(h.map((e) => [e.values, e.transaction.startPosition.format(), e.transaction.commitPosition.format()]), way).toEqual([
              [{ id: 2, v: 's2' }, 'mysql-bin.000002:4', 'mysql-bin.000002:4'],
            ]);
          } finally {
            await s.cleanup();
          }
        }
      });

      it('row history lists every version with its position, commit time and GTID', () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions().map((t, i) => ({ ...t, gtid: `0-1-${i + 1}` })));
          const h = await store.rowHistory(T, { id: 2 });
          expect(h.map((e) => ({ op: e.op, values: e.values, v: e.version, ts: e.transaction.commitTimestamp, g: e.transaction.gtid }))).toEqual([
            { op: 'upsert', values: { id: 2, v: 'b' }, v: { fileNumber: 1, offset: 150n, rowIndex: 1 }, ts: 1000, g: '0-1-1' },
            { op: 'delete', values: null, v: { fileNumber: 1, offset: 260n, rowIndex: 0 }, ts: 2000, g: '0-1-2' },
            { op: 'upsert', values: { id: 2, v: 'b3' }, v: { fileNumber: 1, offset: 350n, rowIndex: 0 }, ts: 3000, g: '0-1-3' },
          ]);
          expect(h[0]?.identity).toBe('primary-key');
          expect(h[0]?.key).toEqual({ id: 2 });
        }));
    });

    describe('bookkeeping documents', () => {
      it('an unknown name is null; set, get, overwrite and delete; names are independent', () =>
        withStore(async ({ store }) => {
          expect(await store.getMeta('seed')).toBeNull();
          await store.setMeta('seed', '{"table":"shop.orders","after":[41]}');
          expect(await store.getMeta('seed')).toBe('{"table":"shop.orders","after":[41]}');
          await store.setMeta('seed', 'second');
          expect(await store.getMeta('seed')).toBe('second');
          await store.setMeta('seed.other', '');
          // An empty value is a document, not an absent one.
          expect(await store.getMeta('seed.other')).toBe('');
          for (const name of ['Seed', 'seed ', 'ä/ü:\u0001😀', '{binsnap}:meta', 'layout']) expect(await store.getMeta(name)).toBeNull();
          await store.setMeta('ä/ü:\u0001😀', 'unicode');
          expect(await store.getMeta('ä/ü:\u0001😀')).toBe('unicode');
          await store.setMeta('seed', null);
          expect(await store.getMeta('seed')).toBeNull();
          // Deleting an absent document is no error.
          await store.setMeta('seed', null);
          await store.setMeta('never', null);
          expect(await store.getMeta('seed.other')).toBe('');
          expect(await store.getMeta('ä/ü:\u0001😀')).toBe('unicode');
          await expectCode(store.setMeta('', 'x'), 'BINSNAP_E_INTERNAL');
          await expectCode(store.setMeta('', null), 'BINSNAP_E_INTERNAL');
          await expectCode(store.getMeta(''), 'BINSNAP_E_INTERNAL');
        }));

      it('round-trips values of 1 MB', () =>
        withStore(async ({ store }) => {
          const unit = '{"k":[1,2.5,"é😀\\u0000"],"s":"0123456789abcdef"}\n';
          const big = unit.repeat(Math.ceil(1_048_576 / unit.length)).slice(0, 1_048_576);
          await store.setMeta('big', big);
          expect(await store.getMeta('big')).toBe(big);
          const other = `${big.slice(1)}!`;
          await store.setMeta('big', other);
          expect(await store.getMeta('big')).toBe(other);
        }));

      it('survive a close and reopen, deletions too', async () => {
        const s = await factory();
        try {
          if (!s.reopen) return;
          await s.store.setMeta('seed', 'progress 1');
          await s.store.setMeta('gone', 'x');
          await s.store.setMeta('gone', null);
          await s.store.apply(threeTransactions());
          const again = await s.reopen();
          expect(await again.getMeta('seed')).toBe('progress 1');
          expect(await again.getMeta('gone')).toBeNull();
          await again.setMeta('seed', 'progress 2');
          const third = await s.reopen();
          expect(await third.getMeta('seed')).toBe('progress 2');
          expect(await readAll(third, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
        } finally {
          await s.cleanup();
        }
      });

      it('are outside the transactions: setMeta moves no checkpoint, apply and a rolled-back writer touch no document', () =>
        withStore(async ({ store }) => {
          await store.setMeta('seed', 'before');
          expect(await store.checkpoint()).toBeNull();
          expect(await store.resolveAsOf(LATEST)).toBeNull();
          expect(await store.tableStats()).toEqual([]);
          await store.apply(threeTransactions());
          expect(await store.getMeta('seed')).toBe('before');
          const cp = await store.checkpoint();
          await store.setMeta('seed', 'after');
          await store.setMeta('seed2', 'new');
          expect(await store.checkpoint()).toEqual(cp);
          expect((await store.resolveAsOf(LATEST))?.format()).toBe('mysql-bin.000001:400');
          expect(await versionCount(store)).toBe(5);
          // A refused batch and an aborted writer leave the documents as they were.
          const forged = txn({ start: [1, 200], commit: [1, 300], ts: 2000, rows: [upsert(T, { id: 1 }, { id: 1, v: 'DIFFERENT' }, [1, 250])] });
          await expectCode(store.apply([forged]), 'BINSNAP_E_STORE_CONFLICT');
          const w = await store.beginTransaction({ startPosition: pos(1, 400) });
          await w.addRows([upsert(T, { id: 9 }, { id: 9 }, [1, 450])]);
          // A document is never part of a transaction: while one is streamed, writing one is refused, reading works.
          await expectCode(store.setMeta('seed', 'during'), 'BINSNAP_E_INTERNAL');
          expect(await store.getMeta('seed')).toBe('after');
          await w.abort();
          expect(await store.getMeta('seed')).toBe('after');
          expect(await store.getMeta('seed2')).toBe('new');
          await store.setMeta('seed', 'after abort');
          expect(await store.getMeta('seed')).toBe('after abort');
          expect(await store.checkpoint()).toEqual(cp);
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
        }));
      it("a streamed commit's documents are written with it, atomically: a refused commit or an abort writes none", () =>
        withStore(async ({ store }) => {
          await store.apply(threeTransactions());
          await store.setMeta('seed', 'chunk 0');
          await store.setMeta('gone', 'x');
          const w = await store.beginTransaction({ startPosition: pos(1, 400) });
          await w.addRows([upsert(T, { id: 9 }, { id: 9 }, [1, 450])]);
          await w.commit({ commitPosition: pos(1, 500), commitTimestamp: 4000 }, { seed: 'chunk 1', gone: null, other: '' });
          expect(await store.getMeta('seed')).toBe('chunk 1');
          expect(await store.getMeta('gone')).toBeNull();
          expect(await store.getMeta('other')).toBe('');
          expect((await store.checkpoint())?.position.format()).toBe('mysql-bin.000001:500');
          // A commit refused for a conflicting version: neither its rows nor its documents.
          const conflicting = await store.beginTransaction({ startPosition: pos(1, 400) });
          await conflicting.addRows([upsert(T, { id: 9 }, { id: 9, v: 'DIFFERENT' }, [1, 450])]).catch(() => undefined);
          await conflicting.commit({ commitPosition: pos(1, 500), commitTimestamp: 4000 }, { seed: 'chunk 2' }).catch(() => undefined);
          expect(await store.getMeta('seed')).toBe('chunk 1');
          // A bad document name refuses the whole commit, rows too.
          const badName = await store.beginTransaction({ startPosition: pos(1, 600) });
          await badName.addRows([upsert(T, { id: 10 }, { id: 10 }, [1, 650])]);
          await expectCode(badName.commit({ commitPosition: pos(1, 700), commitTimestamp: 5000 }, { '': 'x', seed: 'chunk 3' }), 'BINSNAP_E_INTERNAL');
          expect(await store.getMeta('seed')).toBe('chunk 1');
          expect(await store.readRow(T, { id: 10 }, LATEST)).toBeNull();
          const aborted = await store.beginTransaction({ startPosition: pos(1, 600) });
          await aborted.addRows([upsert(T, { id: 10 }, { id: 10 }, [1, 650])]);
          await aborted.abort();
          expect(await store.getMeta('seed')).toBe('chunk 1');
          expect(await readAll(store, T)).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }, { id: 9 }]);
        }));
    });

    describe('persistence', () => {
      it('keeps everything across a reopen', async () => {
        const s = await factory();
        try {
          if (!s.reopen) return;
          await s.store.apply([
            ...threeTransactions(),
            txn({ start: [1, 400], commit: [1, 450], schemas: [{ table: T, schema: tableSchema('shop', 'orders', ['id', 'v']), ddl: 'ALTER TABLE orders ENGINE=InnoDB', kind: 'alter' }], events: [{ kind: 'truncate', table: T }] }),
          ]);
          const again = await s.reopen();
          expect(await readAll(again, T, at(1, 400))).toEqual([{ id: 1, v: 'a2' }, { id: 2, v: 'b3' }]);
          expect(await readAll(again, T)).toEqual([]);
          expect((await again.schemaAt(T, LATEST))?.ddl).toBe('ALTER TABLE orders ENGINE=InnoDB');
          expect((await again.checkpoint())?.position.format()).toBe('mysql-bin.000001:450');
        } finally {
          await s.cleanup();
        }
      });
    });
  });
}
