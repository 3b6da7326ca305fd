/**
 * The differential test of `binsnap replay`: a seeded random workload (2,000
 * transactions, DDL mid-stream, one 100k-row transaction; see
 * test/harness/workload.ts) runs on the shared MariaDB and records, at each
 * checkpoint, its binlog position and a SELECT snapshot of every table. Then
 * the binlog range is replayed (a) from the server's binlog files
 * (--binlog-dir) and (b) from the server itself (--source), and `binsnap
 * export --at <checkpoint>` of every table present at every checkpoint must
 * equal the snapshot exactly: same rows, same values (SPEC §3), rows in key
 * order for tables with a primary key, and as multisets (both sides sorted by
 * JSON text) for tables without one. Also SPEC §4 idempotency: replaying the
 * range again changes neither `status --json` nor any export, and replaying it
 * as two halves split at a checkpoint gives the same exports.
 *
 * Replay runs main() in-process (the same code as the binary, never a stale
 * dist/), or the built `node bin/binsnap.js` with BINSNAP_TEST_REPLAY_BINARY=1;
 * exports run in-process (hundreds of them) with in-memory streams.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type MariadbInfo } from '../harness/mariadb.js';
import { sortRows, type Row } from '../harness/select-values.js';
import { runWorkload, type WorkloadCheckpoint, type WorkloadResult } from '../harness/workload.js';
import { checkEverySchema } from '../harness/replay-check.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const replayBuilt = path.join(root, 'dist/bundle/main.js');

const TRANSACTIONS = Number(process.env['BINSNAP_TEST_WORKLOAD_TXNS'] ?? 2000);
const SEED = Number(process.env['BINSNAP_TEST_WORKLOAD_SEED'] ?? 20261122);
const LONG = 900_000;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** `binsnap …` in-process through main(), with in-memory streams and a quiet logger. */
async function inProcess(argv: string[]): Promise<Run> {
  const { main } = await import('../../src/cli/main.js');
  const { createLogger } = await import('../../src/runtime/logger.js');
  const out = collector();
  const err = collector();
  const code = await main(argv, {}, {
    stdout: out.stream,
    stderr: err.stream,
    interactive: false,
    createLogger: (level) => createLogger({ level: level === 'info' ? 'warn' : level, destination: { write: (s: string) => err.stream.write(s) } }),
  });
  return { code, out: out.text(), err: err.text() };
}

/** `node bin/binsnap.js …` as users run it. */
function binary(argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/binsnap.js'), ...argv], {
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}

// In-process by default (the same code, no stale dist/); BINSNAP_TEST_REPLAY_BINARY=1 runs the built binary.
const useBinary = process.env['BINSNAP_TEST_REPLAY_BINARY'] === '1' && existsSync(replayBuilt);

async function replay(args: string[]): Promise<void> {
  const argv = ['replay', ...args, '--log-level', 'warn'];
  const r = useBinary ? await binary(argv) : await inProcess(argv);
  if (r.code !== 0) throw new Error(`binsnap ${argv.join(' ')} exited ${r.code}:\n${r.err.slice(-4000)}`);
}

async function exportTable(store: string, table: string, at: string): Promise<string> {
  const r = await inProcess(['export', '--table', table, '--at', at, '--format', 'jsonl', '--store', store, '--log-level', 'warn']);
  if (r.code !== 0) throw new Error(`binsnap export --table ${table} --at ${at} exited ${r.code}: ${r.err.slice(-2000)}`);
  return r.out;
}

/** Fields of `status --json` that depend on the wall clock, not on the store's content. */
const VOLATILE = /lag|now|elapsed|age|took|duration|uptime|checkedAt|generatedAt/i;

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !VOLATILE.test(k)).map(([k, x]) => [k, stable(x)]));
  }
  return v;
}

function parseJsonl(text: string): Row[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
}

/** Compares one export with the recorded snapshot; throws a short, precise message. */
function compareExport(cp: WorkloadCheckpoint, table: string, exported: string, store: string): void {
  const want = cp.tables[table] ?? [];
  const got = parseJsonl(exported);
  const where = `${store}: ${table} at ${cp.position} (${cp.label})`;
  // Content first (as multisets), then order for keyed tables.
  const gotSorted = sortRows(got, []).map((r) => JSON.stringify(r));
  const wantSorted = sortRows(want, []).map((r) => JSON.stringify(r));
  if (gotSorted.length !== wantSorted.length || gotSorted.some((s, i) => s !== wantSorted[i])) {
    const wantSet = new Set(wantSorted);
    const gotSet = new Set(gotSorted);
    const missing = wantSorted.filter((s) => !gotSet.has(s)).slice(0, 3);
    const extra = gotSorted.filter((s) => !wantSet.has(s)).slice(0, 3);
    expect({ where, rows: got.length, missing, extra }).toEqual({ where, rows: want.length, missing: [], extra: [] });
  }
  const keyed = (cp.keys[table] ?? []).length > 0;
  if (keyed) {
    const order = got.map((r) => JSON.stringify(r));
    const wantOrder = want.map((r) => JSON.stringify(r));
    const first = order.findIndex((s, i) => s !== wantOrder[i]);
    if (first >= 0) expect({ where, firstOutOfKeyOrder: first, got: order[first] }).toEqual({ where, firstOutOfKeyOrder: -1, got: wantOrder[first] });
  }
}

describe('replay, differential against the live server (SPEC §1, §3, §4)', () => {
  let server: MariadbInfo;
  let work: WorkloadResult;
  let dir: string;
  const db = `wl_diff_${process.pid}`;
  const exportsOfA = new Map<string, string>();

  beforeAll(async () => {
    server = inject('mariadb');
    dir = await mkdtemp(path.join(inject('tmpRoot'), 'replay-diff-'));
    const conn = await connect(server);
    try {
      await conn.query(`DROP DATABASE IF EXISTS ${db}`);
      // A fresh binlog file: the workload's range starts there.
      await conn.query('FLUSH BINARY LOGS');
      const t0 = Date.now();
      work = await runWorkload(conn, { seed: SEED, transactions: TRANSACTIONS, db, catalogs: true });
      console.log(
        `replay-differential: workload seed=${SEED} ${work.steps} steps, ${work.statements} statements, ` +
          `${work.checkpoints.length} checkpoints, ${work.start} → ${work.end} in ${Date.now() - t0} ms` +
          ` (replay via ${useBinary ? 'bin/binsnap.js' : 'main() in-process'})`,
      );
    } finally {
      await conn.end();
    }
  }, LONG);

  afterAll(async () => {
    if (!server) return;
    const conn = await connect(server);
    try {
      await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    } finally {
      await conn.end();
    }
  });

  async function checkEveryCheckpoint(store: string, remember?: Map<string, string>): Promise<number> {
    let n = 0;
    for (const cp of work.checkpoints) {
      for (const table of Object.keys(cp.tables)) {
        const text = await exportTable(store, table, cp.position);
        compareExport(cp, table, text, path.basename(store));
        remember?.set(`${table}@${cp.position}`, text);
        n++;
      }
    }
    return n;
  }

  it.skipIf(!inject('mariadb').binlogDir)('replay --binlog-dir: every table at every checkpoint equals the live SELECT', async () => {
    const a = path.join(dir, 'a.db');
    await replay(['--binlog-dir', server.binlogDir as string, '--from', work.start, '--to', work.end, '--store', a]);
    const n = await checkEveryCheckpoint(a, exportsOfA);
    expect(n).toBeGreaterThan(100);
  }, LONG);

  it('replay --source: every table at every checkpoint equals the live SELECT, and its schema information_schema', async () => {
    const b = path.join(dir, 'b.db');
    await replay(['--source', server.url, '--from', work.start, '--to', work.end, '--store', b]);
    await checkEveryCheckpoint(b);
    // The schema history binsnap built from the DDL text: columns, types, charsets, keys as the server has them.
    expect(await checkEverySchema(b, work.checkpoints, 'MariaDB')).toBeGreaterThan(100);
  }, LONG);

  it.skipIf(!inject('mariadb').binlogDir)('replay into the Redis store: the tables at every fourth checkpoint and the last equal the live SELECT', async () => {
    const base = inject('redis').url;
    const redis = `${base}${base.includes('?') ? '&' : '?'}prefix=diff${process.pid}`;
    await replay(['--binlog-dir', server.binlogDir as string, '--from', work.start, '--to', work.end, '--store', redis]);
    let n = 0;
    const last = work.checkpoints.length - 1;
    for (const [i, cp] of work.checkpoints.entries()) {
      if (i % 4 !== 0 && i !== last) continue;
      for (const table of Object.keys(cp.tables)) {
        compareExport(cp, table, await exportTable(redis, table, cp.position), 'redis');
        n++;
      }
    }
    expect(n).toBeGreaterThan(30);
  }, LONG);

  it.skipIf(!inject('mariadb').binlogDir)('replaying the same range again changes neither status nor any export', async () => {
    const a = path.join(dir, 'a.db');
    expect(exportsOfA.size).toBeGreaterThan(0);
    const status = async (): Promise<unknown> => {
      const r = await inProcess(['status', '--json', '--store', a, '--log-level', 'warn']);
      expect(r.code, r.err).toBe(0);
      return stable(JSON.parse(r.out));
    };
    const before = await status();
    await replay(['--binlog-dir', server.binlogDir as string, '--from', work.start, '--to', work.end, '--store', a]);
    expect(await status()).toEqual(before);
    for (const cp of work.checkpoints) {
      for (const table of Object.keys(cp.tables)) {
        const text = await exportTable(a, table, cp.position);
        if (text !== exportsOfA.get(`${table}@${cp.position}`)) {
          compareExport(cp, table, text, 'a.db (second replay)');
          expect({ table, at: cp.position, sameTextAsFirstReplay: false }).toEqual({ table, at: cp.position, sameTextAsFirstReplay: true });
        }
      }
    }
  }, LONG);

  it.skipIf(!inject('mariadb').binlogDir)('replaying the range as two halves gives the same exports', async () => {
    expect(exportsOfA.size).toBeGreaterThan(0);
    const c = path.join(dir, 'c.db');
    const mid = work.checkpoints[Math.floor(work.checkpoints.length / 2)] as WorkloadCheckpoint;
    await replay(['--binlog-dir', server.binlogDir as string, '--from', work.start, '--to', mid.position, '--store', c]);
    await replay(['--binlog-dir', server.binlogDir as string, '--from', mid.position, '--to', work.end, '--store', c]);
    for (const cp of work.checkpoints) {
      for (const table of Object.keys(cp.tables)) {
        const text = await exportTable(c, table, cp.position);
        if (text !== exportsOfA.get(`${table}@${cp.position}`)) {
          compareExport(cp, table, text, 'c.db (two halves)');
          expect({ table, at: cp.position, sameTextAsA: false }).toEqual({ table, at: cp.position, sameTextAsA: true });
        }
      }
    }
  }, LONG);
});
