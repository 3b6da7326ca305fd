/**
 * The in-memory SnapshotStore: the test oracle. It keeps every record in maps
 * and answers each read by filtering and sorting everything, with visibility
 * decided per version by its own transaction's commit position (the SQLite
 * store turns the same rule into a bound on version ids instead), so the two
 * can be compared on random workloads.
 *
 * Invariants: a writer's changes live in its own buffer until commit; commit
 * checks everything before it changes anything, so a refused commit leaves
 * the store as it was. Only one writer is open at a time.
 */
import { BinsnapError } from '../core/errors.js';
import { comparePositions, type BinlogPosition } from '../core/position.js';
import { keyId, encodeKey } from './key-encoding.js';
import { compareEventOrder, inSegment, resolveLineage, type Segment } from './lineage.js';
import { foldRows, rowOpOf, type FoldStep } from './row-fold.js';
import {
  compareVersionIds,
  formatVersionId,
  type AsOf,
  type Checkpoint,
  type CommittedTransaction,
  type KeyOptions,
  type RowHistoryEntry,
  type RowKey,
  type RowValues,
  type SchemaVersion,
  type SnapshotStore,
  type TableEventRecord,
  type TableStats,
  type TransactionEnd,
  type TransactionInfo,
  type TransactionStart,
  type TransactionWriter,
} from './snapshot-store.js';
import {
  checkBeforeCommit,
  checkEnd,
  checkMetaName,
  metaEntries,
  checkMetaValue,
  checkSameContent,
  checkStart,
  checkTimestamp,
  defaultCheckpoint,
  nextCheckpoint,
  prepareChange,
  type PreparedChange,
} from './transaction-rules.js';

interface MemVersion {
  readonly prepared: PreparedChange;
  readonly keyHex: string;
  readonly transaction: TransactionInfo;
}

/** What a read may see: every commit ≤ limit (null: no limit), or nothing at all. */
type Visibility = { readonly limit: BinlogPosition | null } | null;

export class MemoryStore implements SnapshotStore {
  private readonly versions = new Map<string, MemVersion>();
  private readonly transactions = new Map<string, TransactionInfo>();
  private readonly schemaVersions = new Map<string, SchemaVersion>();
  private readonly tableEvents = new Map<string, TableEventRecord>();
  /** Bookkeeping documents (getMeta/setMeta), outside every transaction. */
  private readonly documents = new Map<string, string>();
  private currentCheckpoint: Checkpoint | null = null;
  private writerOpen = false;
  private closed = false;

  async apply(transactions: readonly CommittedTransaction[]): Promise<void> {
    this.checkUsable();
    // All or nothing: stage every transaction on a copy of the maps' additions first.
    const staged = transactions.map((t) => this.stage(t, t.rowChanges.map((c) => prepareChange(c, t.startPosition)), t));
    this.checkStagedTogether(staged);
    for (const s of staged) this.publish(s);
  }

  async beginTransaction(start: TransactionStart): Promise<TransactionWriter> {
    this.checkUsable();
    checkStart(start);
    this.writerOpen = true;
    const buffer: PreparedChange[] = [];
    const buffered = new Map<string, PreparedChange>();
    let done = false;
    const finish = (): void => {
      done = true;
      this.writerOpen = false;
    };
    const live = (): void => {
      if (done) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the transaction writer is already finished');
    };
    return {
      addRows: async (batch) => {
        live();
        try {
          for (const c of batch) {
            const p = prepareChange(c, start.startPosition);
            const id = formatVersionId(c.version);
            const existing = this.versions.get(id);
            if (existing) checkSameContent(contentOf(existing), p);
            const earlier = buffered.get(id);
            if (earlier) checkSameContent(contentOf({ prepared: earlier, keyHex: earlier.keyBytes.toString('hex') }), p);
            buffered.set(id, p);
            buffer.push(p);
          }
        } catch (err) {
          finish();
          throw err;
        }
      },
      commit: async (end, meta) => {
        live();
        try {
          const documents = metaEntries(meta);
          const staged = this.stage(start, buffer, end);
          this.checkStagedTogether([staged]);
          this.publish(staged);
          for (const [name, value] of documents) {
            if (value === null) this.documents.delete(name);
            else this.documents.set(name, value);
          }
        } finally {
          finish();
        }
      },
      abort: async () => {
        if (!done) finish();
      },
    };
  }

  async saveCheckpoint(checkpoint: Checkpoint): Promise<void> {
    this.checkUsable();
    checkTimestamp(checkpoint.commitTimestamp, checkpoint.position);
    this.currentCheckpoint = nextCheckpoint(this.currentCheckpoint, checkpoint);
  }

  async resolveAsOf(asOf: AsOf): Promise<BinlogPosition | null> {
    const v = this.visibility(asOf);
    if (v === null) return null;
    let best: BinlogPosition | null = null;
    for (const t of this.transactions.values()) {
      if (v.limit !== null && comparePositions(t.commitPosition, v.limit) > 0) continue;
      if (best === null || comparePositions(t.commitPosition, best) > 0) best = t.commitPosition;
    }
    return best;
  }

  async *readTable(table: string, asOf: AsOf): AsyncIterable<RowValues> {
    const v = this.visibility(asOf);
    if (v === null) return;
    const segments = await resolveLineage(table, v.limit, this.eventsTouching);
    const selected = this.select(segments, v.limit, null);
    for await (const row of foldRows(selected)) {
      for (let i = 0; i < row.count; i++) yield row.ref.prepared.change.values as RowValues;
    }
  }

  async readRow(table: string, key: RowKey, asOf: AsOf, options?: KeyOptions): Promise<RowValues | null> {
    const v = this.visibility(asOf);
    if (v === null) return null;
    const segments = await resolveLineage(table, v.limit, this.eventsTouching);
    const wanted = keyId(encodeKey(key, options?.numericKeyColumns));
    for await (const row of foldRows(this.select(segments, v.limit, wanted))) return row.ref.prepared.change.values;
    return null;
  }

  async rowHistory(table: string, key: RowKey, options?: KeyOptions): Promise<RowHistoryEntry[]> {
    const segments = await resolveLineage(table, null, this.eventsTouching, { acrossTruncates: true });
    const wanted = keyId(encodeKey(key, options?.numericKeyColumns));
    return this.select(segments, null, wanted).map(({ ref }) => {
      const c = ref.prepared.change;
      return {
        table: c.table,
        version: c.version,
        op: rowOpOf(ref.prepared.op),
        identity: c.identity,
        key: c.key,
        values: c.values,
        position: ref.transaction.commitPosition.withOffset(c.version.offset),
        transaction: ref.transaction,
      };
    });
  }

  async schemaAt(table: string, asOf: AsOf): Promise<SchemaVersion | null> {
    const v = this.visibility(asOf);
    if (v === null) return null;
    const visible = (await this.schemaHistory(table)).filter(
      (s) => v.limit === null || comparePositions(s.transaction.commitPosition, v.limit) <= 0,
    );
    return visible[visible.length - 1] ?? null;
  }

  async schemaHistory(table: string): Promise<SchemaVersion[]> {
    return [...this.schemaVersions.values()].filter((s) => s.table === table).sort(compareBySeq);
  }

  async schemaTables(): Promise<string[]> {
    return [...new Set([...this.schemaVersions.values()].map((s) => s.table))].sort();
  }

  async tableEventsOf(table: string): Promise<TableEventRecord[]> {
    return [...(await this.eventsTouching(table))].sort(compareEventOrder);
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return this.currentCheckpoint;
  }

  async tableStats(): Promise<TableStats[]> {
    const counts = new Map<string, number>();
    for (const v of this.versions.values()) counts.set(v.prepared.change.table, (counts.get(v.prepared.change.table) ?? 0) + 1);
    const out: TableStats[] = [];
    for (const [table, versions] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      let rows = 0;
      for await (const _row of this.readTable(table, { kind: 'latest' })) rows++;
      out.push({ table, rows, versions });
    }
    return out;
  }

  async getMeta(name: string): Promise<string | null> {
    this.checkUsable(false);
    checkMetaName(name);
    return this.documents.get(name) ?? null;
  }

  async setMeta(name: string, value: string | null): Promise<void> {
    this.checkUsable();
    checkMetaName(name);
    checkMetaValue(name, value);
    if (value === null) this.documents.delete(name);
    else this.documents.set(name, value);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.writerOpen = false;
  }

  private readonly eventsTouching = async (table: string): Promise<readonly TableEventRecord[]> =>
    [...this.tableEvents.values()].filter((e) => e.event.table === table || (e.event.kind === 'rename' && e.event.to === table));

  private visibility(asOf: AsOf): Visibility {
    this.checkUsable(false);
    switch (asOf.kind) {
      case 'latest':
        return { limit: null };
      case 'position':
        return { limit: asOf.position };
      case 'instant': {
        let best: BinlogPosition | null = null;
        for (const t of this.transactions.values()) {
          if (t.commitTimestamp > asOf.at.getTime()) continue;
          if (best === null || comparePositions(t.commitPosition, best) > 0) best = t.commitPosition;
        }
        return best === null ? null : { limit: best };
      }
    }
  }

  /** Visible versions of the segments (optionally one key), ordered by key then version. */
  private select(segments: readonly Segment[], limit: BinlogPosition | null, onlyKey: string | null): FoldStep<MemVersion>[] {
    const out: FoldStep<MemVersion>[] = [];
    for (const v of this.versions.values()) {
      const c = v.prepared.change;
      if (onlyKey !== null && v.keyHex !== onlyKey) continue;
      if (limit !== null && comparePositions(v.transaction.commitPosition, limit) > 0) continue;
      if (!segments.some((s) => s.table === c.table && inSegment(s, c.version.fileNumber, c.version.offset))) continue;
      out.push({ keyId: v.keyHex, op: v.prepared.op, ref: v });
    }
    return out.sort((a, b) =>
      a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : compareVersionIds(a.ref.prepared.change.version, b.ref.prepared.change.version),
    );
  }

  private stage(start: TransactionStart, changes: readonly PreparedChange[], end: TransactionEnd): Staged {
    checkStart(start);
    checkEnd(start, end);
    const transaction: TransactionInfo = {
      startPosition: start.startPosition,
      commitPosition: end.commitPosition,
      commitTimestamp: end.commitTimestamp,
      ...(start.gtid === undefined ? {} : { gtid: start.gtid }),
    };
    const txnKey = transactionKey(transaction);
    const existingTxn = this.transactions.get(txnKey);
    if (existingTxn && existingTxn.gtid !== transaction.gtid) throw conflict(`transaction at ${end.commitPosition.format()} has another GTID`);
    const versions = new Map<string, MemVersion>();
    for (const p of changes) {
      checkBeforeCommit(p.change, end.commitPosition);
      const id = formatVersionId(p.change.version);
      const existing = this.versions.get(id) ?? versions.get(id);
      if (existing) {
        checkSameContent(contentOf(existing), p);
        continue;
      }
      versions.set(id, { prepared: p, keyHex: p.keyBytes.toString('hex'), transaction: existingTxn ?? transaction });
    }
    const schemas = new Map<string, SchemaVersion>();
    (end.schemaChanges ?? []).forEach((s, seq) => {
      const rec: SchemaVersion = { table: s.table, schema: s.schema, ddl: s.ddl, kind: s.kind, seq, transaction };
      const key = `${txnKey}#${seq}`;
      const existing = this.schemaVersions.get(key);
      if (existing && JSON.stringify(recordOf(existing)) !== JSON.stringify(recordOf(rec))) throw conflict(`schema change ${seq} at ${end.commitPosition.format()} differs`);
      if (!existing) schemas.set(key, rec);
    });
    const events = new Map<string, TableEventRecord>();
    (end.tableEvents ?? []).forEach((e, seq) => {
      const key = `${txnKey}#${seq}`;
      const existing = this.tableEvents.get(key);
      if (existing && JSON.stringify(existing.event) !== JSON.stringify(e)) throw conflict(`table event ${seq} at ${end.commitPosition.format()} differs`);
      if (!existing) events.set(key, { event: e, seq, transaction });
    });
    return { txnKey, transaction: existingTxn ?? transaction, versions, schemas, events, checkpoint: defaultCheckpoint(end) };
  }

  /** Transactions of one `apply` must not contradict each other either. */
  private checkStagedTogether(staged: readonly Staged[]): void {
    const seen = new Map<string, MemVersion>();
    const records = new Map<string, string>();
    const same = (key: string, text: string, what: string): void => {
      const other = records.get(key);
      if (other !== undefined && other !== text) throw conflict(`${what} differs within one batch`);
      records.set(key, text);
    };
    for (const s of staged) {
      same(`txn ${s.txnKey}`, JSON.stringify(s.transaction.gtid ?? null), 'a transaction GTID');
      for (const [k, v] of s.schemas) same(`schema ${k}`, JSON.stringify(recordOf(v)), 'a schema change');
      for (const [k, v] of s.events) same(`event ${k}`, JSON.stringify(v.event), 'a table event');
      for (const [id, v] of s.versions) {
        const other = seen.get(id);
        if (other) checkSameContent(contentOf(other), v.prepared);
        else seen.set(id, v);
      }
    }
  }

  private publish(s: Staged): void {
    this.transactions.set(s.txnKey, s.transaction);
    for (const [id, v] of s.versions) if (!this.versions.has(id)) this.versions.set(id, v);
    for (const [k, v] of s.schemas) this.schemaVersions.set(k, v);
    for (const [k, v] of s.events) this.tableEvents.set(k, v);
    this.currentCheckpoint = nextCheckpoint(this.currentCheckpoint, s.checkpoint);
  }

  private checkUsable(forWrite = true): void {
    if (this.closed) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store is closed');
    if (forWrite && this.writerOpen) throw new BinsnapError('BINSNAP_E_INTERNAL', 'a streamed transaction is open on this store');
  }
}

interface Staged {
  readonly txnKey: string;
  readonly transaction: TransactionInfo;
  readonly versions: Map<string, MemVersion>;
  readonly schemas: Map<string, SchemaVersion>;
  readonly events: Map<string, TableEventRecord>;
  readonly checkpoint: Checkpoint;
}

function transactionKey(t: TransactionInfo): string {
  return `${t.commitPosition.fileNumber}:${t.commitPosition.offset}/${t.startPosition.fileNumber}:${t.startPosition.offset}`;
}

function contentOf(v: Pick<MemVersion, 'prepared' | 'keyHex'>): { table: string; op: MemVersion['prepared']['op']; keyHex: string; valuesJson: string | null } {
  return { table: v.prepared.change.table, op: v.prepared.op, keyHex: v.keyHex, valuesJson: v.prepared.valuesJson };
}

function recordOf(s: SchemaVersion): unknown {
  return { table: s.table, schema: s.schema, ddl: s.ddl, kind: s.kind };
}

function compareBySeq(a: SchemaVersion, b: SchemaVersion): number {
  return comparePositions(a.transaction.startPosition, b.transaction.startPosition) || a.seq - b.seq;
}

function conflict(message: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_STORE_CONFLICT', message);
}

export function openMemoryStore(): MemoryStore {
  return new MemoryStore();
}
