/**
 * Where change events go besides the store (SPEC §5): Kafka, or a test
 * double. The pipeline calls a sink in binlog order and moves the store's
 * checkpoint only after `flush` resolved, so every transaction at or before a
 * checkpoint has been acknowledged by the sink; after a crash, what comes
 * again is what was not yet checkpointed (consumers drop duplicates by
 * position).
 *
 * Invariants every sink keeps: `rows` parts of one transaction and then its
 * `commit` arrive in order, transactions in commit order; `flush` resolves
 * only when every message handed over so far is durably acknowledged, and
 * rejects (a transient BinsnapError lets the pipeline retry) otherwise.
 */
import type { RowChange, TransactionEnd, TransactionStart } from '../store/index.js';

export interface Sink {
  /** Row changes of an open transaction, in order; a large transaction comes in several parts. */
  rows(tx: TransactionStart, rows: readonly RowChange[]): Promise<void>;
  /** The transaction's end: schema changes and table events, commit position and time. */
  commit(tx: TransactionStart & TransactionEnd): Promise<void>;
  /** Resolves once everything handed over so far is acknowledged. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
