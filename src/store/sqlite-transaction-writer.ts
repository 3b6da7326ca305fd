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
import { compareVersionIds, type RowChange, type TransactionEnd, type TransactionStart, type TransactionWriter } from './snapshot-store.js';
import { checkBeforeCommit, checkChange, checkEnd } from './transaction-rules.js';

/** What the writer needs from the store, inside the store's open SQLite transaction. */
export interface StreamedTarget {
  writeStreamedRows(changes: readonly RowChange[]): void;
  commitStreamed(start: TransactionStart, end: TransactionEnd): void;
  rollbackStreamed(): void;
}

export class SqliteTransactionWriter implements TransactionWriter {
  private done = false;
  /** The greatest version written so far, checked against the commit position at commit. */
  private last: RowChange | null = null;

  constructor(
    private readonly store: StreamedTarget,
    private readonly start: TransactionStart,
  ) {}

  async addRows(batch: readonly RowChange[]): Promise<void> {
    this.live();
    try {
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
    } catch (err) {
      this.fail();
      throw err;
    }
  }

  async commit(end: TransactionEnd): Promise<void> {
    this.live();
    try {
      checkEnd(this.start, end);
      if (this.last !== null) checkBeforeCommit(this.last, end.commitPosition);
      this.store.commitStreamed(this.start, end);
      this.done = true;
    } catch (err) {
      this.fail();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (!this.done) this.fail();
  }

  private fail(): void {
    this.done = true;
    this.store.rollbackStreamed();
  }

  private live(): void {
    if (this.done) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the transaction writer is already finished');
  }
}
