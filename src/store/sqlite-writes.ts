/**
 * The embedded store's write statements, prepared once per connection. Every
 * method runs inside a SQLite transaction the caller opened (a batch of whole
 * transactions, or one streamed transaction), so a failure anywhere rolls
 * everything of the unit back.
 *
 * Row versions are buffered (sqlite-pages.ts) and written as one run per
 * table (sqlite-runs.ts) when the unit ends or the buffer holds FLUSH_ENTRIES
 * versions or FLUSH_BYTES, whichever comes first; the caller calls
 * `flushRows` before the unit's transaction record and commit. After the
 * commit, `compact` merges runs in a SQLite transaction of its own.
 *
 * A version already present is never written twice: a flush first looks for
 * stored runs whose version bounds meet its own (none in a forward replay, an
 * index lookup). Only when some do, the stored versions in that range are
 * read and each incoming one is skipped when stored with the same content, or
 * refused (BINSNAP_E_STORE_CONFLICT) when stored with other content.
 */
import type Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { decodeVersion, posBlob } from './sqlite-codec.js';
import { formatVersionId, type Checkpoint, type CommittedTransaction, type RowChange, type TransactionEnd, type TransactionStart } from './snapshot-store.js';
import { storedOp } from './row-fold.js';
import { CheckpointTable } from './sqlite-checkpoint.js';
import {
  EntryBuffer,
  OP_CODE,
  VERSION_BYTES,
  compareEntryKeys,
  compareVersionBytes,
  entryKey,
  entryOpCode,
  entryValuesRange,
  pageCount,
  pageEntryAt,
  renumberEntries,
  versionOffset,
} from './sqlite-pages.js';
import { ShapeWrites } from './sqlite-cells.js';
import { DEFAULT_TUNING, RunWrites, type RunRow, type RunTuning } from './sqlite-runs.js';

/** A flush writes its runs at this many buffered versions … */
export const FLUSH_ENTRIES = 100_000;
/** … or this many buffered bytes. */
export const FLUSH_BYTES = 32 * 1024 * 1024;

/** Transaction records per multi-row INSERT (writeTransactions). */
const TX_ROWS_PER_INSERT = 32;

interface StoredEntry {
  readonly tableId: number;
  readonly key: string;
  readonly op: number;
  /** The values cells as latin1 (bytes compared), or null. */
  readonly values: string | null;
}

function valuesOf(b: Buffer, at: number): string | null {
  const r = entryValuesRange(b, at);
  return r === null ? null : b.toString('latin1', r[0], r[1]);
}

/** A table's id and shape ids, for entries encoded on another thread (SqliteWrites.encodingOf). */
export interface EncodingIds {
  readonly tableId: number;
  readonly shapes: readonly { readonly names: readonly string[]; readonly id: number }[];
}

export class SqliteWrites {
  private readonly tableIds = new Map<string, { id: number; multiset: boolean }>();
  private readonly insertName: Database.Statement<[string]>;
  private readonly selectName: Database.Statement<[string], { table_id: number; multiset: number }>;
  private readonly markMultiset: Database.Statement<[number]>;
  private readonly nameOfId: Database.Statement<[number], string>;
  private readonly runs: RunWrites;
  private readonly shapes: ShapeWrites;
  private readonly pending = new EntryBuffer();
  /** Whether the buffered versions arrived in strictly increasing version order (the normal case). */
  private increasing = true;
  /** The last buffered version. */
  private lastFile = 0;
  private lastOffset = 0n;
  private lastIndex = 0;
  /** Table ids with runs written since the last compaction. */
  private readonly touched = new Set<number>();
  private readonly insertTransaction: Database.Statement<[Buffer, Buffer, string, string, number, string | null]>;
  private readonly insertTransactions: Database.Statement<[(Buffer | string | number | null)[]]>;
  private readonly selectTransactionGtid: Database.Statement<[Buffer, Buffer], { gtid: string | null }>;
  private readonly insertSchema: Database.Statement<[Buffer, Buffer, number, string, string, string, string | null]>;
  private readonly selectSchema: Database.Statement<[Buffer, Buffer, number], Record<string, unknown>>;
  private readonly insertEvent: Database.Statement<[Buffer, Buffer, number, string, string, string | null]>;
  private readonly selectEvent: Database.Statement<[Buffer, Buffer, number], Record<string, unknown>>;
  private readonly checkpoints: CheckpointTable;

  private readonly flushEntries: number;

  constructor(db: Database.Database, tuning: Partial<RunTuning & { flushEntries: number }> = {}) {
    this.flushEntries = tuning.flushEntries ?? FLUSH_ENTRIES;
    this.insertName = db.prepare('INSERT INTO table_names (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    this.selectName = db.prepare('SELECT table_id, multiset FROM table_names WHERE name = ?');
    this.markMultiset = db.prepare('UPDATE table_names SET multiset = 1 WHERE table_id = ?');
    this.nameOfId = db.prepare<[number], string>('SELECT name FROM table_names WHERE table_id = ?').pluck();
    this.runs = new RunWrites(db, { ...DEFAULT_TUNING, ...tuning });
    this.shapes = new ShapeWrites(db);
    this.insertTransaction = db.prepare(
      `INSERT INTO transactions (commit_pos, start_pos, commit_position, start_position, commit_ts_ms, gtid)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.insertTransactions = db.prepare<[(Buffer | string | number | null)[]]>(
      `INSERT INTO transactions (commit_pos, start_pos, commit_position, start_position, commit_ts_ms, gtid)
       VALUES ${Array.from({ length: TX_ROWS_PER_INSERT }, () => '(?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
    );
    this.selectTransactionGtid = db.prepare('SELECT gtid FROM transactions WHERE commit_pos = ? AND start_pos = ?');
    this.insertSchema = db.prepare(
      `INSERT INTO schema_versions (commit_pos, start_pos, seq, table_name, kind, ddl, schema_json)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.selectSchema = db.prepare(
      'SELECT table_name, kind, ddl, schema_json FROM schema_versions WHERE commit_pos = ? AND start_pos = ? AND seq = ?',
    );
    this.insertEvent = db.prepare(
      `INSERT INTO table_events (commit_pos, start_pos, seq, kind, table_name, to_name)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.selectEvent = db.prepare('SELECT kind, table_name, to_name FROM table_events WHERE commit_pos = ? AND start_pos = ? AND seq = ?');
    this.checkpoints = new CheckpointTable(db);
  }

  /** Forgets what was learnt or buffered inside a unit that was rolled back. */
  forgetUncommitted(): void {
    this.tableIds.clear();
    this.lastTable = undefined;
    this.shapes.forgetUncommitted();
    this.pending.clear();
    this.increasing = true;
    this.touched.clear();
  }

  /**
   * Buffers row versions; writes runs when the buffer is full. With `checkStored` (a streamed
   * transaction's batch), a batch meeting stored versions is checked against them now, so a
   * conflict surfaces at the batch that brings it.
   */
  writeRows(changes: readonly RowChange[], checkStored = false): void {
    const pending = this.pending;
    const before = pending.length;
    let increasing = this.increasing;
    let lastFile = this.lastFile;
    let lastOffset = this.lastOffset;
    let lastIndex = this.lastIndex;
    // The rows of one event share their offset: its BigInt arithmetic is done once per offset.
    let high = lastOffset > 0xffff_ffffn ? Number(lastOffset >> 32n) : 0;
    let low = Number(lastOffset & 0xffff_ffffn);
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i] as RowChange;
      const id = c.version;
      const offset = id.offset;
      if (offset === lastOffset) {
        if (increasing && pending.length > 0) increasing = id.fileNumber > lastFile || (id.fileNumber === lastFile && id.rowIndex > lastIndex);
      } else {
        if (increasing && pending.length > 0) increasing = id.fileNumber > lastFile || (id.fileNumber === lastFile && offset > lastOffset);
        lastOffset = offset;
        high = offset > 0xffff_ffffn ? Number(offset >> 32n) : 0;
        low = high === 0 ? Number(offset) : Number(offset & 0xffff_ffffn);
      }
      lastFile = id.fileNumber;
      lastIndex = id.rowIndex;
      const op = storedOp(c);
      pending.addVersion(
        this.tableId(c.table, op === 'add' || op === 'remove'),
        c.key,
        c.numericKeyColumns,
        id.fileNumber,
        high,
        low,
        id.rowIndex,
        OP_CODE[op],
        c.values,
        this.shapes,
      );
    }
    this.increasing = increasing;
    this.lastFile = lastFile;
    this.lastOffset = lastOffset;
    this.lastIndex = lastIndex;
    if (pending.length >= this.flushEntries || pending.used >= FLUSH_BYTES) this.flushRows();
    else if (checkStored && pending.length > before && this.meetsStored(before)) this.flushRows();
  }

  /**
   * What a thread encoding a table's entries elsewhere needs (inside the open unit): the table's
   * id and the ids of its shapes (the values' columns, the key's columns), stored when new.
   */
  encodingOf(table: string, valueNames: readonly string[], keyNames: readonly string[]): EncodingIds {
    const tableId = this.tableId(table, false);
    // The key's shape first, as encoding an entry registers them (equal stores, equal shape ids).
    const shapes = [keyNames, valueNames].map((names) => ({ names: [...names], id: this.shapes.idOfNames(names) }));
    return { tableId, shapes };
  }

  /**
   * Buffers `count` entries of one table encoded elsewhere (EntryBuffer.appendEncoded), their
   * versions `(at, firstIndex + i)` in entry order; then as writeRows.
   */
  writeEncoded(tableId: number, src: Uint8Array, starts: Int32Array, ends: Int32Array, at: BinlogPosition, firstIndex: number, checkStored: boolean): void {
    const count = starts.length;
    if (count === 0) return;
    renumberEntries(src, starts, firstIndex);
    const pending = this.pending;
    const before = pending.length;
    if (this.increasing && before > 0) this.increasing = this.follows(at, firstIndex);
    pending.appendEncoded(tableId, src, starts, ends);
    this.appended(before, at, firstIndex, count, checkStored);
  }

  /**
   * Entries of one table that `encode` appends to the buffer itself (and returns how many, or -1
   * having appended nothing), their versions `(at, firstIndex + i)`; then as writeRows. For a
   * writer that encodes rows from elsewhere straight into the buffer (a replay's raw inserts).
   */
  writeEntries(tableId: number, at: BinlogPosition, firstIndex: number, encode: (entries: EntryBuffer) => number, checkStored: boolean): number {
    const before = this.pending.length;
    const count = encode(this.pending);
    if (count < 0 && this.pending.length === before) return count;
    if (this.pending.length - before !== count) throw new BinsnapError('BINSNAP_E_INTERNAL', `an encoder appended ${this.pending.length - before} entries and counted ${count}`);
    if (count === 0) return 0;
    for (let i = before; i < this.pending.length; i++) {
      if (this.pending.tables[i] !== tableId) throw new BinsnapError('BINSNAP_E_INTERNAL', 'entries appended for another table');
    }
    if (this.increasing && before > 0) {
      this.increasing = this.follows(at, firstIndex);
    }
    this.appended(before, at, firstIndex, count, checkStored);
    return count;
  }

  /** Whether versions from `(at, firstIndex)` on come after the last buffered one. */
  private follows(at: BinlogPosition, firstIndex: number): boolean {
    const file = at.fileNumber;
    const offset = at.offset;
    return file > this.lastFile || (file === this.lastFile && (offset > this.lastOffset || (offset === this.lastOffset && firstIndex > this.lastIndex)));
  }

  /** After `count` entries at `(at, firstIndex…)` were buffered behind `before` others: the last version, and a flush when due. */
  private appended(before: number, at: BinlogPosition, firstIndex: number, count: number, checkStored: boolean): void {
    this.lastFile = at.fileNumber;
    this.lastOffset = at.offset;
    this.lastIndex = firstIndex + count - 1;
    const pending = this.pending;
    if (pending.length >= this.flushEntries || pending.used >= FLUSH_BYTES) this.flushRows();
    else if (checkStored && this.meetsStored(before)) this.flushRows();
  }

  /** Whether stored runs hold versions in the range of the buffered entries from `from` on. */
  private meetsStored(from: number): boolean {
    const [lo, hi] = this.versionRange(from);
    return this.runs.runsOverlapping(lo, hi).length > 0;
  }

  /** The least and greatest version of the buffered entries from `from` on (views into the buffer). */
  private versionRange(from: number): [Buffer, Buffer] {
    const b = this.pending;
    let lo = versionAt(b.buf, b.starts[from] as number);
    let hi = versionAt(b.buf, b.starts[b.length - 1] as number);
    if (!this.increasing) {
      for (let i = from; i < b.length; i++) {
        const x = versionAt(b.buf, b.starts[i] as number);
        if (x.compare(lo) < 0) lo = x;
        if (x.compare(hi) > 0) hi = x;
      }
    }
    return [lo, hi];
  }

  /** Writes the buffered versions as one run per table. */
  flushRows(): void {
    const b = this.pending;
    if (b.length === 0) return;
    const buf = b.buf;
    const [lo, hi] = this.versionRange(0);
    const overlapping = this.runs.runsOverlapping(lo, hi);
    const keep = overlapping.length > 0 || !this.increasing ? this.alreadyStored(lo, hi, overlapping) : null;
    const order = sortedOrder(b, keep);
    let i = 0;
    while (i < order.length) {
      const tableId = b.tables[order[i] as number] as number;
      let end = i;
      while (end < order.length && b.tables[order[end] as number] === tableId) end++;
      for (const [from, to] of streamPieces(order, i, end)) {
        const run = this.runs.begin(tableId);
        for (let k = from; k < to; k++) {
          const e = order[k] as number;
          // In the order sortedOrder established or checked.
          run.addSorted(buf, b.starts[e] as number, b.ends[e] as number);
        }
        run.finish();
      }
      this.touched.add(tableId);
      i = end;
    }
    b.clear();
    this.increasing = true;
  }

  /** Whether a compaction step has work: runs written since the last one, or a merge under way. */
  hasTouched(): boolean {
    return this.touched.size > 0 || this.runs.merging;
  }

  /**
   * One compaction step (RunWrites.compactStep) over the tables written since the last one; call
   * outside the unit, in its own SQLite transaction, and `compacted(done)` once that has committed
   * with what it returned (until then the tables stay marked, so merges that were rolled back are
   * tried again after the next commit).
   */
  compact(): number[] {
    return this.runs.compactStep(this.touched);
  }

  /** The tables with runs written since the last call (for a background compactor, which merges them itself). */
  takeTouched(): number[] {
    const tables = [...this.touched];
    this.touched.clear();
    return tables;
  }

  compacted(done: readonly number[]): void {
    for (const id of done) this.touched.delete(id);
  }

  /** After a failed compaction step: the merge under way is dropped with what it wrote (its inputs stay). */
  dropUnfinishedMerge(): void {
    this.runs.dropUnfinished();
  }

  get merging(): boolean {
    return this.runs.merging;
  }

  /** Finishes the merge under way, if any (when the store closes). */
  finishMerge(): void {
    this.runs.finishMerge();
  }

  /**
   * Which buffered versions are new: false for those stored (or buffered earlier) with the same
   * content; a version stored with other content is a conflict.
   */
  private alreadyStored(lo: Buffer, hi: Buffer, runs: readonly RunRow[]): boolean[] {
    const stored = new Map<string, StoredEntry>();
    for (const run of runs) {
      for (const page of this.runs.pagesOverlapping(run.run_id, lo, hi)) {
        const count = pageCount(page);
        for (let i = 0; i < count; i++) {
          const at = pageEntryAt(page, i);
          const v = versionAt(page, at);
          if (v.compare(lo) < 0 || v.compare(hi) > 0) continue;
          stored.set(v.toString('latin1', 0, VERSION_BYTES), {
            tableId: run.table_id,
            key: entryKey(page, at),
            op: entryOpCode(page, at),
            values: valuesOf(page, at),
          });
        }
      }
    }
    return this.keepNew(stored);
  }

  private keepNew(stored: Map<string, StoredEntry>): boolean[] {
    const b = this.pending;
    const keep = new Array<boolean>(b.length).fill(true);
    for (let i = 0; i < b.length; i++) {
      const at = b.starts[i] as number;
      const incoming: StoredEntry = {
        tableId: b.tables[i] as number,
        key: b.keyOf(i),
        op: entryOpCode(b.buf, at),
        values: valuesOf(b.buf, at),
      };
      const v = versionAt(b.buf, at);
      const id = v.toString('latin1', 0, VERSION_BYTES);
      const existing = stored.get(id);
      if (existing === undefined) {
        stored.set(id, incoming);
        continue;
      }
      keep[i] = false;
      if (existing.tableId !== incoming.tableId || existing.key !== incoming.key || existing.op !== incoming.op || existing.values !== incoming.values) {
        throw new BinsnapError('BINSNAP_E_STORE_CONFLICT', `row version ${formatVersionId(decodeVersion(Buffer.from(v)))} is already stored with different content`, {
          table: this.nameOf(incoming.tableId),
          existingTable: this.nameOf(existing.tableId),
        });
      }
    }
    return keep;
  }

  private nameOf(id: number): string {
    for (const [name, known] of this.tableIds) if (known.id === id) return name;
    return this.nameOfId.get(id) ?? `#${id}`;
  }

  /** The transaction record, its schema changes and table events. */
  writeTransaction(start: TransactionStart, end: TransactionEnd): void {
    const commitPos = posBlob(end.commitPosition);
    const startPos = posBlob(start.startPosition);
    const gtid = start.gtid ?? null;
    const t = this.insertTransaction.run(
      commitPos,
      startPos,
      end.commitPosition.format(),
      start.startPosition.format(),
      end.commitTimestamp,
      gtid,
    );
    if (t.changes === 0) this.checkStoredGtid(commitPos, startPos, gtid, end.commitPosition);
    this.writeTransactionParts(commitPos, startPos, end);
  }

  /**
   * writeTransaction for the transactions of one `apply`: their records go TX_ROWS_PER_INSERT to
   * a multi-row INSERT (one statement instead of one per transaction: the daemon writes ~2,000
   * small transactions a second).
   */
  writeTransactions(ts: readonly CommittedTransaction[]): void {
    let i = 0;
    for (; i + TX_ROWS_PER_INSERT <= ts.length; i += TX_ROWS_PER_INSERT) {
      const params: (Buffer | string | number | null)[] = new Array(TX_ROWS_PER_INSERT * 6);
      for (let k = 0; k < TX_ROWS_PER_INSERT; k++) {
        const t = ts[i + k] as CommittedTransaction;
        const p = k * 6;
        params[p] = posBlob(t.commitPosition);
        params[p + 1] = posBlob(t.startPosition);
        params[p + 2] = t.commitPosition.format();
        params[p + 3] = t.startPosition.format();
        params[p + 4] = t.commitTimestamp;
        params[p + 5] = t.gtid ?? null;
      }
      const inserted = this.insertTransactions.run(params).changes;
      for (let k = 0; k < TX_ROWS_PER_INSERT; k++) {
        const t = ts[i + k] as CommittedTransaction;
        const commitPos = params[k * 6] as Buffer;
        const startPos = params[k * 6 + 1] as Buffer;
        // Some were stored already (a replay over stored history): each must be the same transaction.
        if (inserted < TX_ROWS_PER_INSERT) this.checkStoredGtid(commitPos, startPos, t.gtid ?? null, t.commitPosition);
        if (t.schemaChanges !== undefined || t.tableEvents !== undefined) this.writeTransactionParts(commitPos, startPos, t);
      }
    }
    for (; i < ts.length; i++) this.writeTransaction(ts[i] as CommittedTransaction, ts[i] as CommittedTransaction);
  }

  private checkStoredGtid(commitPos: Buffer, startPos: Buffer, gtid: string | null, commitPosition: BinlogPosition): void {
    if (this.selectTransactionGtid.get(commitPos, startPos)?.gtid !== gtid) {
      throw conflict(`the transaction committed at ${commitPosition.format()} is stored with another GTID`, commitPosition);
    }
  }

  /** A transaction's schema changes and table events. */
  private writeTransactionParts(commitPos: Buffer, startPos: Buffer, end: TransactionEnd): void {
    (end.schemaChanges ?? []).forEach((s, seq) => {
      const json = s.schema === null ? null : JSON.stringify(s.schema);
      if (this.insertSchema.run(commitPos, startPos, seq, s.table, s.kind, s.ddl, json).changes === 0) {
        const e = this.selectSchema.get(commitPos, startPos, seq);
        if (!e || e['table_name'] !== s.table || e['kind'] !== s.kind || e['ddl'] !== s.ddl || e['schema_json'] !== json) {
          throw conflict(`schema change ${seq} of the transaction at ${end.commitPosition.format()} differs from the stored one`, end.commitPosition);
        }
      }
    });
    (end.tableEvents ?? []).forEach((ev, seq) => {
      const to = ev.kind === 'rename' ? ev.to : null;
      if (this.insertEvent.run(commitPos, startPos, seq, ev.kind, ev.table, to).changes === 0) {
        const e = this.selectEvent.get(commitPos, startPos, seq);
        if (!e || e['kind'] !== ev.kind || e['table_name'] !== ev.table || e['to_name'] !== to) {
          throw conflict(`table event ${seq} of the transaction at ${end.commitPosition.format()} differs from the stored one`, end.commitPosition);
        }
      }
    });
  }

  /** Moves the checkpoint to `incoming` unless the stored one is further. */
  advanceCheckpoint(incoming: Checkpoint): void {
    this.checkpoints.advance(incoming);
  }

  private lastTable: { name: string; known: { id: number; multiset: boolean } } | undefined;

  private tableId(name: string, multiset: boolean): number {
    const last = this.lastTable;
    if (last !== undefined && last.name === name && (!multiset || last.known.multiset)) return last.known.id;
    let known = this.tableIds.get(name);
    if (known === undefined) {
      this.insertName.run(name);
      const row = this.selectName.get(name);
      if (row === undefined) throw new BinsnapError('BINSNAP_E_INTERNAL', `table name ${name} was not stored`, { table: name });
      known = { id: row.table_id, multiset: row.multiset === 1 };
      this.tableIds.set(name, known);
    }
    if (multiset && !known.multiset) {
      this.markMultiset.run(known.id);
      known.multiset = true;
    }
    this.lastTable = { name, known };
    return known.id;
  }
}

function conflict(message: string, at: BinlogPosition): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CONFLICT', message, { position: at.format() });
}

/** The version bytes of the entry at `at` (a view). */
function versionAt(b: Buffer, at: number): Buffer {
  const v = versionOffset(b, at);
  return b.subarray(v, v + VERSION_BYTES);
}

/** A flush's run is cut into at most this many pieces … */
const MAX_PIECES = 16;
/** … of at least this many versions each. */
const MIN_PIECE = 1000;

/**
 * Where to cut one table's sorted entries [from, to) into runs. Entries are in arrival order in the
 * buffer, so in key order the arrival index drops exactly where one ascending stream of keys ends
 * and another begins. A few long streams (a seed's parallel readers, each reading its own key
 * range in order) become a run each: their key ranges then follow those of the next flush's runs,
 * and merging them re-links pages instead of rewriting them. Keys in no order (random updates)
 * give many short pieces: those stay one run.
 */
function streamPieces(order: readonly number[], from: number, to: number): [number, number][] {
  const cuts: number[] = [];
  for (let k = from + 1; k < to; k++) {
    if ((order[k] as number) < (order[k - 1] as number)) {
      cuts.push(k);
      if (cuts.length >= MAX_PIECES) return [[from, to]];
    }
  }
  const pieces: [number, number][] = [];
  let start = from;
  for (const c of [...cuts, to]) {
    if (c - start < MIN_PIECE) return [[from, to]];
    pieces.push([start, c]);
    start = c;
  }
  return pieces;
}

/**
 * Entry indexes in (table, key, version) order, without those `keep` rules out. The buffer is
 * usually in that order already (one table, keys ascending): checked first, in one pass.
 */
function sortedOrder(b: EntryBuffer, keep: boolean[] | null): number[] {
  const n = b.length;
  const tables = b.tables;
  const buf = b.buf;
  const starts = b.starts;
  const cmp = (x: number, y: number): number => {
    const tx = tables[x] as number;
    const ty = tables[y] as number;
    if (tx !== ty) return tx - ty;
    const sx = starts[x] as number;
    const sy = starts[y] as number;
    const k = compareEntryKeys(buf, sx, buf, sy);
    if (k !== 0) return k;
    return compareVersionBytes(buf, versionOffset(buf, sx), buf, versionOffset(buf, sy));
  };
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (keep === null || keep[i] === true) order.push(i);
  let sorted = true;
  for (let i = 1; i < order.length; i++) {
    if (cmp(order[i - 1] as number, order[i] as number) > 0) {
      sorted = false;
      break;
    }
  }
  if (!sorted) order.sort(cmp);
  return order;
}
