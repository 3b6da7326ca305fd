/**
 * Shared helpers for tests that replay a binlog range with binsnap and compare
 * `binsnap export` with what the server itself shows (select-values.ts):
 * in-process runs of main() with captured streams, replay/export wrappers,
 * and the checkpoint comparison of replay-differential.test.ts.
 */
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import type { MariadbInfo } from './mariadb.js';
import { sortRows, type Row } from './select-values.js';
import type { WorkloadCheckpoint } from './workload.js';
import { binsnapCatalog } from './catalog.js';

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** `binsnap …` in-process through main(), with in-memory streams; the logger writes to the captured stderr. */
export async function inProcess(argv: string[]): Promise<Run> {
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

/** Where replay reads the server's binlog: its files when local, else the server itself. */
export function binlogSource(server: MariadbInfo): string[] {
  return server.binlogDir ? ['--binlog-dir', server.binlogDir] : ['--source', server.url];
}

/** `binsnap replay …`; throws with the tail of stderr unless it exits 0. */
export async function replay(args: string[]): Promise<Run> {
  const argv = ['replay', ...args, '--log-level', 'warn'];
  const r = await inProcess(argv);
  if (r.code !== 0) throw new Error(`binsnap ${argv.join(' ')} exited ${r.code}:\n${r.err.slice(-4000)}`);
  return r;
}

/** `binsnap export --table T --at AT --format jsonl`; throws unless it exits 0. */
export async function exportTable(store: string, table: string, at: string): Promise<string> {
  const r = await inProcess(['export', '--table', table, '--at', at, '--format', 'jsonl', '--store', store, '--log-level', 'warn']);
  if (r.code !== 0) throw new Error(`binsnap export --table ${table} --at ${at} exited ${r.code}: ${r.err.slice(-2000)}`);
  return r.out;
}

export function parseJsonl(text: string): Row[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row);
}

/** Rows of an export as a canonical multiset (sorted JSON texts). */
export function asMultiset(rows: Row[]): string[] {
  return sortRows(rows, []).map((r) => JSON.stringify(r));
}

/**
 * Compares one export with expected rows (select-values.ts order): content as
 * multisets first, then, when `keyed`, the order of the rows (key order).
 */
export function compareRows(where: string, want: Row[], got: Row[], keyed: boolean): void {
  const gotSorted = asMultiset(got);
  const wantSorted = asMultiset(want);
  if (gotSorted.length !== wantSorted.length || gotSorted.some((s, i) => s !== wantSorted[i])) {
    const wantSet = new Set(wantSorted);
    const gotSet = new Set(gotSorted);
    const missing = wantSorted.filter((s) => !gotSet.has(s)).slice(0, 3);
    const extra = gotSorted.filter((s) => !wantSet.has(s)).slice(0, 3);
    expect({ where, rows: got.length, missing, extra }).toEqual({ where, rows: want.length, missing: [], extra: [] });
  }
  if (keyed) {
    const order = got.map((r) => JSON.stringify(r));
    const wantOrder = want.map((r) => JSON.stringify(r));
    const first = order.findIndex((s, i) => s !== wantOrder[i]);
    if (first >= 0) expect({ where, firstOutOfKeyOrder: first, got: order[first] }).toEqual({ where, firstOutOfKeyOrder: -1, got: wantOrder[first] });
  }
}

/** Compares one export with a workload checkpoint's snapshot (as replay-differential.test.ts does). */
export function compareExport(cp: WorkloadCheckpoint, table: string, exported: string, store: string): void {
  const where = `${store}: ${table} at ${cp.position} (${cp.label})`;
  compareRows(where, cp.tables[table] ?? [], parseJsonl(exported), (cp.keys[table] ?? []).length > 0);
}

/** Exports every table of every checkpoint and compares it; returns how many exports were compared. */
export async function checkEveryCheckpoint(store: string, checkpoints: readonly WorkloadCheckpoint[], label: string): Promise<number> {
  let n = 0;
  for (const cp of checkpoints) {
    for (const table of Object.keys(cp.tables)) {
      const text = await exportTable(store, table, cp.position);
      compareExport(cp, table, text, label);
      n++;
    }
  }
  return n;
}

/**
 * `binsnap schema --table T --at <checkpoint> --json` of every table of every checkpoint that
 * recorded catalogs, compared with information_schema then; returns how many were compared.
 */
export async function checkEverySchema(store: string, checkpoints: readonly WorkloadCheckpoint[], label: string): Promise<number> {
  let n = 0;
  for (const cp of checkpoints) {
    for (const [table, want] of Object.entries(cp.catalogs ?? {})) {
      const r = await inProcess(['schema', '--table', table, '--at', cp.position, '--json', '--store', store, '--log-level', 'warn']);
      if (r.code !== 0) throw new Error(`binsnap schema --table ${table} --at ${cp.position} exited ${r.code}: ${r.err.slice(-2000)}`);
      const body = JSON.parse(r.out) as { schema: Parameters<typeof binsnapCatalog>[0] | null };
      expect(body.schema, `${label}: ${table} at ${cp.position} (${cp.label})`).not.toBeNull();
      expect(binsnapCatalog(body.schema!), `${label}: ${table} at ${cp.position} (${cp.label})`).toEqual(want);
      n++;
    }
  }
  return n;
}
