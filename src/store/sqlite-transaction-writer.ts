/**
 * A transaction streamed into the embedded store in batches. The SQLite
 * transaction was opened by `beginTransaction` (BEGIN IMMEDIATE) and stays open
 * until `commit`; any failure, `abort`, or a store closed in between rolls all
 * of it back, and the writer is finished from then on.
 *
 * Invariant: every version lies between the start and the commit position;
 * the start is checked per row, the commit once at the end against the
 * greatest version written.
 */
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { compareVersionIds, type MetaWrites, type RowChange, type TransactionEnd, type TransactionStart, type TransactionWriter } from './snapshot-store.js';
import type { EntryBuffer } from './sqlite-pages.js';
import type { EncodingIds } from './sqlite-writes.js';
import { checkBeforeCommit, checkChange, checkEnd, metaEntries } from './transaction-rules.js';

/** What the writer needs from the store, inside the store's open SQLite transaction. */
export interface StreamedTarget {
  writeStreamedRows(changes: readonly RowChange[]): void;
  streamedEncoding(table: string, valueNames: readonly string[], keyNames: readonly string[]): EncodingIds;
  writeStreamedEncoded(rows: EncodedRows): void;
  writeStreamedEntries(tableId: number, at: BinlogPosition, firstIndex: number, encode: (entries: EntryBuffer) => number): number;
  commitStreamed(start: TransactionStart, end: TransactionEnd, meta: ReadonlyArray<[string, string | null]>): void;
  rollbackStreamed(): void;
}

/**
 * Row versions of one table encoded as the embedded store's page entries on another thread
 * (EntryBuffer, with the ids from `encodingOf`): entry i at [starts[i], ends[i]) of `bytes`,
 * version `(position, firstIndex + i)`, op upsert by primary key. `addEncodedRows`
 * writes `firstIndex + i` into each entry's version (whatever row index it was encoded with), so
 * indexes can be given in the order batches are added rather than encoded.
 */
export interface EncodedRows {
  readonly tableId: number;
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly position: BinlogPosition;
  readonly firstIndex: number;
}

/** A writer that also takes entries encoded elsewhere (the embedded store's; see EncodedRows). */
export interface EncodedRowsWriter extends TransactionWriter {
  encodingOf(table: string, valueNames: readonly string[], keyNames: readonly string[]): EncodingIds;
  addEncodedRows(rows: EncodedRows): Promise<void>;
  /**
   * Entries of one table (`tableId` from `encodingOf`) that `encode` appends to the store's own
   * entry buffer (EntryBuffer.addCells), with versions `(at, firstIndex + i)` and op upsert by
   * primary key; `encode` returns how many, or -1 having appended nothing (then nothing is
   * written and -1 is returned). Synchronous: for an encoder on the writer's thread.
   */
  addEntries(tableId: number, at: BinlogPosition, firstIndex: number, encode: (entries: EntryBuffer) => number): number;
}

export function isEncodedRowsWriter(w: TransactionWriter): w is EncodedRowsWriter {
  return w instanceof SqliteTransactionWriter;
}

export class SqliteTransactionWriter implements EncodedRowsWriter {
  private done = false;
  /** The greatest version written so far, checked against the commit position at commit. */
  private last: RowChange | null = null;
  /** The greatest position of encoded rows written so far (their versions lie there), idem. */
  private lastEncoded: BinlogPosition | null = null;

  constructor(
    private readonly store: StreamedTarget,
    private readonly start: TransactionStart,
  ) {}

  async addRows(batch: readonly RowChange[]): Promise<void> {
    this.guarded(() => {
      let last = this.last;
      let previous: RowChange | null = null;
      for (const c of batch) {
        checkChange(c, this.start.startPosition, previous);
        previous = c;
        if (last === null) {
          last = c;
        } else {
          // Same file and offset (the rows of one event): the row index decides, no BigInt compared.
          const v = c.version;
          const l = last.version;
          if (v.fileNumber === l.fileNumber && v.offset === l.offset ? v.rowIndex > l.rowIndex : compareVersionIds(v, l) > 0) last = c;
        }
      }
      this.store.writeStreamedRows(batch);
      this.last = last;
    });
  }

  encodingOf(table: string, valueNames: readonly string[], keyNames: readonly string[]): EncodingIds {
    return this.guarded(() => this.store.streamedEncoding(table, valueNames, keyNames));
  }

  /**
   * The encoded rows' versions lie at their position, which must not be before the start; the
   * commit checks the greatest against the commit position, as for addRows.
   */
  async addEncodedRows(rows: EncodedRows): Promise<void> {
    this.guarded(() => {
      if (rows.starts.length === 0) return;
      if (rows.position.isBefore(this.start.startPosition)) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', `encoded rows at ${rows.position.format()} lie before their transaction's start ${this.start.startPosition.format()}`);
      }
      this.store.writeStreamedEncoded(rows);
      if (this.lastEncoded === null || rows.position.isAfter(this.lastEncoded)) this.lastEncoded = rows.position;
    });
  }

  addEntries(tableId: number, at: BinlogPosition, firstIndex: number, encode: (entries: EntryBuffer) => number): number {
    return this.guarded(() => {
      if (at.isBefore(this.start.startPosition)) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', `entries at ${at.format()} lie before their transaction's start ${this.start.startPosition.format()}`);
      }
      const count = this.store.writeStreamedEntries(tableId, at, firstIndex, encode);
      if (count > 0 && (this.lastEncoded === null || at.isAfter(this.lastEncoded))) this.lastEncoded = at;
      return count;
    });
  }

  async commit(end: TransactionEnd, meta?: MetaWrites): Promise<void> {
    this.guarded(() => {
      checkEnd(this.start, end);
      const documents = metaEntries(meta);
      if (this.last !== null) checkBeforeCommit(this.last, end.commitPosition);
      if (this.lastEncoded?.isAfter(end.commitPosition) === true) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', `encoded rows at ${this.lastEncoded.format()} lie after their transaction's commit ${end.commitPosition.format()}`);
      }
      this.store.commitStreamed(this.start, end, documents);
      this.done = true;
    });
  }

  async abort(): Promise<void> {
    if (!this.done) this.fail();
  }

  /** Runs `fn` on a live writer; a failure rolls the whole transaction back and finishes the writer. */
  private guarded<T>(fn: () => T): T {
    this.live();
    try {
      return fn();
    } catch (err) {
      this.fail();
      throw err;
    }
  }

  private fail(): void {
    this.done = true;
    this.store.rollbackStreamed();
  }

  private live(): void {
    if (this.done) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the transaction writer is already finished');
  }
}
