/**
 * The versioned store's contract (SPEC §1 and §4): every backend — memory (the
 * test oracle), the embedded SQLite file, Redis later — implements
 * `SnapshotStore` and passes the one suite in contract.ts. Methods are async so
 * a networked backend fits the same shape.
 *
 * Semantics every backend keeps (the contract suite checks each one):
 * - A row version is `(fileNumber, offset of the rows event, row index)`,
 *   ordered lexicographically. Version ids are unique across the whole store:
 *   writing an id again with the same content writes nothing; with a different
 *   table, key, op or values it throws BINSNAP_E_STORE_CONFLICT.
 * - As of P = the state after every *stored* transaction whose commit position
 *   ≤ P. A row version becomes visible with its transaction's commit, never at
 *   its own offset, so a position inside a transaction shows nothing of it.
 * - `latest` = every stored transaction. An instant `at` = as of the greatest
 *   commit position among transactions whose commit timestamp ≤ `at` (binlog
 *   timestamps may step backwards; the position decides, not the clock).
 * - Content is a pure function of what is stored, never of arrival order:
 *   applying ranges twice or in any order gives the same reads. The checkpoint
 *   is the greatest position ever committed and never moves backwards. A
 *   transaction written again with the same start, commit, GTID, schema
 *   changes and table events but other row versions adds those rows: the store
 *   holds the union of such parts (a resumed seed writes this way).
 * - Bookkeeping documents (getMeta/setMeta) are named strings beside the
 *   history, outside every transaction and every as-of read.
 * - Table events (create, rename, truncate, drop) of a transaction take effect
 *   at its start, before its own row changes (CREATE … SELECT), and become
 *   visible with its commit. A table name's content as of P is its lineage:
 *   the rows written under that name since its last create/truncate/drop
 *   (or since the beginning), and — when the name was the target of a rename —
 *   the renamed table's content at that rename, recursively. Old versions are
 *   never rewritten; a dropped and re-created table therefore keeps two
 *   separate histories, and history follows a rename to the new name.
 * - Tables with a primary key hold at most one row per key (the latest
 *   version wins). Tables without one (`identity: 'whole-row'`) are multisets:
 *   an upsert adds one occurrence of the image, a delete removes one (never
 *   below zero).
 * - Rows read back are ordered by key (see key-encoding.ts): key columns in key
 *   order; numbers numerically (including strings of the columns named in
 *   `numericKeyColumns`: BIGINT beyond 2^53, DECIMAL, BIT); other strings by
 *   Unicode code point; null first.
 * - Commit timestamps are integer milliseconds since the Unix epoch.
 */
import type { AsOf } from '../core/as-of.js';
import type { GtidSet } from '../core/gtid.js';
import type { BinlogPosition } from '../core/position.js';
import type { TableSchema } from '../core/schema.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Column name → value, in column order (SPEC §3 value mapping). */
export type RowValues = Readonly<Record<string, JsonValue>>;

/** Primary key columns in key order → value; for a table without a primary key, the whole row image. */
export type RowKey = Readonly<Record<string, JsonValue>>;

/** `(fileNumber, offset, rowIndex)` of one row change (SPEC §1). */
export interface RowVersionId {
  /** Numeric suffix of the binlog file (0 … 2^32−1). */
  readonly fileNumber: number;
  /** Offset of the rows event in that file (for a seed: the seed position's offset). */
  readonly offset: bigint;
  /** Index of the row within the rows event (for a seed: unique within the seed position), 0 … 2^32−1. */
  readonly rowIndex: number;
}

export type RowOp = 'upsert' | 'delete';

/** How a row is identified: by its primary key, or (no primary key) by its whole image, as a multiset. */
export type RowIdentity = 'primary-key' | 'whole-row';

export interface RowChange {
  /** `db.table` as the table was named when the change was logged. */
  readonly table: string;
  readonly version: RowVersionId;
  readonly op: RowOp;
  readonly identity: RowIdentity;
  /** Primary key object (key order), or the whole row image for `identity: 'whole-row'`. */
  readonly key: RowKey;
  /** The full row after the change (images already merged); `null` for a delete. */
  readonly values: RowValues | null;
  /** Key columns whose string values are exact numbers and must sort numerically (see numericKeyColumnsOf). */
  readonly numericKeyColumns?: readonly string[];
  /**
   * For change streams (SPEC §5), not stored: what happened in the source — `c` insert, `u` update,
   * `d` delete, `r` seed read, `x` a version binsnap wrote itself (an ALTER TABLE rewrite, the delete
   * half of a key change) — and the row before it (null for an insert).
   */
  readonly event?: {
    readonly op: 'c' | 'u' | 'd' | 'r' | 'x';
    readonly before: RowValues | null;
    /** The server id in the rows event's header (the server that executed the change). */
    readonly serverId?: number;
  };
}

export type SchemaChangeKind = 'create' | 'alter' | 'rename' | 'drop' | 'truncate' | 'initial';

export interface SchemaChange {
  readonly table: string;
  /** The table's schema after the statement; `null` when the name no longer exists (drop, renamed away). */
  readonly schema: TableSchema | null;
  readonly ddl: string;
  readonly kind: SchemaChangeKind;
}

export type TableEvent =
  | { readonly kind: 'create' | 'truncate' | 'drop'; readonly table: string }
  | { readonly kind: 'rename'; readonly table: string; readonly to: string };

/** Where a resume restarts and what the store has applied up to. */
export interface Checkpoint {
  readonly position: BinlogPosition;
  readonly gtidSet?: GtidSet;
  /** Integer milliseconds since the Unix epoch of the transaction at `position`. */
  readonly commitTimestamp: number;
}

export interface TransactionStart {
  /** Where the transaction begins (its GTID or BEGIN event); a restart re-reads from here. */
  readonly startPosition: BinlogPosition;
  readonly gtid?: string;
}

export interface TransactionEnd {
  /** End of the XID/COMMIT event (or of the DDL query event), SPEC §1. */
  readonly commitPosition: BinlogPosition;
  /** Integer milliseconds since the Unix epoch. */
  readonly commitTimestamp: number;
  /** Schema changes in statement order. */
  readonly schemaChanges?: readonly SchemaChange[];
  /** Table events in statement order (RENAME a TO b, b TO c gives two). */
  readonly tableEvents?: readonly TableEvent[];
  /** Written in the same atomic unit; defaults to `{ position: commitPosition, commitTimestamp }`. */
  readonly checkpoint?: Checkpoint;
}

/** A whole transaction held in memory, applied atomically with its checkpoint. */
export interface CommittedTransaction extends TransactionStart, TransactionEnd {
  readonly rowChanges: readonly RowChange[];
}

/**
 * Streams one transaction of any size. Nothing is visible before `commit`;
 * after `abort`, a thrown error, or a writer left open when the store closes,
 * nothing of it is ever visible. One writer at a time per store.
 */
export interface TransactionWriter {
  addRows(batch: readonly RowChange[]): Promise<void>;
  /**
   * Makes the transaction visible. `meta`: bookkeeping documents (as setMeta: a value, or null to
   * remove one) written in the same atomic unit, so a record of what the transaction stored can
   * never be ahead of or behind it (the seed's progress).
   */
  commit(end: TransactionEnd, meta?: MetaWrites): Promise<void>;
  abort(): Promise<void>;
}

export type { AsOf };

/** Bookkeeping documents to write with a transaction: name → value, or null to remove it. */
export type MetaWrites = Readonly<Record<string, string | null>>;

export interface TransactionInfo {
  readonly startPosition: BinlogPosition;
  readonly commitPosition: BinlogPosition;
  readonly commitTimestamp: number;
  readonly gtid?: string;
}

export interface RowHistoryEntry {
  /** The name the table had when this version was written. */
  readonly table: string;
  readonly version: RowVersionId;
  readonly op: RowOp;
  readonly identity: RowIdentity;
  readonly key: RowKey;
  readonly values: RowValues | null;
  /** The rows event's position (file of the commit, offset of the version). */
  readonly position: BinlogPosition;
  readonly transaction: TransactionInfo;
}

export interface SchemaVersion {
  readonly table: string;
  readonly schema: TableSchema | null;
  readonly ddl: string;
  readonly kind: SchemaChangeKind;
  /** Index of the change within its transaction. */
  readonly seq: number;
  readonly transaction: TransactionInfo;
}

export interface TableEventRecord {
  readonly event: TableEvent;
  /** Index of the event within its transaction. */
  readonly seq: number;
  readonly transaction: TransactionInfo;
}

export interface TableStats {
  readonly table: string;
  /** Rows as of latest (0 for a dropped table). */
  readonly rows: number;
  /** Row versions stored under this name. */
  readonly versions: number;
}

export interface KeyOptions {
  /** As in RowChange.numericKeyColumns; must match what the writer used. */
  readonly numericKeyColumns?: readonly string[];
}

export interface SnapshotStore {
  /** Applies whole transactions atomically; a backend may share one storage transaction among them. */
  apply(transactions: readonly CommittedTransaction[]): Promise<void>;
  /** Opens a writer for a transaction streamed in batches. */
  beginTransaction(start: TransactionStart): Promise<TransactionWriter>;
  /** Moves the checkpoint forward without data (e.g. past filtered transactions); never backwards. */
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;

  /** The commit position `asOf` resolves to, or null when no stored transaction is included. */
  resolveAsOf(asOf: AsOf): Promise<BinlogPosition | null>;
  /** The table's rows as of `asOf`, ordered by key; a whole-row duplicate appears once per occurrence. */
  readTable(table: string, asOf: AsOf): AsyncIterable<RowValues>;
  /** One row as of `asOf`, or null; for a whole-row key, the image when at least one occurrence exists. */
  readRow(table: string, key: RowKey, asOf: AsOf, options?: KeyOptions): Promise<RowValues | null>;
  /** Every version of one key in the table's current incarnation (through renames, across truncates), oldest first. */
  rowHistory(table: string, key: RowKey, options?: KeyOptions): Promise<RowHistoryEntry[]>;
  /** The latest schema change of the name as of `asOf` (its `schema` is null once dropped), or null. */
  schemaAt(table: string, asOf: AsOf): Promise<SchemaVersion | null>;
  schemaHistory(table: string): Promise<SchemaVersion[]>;
  /** Every table name with at least one schema version (dropped ones too), sorted by name. */
  schemaTables(): Promise<string[]>;
  /** Events where the name is the table or the rename target, oldest first. */
  tableEventsOf(table: string): Promise<TableEventRecord[]>;
  checkpoint(): Promise<Checkpoint | null>;
  /** Every table name with row versions, sorted by name. */
  tableStats(): Promise<TableStats[]>;
  /** Closes the store; an open writer is rolled back. */
  close(): Promise<void>;

  /** A named bookkeeping document (e.g. the progress of an unfinished seed), or null. */
  getMeta(name: string): Promise<string | null>;
  /**
   * Stores (a string) or removes (null) a named document; durable once it resolves. Not part of any transaction.
   * Names are any non-empty string (an empty one is BINSNAP_E_INTERNAL). Durable as the store's commits are
   * (SQLite: its `synchronous` setting; Redis: its persistence), and in order with them: a document written
   * after a commit never survives a crash without that commit. Refused (BINSNAP_E_INTERNAL) while a streamed
   * transaction is open on the store, like every other write: commit or abort it first.
   */
  setMeta(name: string, value: string | null): Promise<void>;
}

export function compareVersionIds(a: RowVersionId, b: RowVersionId): -1 | 0 | 1 {
  if (a.fileNumber !== b.fileNumber) return a.fileNumber < b.fileNumber ? -1 : 1;
  if (a.offset !== b.offset) return a.offset < b.offset ? -1 : 1;
  if (a.rowIndex !== b.rowIndex) return a.rowIndex < b.rowIndex ? -1 : 1;
  return 0;
}

export function formatVersionId(v: RowVersionId): string {
  return `${v.fileNumber}:${v.offset}:${v.rowIndex}`;
}
