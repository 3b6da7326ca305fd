/**
 * The pipeline (ARCHITECTURE.md): decoded events from any source → the
 * transaction assembler → the schema processor (DDL, schema history, decoder
 * lookups) → the change processor (rows → versions) → the store, with the
 * checkpoint written in the same atomic unit as the data. Live tailing and
 * replay run exactly this code.
 *
 * Writing: committed transactions are batched into one `store.apply` (several
 * transactions share one storage transaction; each stays atomic); a
 * transaction larger than `streamRows` rows is streamed through a
 * TransactionWriter, so it never has to fit in memory; there, without a sink,
 * an insert event (or an update that keeps its rows' keys) goes from its bytes
 * straight to the store's entries (raw-inserts.ts, ADR 0021), the same
 * versions the change processor would give. Nothing of a
 * transaction is visible before its commit; one that the range cuts off, that
 * a new transaction abandons, or that rolls back (keeping only changes to
 * non-transactional tables, which the server could not undo) leaves nothing
 * else behind. XA transactions are held from XA PREPARE to XA COMMIT and
 * versioned at their XA COMMIT event (a version must lie inside its
 * transaction).
 *
 * Invariants: the schema a rows event is decoded with is the catalog after
 * every earlier event (the source decodes lazily, one event per pull); the
 * checkpoint moves only with committed data and never past a transaction
 * that is not stored; the same events always give the same store writes.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import type { GtidSet, MariadbGtid, MysqlGtid } from '../core/gtid.js';
import type { DecodedEvent, RowsEvent } from '../protocol/binlog/events.js';
import type { TableSchema } from '../core/schema.js';
import type { SchemaLookup } from '../protocol/binlog/table-schema.js';
import type {
  Checkpoint,
  CommittedTransaction,
  RowChange,
  SchemaChange,
  SnapshotStore,
  TableEvent,
  TransactionWriter,
} from '../store/index.js';
import { isEncodedRowsWriter } from '../store/index.js';
import { ChangeProcessor, PartialImageSeen } from './change-processor.js';
import { RawInsertEncoder, type RawInsertIds, type RawInsertTarget } from './raw-inserts.js';
import type { SchemaCatalog } from './ddl/index.js';
import { GtidTracker } from './gtid-tracker.js';
import type { PipelineLog } from './pipeline-log.js';
import type { Sink } from '../sink/sink.js';
import { SchemaProcessor } from './schema-processor.js';
import { TransactionAssembler, type AssemblyStep } from './transaction-assembler.js';
import { ownValue, setOwn } from '../core/row-object.js';
import { isDroppedHistory, rewriteRow, type RowRewrite } from './row-rewrite.js';
import { rowIdentityKey } from './ddl/index.js';
import { numericKeyColumnsOf, type JsonValue, type RowValues } from '../store/index.js';

function pick(row: RowValues, columns: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const c of columns) {
    const k = Object.keys(row).find((n) => n.toLowerCase() === c.toLowerCase()) ?? c;
    setOwn(out, k, ownValue(row, k) ?? null);
  }
  return out;
}

export interface PipelineProgress {
  /** Position of the last event read. */
  readonly position: BinlogPosition;
  readonly events: number;
  /** Bytes of the events read (their sizes in the binlog). */
  readonly bytes: number;
  readonly transactions: number;
  readonly rowChanges: number;
}

export interface PipelineOptions {
  readonly store: SnapshotStore;
  /** Change events go here first; the store's checkpoint moves only after the sink acknowledged them. */
  readonly sink?: Sink;
  /** Opens the source with the schema lookup the decoder must use. */
  readonly events: (lookup: SchemaLookup) => AsyncIterable<DecodedEvent>;
  /** The schema as of the start (from the store and/or --schema-sql). */
  readonly catalog: SchemaCatalog;
  /** Schema versions to record at `initial.position` before anything else (from --schema-sql). */
  readonly initial?: { readonly position: BinlogPosition; readonly changes: readonly SchemaChange[] };
  /** The GTID set executed before the start (the store's checkpoint). */
  readonly gtidSet?: GtidSet;
  readonly skipUnparseableDdl?: boolean;
  readonly log: PipelineLog;
  readonly onProgress?: (p: PipelineProgress) => void;
  /** Events between two onProgress calls (default 4096). */
  readonly progressEvery?: number;
  /** Called after each store write with the checkpoint it wrote. */
  readonly onCheckpoint?: (c: Checkpoint) => void;
  /** Called when the source reports it is idle (a heartbeat): everything read is written. */
  readonly onIdle?: () => void;
  /** Rows of one transaction held in memory before it is streamed (default 10,000). */
  readonly streamRows?: number;
  /** Batch limits: transactions and row changes per store write (defaults 5,000 and 50,000), and the longest a commit waits (1,000 ms). */
  readonly batchTransactions?: number;
  readonly batchRows?: number;
  readonly batchDelayMs?: number;
  /**
   * When set, committed transactions waiting for their batch are written as
   * soon as the source has had nothing for this long (the daemon: a commit
   * need not wait for the next one, or for a heartbeat, to become durable).
   */
  readonly idleFlushMs?: number;
}

export interface PipelineResult {
  readonly events: number;
  readonly transactions: number;
  readonly rowChanges: number;
  readonly lastCommit?: Checkpoint;
  readonly ddl: number;
  readonly ignoredStatements: number;
  readonly skippedStatements: number;
  readonly orphanRows: number;
  readonly incomplete?: { readonly startPosition: BinlogPosition };
  readonly catalog: SchemaCatalog;
}

interface OpenTransaction {
  readonly startPosition: BinlogPosition;
  readonly gtid: string | undefined;
  readonly gtidValue: MysqlGtid | MariadbGtid | undefined;
  readonly catalogAtBegin: SchemaCatalog;
  changes: RowChange[];
  readonly schemaChanges: SchemaChange[];
  readonly tableEvents: TableEvent[];
  writer: TransactionWriter | undefined;
  /** Rows already handed to the writer. */
  streamed: number;
  readonly savepoints: Map<string, number>;
  /** The store's ids for raw inserts' tables, registered in this transaction (insertRaw). */
  rawIds?: Map<RawInsertTarget, RawInsertIds>;
}

interface ParkedXa {
  readonly changes: readonly RowChange[];
  readonly schemaChanges: readonly SchemaChange[];
  readonly tableEvents: readonly TableEvent[];
}

const NON_TRANSACTIONAL_ENGINES = new Set(['myisam', 'aria', 'memory', 'heap', 'csv', 'archive', 'merge', 'mrg_myisam', 'blackhole', 'federated', 'sequence']);

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  return new Pipeline(opts).run();
}

/** Rows handed to a TransactionWriter at a time once a transaction is streaming. */
const STREAM_BATCH = 1_000;

class Pipeline {
  private readonly schema: SchemaProcessor;
  private readonly changes: ChangeProcessor;
  private readonly assembler = new TransactionAssembler();
  private readonly gtids: GtidTracker;
  private readonly streamRows: number;
  private readonly batchTransactions: number;
  private readonly batchRows: number;
  private readonly batchDelayMs: number;
  private readonly rawInserts: RawInsertEncoder | undefined;
  private readonly idleFlushMs: number | undefined;
  /** The idle-flush timer, and what it saw: whether the loop waits on the source, and the event count at its last tick. */
  private idleTimer: NodeJS.Timeout | undefined;
  private awaitingSource = false;
  private eventsAtTick = -1;
  private idleWrite: Promise<void> | undefined;
  private idleWriteError: unknown;
  private open: OpenTransaction | undefined;
  private pending: CommittedTransaction[] = [];
  private pendingRows = 0;
  private pendingSince = 0;
  private readonly parked = new Map<string, ParkedXa>();
  private events = 0;
  private bytes = 0;
  private transactions = 0;
  private rowChanges = 0;
  private orphanRows = 0;
  private lastCommit: Checkpoint | undefined;
  private lastPosition: BinlogPosition | undefined;

  constructor(private readonly opts: PipelineOptions) {
    this.schema = new SchemaProcessor({ catalog: opts.catalog, skipUnparseableDdl: opts.skipUnparseableDdl ?? false, log: opts.log });
    this.changes = new ChangeProcessor(opts.store, opts.log, opts.sink !== undefined);
    // A sink gets change events, made from row objects: inserts go through the change processor.
    this.rawInserts = opts.sink === undefined ? new RawInsertEncoder() : undefined;
    this.gtids = new GtidTracker(opts.gtidSet);
    this.streamRows = opts.streamRows ?? 10_000;
    this.batchTransactions = opts.batchTransactions ?? 5_000;
    this.batchRows = opts.batchRows ?? 50_000;
    this.batchDelayMs = opts.batchDelayMs ?? 1_000;
    this.idleFlushMs = opts.idleFlushMs;
  }

  async run(): Promise<PipelineResult> {
    const initial = this.opts.initial;
    if (initial && initial.changes.length > 0) {
      this.pending.push({
        startPosition: initial.position,
        commitPosition: initial.position,
        commitTimestamp: 0,
        schemaChanges: initial.changes,
        rowChanges: [],
      });
      this.pendingSince = Date.now();
    }
    const progressEvery = this.opts.onProgress ? (this.opts.progressEvery ?? 4096) : Number.POSITIVE_INFINITY;
    try {
      const source = this.opts.events(this.schema.lookup)[Symbol.asyncIterator]();
      this.startIdleFlush();
      let ended = false;
      try {
        for (;;) {
          this.awaitingSource = true;
          const r = await source.next();
          this.awaitingSource = false;
          // A write the idle timer started while the source had nothing finishes first;
          // its failure stops the pipeline here (at the latest at the next heartbeat).
          if (this.idleWrite !== undefined) await this.idleWrite;
          if (this.idleWriteError !== undefined) throw this.idleWriteError;
          if (r.done === true) {
            ended = true;
            break;
          }
          const ev = r.value;
          this.events++;
          this.bytes += ev.eventSize;
          this.lastPosition = ev.nextPos;
          if (ev.kind === 'format_description') this.schema.onFormatDescription(ev.serverVersion);
          else if (ev.kind === 'gtid' || ev.kind === 'previous_gtids') this.schema.learnFlavor('mysql');
          else if (ev.kind === 'maria_gtid' || ev.kind === 'maria_gtid_list') this.schema.learnFlavor('mariadb');
          else if (ev.kind === 'heartbeat') {
            // The source is idle: what is batched is written now, not at the next commit.
            if (this.pending.length > 0) await this.flush();
            this.progress();
            this.opts.onIdle?.();
            continue;
          }
          const steps = this.assembler.push(ev);
          for (let i = 0; i < steps.length; i++) {
            const p = this.step(steps[i]!);
            if (p !== undefined) await p;
          }
          if (this.events % progressEvery === 0) this.progress();
        }
      } finally {
        // Stopped early (an error): the source closes its file or connection.
        if (!ended) {
          try {
            await source.return?.(undefined);
          } catch (closeErr) {
            this.opts.log.warn({ error: String(closeErr) }, 'the source did not close cleanly');
          }
        }
      }
    } catch (err) {
      // Keep what committed before the failure; a second failure is logged, the first one reported.
      try {
        this.stopIdleFlush();
        if (this.idleWrite !== undefined) await this.idleWrite;
        await this.abortOpen();
        await this.flush();
      } catch (second) {
        this.opts.log.warn({ error: String(second) }, 'could not write the transactions committed before the failure');
      }
      throw err;
    }
    this.stopIdleFlush();
    const incomplete = this.open?.startPosition;
    if (this.open) {
      this.opts.log.info(
        { startPosition: this.open.startPosition.format() },
        'the range ends inside a transaction: it is not applied (a later replay or the daemon applies it whole)',
      );
      await this.abortOpen();
    }
    await this.flush();
    this.progress();
    return {
      events: this.events,
      transactions: this.transactions,
      rowChanges: this.rowChanges,
      ...(this.lastCommit ? { lastCommit: this.lastCommit } : {}),
      ddl: this.schema.counters.ddl,
      ignoredStatements: this.schema.counters.ignored,
      skippedStatements: this.schema.counters.skipped,
      orphanRows: this.orphanRows,
      ...(incomplete ? { incomplete: { startPosition: incomplete } } : {}),
      catalog: this.schema.catalog,
    };
  }

  private progress(): void {
    if (this.opts.onProgress && this.lastPosition) {
      this.opts.onProgress({
        position: this.lastPosition,
        events: this.events,
        bytes: this.bytes,
        transactions: this.transactions,
        rowChanges: this.rowChanges,
      });
    }
  }

  /** Handles one assembly step; returns a promise only when it has to wait (store I/O, a previous-row read). */
  private step(s: AssemblyStep): Promise<void> | undefined {
    switch (s.kind) {
      case 'begin':
        this.open = {
          startPosition: s.startPosition,
          gtid: s.gtid,
          gtidValue: s.gtidValue,
          catalogAtBegin: this.schema.catalog,
          changes: [],
          schemaChanges: [],
          tableEvents: [],
          writer: undefined,
          streamed: 0,
          savepoints: new Map(),
        };
        return undefined;
      case 'rows':
        return this.rows(s.event);
      case 'statement': {
        const tx = this.requireOpen(s.event.pos);
        const r = this.schema.applyStatement(s.event);
        tx.schemaChanges.push(...r.schemaChanges);
        tx.tableEvents.push(...r.tableEvents);
        return r.rewrites.length > 0 ? this.rewriteRows(tx, r.rewrites, s.event.pos, s.event.serverId) : undefined;
      }
      case 'commit':
        return this.commit(s.commitPosition, s.commitTimestamp);
      case 'rollback':
        return this.rollback(s.commitPosition, s.commitTimestamp);
      case 'savepoint': {
        const tx = this.requireOpen(undefined);
        tx.savepoints.set(s.name.toLowerCase(), tx.streamed + tx.changes.length);
        return undefined;
      }
      case 'rollback-to-savepoint':
        return this.rollbackToSavepoint(s.name, s.position);
      case 'xa-prepare':
        return this.xaPrepare(s.xid, s.position);
      case 'xa-commit':
        this.xaCommit(s.xid, s.position);
        return undefined;
      case 'xa-rollback':
        this.parked.delete(s.xid);
        return undefined;
      case 'abandon':
        this.opts.log.warn({ position: s.position.format(), startPosition: this.open?.startPosition.format() }, `transaction not applied: ${s.reason}`);
        return this.abortOpen();
      case 'orphan':
        if (this.orphanRows === 0) {
          this.opts.log.warn(
            { position: s.event.pos.format() },
            'the range begins inside a transaction: its rows before the next transaction are not applied (start at a GTID or BEGIN event)',
          );
        }
        this.orphanRows += s.event.rows.length;
        return undefined;
      case 'gtid-base':
        this.gtids.base(s.gtidSet);
        return undefined;
    }
  }

  private requireOpen(at: BinlogPosition | undefined): OpenTransaction {
    if (!this.open) {
      throw new BinsnapError('BINSNAP_E_INTERNAL', 'a transaction step arrived with no transaction open', at ? { position: at.format() } : {});
    }
    return this.open;
  }

  private rows(ev: Parameters<ChangeProcessor['toChanges']>[0]): Promise<void> | undefined {
    const tx = this.requireOpen(ev.pos);
    const learnt = this.schema.takeChanges();
    if (learnt.length > 0) tx.schemaChanges.push(...learnt);
    const table = this.schema.table(ev.database, ev.table);
    if (ev.raw !== undefined && ev.action !== 'delete' && tx.writer !== undefined && tx.changes.length === 0) {
      if (this.insertRaw(tx, tx.writer, ev, table)) return undefined;
    }
    let result: RowChange[] | Promise<RowChange[]>;
    try {
      result = this.changes.toChanges(ev, table, tx.startPosition);
    } catch (err) {
      if (!(err instanceof PartialImageSeen)) throw err;
      result = Promise.reject(err);
    }
    if (Array.isArray(result)) return this.addChanges(tx, result);
    return result.then(
      (changes) => this.addChanges(tx, changes),
      async (err: unknown) => {
        if (!(err instanceof PartialImageSeen)) throw err;
        // First partial image of the stream: earlier batches must be readable and this
        // transaction's rows remembered before the previous versions can be looked up.
        await this.flush();
        this.changes.startCache(tx.changes, tx.streamed === 0);
        const changes = await this.changes.toChanges(ev, table, tx.startPosition);
        return this.addChanges(tx, changes);
      },
    );
  }

  /**
   * An insert event (or an update event that keeps its rows' keys) of a streaming transaction
   * written by the raw insert encoder, from the event's bytes to the store's entries (no rows, no
   * row objects): when there is no sink, no
   * previous-row cache (which would have to remember the rows), a key, a writer that takes
   * encoded entries (the embedded store), and complete images. False when not taken: the caller
   * goes through the change processor, which numbers the rows the same way.
   */
  private insertRaw(tx: OpenTransaction, writer: TransactionWriter, ev: RowsEvent, table: TableSchema | undefined): boolean {
    const raw = ev.raw;
    // An update's rows are upserts of their after images when no key changes (checked per row);
    // MySQL's partial JSON updates carry more than two images' bytes.
    const update = ev.action === 'update';
    if (this.rawInserts === undefined || raw === undefined || !raw.fullImage || (update && ev.partial) || this.changes.caching || !isEncodedRowsWriter(writer)) return false;
    const target = this.changes.insertTarget(ev, table);
    if (target === undefined) return false;
    tx.rawIds ??= new Map();
    let ids = tx.rawIds.get(target);
    if (ids === undefined) {
      const encoding = writer.encodingOf(target.table, ev.columnNames, target.keyNames);
      ids = { tableId: encoding.tableId, pkShapeId: encoding.shapes[0]!.id, valuesShapeId: encoding.shapes[1]!.id };
      tx.rawIds.set(target, ids);
    }
    const encoder = this.rawInserts;
    const pos = ev.pos;
    const firstIndex = this.changes.takeIndexes(ev, 0);
    const count = writer.addEntries(ids.tableId, pos, firstIndex, (entries) => encoder.encodeInto(entries, raw, target, ids, pos.fileNumber, pos.offset, firstIndex, update));
    if (count < 0) return false;
    this.changes.takeIndexes(ev, count);
    tx.streamed += count;
    return true;
  }

  private addChanges(tx: OpenTransaction, changes: RowChange[]): Promise<void> | undefined {
    if (changes.length === 0) return undefined;
    if (tx.changes.length === 0) tx.changes = changes;
    else for (let i = 0; i < changes.length; i++) tx.changes.push(changes[i]!);
    // Once streaming, rows go out in small batches: held for long, they outlive V8's young
    // generation and cost a copy each (measured: 1M inserts 2.6 s → 1.3 s before the store).
    if (tx.changes.length >= (tx.writer ? Math.min(STREAM_BATCH, this.streamRows) : this.streamRows)) return this.streamOut(tx);
    return undefined;
  }

  private async streamOut(tx: OpenTransaction): Promise<void> {
    if (!tx.writer) {
      await this.flush();
      tx.writer = await this.opts.store.beginTransaction({
        startPosition: tx.startPosition,
        ...(tx.gtid !== undefined ? { gtid: tx.gtid } : {}),
      });
    }
    const batch = tx.changes;
    tx.changes = [];
    tx.streamed += batch.length;
    await this.opts.sink?.rows(this.startOf(tx), batch);
    await tx.writer.addRows(batch);
  }

  private startOf(tx: OpenTransaction): { startPosition: BinlogPosition; gtid?: string } {
    return { startPosition: tx.startPosition, ...(tx.gtid !== undefined ? { gtid: tx.gtid } : {}) };
  }

  /**
   * ALTER TABLE changed columns: every stored row of the table is written again,
   * converted, as versions at the statement's position (inside its transaction).
   */
  private async rewriteRows(tx: OpenTransaction, rewrites: readonly RowRewrite[], at: BinlogPosition, serverId: number): Promise<void> {
    await this.flush();
    let index = 0;
    for (const r of rewrites) {
      const oldKey = rowIdentityKey(r.before);
      const newKey = rowIdentityKey(r.after);
      const oldNumeric = numericKeyColumnsOf(r.before).filter((c) => oldKey.includes(c));
      const newNumeric = numericKeyColumnsOf(r.after).filter((c) => newKey.includes(c));
      const unknown = new Set<string>();
      let rows = 0;
      const change = (row: RowValues, op: 'delete' | 'upsert', keyColumns: readonly string[], numeric: readonly string[], key: RowValues, values: RowValues | null): RowChange => ({
        table: r.writeTo,
        version: { fileNumber: at.fileNumber, offset: at.offset, rowIndex: index++ },
        op,
        identity: keyColumns.length === 0 ? 'whole-row' : 'primary-key',
        key,
        values,
        ...(numeric.length > 0 ? { numericKeyColumns: numeric } : {}),
        event: { op: 'x', before: row, serverId },
      });
      for await (const row of this.opts.store.readTable(r.readFrom, { kind: 'position', position: tx.startPosition })) {
        const before = oldKey.length === 0 ? row : pick(row, oldKey);
        const changes: RowChange[] = [];
        if (isDroppedHistory(r, row)) {
          // DROP SYSTEM VERSIONING removes the history rows: a delete, and nothing under the new key.
          changes.push(change(row, 'delete', oldKey, oldNumeric, before, null));
        } else {
          const next = rewriteRow(r, row, unknown);
          const after = newKey.length === 0 ? next : pick(next, newKey);
          // The new name (after ALTER … RENAME TO) continues the old one's rows: only a changed key needs a delete.
          if (oldKey.length === 0 || newKey.length === 0 || JSON.stringify(before) !== JSON.stringify(after)) {
            changes.push(change(row, 'delete', oldKey, oldNumeric, before, null));
          }
          changes.push(change(row, 'upsert', newKey, newNumeric, after, next));
        }
        for (const c of changes) this.changes.remember(c);
        rows++;
        const p = this.addChanges(tx, changes);
        if (p) await p;
      }
      if (unknown.size > 0) {
        this.opts.log.warn(
          { table: r.writeTo, columns: [...unknown], position: at.format() },
          'ALTER TABLE added columns whose default binsnap cannot compute: existing rows hold null there until they change',
        );
      }
      this.opts.log.debug({ table: r.writeTo, rows, position: at.format() }, 'rows rewritten for ALTER TABLE');
    }
  }

  private async commit(commitPosition: BinlogPosition, commitTimestamp: number, onlyNonTransactional = false): Promise<void> {
    const tx = this.requireOpen(commitPosition);
    this.open = undefined;
    let rows = tx.changes;
    if (onlyNonTransactional) rows = rows.filter((c) => this.nonTransactional(c.table));
    const learnt = this.schema.takeChanges();
    const schemaChanges = learnt.length > 0 ? [...tx.schemaChanges, ...learnt] : tx.schemaChanges;
    if (tx.gtidValue !== undefined) this.gtids.committed(tx.gtidValue);
    this.transactions++;
    this.rowChanges += tx.streamed + rows.length;
    if (tx.writer) {
      if (rows.length > 0) await tx.writer.addRows(rows);
      const checkpoint = this.checkpointAt(commitPosition, commitTimestamp);
      const end = {
        commitPosition,
        commitTimestamp,
        ...(schemaChanges.length > 0 ? { schemaChanges } : {}),
        ...(tx.tableEvents.length > 0 ? { tableEvents: tx.tableEvents } : {}),
        checkpoint,
      };
      const sink = this.opts.sink;
      if (sink) {
        if (rows.length > 0) await sink.rows(this.startOf(tx), rows);
        await sink.commit({ ...this.startOf(tx), ...end });
        await sink.flush();
      }
      await tx.writer.commit(end);
      this.committed(checkpoint);
      if (this.changes.caching) this.changes.clearCache();
      return;
    }
    if (this.pending.length === 0) this.pendingSince = Date.now();
    this.pending.push({
      startPosition: tx.startPosition,
      ...(tx.gtid !== undefined ? { gtid: tx.gtid } : {}),
      commitPosition,
      commitTimestamp,
      ...(schemaChanges.length > 0 ? { schemaChanges } : {}),
      ...(tx.tableEvents.length > 0 ? { tableEvents: tx.tableEvents } : {}),
      rowChanges: rows,
    });
    this.pendingRows += rows.length;
    if (this.changes.caching && (onlyNonTransactional || tx.tableEvents.length > 0)) {
      // The cache remembered rows the rollback undid, or holds rows under names a rename,
      // truncate or drop just changed: the store (which applies table events) answers from here.
      await this.flush();
      this.changes.clearCache();
    } else if (
      this.pending.length >= this.batchTransactions ||
      this.pendingRows >= this.batchRows ||
      (this.changes.caching && this.changes.cachedRows >= 100_000) ||
      Date.now() - this.pendingSince >= this.batchDelayMs
    ) {
      await this.flush();
    }
  }

  private async rollback(commitPosition: BinlogPosition, commitTimestamp: number): Promise<void> {
    const tx = this.requireOpen(commitPosition);
    if (tx.streamed > 0) {
      throw new BinsnapError(
        'BINSNAP_E_TRANSACTION_STRUCTURE',
        `a rolled-back transaction of more than ${this.streamRows} rows mixed transactional and non-transactional tables; binsnap cannot tell which of its streamed rows survived`,
        { position: commitPosition.format(), start: tx.startPosition.format() },
      );
    }
    // The server logs a rolled-back transaction only for its non-transactional changes.
    await this.commit(commitPosition, commitTimestamp, true);
  }

  private rollbackToSavepoint(name: string, position: BinlogPosition): Promise<void> | undefined {
    const tx = this.requireOpen(position);
    const mark = tx.savepoints.get(name.toLowerCase());
    if (mark === undefined) {
      this.opts.log.warn({ position: position.format(), savepoint: name }, 'ROLLBACK TO an unknown savepoint: nothing undone');
      return undefined;
    }
    if (mark < tx.streamed) {
      throw new BinsnapError('BINSNAP_E_TRANSACTION_STRUCTURE', `ROLLBACK TO SAVEPOINT ${name} undoes rows already streamed to the store`, {
        position: position.format(),
      });
    }
    const keep = tx.changes.slice(0, mark - tx.streamed);
    for (const c of tx.changes.slice(mark - tx.streamed)) if (this.nonTransactional(c.table)) keep.push(c);
    tx.changes = keep;
    return undefined;
  }

  private async xaPrepare(xid: string, position: BinlogPosition): Promise<void> {
    const tx = this.requireOpen(position);
    this.open = undefined;
    if (tx.writer) {
      await tx.writer.abort();
      throw new BinsnapError('BINSNAP_E_TRANSACTION_STRUCTURE', `XA transaction ${xid} has more than ${this.streamRows} rows; binsnap holds prepared XA transactions in memory`, {
        position: position.format(),
      });
    }
    this.parked.set(xid, { changes: tx.changes, schemaChanges: tx.schemaChanges, tableEvents: tx.tableEvents });
  }

  private xaCommit(xid: string, position: BinlogPosition): void {
    const tx = this.requireOpen(position);
    const parked = this.parked.get(xid);
    if (!parked) {
      throw new BinsnapError(
        'BINSNAP_E_TRANSACTION_STRUCTURE',
        `XA COMMIT of ${xid}, whose XA PREPARE was not read: the range starts between them`,
        { position: position.format() },
      );
    }
    this.parked.delete(xid);
    // Versioned at the XA COMMIT event: a version must lie inside its transaction.
    const renumbered = parked.changes.map((c, i) => ({ ...c, version: { fileNumber: position.fileNumber, offset: position.offset, rowIndex: i } }));
    for (const c of renumbered) this.changes.remember(c);
    tx.changes.push(...renumbered);
    tx.schemaChanges.push(...parked.schemaChanges);
    tx.tableEvents.push(...parked.tableEvents);
  }

  private nonTransactional(table: string): boolean {
    const dot = table.indexOf('.');
    const engine = this.schema.table(table.slice(0, dot), table.slice(dot + 1))?.engine?.toLowerCase();
    return engine !== undefined && NON_TRANSACTIONAL_ENGINES.has(engine);
  }

  private async abortOpen(): Promise<void> {
    const tx = this.open;
    if (!tx) return;
    this.open = undefined;
    this.schema.restore(tx.catalogAtBegin);
    if (tx.writer) {
      await tx.writer.abort().catch((err: unknown) => {
        // The store rolls an open writer back on close too: nothing of it becomes visible.
        this.opts.log.warn({ error: String(err), startPosition: tx.startPosition.format() }, 'aborting a streamed transaction failed');
      });
    }
    if (this.changes.caching) {
      // The cache holds rows of the abandoned transaction: rebuild it from the store.
      await this.flush();
      this.changes.clearCache();
    }
  }

  private checkpointAt(position: BinlogPosition, commitTimestamp: number): Checkpoint {
    const gtidSet = this.gtids.current();
    return { position, commitTimestamp, ...(gtidSet ? { gtidSet } : {}) };
  }

  /**
   * With idleFlushMs: a timer ticks every idleFlushMs; when the loop is
   * waiting on the source, transactions are pending and no event arrived
   * since the previous tick, it writes them (so within 1–2 ticks of the
   * source falling quiet). The loop waits for that write before it handles
   * the next event, so writes never overlap and stay in order. No cost per
   * event.
   */
  private startIdleFlush(): void {
    const ms = this.idleFlushMs;
    if (ms === undefined) return;
    this.idleTimer = setInterval(() => {
      const quiet = this.events === this.eventsAtTick;
      this.eventsAtTick = this.events;
      if (!quiet || !this.awaitingSource || this.pending.length === 0 || this.idleWrite !== undefined) return;
      this.idleWrite = this.flush()
        .catch((err: unknown) => {
          this.idleWriteError = err;
        })
        .finally(() => {
          this.idleWrite = undefined;
        });
    }, ms);
    this.idleTimer.unref();
  }

  private stopIdleFlush(): void {
    clearInterval(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Writes the batch of committed transactions in one store write, the checkpoint with its last one. */
  private async flush(): Promise<void> {
    // The idle timer's write failed: nothing after it may be written (that would leave a gap).
    if (this.idleWriteError !== undefined) throw this.idleWriteError;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingRows = 0;
    const last = batch[batch.length - 1]!;
    const checkpoint = this.checkpointAt(last.commitPosition, last.commitTimestamp);
    batch[batch.length - 1] = { ...last, checkpoint };
    const sink = this.opts.sink;
    if (sink) {
      // The sink first: the checkpoint written with the batch must not pass unacknowledged events.
      for (const t of batch) {
        if (t.rowChanges.length > 0) await sink.rows(t, t.rowChanges);
        await sink.commit(t);
      }
      await sink.flush();
    }
    try {
      await this.opts.store.apply(batch);
    } catch (err) {
      throw isBinsnapError(err) ? err : new BinsnapError('BINSNAP_E_INTERNAL', `store write failed: ${String(err)}`, {}, { cause: err });
    }
    this.committed(checkpoint);
    if (!this.open && this.changes.caching) this.changes.clearCache();
  }

  private committed(checkpoint: Checkpoint): void {
    this.lastCommit = checkpoint;
    this.opts.onCheckpoint?.(checkpoint);
  }
}
