/**
 * The raw insert encoder against the ordinary path: the entries it writes from an insert event's
 * bytes must be byte for byte those EntryBuffer.addVersion writes from the decoder's rows made
 * into objects, as the change processor makes them. Checked on rows built here (every way a text
 * cell is taken or left to the decoder) and on every insert event of the shared binlog corpus.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BinlogPosition } from '../core/position.js';
import { isEncodedRowsWriter } from '../store/index.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { objectMaker } from '../core/row-object.js';
import { BinlogDecoder } from '../protocol/binlog/binlog-decoder.js';
import type { RawRows, RowImage, RowsEvent, TableMapBody } from '../protocol/binlog/events.js';
import { EventType } from '../protocol/binlog/event-types.js';
import { corpusAvailable, loadFixture, loadManifest } from '../protocol/binlog/fixtures.test-util.js';
import { decodeRows, rowsKindOf, type RowsPrelude } from '../protocol/binlog/rows-event.js';
import { ColumnType as T, type ColumnDecodeInfo, type JsonValue } from '../protocol/values/column.js';
import { FixedShapes } from '../store/sqlite-cells.js';
import { EntryBuffer, OP_CODE } from '../store/sqlite-pages.js';
import { RawInsertEncoder, type RawInsertIds, type RawInsertTarget } from './raw-inserts.js';

/** The store's ids: one shape id per list of names (a key of every column shares the values' shape). */
function idsFor(t: RawInsertTarget, names: readonly string[]): RawInsertIds {
  const same = t.keyNames.length === names.length && t.keyNames.every((n, i) => n === names[i]);
  return { tableId: 7, pkShapeId: 1, valuesShapeId: same ? 1 : 2 };
}
const FILE = 3;
const OFFSET = 0x1_2345_6789n;

function target(names: readonly string[], keyIndexes: readonly number[], numeric?: readonly string[]): RawInsertTarget {
  const keyNames = keyIndexes.map((i) => names[i] as string);
  return { table: 'd.t', keyIndexes, keyNames, numericKeyColumns: numeric, keyOf: objectMaker(keyNames, keyIndexes) };
}

/** The ordinary path's entries for complete insert images: objects, then addVersion. */
function ordinary(rows: readonly RowImage[], names: readonly string[], t: RawInsertTarget): string[] {
  const values = objectMaker<JsonValue>(names);
  const ids = idsFor(t, names);
  const shapes = new FixedShapes([
    { names: t.keyNames, id: ids.pkShapeId },
    { names, id: ids.valuesShapeId },
  ]);
  const b = new EntryBuffer();
  rows.forEach((image, i) => {
    b.addVersion(ids.tableId, t.keyOf(image), t.numericKeyColumns, FILE, Number(OFFSET >> 32n), Number(OFFSET & 0xffff_ffffn), i, OP_CODE.upsert, values(image), shapes);
  });
  return b.starts.map((s, i) => b.buf.toString('hex', s, b.ends[i]));
}

function raw(rawRows: RawRows, t: RawInsertTarget, update = false): string[] | undefined {
  const b = new EntryBuffer();
  if (new RawInsertEncoder().encodeInto(b, rawRows, t, idsFor(t, rawRows.infos.map((c) => c.name)), FILE, OFFSET, 0, update) < 0) return undefined;
  return b.starts.map((s, i) => b.buf.toString('hex', s, b.ends[i]));
}

const info = (name: string, type: number, meta: number, collation: number | undefined, more: Partial<ColumnDecodeInfo> = {}): ColumnDecodeInfo => ({
  type,
  meta,
  unsigned: false,
  collation,
  name,
  enumLabels: undefined,
  setLabels: undefined,
  ...more,
});

const UTF8MB4 = 45;
const LATIN1 = 8;
const BINARY = 63;

const INFOS: ColumnDecodeInfo[] = [
  info('id', T.LONG, 0, undefined),
  info('name', T.VARCHAR, 100, UTF8MB4),
  info('note', T.VARCHAR, 1000, UTF8MB4),
  info('lat', T.STRING, 0xfe0a, LATIN1),
  info('big', T.LONGLONG, 0, undefined, { unsigned: true }),
  info('en', T.STRING, 0xf701, LATIN1, { enumLabels: ['a', 'b'] }),
  info('bin', T.STRING, 0xfe04, BINARY),
  info('guess', T.VARCHAR, 50, undefined),
  info('bl', T.BLOB, 2, BINARY),
  info('ti', T.TINY, 0, undefined, { unsigned: true }),
  info('si', T.SHORT, 0, undefined),
  info('mi', T.INT24, 0, undefined),
  info('ui', T.LONG, 0, undefined, { unsigned: true }),
];
const NAMES = INFOS.map((c) => c.name);

type Cell = null | Buffer;
const int32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
};
const u64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};
const le = (v: number, bytes: number, signed: boolean): Buffer => {
  const b = Buffer.alloc(bytes);
  if (signed) b.writeIntLE(v, 0, bytes);
  else b.writeUIntLE(v, 0, bytes);
  return b;
};
const text1 = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([bytes.length]), bytes]);
const text2 = (bytes: Buffer): Buffer => {
  const p = Buffer.alloc(2);
  p.writeUInt16LE(bytes.length);
  return Buffer.concat([p, bytes]);
};

/** One row's bytes: the null bitmap, then the non-NULL cells. */
function row(cells: readonly Cell[]): Buffer {
  const bitmap = Buffer.alloc((cells.length + 7) >> 3);
  cells.forEach((c, k) => {
    if (c === null) bitmap[k >> 3] = (bitmap[k >> 3] as number) | (1 << (k & 7));
  });
  return Buffer.concat([bitmap, ...cells.filter((c): c is Buffer => c !== null)]);
}

const ROWS: Cell[][] = [
  [int32(1), text1(Buffer.from('plain')), text2(Buffer.from('')), text1(Buffer.from('abc')), u64(5n), Buffer.from([1]), text1(Buffer.from('xy')), text1(Buffer.from('g')), text2(Buffer.from([0, 1, 2])), le(255, 1, false), le(-32768, 2, true), le(-8388608, 3, true), le(4294967295, 4, false)],
  [int32(-2), text1(Buffer.from('héllo €')), null, text1(Buffer.from([0x41, 0xe9])), null, Buffer.from([2]), null, text1(Buffer.from([0xff, 0x41])), null, le(0, 1, false), le(1, 2, true), le(-1, 3, true), le(2147483648, 4, false)],
  [int32(300), text1(Buffer.from([0xed, 0xa0, 0x80])), text2(Buffer.from('n'.repeat(300))), text1(Buffer.from([0x80])), u64(18446744073709551615n), Buffer.from([0]), text1(Buffer.from([])), text1(Buffer.from('ü'.repeat(20))), text2(Buffer.alloc(0)), null, le(32767, 2, true), le(8388607, 3, true), null],
  [int32(2 ** 31 - 1), text1(Buffer.from('x'.repeat(255))), text2(Buffer.from('ü'.repeat(200))), text1(Buffer.from('Ã©')), u64(2n ** 53n + 1n), null, text1(Buffer.from([0, 0, 9])), null, text2(Buffer.from('blob')), le(128, 1, false), null, le(0, 3, true), le(0, 4, false)],
  [int32(0), null, null, null, null, null, null, null, null, null, null, null, null],
];

function event(rows: readonly Cell[][]): { raw: RawRows; images: RowImage[] } {
  const data = Buffer.concat(rows.map(row));
  const map = { database: 'd', table: 't', columns: INFOS } as unknown as TableMapBody;
  const bitmap = Buffer.alloc((INFOS.length + 7) >> 3, 0xff);
  const prelude: RowsPrelude = { tableId: 1, flags: 0, columnCount: INFOS.length, presentBefore: bitmap, presentAfter: bitmap, data, start: 0, end: data.length };
  const body = decodeRows(prelude, rowsKindOf(EventType.WRITE_ROWS_V2)!, map, { infos: INFOS, names: NAMES }, { file: 'f.000003', offset: 4 });
  return { raw: { data, start: 0, end: data.length, fullImage: true, fullAfter: true, infos: INFOS }, images: body.rows.map((r) => r.after as RowImage) };
}

/** An update event of (before, after) rows, and its after images as the decoder gives them. */
function updateEvent(pairs: readonly (readonly [Cell[], Cell[]])[]): { raw: RawRows; afters: RowImage[] } {
  const data = Buffer.concat(pairs.flatMap(([b, a]) => [row(b), row(a)]));
  const map = { database: 'd', table: 't', columns: INFOS } as unknown as TableMapBody;
  const bitmap = Buffer.alloc((INFOS.length + 7) >> 3, 0xff);
  const prelude: RowsPrelude = { tableId: 1, flags: 0, columnCount: INFOS.length, presentBefore: bitmap, presentAfter: bitmap, data, start: 0, end: data.length };
  const body = decodeRows(prelude, rowsKindOf(EventType.UPDATE_ROWS_V2)!, map, { infos: INFOS, names: NAMES }, { file: 'f.000003', offset: 4 });
  return { raw: { data, start: 0, end: data.length, fullImage: true, fullAfter: true, infos: INFOS }, afters: body.rows.map((r) => r.after as RowImage) };
}

describe('RawInsertEncoder, updates', () => {
  // Before images differ from the after images in every column but the key (column 0).
  const older = (cells: Cell[]): Cell[] => cells.map((c, k) => (k === 0 ? c : k === 1 ? text1(Buffer.from('older')) : null));

  it('writes an update that keeps every key as the upserts of its after images, the ordinary path’s bytes', () => {
    const { raw: r, afters } = updateEvent(ROWS.map((a) => [older(a), a] as const));
    for (const t of [target(NAMES, [0]), target(NAMES, [0, 4], ['big'])]) {
      if (t.keyIndexes.includes(4) && ROWS.some((a) => older(a)[4] !== a[4])) continue;
      expect(raw(r, t, true)).toEqual(ordinary(afters, NAMES, t));
    }
    expect(raw(r, target(NAMES, [0]), true)).toHaveLength(ROWS.length);
  });

  it('gives nothing when a row changes its key, when the after image leaves columns out, or read as inserts', () => {
    const pairs = ROWS.map((a) => [older(a), a] as [Cell[], Cell[]]);
    pairs[2] = [[int32(999), ...older(ROWS[2]!).slice(1)], ROWS[2]!];
    expect(raw(updateEvent(pairs).raw, target(NAMES, [0]), true)).toBeUndefined();
    const kept = updateEvent(ROWS.map((a) => [older(a), a] as const)).raw;
    expect(raw({ ...kept, fullAfter: false }, target(NAMES, [0]), true)).toBeUndefined();
    // Read as inserts, its images are twice as many rows: not the update's entries.
    expect(raw(kept, target(NAMES, [0]))).toHaveLength(2 * ROWS.length);
  });
});

describe('RawInsertEncoder', () => {
  it('writes the bytes of the ordinary path: copied, decoded and NULL text, one- and two-byte lengths, labels, binary', () => {
    const { raw: r, images } = event(ROWS);
    // The rows hold what the cases are about: non-ASCII utf8, invalid utf8 (decoded with U+FFFD),
    // latin1 beyond ASCII, a BINARY padded back, an ENUM label.
    expect(images[1]![1]).toBe('héllo €');
    expect(images[1]![7]).toBe('\ufffdA');
    expect(images[1]![3]).toBe('Aé');
    expect(images[2]![3]).toBe('€');
    expect(images[3]![6]).toBe(Buffer.from([0, 0, 9, 0]).toString('base64'));
    expect(images[0]![5]).toBe('a');
    expect(images[0]!.slice(9)).toEqual([255, -32768, -8388608, 4294967295]);
    for (const t of [target(NAMES, [0]), target(NAMES, [1, 0]), target(NAMES, [4], ['big']), target(NAMES, [7, 3])]) {
      const got = raw(r, t);
      expect(got).toEqual(ordinary(images, NAMES, t));
      expect(got).toHaveLength(ROWS.length);
    }
  });

  it('gives nothing for a row that runs past the event, an incomplete image, or a key holding an object', () => {
    const { raw: r } = event(ROWS);
    expect(raw({ ...r, end: r.end - 1, data: r.data.subarray(0, r.end - 1) }, target(NAMES, [0]))).toBeUndefined();
    expect(raw({ ...r, fullImage: false }, target(NAMES, [0]))).toBeUndefined();
    const json = [info('id', T.LONG, 0, undefined), info('j', T.JSON, 4, undefined)];
    const jsonBody = Buffer.from([0, 0, 0, 0, 1, 0, 0, 0, 4, 0]);
    const data = Buffer.concat([Buffer.from([0]), int32(1), Buffer.from([jsonBody.length, 0, 0, 0]), jsonBody]);
    const t = target(['id', 'j'], [1]);
    expect(raw({ data, start: 0, end: data.length, fullImage: true, fullAfter: true, infos: json }, t)).toBeUndefined();
  });
});

describe('RawInsertEncoder with a store', () => {
  it('appends after other entries, leaves the buffer as it was when it gives nothing, and numbers rows from firstIndex', () => {
    const { raw: r, images } = event(ROWS);
    const t = target(NAMES, [0]);
    const ids = idsFor(t, NAMES);
    const enc = new RawInsertEncoder();
    const b = new EntryBuffer();
    expect(enc.encodeInto(b, r, t, ids, FILE, OFFSET, 0)).toBe(ROWS.length);
    const used = b.used;
    const first = b.buf.toString('hex', 0, used);
    // A damaged event after the first: nothing of it stays.
    expect(enc.encodeInto(b, { ...r, data: r.data.subarray(0, r.end - 1), end: r.end - 1 }, t, ids, FILE, OFFSET + 100n, 0)).toBe(-1);
    expect([b.length, b.used, b.buf.toString('hex', 0, used)]).toEqual([ROWS.length, used, first]);
    // Rows numbered from 7: the ordinary path's entries for indexes 7…
    expect(enc.encodeInto(b, r, t, ids, FILE, OFFSET, 7)).toBe(ROWS.length);
    const shapes = new FixedShapes([
      { names: t.keyNames, id: ids.pkShapeId },
      { names: NAMES, id: ids.valuesShapeId },
    ]);
    const o = new EntryBuffer();
    const values = objectMaker<JsonValue>(NAMES);
    images.forEach((image, i) => o.addVersion(ids.tableId, t.keyOf(image), undefined, FILE, 1, 0x2345_6789, 7 + i, OP_CODE.upsert, values(image), shapes));
    expect(b.buf.toString('hex', used, b.used)).toBe(o.buf.toString('hex', 0, o.used));
  });

  it('a streamed transaction takes the entries (addEntries) and reads them back as the decoder made the rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'binsnap-raw-'));
    const store = await openSqliteStore({ path: join(dir, 's.db') });
    try {
      const { raw: r, images } = event(ROWS);
      const start = BinlogPosition.inFile('mysql-bin.000003')(100);
      const w = await store.beginTransaction({ startPosition: start });
      if (!isEncodedRowsWriter(w)) throw new Error('the embedded store takes encoded entries');
      const t = target(NAMES, [0]);
      const encoding = w.encodingOf('d.t', NAMES, t.keyNames);
      const ids = { tableId: encoding.tableId, pkShapeId: encoding.shapes[0]!.id, valuesShapeId: encoding.shapes[1]!.id };
      const at = BinlogPosition.inFile('mysql-bin.000003')(200);
      const enc = new RawInsertEncoder();
      // Nothing encoded: nothing written, and the transaction goes on.
      expect(w.addEntries(ids.tableId, at, 0, () => -1)).toBe(-1);
      expect(w.addEntries(ids.tableId, at, 0, (entries) => enc.encodeInto(entries, r, t, ids, at.fileNumber, at.offset, 0))).toBe(ROWS.length);
      await w.commit({ commitPosition: BinlogPosition.inFile('mysql-bin.000003')(300), commitTimestamp: 1 });
      const rows: Record<string, unknown>[] = [];
      for await (const row of store.readTable('d.t', { kind: 'latest' })) rows.push({ ...row });
      const expected = images.map((image) => objectMaker<JsonValue>(NAMES)(image)).sort((a, b) => (a['id'] as number) - (b['id'] as number));
      expect(rows).toEqual(expected);
      const history = await store.rowHistory('d.t', { id: 300 });
      expect(history.map((v) => [v.version.offset, v.version.rowIndex])).toEqual([[200n, 2]]);
      // Entries may not lie before their transaction's start.
      const late = await store.beginTransaction({ startPosition: BinlogPosition.inFile('mysql-bin.000003')(400) });
      if (!isEncodedRowsWriter(late)) throw new Error('the embedded store takes encoded entries');
      expect(() => late.addEntries(ids.tableId, at, 0, (entries) => enc.encodeInto(entries, r, t, ids, at.fileNumber, at.offset, 0))).toThrow(/lie before/);
      // An encoder whose count is not what it appended is refused (the writer is then rolled back).
      const next = await store.beginTransaction({ startPosition: BinlogPosition.inFile('mysql-bin.000003')(400) });
      if (!isEncodedRowsWriter(next)) throw new Error('the embedded store takes encoded entries');
      expect(() => next.addEntries(ids.tableId, BinlogPosition.inFile('mysql-bin.000003')(500), 0, () => 2)).toThrow(/appended 0 entries and counted 2/);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!corpusAvailable) console.log('raw inserts corpus: ../shared/fixtures/binlogs is absent, skipped');

describe.skipIf(!corpusAvailable)('RawInsertEncoder over the shared binlog corpus', () => {
  it('writes the ordinary path’s bytes for every complete insert and update event', () => {
    let events = 0;
    let rows = 0;
    let updates = 0;
    for (const entry of loadManifest()) {
      if (entry.error !== undefined || entry.has_row_events === false) continue;
      const d = new BinlogDecoder({ fileName: 'fixture.000001', skipUnknownEvents: true, deferRows: true });
      const inserts: RowsEvent[] = [];
      const take = (): void => {
        for (let e = d.pull(); e !== undefined; e = d.pull()) {
          if (e.kind !== 'rows' || e.raw?.fullImage !== true) continue;
          if (e.action === 'insert' || (e.action === 'update' && e.raw.fullAfter && !e.partial)) inserts.push(e);
        }
      };
      try {
        d.append(loadFixture(entry.file));
        take();
        d.end();
        take();
      } catch {
        // A file the decoder stops in: the inserts before the stop still count.
      }
      for (const e of inserts) {
        const update = e.action === 'update';
        let decoded: RowsEvent['rows'];
        try {
          decoded = e.rows;
        } catch {
          // Rows the decoder refuses: the encoder must give nothing for them either.
          expect(raw(e.raw!, target(e.columnNames, [0]), update), entry.file).toBeUndefined();
          continue;
        }
        const images = decoded.map((r) => r.after as RowImage);
        if (images.length === 0 || e.columnNames.length === 0) continue;
        const keys = e.columnNames.length > 1 ? [[0], [e.columnNames.length - 1, 0]] : [[0]];
        for (const k of keys) {
          const t = target(e.columnNames, k);
          if (k.some((i) => images.some((img) => img[i] !== null && typeof img[i] === 'object'))) continue;
          const at = `${entry.file} at ${e.pos.format()}`;
          // An update that changes a row's key is the change processor's (a delete and an upsert).
          if (update && decoded.some((r) => k.some((i) => r.before?.[i] !== r.after?.[i]))) {
            expect(raw(e.raw!, t, true), at).toBeUndefined();
            continue;
          }
          expect(raw(e.raw!, t, update), at).toEqual(ordinary(images, e.columnNames, t));
        }
        if (update) updates++;
        events++;
        rows += images.length;
      }
    }
    console.log(`raw inserts corpus: ${events} insert and update events (${updates} updates), ${rows} rows compared`);
    expect(events).toBeGreaterThan(100);
    expect(updates).toBeGreaterThan(10);
  });
});
