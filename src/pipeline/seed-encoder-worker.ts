/**
 * The seed's encoding thread (seed-encoder.ts starts it): reads the row packets a reading
 * connection collected (readRowPackets) with the columns' field readers, and encodes each row as
 * an entry of the embedded store's version pages (EntryBuffer), so the writer's thread only
 * copies the entries into its pages and SQLite.
 *
 * Rows become exactly what the seed's ordinary path gives the store (seedRowChange: op upsert by
 * primary key, values in column order, the key columns' values as the key); the entries' bytes
 * are equal (a unit test compares them). No row object is made: the cells are written from the
 * parsed values, and a text column's utf8 bytes are copied from the packet into its cell without
 * becoming a string (only invalid utf8 is decoded, for its replacement characters).
 */
import { parentPort } from 'node:worker_threads';
import { isBinsnapError } from '../core/errors.js';
import { setOwn } from '../core/row-object.js';
import type { ColumnSchema } from '../core/schema.js';
import type { ServerFlavor } from '../source/binlog-connection.js';
import { fieldReader, isUtf8Text } from '../source/row-values.js';
import { RowParser, packetRows } from '../source/seed-reader.js';
import { FixedShapes, putUtf8Cell, writeCell, type CellSink } from '../store/sqlite-cells.js';
import { encodeKeyInto } from '../store/key-encoding.js';
import { EntryBuffer, OP_CODE, type CellWriter } from '../store/sqlite-pages.js';
import type { JsonValue } from '../store/snapshot-store.js';
import type { EncoderMessage, EncoderReply } from './seed-encoder.js';

const port = parentPort;
if (port === null) throw new Error('seed-encoder-worker runs as a worker thread');

/**
 * A table's row cells, written from the values RowParser gave for the current row: a text column
 * not in the key is read as a span of the packet (RowParser's `raw`) and copied.
 */
class RowCells implements CellWriter {
  values: JsonValue[] = [];
  buf: Buffer = Buffer.alloc(0);
  key: Record<string, JsonValue> = {};

  constructor(
    private readonly parser: RowParser,
    private readonly raw: readonly boolean[],
    private readonly numericKeyColumns: readonly string[] | undefined,
  ) {}

  writeKey(sink: CellSink, at: number): number {
    return encodeKeyInto(sink, at, this.key, this.numericKeyColumns);
  }

  writeCells(sink: CellSink, at: number): number {
    const values = this.values;
    const starts = this.parser.starts;
    let p = at;
    for (let i = 0; i < values.length; i++) {
      const s = this.raw[i] === true ? (starts[i] as number) : -1;
      if (s < 0) {
        p = writeCell(sink, p, values[i] as JsonValue);
        continue;
      }
      const e = this.parser.ends[i] as number;
      const end = putUtf8Cell(sink, p, this.buf, s, e);
      p = end >= 0 ? end : writeCell(sink, p, this.buf.toString('utf8', s, e));
    }
    return p;
  }
}

interface Table {
  readonly name: string;
  readonly parser: RowParser;
  readonly cells: RowCells;
  /** Indexes of the key columns among the columns, in key order. */
  readonly keyAt: readonly number[];
  readonly keyColumns: readonly string[];
  readonly markAt: number;
  readonly tableId: number;
  readonly pkShapeId: number;
  readonly valuesShapeId: number;
}

const tables = new Map<number, Table>();
const entries = new EntryBuffer();

function shapeId(shapes: FixedShapes, names: readonly string[]): number {
  const obj: Record<string, JsonValue> = {};
  for (const n of names) setOwn(obj, n, null);
  return shapes.shapeOf(obj).id;
}

function addTable(m: Extract<EncoderMessage, { type: 'table' }>): void {
  const columns: readonly ColumnSchema[] = m.columns;
  const names = columns.map((c) => c.name);
  const keyAt = m.keyColumns.map((k) => names.indexOf(k));
  if (keyAt.length === 0 || keyAt.some((i) => i < 0)) throw new Error(`seed encoder: the key of ${m.table} is not among its columns`);
  const markAt = m.markColumn === null ? -1 : names.indexOf(m.markColumn);
  // Key columns (and the mark) stay values: the key is encoded from them.
  const raw = columns.map((c, i) => isUtf8Text(c) && !keyAt.includes(i) && i !== markAt);
  const parser = new RowParser(
    columns.map((c) => fieldReader(c, m.flavor as ServerFlavor)),
    m.table,
    raw,
  );
  const shapes = new FixedShapes(m.shapes);
  tables.set(m.key, {
    name: m.table,
    parser,
    cells: new RowCells(parser, raw, m.numericKeyColumns.length > 0 ? m.numericKeyColumns : undefined),
    keyAt,
    keyColumns: m.keyColumns,
    markAt,
    tableId: m.tableId,
    pkShapeId: shapeId(shapes, m.keyColumns),
    valuesShapeId: shapeId(shapes, names),
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
  let last: JsonValue[] | undefined;
  const cells = t.cells;
  packetRows(m.packets, (packet) => {
    const values = t.parser.next(packet);
    const key: Record<string, JsonValue> = {};
    for (let k = 0; k < t.keyAt.length; k++) {
      const v = values[t.keyAt[k] as number] as JsonValue;
      // A key column holds a primitive or NULL (an object would not leave the key's cells out).
      if (v !== null && typeof v === 'object') throw new Error(`seed encoder: key column ${t.keyColumns[k]!} of ${t.name} is ${JSON.stringify(v)}`);
      setOwn(key, t.keyColumns[k] as string, v);
    }
    cells.values = values;
    cells.buf = packet.buffer;
    cells.key = key;
    entries.addCells(t.tableId, m.fileNumber, high, low, index++, upsert, t.pkShapeId, t.valuesShapeId, cells);
    last = values;
  });
  const bytes = new Uint8Array(entries.used);
  bytes.set(entries.buf.subarray(0, entries.used));
  const markValue = t.markAt >= 0 && last !== undefined ? last[t.markAt] : undefined;
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
