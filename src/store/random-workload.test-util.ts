/**
 * Test-only: the random store workload shared by the store differential tests
 * (SQLite in src/store/store-differential.test.ts, Redis in
 * test/integration/redis-store.test.ts): a seeded generator of transactions
 * over keyed tables and a multiset, a chunked/shuffled/streamed applier, and a
 * snapshot of everything a store answers.
 */
import { add, del, LATEST, pos, readAll, remove, txn, upsert } from './contract-fixtures.test-util.js';
import type { AsOf, CommittedTransaction, RowChange, SnapshotStore, TableEvent } from './snapshot-store.js';

export const KEYED = ['d.a', 'd.b', 'd.c'];
export const MULTI = 'd.m';
export const NAMES = [...KEYED, MULTI];

/** Deterministic generator of a workload from a seed (mulberry32). */
export function workload(seed: number, count: number): CommittedTransaction[] {
  let s = seed >>> 0;
  const rnd = (n: number): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd(xs.length))] as T;
  const out: CommittedTransaction[] = [];
  let file = 1;
  let off = 4;
  let ts = 1_000_000;
  for (let i = 0; i < count; i++) {
    if (rnd(10) < 1) {
      file++;
      off = 4;
    }
    ts += Math.floor(rnd(3)) * 500 - 300; // clocks may step back a little
    const start = off;
    const roll = rnd(20);
    if (roll < 1) {
      // a seed chunk: versions at the position itself
      const rows = Array.from({ length: 1 + Math.floor(rnd(3)) }, (_, r) => {
        const id = Math.floor(rnd(6));
        return upsert(pick(KEYED), { id }, { id, v: `seed${i}` }, [file, off, r]);
      });
      out.push(txn({ start: [file, off], commit: [file, off], ts, rows }));
      off += 1;
      continue;
    }
    if (roll < 4) {
      const t = pick(NAMES);
      const kinds: TableEvent[] = [
        { kind: 'truncate', table: t },
        { kind: 'drop', table: t },
        { kind: 'create', table: t },
        { kind: 'rename', table: t, to: pick(NAMES.filter((n) => n !== t)) },
      ];
      const events = [pick(kinds), ...(rnd(4) < 1 ? [pick(kinds)] : [])];
      off += 50;
      out.push(txn({ start: [file, start], commit: [file, off], ts, events }));
      continue;
    }
    const rows: RowChange[] = [];
    const n = Math.floor(rnd(5));
    for (let r = 0; r < n; r++) {
      off += 10 + Math.floor(rnd(3));
      const rowsInEvent = 1 + Math.floor(rnd(2));
      for (let k = 0; k < rowsInEvent; k++) {
        const table = pick([...KEYED, MULTI]);
        if (table === MULTI) {
          const row = { x: Math.floor(rnd(3)) };
          rows.push(rnd(3) < 1 ? remove(table, row, [file, off, k]) : add(table, row, [file, off, k]));
        } else {
          const id = Math.floor(rnd(6));
          rows.push(rnd(4) < 1 ? del(table, { id }, [file, off, k]) : upsert(table, { id }, { id, v: `${i}.${r}.${k}` }, [file, off, k]));
        }
      }
    }
    off += 20;
    out.push(txn({ start: [file, start], commit: [file, off], ts, rows }));
  }
  return out;
}

export async function applyInChunks(store: SnapshotStore, txns: readonly CommittedTransaction[], order: readonly number[], streamed: boolean): Promise<void> {
  const size = Math.max(1, Math.ceil(txns.length / order.length));
  for (const c of order) {
    const chunk = txns.slice(c * size, (c + 1) * size);
    if (!streamed) {
      await store.apply(chunk);
      continue;
    }
    for (const t of chunk) {
      const w = await store.beginTransaction(t);
      for (let i = 0; i < t.rowChanges.length; i += 2) await w.addRows(t.rowChanges.slice(i, i + 2));
      await w.commit(t);
    }
  }
}

export async function snapshot(store: SnapshotStore, txns: readonly CommittedTransaction[]): Promise<unknown> {
  const points: AsOf[] = [LATEST, { kind: 'position', position: pos(1, 0) }];
  for (const t of txns) {
    points.push({ kind: 'position', position: t.commitPosition });
    points.push({ kind: 'position', position: t.commitPosition.withOffset(t.commitPosition.offset - 1n) });
    points.push({ kind: 'instant', at: new Date(t.commitTimestamp) });
  }
  const out: unknown[] = [];
  for (const table of NAMES) {
    for (const p of points) out.push([table, await store.resolveAsOf(p), await readAll(store, table, p)]);
    for (let id = 0; id < 6; id++) {
      const h = await store.rowHistory(table, { id });
      out.push(h.map((e) => [e.table, e.op, e.values, e.position.format(), e.transaction.commitPosition.format()]));
    }
    out.push((await store.tableEventsOf(table)).map((e) => [e.event, e.seq, e.transaction.commitPosition.format()]));
  }
  out.push(await store.tableStats());
  const cp = await store.checkpoint();
  out.push(cp?.position.format());
  return out;
}

