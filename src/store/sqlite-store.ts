/**
 * The embedded SnapshotStore: one SQLite file (default `./binsnap.db`) through
 * better-sqlite3, readable with the `sqlite3` shell (layout: sqlite-schema.ts).
 *
 * Atomicity: `apply` writes a batch of whole transactions and the checkpoint
 * in one SQLite transaction; a streamed transaction holds one SQLite
 * transaction (BEGIN IMMEDIATE) from `beginTransaction` to `commit`, so
 * nothing of it is visible before, and a crash, an `abort`, an error or
 * `close` rolls all of it back. Reads use a second, read-only connection.
 *
 * Durability: WAL with `synchronous=NORMAL` by default. The checkpoint row is
 * written in the same SQLite transaction as the data it covers, so after any
 * crash both survive or neither does: the checkpoint never points past data.
 * NORMAL may lose the last commits on power loss (not on a process crash);
 * they roll back together with their checkpoint and are simply read again
 * from the binlog on restart (replays are idempotent). `synchronous: 'full'`
 * fsyncs every commit for users who want no rewind at all.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { encodeKey } from './key-encoding.js';
import { resolveLineage, type Segment } from './lineage.js';
import { foldRows, rowOpOf } from './row-fold.js';
import { AFTER_ALL, BEFORE_ALL, decodeVersion, lastVersionAt, posBlob } from './sqlite-codec.js';
import { CheckpointTable } from './sqlite-checkpoint.js';
import { mapped, mappedIterable, storeError } from './sqlite-errors.js';
import { SqliteReads, type BlobRange } from './sqlite-reads.js';
import { MetaTable } from './sqlite-meta.js';
import { migrate } from './sqlite-schema.js';
import { SqliteWrites } from './sqlite-writes.js';
import { mergeScans, toStep } from './sqlite-scan-merge.js';
import { SqliteTransactionWriter, type StreamedTarget } from './sqlite-transaction-writer.js';
import type {
  AsOf,
  Checkpoint,
  CommittedTransaction,
  KeyOptions,
  RowHistoryEntry,
  RowKey,
  RowValues,
  SchemaVersion,
  SnapshotStore,
  TableEventRecord,
  TableStats,
  TransactionEnd,
  TransactionStart,
  TransactionWriter,
} from './snapshot-store.js';
import {
  checkBeforeCommit,
  checkEnd,
  checkMetaName,
  checkMetaValue,
  checkStart,
  checkTimestamp,
  defaultCheckpoint,
  nextCheckpoint,
  prepareChange,
  type PreparedChange,
} from './transaction-rules.js';

export const DEFAULT_STORE_PATH = './binsnap.db';

export interface SqliteStoreOptions {
  /** The store file; created when missing (its directory must exist). */
  readonly path?: string;
  /** `normal` (default): durable on process crash; `full`: also on power loss, slower. */
  readonly synchronous?: 'normal' | 'full';
  /**
   * false: refuse a missing file instead of creating an empty store, and leave an older layout as it is
   * instead of upgrading it on open (for commands that only read; see sqlite-schema.ts).
   */
  readonly create?: boolean;
}

export async function openSqliteStore(options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return SqliteStore.open(options);
}

export class SqliteStore implements SnapshotStore, StreamedTarget {
  private writerOpen = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly reader: Database.Database,
    private readonly writes: SqliteWrites,
    private readonly reads: SqliteReads,
    private readonly checkpoints: CheckpointTable,
    private readonly meta: MetaTable,
  ) {}

  static open(options: SqliteStoreOptions): SqliteStore {
    const path = options.path ?? DEFAULT_STORE_PATH;
    let db: Database.Database | null = null;
    let reader: Database.Database | null = null;
    try {
      if (options.create === false && !existsSync(path)) {
        throw new BinsnapError('BINSNAP_E_STORE_OPEN', `there is no store at ${path}`, { file: path });
      }
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      // Versions land at random places of the key index: a large cache and rare WAL checkpoints
      // (measured: 2× apply throughput at 20000 pages vs the default 1000) let a page absorb
      // many commits before it is copied back into the database file.
      db.pragma('cache_size = -131072');
      db.pragma('wal_autocheckpoint = 20000');
      db.pragma('journal_size_limit = 67108864');
      // A read command (create: false) never upgrades an older layout; a writer does, here.
      migrate(db, path, { upgrade: options.create !== false });
      reader = new Database(path, { readonly: true });
      reader.pragma('busy_timeout = 5000');
      reader.pragma('cache_size = -65536');
      const writer = db;
      const meta = new MetaTable(writer, reader, () => migrate(writer, path));
      return new SqliteStore(path, db, reader, new SqliteWrites(db), new SqliteReads(reader), new CheckpointTable(reader), meta);
    } catch (err) {
      reader?.close();
      db?.close();
      const mappedErr = storeError(err, path);
      if (mappedErr !== err || err instanceof BinsnapError) throw mappedErr;
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', `the store cannot be opened: ${String(err)}`, { file: path }, { cause: err });
    }
  }

  async apply(transactions: readonly CommittedTransaction[]): Promise<void> {
    this.checkWritable();
    const prepared = transactions.map((t) => {
      checkStart(t);
      checkEnd(t, t);
      return t.rowChanges.map((c) => {
        const p = prepareChange(c, t.startPosition);
        checkBeforeCommit(c, t.commitPosition);
        return p;
      });
    });
    let checkpoint: Checkpoint | null = null;
    for (const t of transactions) checkpoint = nextCheckpoint(checkpoint, defaultCheckpoint(t));
    try {
      mapped(this.path, () =>
        this.db
          .transaction(() => {
            transactions.forEach((t, i) => {
              this.writes.writeRows(prepared[i] as PreparedChange[]);
              this.writes.writeTransaction(t, t);
            });
            if (checkpoint !== null) this.writes.advanceCheckpoint(checkpoint);
          })
          .immediate(),
      );
    } catch (err) {
      this.writes.forgetUncommitted();
      throw err;
    }
  }

  async beginTransaction(start: TransactionStart): Promise<TransactionWriter> {
    this.checkWritable();
    checkStart(start);
    mapped(this.path, () => this.db.exec('BEGIN IMMEDIATE'));
    this.writerOpen = true;
    return new SqliteTransactionWriter(this, start);
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkWritable();
    checkTimestamp(checkpoint.commitTimestamp, checkpoint.position);
    mapped(this.path, () => this.db.transaction(() => this.writes.advanceCheckpoint(checkpoint)).immediate());
  }

  async resolveAsOf(asOf: AsOf): Promise<BinlogPosition | null> {
    this.checkOpen();
    return mapped(this.path, () => {
      switch (asOf.kind) {
        case 'latest':
          return this.reads.lastCommitPosition(null);
        case 'position':
          return this.reads.lastCommitPosition(asOf.position);
        case 'instant':
          return this.reads.lastCommitAt(asOf.at.getTime());
      }
    });
  }

  async *readTable(table: string, asOf: AsOf): AsyncIterable<RowValues> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return;
    const ranges = this.ranges(await resolveLineage(table, bound, this.reads.eventsTouching), lastVersionAt(bound));
    const only = ranges.length === 1 ? (ranges[0] as BlobRange) : null;
    if (only !== null && !only.multiset) {
      // The common case: one range of a table with a primary key; SQLite picks the winners.
      for (const w of mappedIterable(this.path, this.reads.latestPerKey(only))) {
        this.checkOpen();
        if (w.op !== 'upsert') continue;
        if (w.row_values === null) throw corruptRow(w.pk_sort);
        yield JSON.parse(w.row_values) as RowValues;
      }
      return;
    }
    const steps = mappedIterable(this.path, mergeScans(ranges.map((r) => this.reads.scan(r))));
    for await (const row of foldRows(steps)) {
      this.checkOpen();
      const values = this.valuesOf(row.ref);
      for (let i = 0; i < row.count; i++) yield values;
    }
  }

  async readRow(table: string, key: RowKey, asOf: AsOf, options?: KeyOptions): Promise<RowValues | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    const ranges = this.ranges(await resolveLineage(table, bound, this.reads.eventsTouching), lastVersionAt(bound));
    const pk = encodeKey(key, options?.numericKeyColumns);
    // Segments come newest first; a key's versions are folded oldest first.
    const rows = mapped(this.path, () => ranges.reverse().flatMap((r) => this.reads.keyScan(r, pk)));
    for await (const row of foldRows(rows.map(toStep))) return this.valuesOf(row.ref);
    return null;
  }

  async rowHistory(table: string, key: RowKey, options?: KeyOptions): Promise<RowHistoryEntry[]> {
    this.checkOpen();
    const segments = await resolveLineage(table, null, this.reads.eventsTouching, { acrossTruncates: true });
    const pk = encodeKey(key, options?.numericKeyColumns);
    const out: RowHistoryEntry[] = [];
    for (const r of this.ranges(segments, AFTER_ALL)) {
      const name = r.table;
      const rows = mapped(this.path, () => this.reads.history(r, pk));
      const entries = rows.map((h): RowHistoryEntry => {
        const transaction = this.reads.transactionOf(h.version);
        if (transaction === null) throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', 'a row version has no transaction', { table: name });
        const version = decodeVersion(h.version);
        const values = h.row_values === null ? null : (JSON.parse(h.row_values) as RowValues);
        return {
          table: name,
          version,
          op: rowOpOf(h.op),
          identity: h.op === 'add' || h.op === 'remove' ? 'whole-row' : 'primary-key',
          key: JSON.parse(h.pk) as RowKey,
          values,
          position: transaction.commitPosition.withOffset(version.offset),
          transaction,
        };
      });
      out.unshift(...entries);
    }
    return out;
  }

  async schemaAt(table: string, asOf: AsOf): Promise<SchemaVersion | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    return mapped(this.path, () => this.reads.schemaAt(table, bound));
  }

  async schemaHistory(table: string): Promise<SchemaVersion[]> {
    this.checkOpen();
    return mapped(this.path, () => this.reads.schemaHistory(table));
  }

  async schemaTables(): Promise<string[]> {
    this.checkOpen();
    return mapped(this.path, () => this.reads.schemaTables());
  }

  async tableEventsOf(table: string): Promise<TableEventRecord[]> {
    this.checkOpen();
    const events = await this.reads.eventsTouching(table);
    return [...events].sort(
      (a, b) => a.transaction.startPosition.compare(b.transaction.startPosition) || a.seq - b.seq,
    );
  }

  async checkpoint(): Promise<Checkpoint | null> {
    this.checkOpen();
    return mapped(this.path, () => this.checkpoints.read());
  }

  async tableStats(): Promise<TableStats[]> {
    this.checkOpen();
    const out: TableStats[] = [];
    for (const { name, versions } of mapped(this.path, () => this.reads.versionsPerTable())) {
      let rows = 0;
      for await (const _row of this.readTable(name, { kind: 'latest' })) rows++;
      out.push({ table: name, rows, versions });
    }
    return out;
  }

  async getMeta(name: string): Promise<string | null> {
    this.checkOpen();
    checkMetaName(name);
    return mapped(this.path, () => this.meta.get(name));
  }

  async setMeta(name: string, value: string | null): Promise<void> {
    this.checkWritable();
    checkMetaName(name);
    checkMetaValue(name, value);
    mapped(this.path, () => this.meta.set(name, value));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.writerOpen = false;
    this.reader.close();
    this.db.close();
  }

  // ── for the streamed writer ───────────────────────────────────────────

  /** @internal */
  writeStreamedRows(changes: readonly PreparedChange[]): void {
    this.checkOpen();
    mapped(this.path, () => this.writes.writeRows(changes));
  }

  /** @internal */
  commitStreamed(start: TransactionStart, end: TransactionEnd): void {
    this.checkOpen();
    mapped(this.path, () => {
      this.writes.writeTransaction(start, end);
      this.writes.advanceCheckpoint(defaultCheckpoint(end));
      this.db.exec('COMMIT');
    });
    this.writerOpen = false;
  }

  /** @internal Rolls back the open streamed transaction, if any. */
  rollbackStreamed(): void {
    this.writerOpen = false;
    this.writes.forgetUncommitted();
    if (!this.closed && this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  private ranges(segments: readonly Segment[], upTo: Buffer): BlobRange[] {
    const out: BlobRange[] = [];
    for (const s of segments) {
      const info = this.reads.tableInfo(s.table);
      if (info === undefined) continue;
      out.push({
        table: s.table,
        ...info,
        lo: s.from === null ? BEFORE_ALL : posBlob(s.from),
        hi: s.to === null ? AFTER_ALL : posBlob(s.to),
        upTo,
      });
    }
    return out;
  }

  private valuesOf(id: number): RowValues {
    const text = mapped(this.path, () => this.reads.values(id));
    if (text === null) throw corruptRow(id);
    return JSON.parse(text) as RowValues;
  }

  private checkOpen(): void {
    if (this.closed) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store is closed', { file: this.path });
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.writerOpen) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a streamed transaction is open on this store', { file: this.path });
  }
}

function corruptRow(id: Buffer | number): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CORRUPT', 'a present row has no values', {
    version: typeof id === 'number' ? `row ${id}` : id.toString('hex'),
  });
}
