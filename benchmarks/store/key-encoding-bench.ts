/**
 * Micro-benchmark of `encodeKey` (not a test; prints numbers): ns per call for the
 * key shapes a replay meets most. Every case is warmed up first (so, as in a replay of
 * many tables, the encoder has seen every key shape), then 9 rounds of N calls over a
 * small rotating set of keys run interleaved (one round of every case per pass, so a
 * burst of load on a shared VM hits every case alike); prints the min and median of the
 * process's CPU time per call (not wall time, which other processes' load inflates).
 *
 * Run: npx tsx benchmarks/store/key-encoding-bench.ts [N=1000000] [MODULE]
 * MODULE: another copy of key-encoding.ts to measure (e.g. the last commit's, for before/after).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { encodeKey as EncodeKey } from '../../src/store/key-encoding.js';
import type { RowKey } from '../../src/store/snapshot-store.js';
import { median } from '../common.js';

const N = Number(process.argv[2] ?? 1_000_000);
const MODULE = process.argv[3] ? pathToFileURL(path.resolve(process.argv[3])).href : '../../src/store/key-encoding.js';
const { encodeKey } = (await import(MODULE)) as { encodeKey: typeof EncodeKey };
const SET = 1024;

interface Case {
  readonly name: string;
  readonly keys: readonly RowKey[];
  readonly numeric: readonly string[];
}

const ints = Array.from({ length: SET }, (_, i) => ({ id: 1 + ((i * 7919) % 1_000_000) }));
const cases: Case[] = [
  { name: 'single int key (numeric column)', keys: ints, numeric: ['id'] },
  { name: 'single int key (no numeric columns)', keys: ints, numeric: [] },
  { name: 'single large safe int key', keys: Array.from({ length: SET }, (_, i) => ({ id: 4_000_000_000_000 + i * 7919 })), numeric: ['id'] },
  { name: 'single string key (~10 chars)', keys: Array.from({ length: SET }, (_, i) => ({ code: `cust-${String(i).padStart(5, '0')}` })), numeric: [] },
  {
    name: 'composite (int, string)',
    keys: Array.from({ length: SET }, (_, i) => ({ tenant: i % 37, code: `cust-${String(i).padStart(5, '0')}` })),
    numeric: ['tenant'],
  },
  {
    name: 'numericKeyColumns decimal string (bigint)',
    keys: Array.from({ length: SET }, (_, i) => ({ id: String(9_223_372_036_854_775_000n - BigInt(i) * 7919n) })),
    numeric: ['id'],
  },
  { name: 'numericKeyColumns decimal string (DECIMAL)', keys: Array.from({ length: SET }, (_, i) => ({ id: `${i}.${String(i % 100).padStart(2, '0')}` })), numeric: ['id'] },
  { name: 'single float key', keys: Array.from({ length: SET }, (_, i) => ({ x: i / 7 - 50 })), numeric: ['x'] },
];

let sink = 0;
function round(c: Case): number {
  const { keys, numeric } = c;
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) sink += encodeKey(keys[i & (SET - 1)] as RowKey, numeric).length;
  const t = process.cpuUsage(t0);
  return ((t.user + t.system) * 1000) / N;
}

const ROUNDS = 9;
for (const c of cases) round(c);
const times = cases.map((): number[] => []);
for (let r = 0; r < ROUNDS; r++) cases.forEach((c, i) => times[i]?.push(round(c)));
console.log(`encodeKey (${process.argv[3] ?? 'src'}), ${N} calls per round, ${ROUNDS} rounds: CPU ns/call min, median`);
cases.forEach((c, i) => {
  const t = times[i] ?? [];
  console.log(`${c.name.padEnd(44)} ${Math.min(...t).toFixed(1).padStart(8)} ${median(t).toFixed(1).padStart(8)}`);
});
if (sink === -1) console.log(sink);
