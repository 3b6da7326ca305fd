/**
 * Measures the embedded store (not a test; prints numbers):
 * - apply throughput for N single-row upserts, one transaction each, batched
 *   B transactions per `apply` (one SQLite transaction), keys spread over K ids;
 * - as-of reads of the resulting K-row table: latest and half-way back;
 * - a streamed 100k-row transaction.
 *
 * Run: npx tsx benchmarks/store/bench-sqlite.ts [N=1000000] [K=100000] [normal|full]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinlogPosition } from '../../src/core/position.js';
import type { AsOf, CommittedTransaction } from '../../src/store/snapshot-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const N = Number(process.argv[2] ?? 1_000_000);
const K = Number(process.argv[3] ?? 100_000);
const SYNC = process.argv[4] === 'full' ? 'full' : 'normal';
const BATCH = 1000;
const FILE = 'mysql-bin.000001';

function transaction(i: number): CommittedTransaction {
  const start = 4n + BigInt(i) * 300n;
  const id = (i * 7919) % K;
  return {
    startPosition: BinlogPosition.of(FILE, start),
    commitPosition: BinlogPosition.of(FILE, start + 300n),
    commitTimestamp: 1_700_000_000_000 + i,
    gtid: `0-1-${i + 1}`,
    rowChanges: [
      {
        table: 'bench.customers',
        version: { fileNumber: 1, offset: start + 120n, rowIndex: 0 },
        op: 'upsert',
        identity: 'primary-key',
        key: { id },
        values: { id, name: `customer-${id}`, balance: `${i % 10000}.25`, updated_at: '2026-11-22 10:00:00', note: null },
      },
    ],
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'binsnap-bench-'));
  const path = join(dir, 'bench.db');
  try {
    const store = await openSqliteStore({ path, synchronous: SYNC });
    let t0 = performance.now();
    for (let b = 0; b < N; b += BATCH) {
      const batch: CommittedTransaction[] = [];
      for (let i = b; i < Math.min(N, b + BATCH); i++) batch.push(transaction(i));
      await store.apply(batch);
    }
    const applyMs = performance.now() - t0;
    console.log(
      `apply: ${N} single-row transactions (${K} keys, ${BATCH}/SQLite txn, synchronous=${SYNC}): ${(applyMs / 1000).toFixed(2)} s = ${Math.round(N / (applyMs / 1000))} versions/s; file ${(statSync(path).size / 1e6).toFixed(0)} MB`,
    );

    const read = async (label: string, asOf: AsOf): Promise<void> => {
      const s = performance.now();
      let rows = 0;
      for await (const _row of store.readTable('bench.customers', asOf)) rows++;
      console.log(`read ${label}: ${rows} rows in ${(performance.now() - s).toFixed(0)} ms`);
    };
    await read('latest', { kind: 'latest' });
    await read('latest (warm)', { kind: 'latest' });
    await read('as of half-way', { kind: 'position', position: BinlogPosition.of(FILE, 4n + BigInt(N / 2) * 300n + 17n) });

    t0 = performance.now();
    for (let i = 0; i < 1000; i++) await store.readRow('bench.customers', { id: (i * 31) % K }, { kind: 'latest' });
    console.log(`readRow: ${((performance.now() - t0) / 1000).toFixed(3)} ms each`);
    t0 = performance.now();
    const h = await store.rowHistory('bench.customers', { id: 7 });
    console.log(`rowHistory: ${h.length} versions in ${(performance.now() - t0).toFixed(1)} ms`);

    const big = 100_000;
    t0 = performance.now();
    const startOffset = 4n + BigInt(N) * 300n;
    const w = await store.beginTransaction({ startPosition: BinlogPosition.of(FILE, startOffset) });
    for (let b = 0; b < big; b += 1000) {
      await w.addRows(
        Array.from({ length: 1000 }, (_, i) => ({
          table: 'bench.big',
          version: { fileNumber: 1, offset: startOffset + 100n + BigInt(Math.floor((b + i) / 100)), rowIndex: (b + i) % 100 },
          op: 'upsert' as const,
          identity: 'primary-key' as const,
          key: { id: b + i },
          values: { id: b + i, payload: 'p'.repeat(40) },
        })),
      );
    }
    await w.commit({ commitPosition: BinlogPosition.of(FILE, startOffset + 10_000_000n), commitTimestamp: 1_800_000_000_000 });
    const bigMs = performance.now() - t0;
    console.log(`streamed transaction: ${big} rows in ${bigMs.toFixed(0)} ms = ${Math.round(big / (bigMs / 1000))} rows/s`);
    t0 = performance.now();
    let n = 0;
    for await (const _row of store.readTable('bench.big', { kind: 'latest' })) n++;
    console.log(`read bench.big: ${n} rows in ${(performance.now() - t0).toFixed(0)} ms`);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
