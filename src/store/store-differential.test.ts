/**
 * Random workloads applied to the memory oracle (whole, in order) and to the
 * SQLite store (in shuffled, partly repeated chunks, some streamed): every
 * table read at every commit, inside transactions, at instants and latest,
 * every row history, the stats and the checkpoint must agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { openSqliteStore } from './sqlite-store.js';

import { applyInChunks, snapshot, workload } from './random-workload.test-util.js';

const TINY = { pageBytes: 160, fanout: 2, tierBase: 1, flushEntries: 5, maxMergeVersions: 20, stepVersions: 3 };

describe('SQLite store against the memory oracle', () => {
  for (const [name, tuning] of [['', undefined], [' (tiny pages, runs, tiers and compaction steps: many pages, flushes, and merges carried over commits)', TINY]] as const) {
  it(`agrees on random workloads applied in any order, repeated, or streamed${name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'binsnap-diff-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer(),
          fc.integer({ min: 1, max: 40 }),
          fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
          fc.boolean(),
          fc.boolean(),
          async (seed, count, order, streamed, repeat) => {
            const txns = workload(seed, count);
            const memory = new MemoryStore();
            await memory.apply(txns);
            const sqlite = await openSqliteStore({ path: join(dir, `run-${run++}.db`), ...(tuning ? { tuning } : {}) });
            try {
              await applyInChunks(sqlite, txns, order, streamed);
              if (repeat) await applyInChunks(sqlite, txns, [...order].reverse(), !streamed);
              expect(await snapshot(sqlite, txns)).toEqual(await snapshot(memory, txns));
            } finally {
              await sqlite.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  }
});
