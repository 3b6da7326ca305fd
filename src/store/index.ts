/**
 * The store layer's public surface: the SnapshotStore contract and its types,
 * the backends, and the key helpers the change processor needs.
 */
export type {
  AsOf,
  Checkpoint,
  CommittedTransaction,
  JsonValue,
  KeyOptions,
  RowChange,
  RowHistoryEntry,
  RowIdentity,
  RowKey,
  RowOp,
  RowValues,
  RowVersionId,
  SchemaChange,
  SchemaChangeKind,
  SchemaVersion,
  SnapshotStore,
  TableEvent,
  TableEventRecord,
  TableStats,
  TransactionEnd,
  TransactionInfo,
  TransactionStart,
  TransactionWriter,
  MetaWrites,
} from './snapshot-store.js';
export { compareVersionIds, formatVersionId } from './snapshot-store.js';
export { encodeKey, numericKeyColumnsOf } from './key-encoding.js';
export { MemoryStore, openMemoryStore } from './memory-store.js';
export { DEFAULT_STORE_PATH, openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { openRedisStore, RedisStore, type RedisStoreOptions } from './redis-store.js';
export { isEncodedRowsWriter, type EncodedRows, type EncodedRowsWriter } from './sqlite-transaction-writer.js';
export type { EncodingIds } from './sqlite-writes.js';
