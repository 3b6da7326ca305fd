/**
 * `binsnap export`'s work: a table as of a position, streamed from the store
 * into a TextSink as JSON lines or CSV (formats in read-csv.ts).
 *
 * Invariants:
 * - The store must hold a transaction (BINSNAP_E_STORE_EMPTY) and know the
 *   table (BINSNAP_E_STORE_TABLE_UNKNOWN) before anything is written.
 * - `--at` is resolved once to a commit position and every read (schema and
 *   rows) uses that position, so the header and the rows describe one state.
 *   When it resolves to nothing (before the first stored transaction) the
 *   table is empty and `resolved` is null; the caller warns.
 * - Rows come in store order (primary key order); a whole-row duplicate is
 *   written once per occurrence.
 * - CSV columns are the table's schema as of the position; without a schema,
 *   the union of the rows' keys in first-seen order (one extra pass).
 * - Stops early, without error, when the sink's reader went away or `signal`
 *   aborts; `stopped` says why.
 */
import type { AsOf } from '../../core/as-of.js';
import type { BinlogPosition } from '../../core/position.js';
import type { SnapshotStore } from '../../store/index.js';
import { csvHeader, csvRecord, jsonlLine } from './read-csv.js';
import type { TextSink } from './read-output.js';
import { requireCheckpoint, requireKnownTable } from './read-common.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportOptions {
  readonly table: string;
  readonly asOf: AsOf;
  readonly format: ExportFormat;
  readonly signal: AbortSignal;
  /** Called with the running row count every PROGRESS_EVERY rows. */
  readonly onProgress?: (rows: number) => void;
}

export interface ExportResult {
  readonly rows: number;
  /** The commit position the export is as of; null when --at precedes every stored transaction. */
  readonly resolved: BinlogPosition | null;
  readonly stopped: 'done' | 'pipe-closed' | 'interrupted';
}

const PROGRESS_EVERY = 256;

export async function runExport(store: SnapshotStore, opts: ExportOptions, sink: TextSink): Promise<ExportResult> {
  await requireCheckpoint(store);
  await requireKnownTable(store, opts.table);
  const resolved = await store.resolveAsOf(opts.asOf);
  if (resolved === null) return { rows: 0, resolved, stopped: 'done' };
  const at: AsOf = { kind: 'position', position: resolved };

  let columns: readonly string[] = [];
  if (opts.format === 'csv') {
    columns = await csvColumns(store, opts.table, at);
    if (columns.length > 0) await sink.write(csvHeader(columns));
  }
  let rows = 0;
  for await (const row of store.readTable(opts.table, at)) {
    if (opts.signal.aborted) return { rows, resolved, stopped: 'interrupted' };
    if (sink.closed) return { rows, resolved, stopped: 'pipe-closed' };
    const written = sink.write(opts.format === 'csv' ? csvRecord(row, columns) : jsonlLine(row));
    if (written !== undefined) await written;
    rows++;
    if (rows % PROGRESS_EVERY === 0) opts.onProgress?.(rows);
  }
  if (sink.closed) return { rows, resolved, stopped: 'pipe-closed' };
  return { rows, resolved, stopped: 'done' };
}

async function csvColumns(store: SnapshotStore, table: string, at: AsOf): Promise<string[]> {
  const schema = (await store.schemaAt(table, at))?.schema;
  if (schema) return schema.columns.map((c) => c.name);
  const seen = new Set<string>();
  for await (const row of store.readTable(table, at)) for (const k of Object.keys(row)) seen.add(k);
  return [...seen];
}
