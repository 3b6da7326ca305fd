/**
 * Change events as Kafka records (SPEC §5): pure functions from the
 * pipeline's row changes, schema changes and table events to `{topic, key,
 * value}` with JSON text, so the exact bytes are unit-tested without a broker.
 *
 * Topics: `<prefix>.<db>.<table>` per table (the name the table had when the
 * change was logged), `<prefix>.schema-changes` for DDL and table events.
 * Characters Kafka does not allow in a topic name become `_` (source.db and
 * source.table keep the real names).
 *
 * Row records — key: the row's identity as a JSON object (primary-key
 * columns in key order; for a table without one, the whole row image);
 * value:
 *   { before, after, op, identity, ts_ms,
 *     source: { file, pos, row, gtid, server_id, db, table, ts_ms, snapshot },
 *     transaction: { id, total_order, data_collection_order } }
 * - op: `c` insert, `u` update, `d` delete, `r` seed read (snapshot: true),
 *   `t` truncate (key null, before/after null) on the table's topic.
 * - binsnap's own versions (RowChange event op `x`) are emitted as what they
 *   do to the table's content, so a consumer applying c/u/d/r by key rebuilds
 *   the table exactly: the delete half of a key-changing update (or of an
 *   update of a table without a primary key) is `d` with `before` = the old
 *   row, followed by the update itself as `u` under the new key (its `before`
 *   is the old row); an ALTER TABLE rewrite is `u` with before = the row as
 *   stored before the ALTER and after = the converted row (preceded by a `d`
 *   of the old key when the ALTER changed the key columns).
 * - identity: `primary-key` or `whole-row`. A whole-row table is a multiset:
 *   c/u/r add one occurrence of the image, d removes one.
 * - source.file/pos/row: the version `(binlog file, offset of the rows event,
 *   row index)` — unique per row record, the consumers' duplicate filter.
 *   source.ts_ms is the transaction's commit time (ms since the epoch); it is
 *   null only for rows of a very large transaction sent before its commit was
 *   read (see kafka-sink.ts). ts_ms is when binsnap built the record.
 * - transaction.id: the GTID, or without one the transaction's start position
 *   `file:offset` (known for every record of the transaction, also those sent
 *   before its commit); total_order counts the transaction's records from 1
 *   and data_collection_order its records of the same table.
 *
 * Schema-change records (key `{"table": "db.t"}`, one partition):
 *   DDL:         { type: 'ddl', kind, table, ddl, schema, source, ts_ms, transaction }
 *   table event: { type: 'table', kind: create|truncate|drop|rename, table, to?, source, ts_ms, transaction }
 * Their source.file/pos is the transaction's start (table events take effect
 * there, before the transaction's rows) and source.row numbers them within
 * the transaction: DDL first, then table events. A truncate also goes to the
 * table's topic as op `t` with the same source position.
 *
 * Ordering for consumers: a record's position is (file number, pos, row);
 * positions increase in binlog (= commit) order, and at an equal position a
 * schema-changes record comes before a row record (a seed writes both at P).
 *
 * Numbers: offsets are JSON numbers (binlog offsets stay far below 2^53; a
 * larger one would be written as a decimal string); column values are as the
 * store has them (SPEC §3: BIGINT beyond 2^53 and DECIMAL as strings).
 */
import { BinlogPosition } from '../core/position.js';
import type { JsonValue, RowChange, RowValues, SchemaChange, TableEvent, TransactionEnd, TransactionStart } from '../store/index.js';

export interface KafkaRecord {
  readonly topic: string;
  /** JSON text, or null (truncate). */
  readonly key: string | null;
  readonly value: string;
  /** Sent to every partition of the topic (a truncate concerns every key). */
  readonly everyPartition?: boolean;
}

export interface EnvelopeContext {
  readonly topicPrefix: string;
  /** The source server's id when known; null otherwise. */
  readonly serverId: number | null;
  /** Milliseconds since the epoch for the top-level ts_ms. */
  readonly now: () => number;
}

/** Running counters of one transaction's records. */
export class TransactionOrder {
  private total = 0;
  private readonly perTable = new Map<string, number>();

  next(table: string): { total_order: number; data_collection_order: number } {
    const n = (this.perTable.get(table) ?? 0) + 1;
    this.perTable.set(table, n);
    return { total_order: ++this.total, data_collection_order: n };
  }
}

const TOPIC_CHAR = /[^a-zA-Z0-9._-]/g;
const MAX_TOPIC = 249;

function safeTopic(name: string): string {
  const t = name.replace(TOPIC_CHAR, '_');
  if (t.length <= MAX_TOPIC) return t;
  // Too long for Kafka: keep a readable head and make the tail unique.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${t.slice(0, MAX_TOPIC - 9)}_${h.toString(16).padStart(8, '0')}`;
}

export function splitTable(table: string): { db: string; table: string } {
  const dot = table.indexOf('.');
  return dot < 0 ? { db: '', table } : { db: table.slice(0, dot), table: table.slice(dot + 1) };
}

/** The topic of a table's row records. */
export function tableTopic(prefix: string, table: string): string {
  const t = splitTable(table);
  return safeTopic(`${prefix}.${t.db}.${t.table}`);
}

export function schemaTopic(prefix: string): string {
  return safeTopic(`${prefix}.schema-changes`);
}

/** The binlog file name of file number `n`, in the naming (base and suffix width) of `like`. */
export function binlogFileName(like: BinlogPosition, n: number): string {
  return n === like.fileNumber ? like.file : BinlogPosition.nextFileName(like.file, n - like.fileNumber);
}

function offsetJson(offset: bigint): number | string {
  return offset <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(offset) : offset.toString();
}

function transactionId(tx: TransactionStart): string {
  return tx.gtid ?? tx.startPosition.format();
}

interface SourceFields {
  readonly file: string;
  readonly pos: number | string;
  readonly row: number;
  readonly gtid: string | null;
  readonly server_id: number | null;
  readonly db: string;
  readonly table: string;
  readonly ts_ms: number | null;
  readonly snapshot: boolean;
}

function source(
  ctx: EnvelopeContext,
  tx: TransactionStart,
  file: string,
  pos: bigint,
  row: number,
  table: string,
  tsMs: number | null,
  snapshot: boolean,
  serverId?: number,
): SourceFields {
  const t = splitTable(table);
  return {
    file,
    pos: offsetJson(pos),
    row,
    gtid: tx.gtid ?? null,
    server_id: serverId ?? ctx.serverId,
    db: t.db,
    table: t.table,
    ts_ms: tsMs,
    snapshot,
  };
}

/** What a row change does, as a Debezium op with its before and after images. */
export function rowOp(c: RowChange): { op: 'c' | 'u' | 'd' | 'r'; before: RowValues | null; after: RowValues | null } {
  const ev = c.event;
  if (c.op === 'delete') return { op: 'd', before: ev?.before ?? c.key, after: null };
  switch (ev?.op) {
    case 'c':
      return { op: 'c', before: null, after: c.values };
    case 'r':
      return { op: 'r', before: null, after: c.values };
    case 'u':
    case 'x':
      return { op: 'u', before: ev.before, after: c.values };
    case 'd':
      // An upsert never carries `d`; kept total for safety.
      return { op: 'u', before: ev.before, after: c.values };
    case undefined:
      return { op: 'u', before: null, after: c.values };
  }
}

/**
 * The record of one row change. `tsMs` is the transaction's commit time, null
 * when the record is sent before the commit is known.
 */
export function rowRecord(ctx: EnvelopeContext, tx: TransactionStart, c: RowChange, tsMs: number | null, order: TransactionOrder): KafkaRecord {
  const { op, before, after } = rowOp(c);
  const file = binlogFileName(tx.startPosition, c.version.fileNumber);
  const value = {
    before,
    after,
    source: source(ctx, tx, file, c.version.offset, c.version.rowIndex, c.table, tsMs, op === 'r', c.event?.serverId),
    op,
    identity: c.identity,
    ts_ms: ctx.now(),
    transaction: { id: transactionId(tx), ...order.next(c.table) },
  };
  return { topic: tableTopic(ctx.topicPrefix, c.table), key: JSON.stringify(c.key), value: JSON.stringify(value) };
}

/**
 * The records of a transaction's end: its DDL and table events on the
 * schema-changes topic (in that order), and a `t` record on the table's
 * topic for every truncate.
 */
export function transactionEndRecords(ctx: EnvelopeContext, tx: TransactionStart & TransactionEnd, order: TransactionOrder): KafkaRecord[] {
  const out: KafkaRecord[] = [];
  const topic = schemaTopic(ctx.topicPrefix);
  const start = tx.startPosition;
  const isSeed = tx.startPosition.equals(tx.commitPosition);
  let seq = 0;
  const schemaChanges: readonly SchemaChange[] = tx.schemaChanges ?? [];
  for (const sc of schemaChanges) {
    const value = {
      type: 'ddl',
      kind: sc.kind,
      table: sc.table,
      ddl: sc.ddl,
      schema: sc.schema as unknown as JsonValue,
      source: source(ctx, tx, start.file, start.offset, seq++, sc.table, tx.commitTimestamp, isSeed && sc.kind === 'initial'),
      ts_ms: ctx.now(),
      transaction: { id: transactionId(tx), ...order.next(topic) },
    };
    out.push({ topic, key: JSON.stringify({ table: sc.table }), value: JSON.stringify(value) });
  }
  const tableEvents: readonly TableEvent[] = tx.tableEvents ?? [];
  for (const te of tableEvents) {
    const row = seq++;
    const src = source(ctx, tx, start.file, start.offset, row, te.table, tx.commitTimestamp, false);
    const value = {
      type: 'table',
      kind: te.kind,
      table: te.table,
      ...(te.kind === 'rename' ? { to: te.to } : {}),
      source: src,
      ts_ms: ctx.now(),
      transaction: { id: transactionId(tx), ...order.next(topic) },
    };
    out.push({ topic, key: JSON.stringify({ table: te.table }), value: JSON.stringify(value) });
    if (te.kind === 'truncate') {
      const t = {
        before: null,
        after: null,
        source: src,
        op: 't',
        ts_ms: ctx.now(),
        transaction: { id: transactionId(tx), ...order.next(te.table) },
      };
      out.push({ topic: tableTopic(ctx.topicPrefix, te.table), key: null, value: JSON.stringify(t), everyPartition: true });
    }
  }
  return out;
}
