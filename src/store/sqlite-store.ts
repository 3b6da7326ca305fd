/**
 * The embedded SnapshotStore: one SQLite file (default `./binsnap.db`) through
 * better-sqlite3, readable with the `sqlite3` shell (layout: sqlite-schema.ts).
 *
 * Atomicity: `apply` writes a batch of whole transactions and the checkpoint
 * in one SQLite transaction; a streamed transaction holds one SQLite
 * transaction (BEGIN IMMEDIATE) from `beginTransaction` to `commit`, so
 * nothing of it is visible before, and a crash, an `abort`, an error or
 * `close` rolls all of it back. Reads use a second, read-only connection.
 * After the commit, runs of versions may be merged (sqlite-runs.ts) in a
 * SQLite transaction of their own; a merge that fails is reported by the
 * call that made the commit, and the commit stands (reads are the same with
 * or without the merge, and the next commit tries it again).
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
import { KeyState, rowOpOf } from './row-fold.js';
import { AFTER_ALL, BEFORE_ALL, decodeVersion, lastVersionAt, posBlob } from './sqlite-codec.js';
import { ShapeReads } from './sqlite-cells.js';
import { VERSION_BYTES, entryKey, entryOpCode, entryPk, entryValues, opOf, pageCount, pageEntryAt, versionOffset, type EntryBuffer } from './sqlite-pages.js';
import { RunCursor, mergeCursors, passes, runAgainst, type RunTuning, type ScanStep } from './sqlite-runs.js';
import { CheckpointTable } from './sqlite-checkpoint.js';
import { mapped, mappedIterable, storeError } from './sqlite-errors.js';
import { SqliteReads, type BlobRange } from './sqlite-reads.js';
import { MetaTable } from './sqlite-meta.js';
import { LAYOUT_VERSION, migrate, pageRewritePending } from './sqlite-schema.js';
import { SqliteWrites, type EncodingIds } from './sqlite-writes.js';
import { BackgroundCompactor } from './sqlite-compactor.js';
import { SqliteTransactionWriter, type EncodedRows, type StreamedTarget } from './sqlite-transaction-writer.js';
import type {
  AsOf,
  Checkpoint,
  CommittedTransaction,
  KeyOptions,
  RowChange,
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
  checkChange,
  checkEnd,
  checkMetaName,
  checkMetaValue,
  checkStart,
  checkTimestamp,
  defaultCheckpoint,
  nextCheckpoint,
} from './transaction-rules.js';

export const DEFAULT_STORE_PATH = './binsnap.db';

/**
 * SQLite's page size for new store files (ADR 0016). A version page's body (~32 KB) then spans 3
 * SQLite pages instead of 9: fewer WAL frames and write calls per byte. Replays measured 4–10 %
 * faster, for files ~5 % larger.
 */
export const SQLITE_PAGE_SIZE = 16384;

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
  /** Called before an existing file of an older layout is upgraded, or an interrupted upgrade is finished (an upgrade rewrites every stored page). */
  readonly onUpgrade?: (fromLayout: number, toLayout: number) => void;
  /** Called while an upgrade rewrites the stored pages (after onUpgrade): pages done, of how many. */
  readonly onUpgradeProgress?: (pagesDone: number, pagesTotal: number) => void;
  /** @internal Tests only: pages an upgrade rewrites per SQLite transaction. */
  readonly upgradeChunkPages?: number;
  /** @internal Tests only: tiny pages, runs and tiers, to exercise paging and compaction with little data. */
  readonly tuning?: Partial<RunTuning & { flushEntries: number }>;
  /**
   * `inline` (default): runs are merged after each commit, in steps, on the writer's thread.
   * `background`: on a worker thread with its own connection (sqlite-compactor.ts), so merges
   * never hold back the next commit; for the daemon, whose commits are small and frequent.
   */
  readonly compaction?: 'inline' | 'background';
  /**
   * Who copies the WAL back into the database file. `inline` (default): SQLite itself, on the
   * writer's thread (every ~320 MB of WAL, and the rest when the store closes). `background`: a
   * worker thread with its own connection, after each commit; for bulk writers (seed, replay),
   * whose hundreds of MB of WAL would otherwise be copied and synced in `close`. Background
   * compaction implies it.
   */
  readonly walCheckpoints?: 'inline' | 'background';
  /**
   * `wal` (default): write-ahead log; readers never wait for the writer. `rollback`: a rollback
   * journal while this store is open, for bulk writers (seed, replay): a new page is written once,
   * into the database file, instead of into the WAL and then again by a checkpoint (ADR 0020).
   * The store's own reads then go through the writer's connection (another connection's reads
   * would wait on the writer's exclusive lock). During an open write transaction that connection
   * sees the rows written so far, but they lie past every read's bound and are folded away (except
   * in a transaction written in parts at one position, the seed's chunks: ADR 0020). Another
   * process opening the file during a transaction gets BINSNAP_E_STORE_BUSY. The file goes back to
   * WAL mode when the store closes. When another connection has the file open in WAL mode, SQLite
   * cannot leave it, and the store stays in `wal` (see `journal`).
   */
  readonly journal?: 'wal' | 'rollback';
}

export async function openSqliteStore(options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  return SqliteStore.open(options);
}

export class SqliteStore implements SnapshotStore, StreamedTarget {
  private writerOpen = false;
  private closed = false;
  /** Table scans under way on the writer's connection (rollback journal): merges wait for them. */
  private openScans = 0;
  private readonly shapes: ShapeReads;

  private constructor(
    readonly path: string,
    /** The journal in use (a `rollback` request falls back to `wal` when the file is in use elsewhere). */
    readonly journal: 'wal' | 'rollback',
    private readonly db: Database.Database,
    private readonly reader: Database.Database,
    private readonly writes: SqliteWrites,
    private readonly reads: SqliteReads,
    private readonly checkpoints: CheckpointTable,
    private readonly meta: MetaTable,
    private readonly compactor: BackgroundCompactor | null = null,
  ) {
    this.shapes = new ShapeReads(reader);
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    const path = options.path ?? DEFAULT_STORE_PATH;
    let db: Database.Database | null = null;
    let reader: Database.Database | null = null;
    try {
      if (options.create === false && !existsSync(path)) {
        throw new BinsnapError('BINSNAP_E_STORE_OPEN', `there is no store at ${path}`, { file: path });
      }
      db = new Database(path);
      // Only a new file takes it (an existing one keeps its page size; WAL mode fixes it): ADR 0016.
      if (options.create !== false) db.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
      const journal = options.journal === 'rollback' && options.create !== false && leaveWal(db) ? 'rollback' : 'wal';
      if (journal === 'wal') enterWal(db, path);
      // With a rollback journal, NORMAL may corrupt the file on power loss (not on a crash): FULL,
      // which costs one more sync per commit.
      db.pragma(`synchronous = ${options.synchronous === 'full' || journal === 'rollback' ? 'FULL' : 'NORMAL'}`);
      db.pragma('busy_timeout = 5000');
      // Versions land at random places of the key index: a large cache and rare WAL checkpoints
      // (measured: 2× apply throughput at 20000 pages vs the default 1000) let a page absorb
      // many commits before it is copied back into the database file.
      db.pragma('cache_size = -131072');
      db.pragma('wal_autocheckpoint = 20000');
      db.pragma('journal_size_limit = 67108864');
      // A read command (create: false) never upgrades an older layout; a writer does, here.
      const layout = migrate(db, path, {
        upgrade: options.create !== false,
        ...(options.onUpgrade ? { onUpgrade: options.onUpgrade } : {}),
        ...(options.onUpgradeProgress ? { onProgress: options.onUpgradeProgress } : {}),
        ...(options.upgradeChunkPages ? { chunkPages: options.upgradeChunkPages } : {}),
      });
      // A read command on an older file: its pages are in an older format, which only the upgrade reads.
      if (layout < LAYOUT_VERSION || (options.create === false && pageRewritePending(db))) {
        throw new BinsnapError(
          'BINSNAP_E_STORE_VERSION',
          layout < LAYOUT_VERSION
            ? `the store has layout version ${layout}, older than this binsnap's ${LAYOUT_VERSION}; a read command does not upgrade it: run a writing command (replay, run or seed) on it once, or open it with the binsnap that wrote it`
            : `the store's upgrade to layout ${LAYOUT_VERSION} was interrupted while it rewrote the stored pages; a read command does not finish it: run a writing command (replay, run or seed) on it once`,
          { file: path },
        );
      }
      // With a rollback journal, reads go through the writer's connection: another connection's
      // reads would wait on the writer's exclusive lock, or hold back its commit.
      if (journal === 'wal') {
        reader = new Database(path, { readonly: true });
        reader.pragma('busy_timeout = 5000');
        reader.pragma('cache_size = -65536');
      } else {
        reader = db;
      }
      const writer = db;
      const meta = new MetaTable(writer, reader, () => migrate(writer, path));
      const writes = new SqliteWrites(db, options.tuning);
      const reads = new SqliteReads(reader);
      const checkpoints = new CheckpointTable(reader);
      const background = options.compaction === 'background' && options.create !== false;
      const checkpointThread = background || (options.walCheckpoints === 'background' && options.create !== false && journal === 'wal');
      // The compactor's thread checkpoints the WAL instead (sqlite-compactor-worker.ts).
      if (checkpointThread) db.pragma('wal_autocheckpoint = 0');
      // Last, so nothing after it can fail and leave its thread behind.
      const compactor = checkpointThread ? new BackgroundCompactor(path, options.tuning ?? {}, background) : null;
      return new SqliteStore(path, journal, db, reader, writes, reads, checkpoints, meta, compactor);
    } catch (err) {
      if (reader !== db) reader?.close();
      db?.close();
      const mappedErr = storeError(err, path);
      if (mappedErr !== err || err instanceof BinsnapError) throw mappedErr;
      throw new BinsnapError('BINSNAP_E_STORE_OPEN', `the store cannot be opened: ${String(err)}`, { file: path }, { cause: err });
    }
  }

  async apply(transactions: readonly CommittedTransaction[]): Promise<void> {
    this.checkWritable();
    for (const t of transactions) {
      checkStart(t);
      checkEnd(t, t);
      for (const c of t.rowChanges) {
        checkChange(c, t.startPosition);
        checkBeforeCommit(c, t.commitPosition);
      }
    }
    let checkpoint: Checkpoint | null = null;
    for (const t of transactions) checkpoint = nextCheckpoint(checkpoint, defaultCheckpoint(t));
    try {
      mapped(this.path, () =>
        this.db
          .transaction(() => {
            for (const t of transactions) this.writes.writeRows(t.rowChanges);
            this.writes.writeTransactions(transactions);
            this.writes.flushRows();
            if (checkpoint !== null) this.writes.advanceCheckpoint(checkpoint);
          })
          .immediate(),
      );
    } catch (err) {
      this.writes.forgetUncommitted();
      throw err;
    }
    this.compact();
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
    const scan = await this.openScan(table, asOf);
    if (scan === null) return;
    try {
      // Per key, versions oldest first, folded by row-fold.ts's rule.
      let key: string | null = null;
      const state = new KeyState<ScanStep>();
      for (const s of scan.steps) {
        if (s.key !== key) {
          // Inline rather than yield* of a generator: one generator object per row costs more than the row.
          if (state.count > 0 && state.ref !== null) {
            const values = this.valuesAt(state.ref.page, state.ref.at);
            for (let n = 0; n < state.count; n++) yield values;
          }
          this.checkOpen();
          key = s.key;
          state.reset();
        }
        state.step(opOf(entryOpCode(s.page, s.at)), s);
      }
      if (state.count > 0 && state.ref !== null) {
        const values = this.valuesAt(state.ref.page, state.ref.at);
        for (let n = 0; n < state.count; n++) yield values;
      }
    } finally {
      scan.close();
    }
  }

  /**
   * How many rows readTable would yield, folded by the same rule in one synchronous pass, without
   * decoding any row's values (`status` counts every table).
   */
  private async countRows(table: string, asOf: AsOf): Promise<number> {
    const scan = await this.openScan(table, asOf);
    if (scan === null) return 0;
    try {
      let rows = 0;
      let key: string | null = null;
      const state = new KeyState<ScanStep>();
      for (const s of scan.steps) {
        if (s.key !== key) {
          if (state.count > 0 && state.ref !== null) rows += state.count;
          key = s.key;
          state.reset();
        }
        state.step(opOf(entryOpCode(s.page, s.at)), s);
      }
      if (state.count > 0 && state.ref !== null) rows += state.count;
      return rows;
    } finally {
      scan.close();
    }
  }

  /** The versions of `table`'s lineage as of `asOf`, merged in key order (null: none); `close` when done. */
  private async openScan(table: string, asOf: AsOf): Promise<{ steps: Iterable<ScanStep>; close: () => void } | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    const ranges = this.ranges(await resolveLineage(table, bound, this.reads.eventsTouching), lastVersionAt(bound));
    if (ranges.length === 0) return null;
    // With a rollback journal the scan reads through the writer's connection, without a read
    // transaction of its own: runs are only added meanwhile, as merges wait until it ends.
    const shared = this.journal === 'rollback';
    const snap = mapped(this.path, () => (shared ? this.reads.sameConnection() : this.reads.snapshot(this.path)));
    if (shared) this.openScans++;
    const close = (): void => {
      if (shared) this.openScans--;
      snap.close();
    };
    try {
      const cursors: RunCursor[] = [];
      for (const r of ranges) {
        for (const run of mapped(this.path, () => snap.runsOf(r.tableId))) {
          const meets = runAgainst(run, r);
          if (meets === 'none') continue;
          cursors.push(mapped(this.path, () => new RunCursor(snap.pages(run.run_id), meets === 'all' ? null : r)));
        }
      }
      return { steps: mappedIterable(this.path, mergeCursors(cursors)), close };
    } catch (err) {
      close();
      throw err;
    }
  }

  async readRow(table: string, key: RowKey, asOf: AsOf, options?: KeyOptions): Promise<RowValues | null> {
    const bound = await this.resolveAsOf(asOf);
    if (bound === null) return null;
    const ranges = this.ranges(await resolveLineage(table, bound, this.reads.eventsTouching), lastVersionAt(bound));
    const found = this.versionsOfKey(ranges, encodeKey(key, options?.numericKeyColumns), true);
    const state = new KeyState<KeyVersion>();
    for (const e of found) state.step(opOf(entryOpCode(e.page, e.at)), e);
    return state.count > 0 && state.ref !== null ? this.valuesAt(state.ref.page, state.ref.at) : null;
  }

  async rowHistory(table: string, key: RowKey, options?: KeyOptions): Promise<RowHistoryEntry[]> {
    this.checkOpen();
    const segments = await resolveLineage(table, null, this.reads.eventsTouching, { acrossTruncates: true });
    const found = this.versionsOfKey(this.ranges(segments, AFTER_ALL), encodeKey(key, options?.numericKeyColumns), false);
    return found.map((e): RowHistoryEntry => {
      const name = e.table;
      const vAt = versionOffset(e.page, e.at);
      const versionBytes = Buffer.from(e.page.subarray(vAt, vAt + VERSION_BYTES));
      const transaction = mapped(this.path, () => this.reads.transactionOf(versionBytes));
      if (transaction === null) throw new BinsnapError('BINSNAP_E_STORE_CORRUPT', 'a row version has no transaction', { table: name });
      const version = decodeVersion(versionBytes);
      const op = opOf(entryOpCode(e.page, e.at));
      const values = entryValues(e.page, e.at, this.shapes.names);
      return {
        table: name,
        version,
        op: rowOpOf(op),
        identity: op === 'add' || op === 'remove' ? 'whole-row' : 'primary-key',
        key: entryPk(e.page, e.at, this.shapes.names),
        values,
        position: transaction.commitPosition.withOffset(version.offset),
        transaction,
      };
    });
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
      out.push({ table: name, rows: await this.countRows(name, { kind: 'latest' }), versions });
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
    let failed: unknown;
    const inTransaction = this.db.inTransaction;
    if (inTransaction) this.db.exec('ROLLBACK');
    if (this.compactor !== null) {
      // After the rollback: the worker's last write (dropping a merge under way) needs the lock.
      try {
        await this.compactor.close();
      } catch (err) {
        failed = err;
      }
    }
    if (this.compactor?.merge !== true && !inTransaction && this.writes.merging) {
      // A merge under way is finished now rather than left for the next writer to redo. If that
      // fails, everything committed stays (the merge's inputs are intact and the next writer drops
      // what it wrote), the store still closes, and the failure is reported.
      try {
        this.db.transaction(() => this.writes.finishMerge()).immediate();
      } catch (err) {
        failed = err;
      }
    }
    this.writerOpen = false;
    if (this.reader !== this.db) this.reader.close();
    if (this.journal === 'rollback') {
      // Back to WAL for readers and the daemon. Busy (another process is reading it): the next
      // store to open it switches it, as every open does.
      try {
        this.db.pragma('busy_timeout = 0');
        this.db.pragma('journal_mode = WAL');
      } catch (err) {
        if (!isBusy(err)) failed ??= err;
      }
    }
    this.db.close();
    if (failed !== undefined) throw storeError(failed, this.path);
  }

  // ── for the streamed writer ───────────────────────────────────────────

  /** @internal */
  streamedEncoding(table: string, valueNames: readonly string[], keyNames: readonly string[]): EncodingIds {
    this.checkOpen();
    return mapped(this.path, () => this.writes.encodingOf(table, valueNames, keyNames));
  }

  /** @internal */
  writeStreamedEncoded(rows: EncodedRows): void {
    this.checkOpen();
    mapped(this.path, () =>
      this.writes.writeEncoded(rows.tableId, rows.bytes, rows.starts, rows.ends, rows.position, rows.firstIndex, true),
    );
  }

  /** @internal */
  writeStreamedEntries(tableId: number, at: BinlogPosition, firstIndex: number, encode: (entries: EntryBuffer) => number): number {
    this.checkOpen();
    return mapped(this.path, () => this.writes.writeEntries(tableId, at, firstIndex, encode, true));
  }

  /** @internal */
  writeStreamedRows(changes: readonly RowChange[]): void {
    this.checkOpen();
    mapped(this.path, () => this.writes.writeRows(changes, true));
  }

  /** @internal */
  commitStreamed(start: TransactionStart, end: TransactionEnd, meta: ReadonlyArray<[string, string | null]>): void {
    this.checkOpen();
    mapped(this.path, () => {
      this.writes.flushRows();
      this.writes.writeTransaction(start, end);
      this.writes.advanceCheckpoint(defaultCheckpoint(end));
      for (const [name, value] of meta) this.meta.set(name, value);
      this.db.exec('COMMIT');
    });
    this.writerOpen = false;
    this.compact();
  }

  /** @internal Tests and benchmarks: resolves once background compaction has merged what was written so far. */
  async compactionIdle(): Promise<void> {
    await this.compactor?.idle();
  }

  /** Merges runs after a commit, in a SQLite transaction of its own (reads see the same content before and after). */
  private compact(): void {
    if (this.compactor?.merge === true) {
      this.compactor.touch(this.writes.takeTouched());
      return;
    }
    this.compactInline();
    this.compactor?.committed();
  }

  private compactInline(): void {
    // A merge drops or re-links the runs a scan on the writer's connection may be reading; it
    // runs after a later commit instead.
    if (!this.writes.hasTouched() || this.openScans > 0) return;
    let done: number[];
    try {
      done = mapped(this.path, () => this.db.transaction(() => this.writes.compact()).immediate());
    } catch (err) {
      // What the step wrote rolled back: a merge under way starts over later, from its intact inputs.
      try {
        mapped(this.path, () => this.db.transaction(() => this.writes.dropUnfinishedMerge()).immediate());
      } catch {
        // The first failure is the one reported. What the merge wrote is dropped by the next
        // step that could start a merge (it records this process's pid), here or in a later writer.
      }
      throw err;
    }
    this.writes.compacted(done);
  }

  /** @internal Rolls back the open streamed transaction, if any. */
  rollbackStreamed(): void {
    this.writerOpen = false;
    this.writes.forgetUncommitted();
    if (!this.closed && this.db.inTransaction) this.db.exec('ROLLBACK');
    if (this.journal === 'rollback') {
      // Reads went through the writer's connection and may have cached pages and shapes of the
      // rolled-back transaction, whose ids the next one may take again.
      this.reads.forgetPages();
      this.shapes.forget();
    }
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


  private valuesAt(page: Buffer, at: number): RowValues {
    const values = entryValues(page, at, this.shapes.names);
    if (values === null) throw corruptRow(Buffer.from(entryKey(page, at), 'latin1'));
    return values;
  }

  /** Every stored version of one key in the ranges (as filtered by each, `upTo` only when `bounded`), oldest first. */
  private versionsOfKey(ranges: readonly BlobRange[], pk: Buffer, bounded: boolean): KeyVersion[] {
    const key = pk.toString('latin1');
    const found: KeyVersion[] = [];
    mapped(this.path, () =>
      this.reads.consistent(() => {
        for (const r of ranges) {
          const filter = bounded ? r : { lo: r.lo, hi: r.hi, upTo: AFTER_ALL };
          for (const run of this.reads.runsOf(r.tableId)) {
            if (runAgainst(run, filter) === 'none') continue;
            for (const page of this.reads.pagesHolding(run.run_id, pk)) {
              const n = pageCount(page);
              for (let i = firstAtOrAfter(page, n, key); i < n; i++) {
                const at = pageEntryAt(page, i);
                if (entryKey(page, at) !== key) break;
                const v = versionOffset(page, at);
                if (passes(page, v, filter)) found.push({ table: r.table, page, at, v });
              }
            }
          }
        }
      }),
    );
    return found.sort((a, b) => a.page.compare(b.page, b.v, b.v + VERSION_BYTES, a.v, a.v + VERSION_BYTES));
  }

  private checkOpen(): void {
    if (this.closed) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store is closed', { file: this.path });
  }

  private checkWritable(): void {
    this.checkOpen();
    if (this.writerOpen) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a streamed transaction is open on this store', { file: this.path });
  }
}

/**
 * Switches a file out of WAL mode; false when another connection has it open (SQLite refuses, at
 * once with no busy timeout).
 */
function leaveWal(db: Database.Database): boolean {
  db.pragma('busy_timeout = 0');
  try {
    return db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
  } catch (err) {
    if (isBusy(err)) return false;
    throw err;
  }
}

/**
 * Puts the file in WAL mode (a no-op when it is). A file in rollback mode that another connection
 * has open is being written in bulk by a seed or replay (ADR 0020): said at once, not after the
 * busy timeout.
 */
function enterWal(db: Database.Database, path: string): void {
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('journal_mode = WAL');
  } catch (err) {
    if (!isBusy(err)) throw err;
    throw new BinsnapError(
      'BINSNAP_E_STORE_BUSY',
      'another binsnap process is writing this store in bulk (a seed or a replay, which write through a rollback journal while they run): run this command when it has finished',
      { file: path },
      { cause: err },
    );
  }
}

function isBusy(err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('SQLITE_BUSY');
}

interface KeyVersion {
  readonly table: string;
  readonly page: Buffer;
  /** The entry's offset in the page, and its version's. */
  readonly at: number;
  readonly v: number;
}

/** Index of the first entry of the page whose key is ≥ key (entries are in key order). */
function firstAtOrAfter(page: Buffer, n: number, key: string): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entryKey(page, pageEntryAt(page, mid)) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function corruptRow(id: Buffer | number): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CORRUPT', 'a present row has no values', {
    version: typeof id === 'number' ? `row ${id}` : id.toString('hex'),
  });
}
