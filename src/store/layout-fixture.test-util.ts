/**
 * The transactions behind the committed store files of older layouts
 * (test/fixtures/store/, made by scripts/make-store-fixtures.ts with the
 * binsnap of that layout): every kind of value cell, keys of one and of two
 * columns, a numeric BIGINT key, a table without primary key, updates and
 * deletes, and enough rows for several pages and merged runs. The upgrade
 * tests apply the same transactions to a new store and compare.
 * Test-only; nothing here is used by the program.
 */
import { add, del, remove, txn, upsert } from './contract-fixtures.test-util.js';
import type { CommittedTransaction, JsonValue, RowChange } from './snapshot-store.js';

export const FIXTURE_TABLES = ['f.kinds', 'f.pair', 'f.big', 'f.bag', 'f.bulk'] as const;

/** Values that exercise every cell kind and size class of the page format. */
function kinds(id: number, salt: string): Record<string, JsonValue> {
  const row: Record<string, JsonValue> = {
    id,
    i8: -(id % 100),
    i16: 1000 + id,
    i32: -70_000 - id,
    dbl: id + 0.25,
    beyond32: 2 ** 40 + id,
    nul: null,
    yes: true,
    no: false,
    short: `s${salt}`,
    mid: `${salt}`.padEnd(100, 'm'),
    long: `${salt}`.padEnd(300, 'L'),
    uni: `héllo ✓ 𝄞 ${salt}`,
    lone: `bad\uD800${salt}`,
    json: { a: [1, 2, salt], b: { c: null } },
    arr: [id, 'x'],
    empty: '',
  };
  return row;
}

/** The fixture's transactions, in commit order. */
export function fixtureTransactions(): CommittedTransaction[] {
  const out: CommittedTransaction[] = [];
  let offset = 4;
  const next = (rows: RowChange[], build: (o: number) => RowChange[] = () => rows): void => {
    const start = offset;
    const o = offset + 10;
    offset += 1000;
    out.push(txn({ start: [1, start], commit: [1, offset - 1], rows: build(o) }));
  };
  next([], (o) => Array.from({ length: 40 }, (_, i) => upsert('f.kinds', { id: i }, kinds(i, `a${i}`), [1, o, i])));
  next([], (o) => [
    ...Array.from({ length: 10 }, (_, i) => upsert('f.kinds', { id: i * 3 }, kinds(i * 3, `b${i}`), [1, o, i])),
    del('f.kinds', { id: 5 }, [1, o, 10]),
    del('f.kinds', { id: 7 }, [1, o, 11]),
  ]);
  next([], (o) =>
    Array.from({ length: 30 }, (_, i) => upsert('f.pair', { a: `k${i % 4}`, b: i }, { a: `k${i % 4}`, b: i, v: i % 2 === 0 ? `even ${i}` : null }, [1, o, i])),
  );
  next([], (o) => [
    upsert('f.big', { id: '12345678901234567890' }, { id: '12345678901234567890', v: 1 }, [1, o, 0], ['id']),
    upsert('f.big', { id: '-9' }, { id: '-9', v: 2 }, [1, o, 1], ['id']),
    upsert('f.big', { id: '300' }, { id: '300', v: 3 }, [1, o, 2], ['id']),
    add('f.bag', { v: 'x', n: 1 }, [1, o, 3]),
    add('f.bag', { v: 'x', n: 1 }, [1, o, 4]),
    add('f.bag', { v: 'y', n: null }, [1, o, 5]),
  ]);
  next([], (o) => [
    remove('f.bag', { v: 'x', n: 1 }, [1, o, 0]),
    upsert('f.big', { id: '-9' }, { id: '-9', v: 20 }, [1, o, 1], ['id']),
    // A key cell that is not the values' own (the key column holds another type): stays in the entry.
    upsert('f.pair', { a: 'k1', b: 1 }, { a: 'k1', b: '1', v: 'typed apart' }, [1, o, 2]),
    // A property holding undefined: an absent cell.
    upsert('f.kinds', { id: 1 }, { ...kinds(1, 'c'), gone: undefined } as unknown as Record<string, JsonValue>, [1, o, 3]),
  ]);
  // Several flushes of one table: runs that compaction merges, and pages of many entries.
  for (let t = 0; t < 6; t++) {
    next([], (o) =>
      Array.from({ length: 150 }, (_, i) => {
        const id = (i * 7 + t * 13) % 500;
        return upsert('f.bulk', { id }, { id, k: t * 1000 + i, c: `${id}-${t}`.padEnd(20 + (i % 7), '-'), pad: 'p'.repeat(i % 3) }, [1, o, i]);
      }),
    );
  }
  next([], (o) => Array.from({ length: 40 }, (_, i) => del('f.bulk', { id: i * 11 }, [1, o, i])));
  return out;
}
