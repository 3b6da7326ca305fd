/**
 * The seed's encoding thread (seed-encoder.ts starts it): reads the row packets a reading
 * connection collected (readRowPackets) with the columns' field readers, and encodes each row as
 * an entry of the embedded store's version pages (EntryBuffer), so the writer's thread only
 * copies the entries into its pages and SQLite.
 *
 * Rows become exactly what the seed's ordinary path gives the store (seedRowChange: op upsert by
 * primary key, values in column order, the key columns' values as the key); the entries' bytes
 * are equal (a unit test compares them).
 */
import { parentPort } from 'node:worker_threads';
import { isBinsnapError } from '../core/errors.js';
import { objectMaker, ownValue, setOwn, type ObjectMaker } from '../core/row-object.js';
import type { ColumnSchema } from '../core/schema.js';
import type { ServerFlavor } from '../source/binlog-connection.js';
import { fieldReader } from '../source/row-values.js';
import { RowParser, packetRows } from '../source/seed-reader.js';
import { FixedShapes } from '../store/sqlite-cells.js';
import { EntryBuffer, OP_CODE } from '../store/sqlite-pages.js';
import type { JsonValue } from '../store/snapshot-store.js';
import type { EncoderMessage, EncoderReply } from './seed-encoder.js';

const port = parentPort;
if (port === null) throw new Error('seed-encoder-worker runs as a worker thread');

interface Table {
  readonly name: string;
  readonly parser: RowParser;
  readonly make: ObjectMaker<JsonValue>;
  readonly keyColumns: readonly string[];
  readonly numericKeyColumns: readonly string[] | undefined;
  readonly markColumn: string | undefined;
  readonly tableId: number;
  readonly shapes: FixedShapes;
}

const tables = new Map<number, Table>();
const entries = new EntryBuffer();

function addTable(m: Extract<EncoderMessage, { type: 'table' }>): void {
  const columns: readonly ColumnSchema[] = m.columns;
  tables.set(m.key, {
    name: m.table,
    parser: new RowParser(columns.map((c) => fieldReader(c, m.flavor as ServerFlavor)), m.table),
    make: objectMaker(columns.map((c) => c.name)),
    keyColumns: m.keyColumns,
    numericKeyColumns: m.numericKeyColumns.length > 0 ? m.numericKeyColumns : undefined,
    markColumn: m.markColumn ?? undefined,
    tableId: m.tableId,
    shapes: new FixedShapes(m.shapes),
  });
}

function encode(m: Extract<EncoderMessage, { type: 'batch' }>): EncoderReply {
  const t = tables.get(m.key);
  if (t === undefined) throw new Error(`seed encoder: unknown table ${m.key}`);
  const high = Number(m.offset >> 32n);
  const low = Number(m.offset & 0xffff_ffffn);
  const upsert = OP_CODE.upsert;
  entries.clear();
  // Row indexes are given by the writer's thread when it adds the batch (renumberEntries).
  let index = 0;
  let last: Record<string, JsonValue> | undefined;
  packetRows(m.packets, (packet) => {
    const values = t.make(t.parser.next(packet));
    const key: Record<string, JsonValue> = {};
    for (const c of t.keyColumns) setOwn(key, c, ownValue(values, c) ?? null);
    entries.addVersion(t.tableId, key, t.numericKeyColumns, m.fileNumber, high, low, index++, upsert, values, t.shapes);
    last = values;
  });
  const bytes = new Uint8Array(entries.used);
  bytes.set(entries.buf.subarray(0, entries.used));
  const markValue = t.markColumn !== undefined && last !== undefined ? ownValue(last, t.markColumn) : undefined;
  return {
    type: 'encoded',
    seq: m.seq,
    bytes,
    starts: Int32Array.from(entries.starts),
    ends: Int32Array.from(entries.ends),
    last: typeof markValue === 'number' || typeof markValue === 'string' ? markValue : null,
  };
}

port.on('message', (m: EncoderMessage) => {
  if (m.type === 'table') {
    addTable(m);
  } else if (m.type === 'batch') {
    let reply: EncoderReply;
    try {
      reply = encode(m);
    } catch (err) {
      reply = {
        type: 'error',
        seq: m.seq,
        code: isBinsnapError(err) ? err.code : 'BINSNAP_E_INTERNAL',
        message: err instanceof Error ? err.message : String(err),
        context: isBinsnapError(err) ? (err.context as Record<string, string | number>) : {},
      };
    }
    if (reply.type === 'encoded') port.postMessage(reply, [reply.bytes.buffer as ArrayBuffer, reply.starts.buffer as ArrayBuffer, reply.ends.buffer as ArrayBuffer]);
    else port.postMessage(reply);
  } else if (m.type === 'close') {
    port.close();
  }
});
