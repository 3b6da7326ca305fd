/**
 * The change processor: a decoded rows event + the table's schema as of its
 * position → row changes for the store (SPEC §4).
 *
 * - Identity: the primary key (or, like InnoDB, the first NOT NULL unique key);
 *   a table with neither is a multiset of whole rows (`identity: 'whole-row'`).
 * - Versions: `(file, offset of the rows event, index)`, the index counting
 *   the changes made by that event (continued across the events of one MySQL
 *   compressed payload, which share an offset). An update that changes the key
 *   (or any update of a multiset row) is two changes: a delete of the old key
 *   or image, then an upsert of the new one.
 * - Images: a column left out by a MINIMAL/NOBLOB image is absent, never null;
 *   its value comes from the row's previous version — the before image when
 *   that is complete, else the rows this transaction (and the batch not yet
 *   written) changed, else the store as of the transaction's start. The
 *   previous-row cache is switched on at the first partial image of a stream.
 *
 * Invariants: the same event and schema always give the same changes (so a
 * replay writes the same versions); no read happens for FULL images.
 */
import { BinsnapError } from '../core/errors.js';
import type { BinlogPosition } from '../core/position.js';
import { objectMaker, ownValue, setOwn, type ObjectMaker } from '../core/row-object.js';
import type { TableSchema } from '../core/schema.js';
import type { RowImage, RowsEvent } from '../protocol/binlog/events.js';
import { applyJsonDiffs } from '../protocol/values/json-diff.js';
import { numericKeyColumnsOf, type JsonValue, type RowChange, type RowKey, type RowValues, type SnapshotStore } from '../store/index.js';
import { rowIdentityKey } from './ddl/index.js';
import type { PipelineLog } from './pipeline-log.js';
import type { RawInsertTarget } from './raw-inserts.js';

/** Rows of one transaction kept for MINIMAL/NOBLOB merging before the cache gives up (BINSNAP_E_IMAGE_MERGE). */
export const MAX_CACHED_ROWS = 250_000;

interface TableShape {
  readonly name: string;
  /** Indexes of the key columns in the event's columns; empty = whole row. */
  readonly keyIndexes: readonly number[];
  readonly keyNames: readonly string[];
  readonly numericKeyColumns: readonly string[] | undefined;
  /** A complete image as an object in column order. */
  readonly objectOf: ObjectMaker<JsonValue>;
  /** The key object of a complete image (only with key columns). */
  readonly keyOfImage: ObjectMaker<JsonValue>;
  /** What a writer of raw inserts needs (insertTarget), once asked; null when it cannot. */
  rawTarget?: RawInsertTarget | null;
}

export class ChangeProcessor {
  private lastFile = '';
  private lastOffset = -1n;
  private nextIndex = 0;
  private readonly shapes = new WeakMap<TableSchema, { db: string; table: string; names: readonly string[]; shape: TableShape }>();
  /** Shapes of tables without a schema, by database, table and column names. */
  private readonly unknownShapes = new Map<string, TableShape>();
  /** `table \0 keyJson` → the row after the last change (null: deleted). */
  private cache: Map<string, RowValues | null> | undefined;
  /** True when rows of the open transaction were not cached (the cache overflowed or started late). */
  private cacheIncomplete = false;
  private warnedAbsent = new Set<string>();

  /**
   * `changeEvents`: whether the changes carry `event` (the source's op, the row before it): only a
   * sink reads it, and without one an update need not build its before image as an object.
   */
  constructor(
    private readonly store: SnapshotStore,
    private readonly log: PipelineLog,
    private readonly changeEvents = true,
  ) {}

  /** True once a partial image was seen: callers must then record rows with `remember`. */
  get caching(): boolean {
    return this.cache !== undefined;
  }

  /**
   * Switches the previous-row cache on. `openRows` are the open transaction's
   * changes still in memory; `complete` says whether those are all of them.
   */
  startCache(openRows: readonly RowChange[], complete: boolean): void {
    this.cache = new Map();
    for (const c of openRows) this.remember(c);
    this.cacheIncomplete = !complete;
  }

  /** Forgets cached rows once the store holds them (no transaction open). */
  clearCache(): void {
    this.cache?.clear();
    this.cacheIncomplete = false;
  }

  get cachedRows(): number {
    return this.cache?.size ?? 0;
  }

  markCacheIncomplete(): void {
    this.cacheIncomplete = true;
  }

  remember(c: RowChange): void {
    const cache = this.cache;
    if (cache === undefined) return;
    if (cache.size >= MAX_CACHED_ROWS && !cache.has(cacheKey(c.table, c.key))) {
      this.cacheIncomplete = true;
      return;
    }
    cache.set(cacheKey(c.table, c.key), c.values);
  }

  /**
   * For a caller that writes an insert event's rows itself (RawInsertEncoder) instead of calling
   * toChanges: the table's key and key maker, or undefined when its rows are not upserts by key
   * (no key) or when row objects would not hold the columns in column order (a column named
   * like an array index goes first). Such a caller takes its row indexes with `takeIndexes`.
   */
  insertTarget(ev: RowsEvent, schema: TableSchema | undefined): RawInsertTarget | undefined {
    const shape = this.shapeOf(ev, schema);
    if (shape.rawTarget === undefined) {
      const names = ev.columnNames;
      const inOrder = (made: Readonly<Record<string, unknown>>, expected: readonly string[]): boolean => {
        const keys = Object.keys(made);
        return keys.length === expected.length && keys.every((k, i) => k === expected[i]);
      };
      const probe = names.map(() => null);
      shape.rawTarget =
        shape.keyIndexes.length > 0 && inOrder(shape.objectOf(probe), names) && inOrder(shape.keyOfImage(probe), shape.keyNames)
          ? { table: shape.name, keyIndexes: shape.keyIndexes, keyNames: shape.keyNames, numericKeyColumns: shape.numericKeyColumns, keyOf: shape.keyOfImage }
          : null;
    }
    return shape.rawTarget ?? undefined;
  }

  /** Row indexes start at 0 with each event offset (the events of one compressed payload share one and go on counting). */
  private indexFrom(ev: RowsEvent): void {
    if (ev.pos.offset !== this.lastOffset || ev.pos.file !== this.lastFile) {
      this.lastFile = ev.pos.file;
      this.lastOffset = ev.pos.offset;
      this.nextIndex = 0;
    }
  }

  /** The first of `count` row indexes for rows of `ev` written by the caller (as toChanges numbers them). */
  takeIndexes(ev: RowsEvent, count: number): number {
    this.indexFrom(ev);
    const first = this.nextIndex;
    this.nextIndex += count;
    return first;
  }

  /**
   * The row changes of one rows event. Synchronous unless an image leaves
   * columns out and the previous version has to be looked up.
   */
  toChanges(ev: RowsEvent, schema: TableSchema | undefined, txStart: BinlogPosition): RowChange[] | Promise<RowChange[]> {
    const shape = this.shapeOf(ev, schema);
    this.indexFrom(ev);
    const out: RowChange[] = [];
    const rows = ev.rows;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.after !== undefined && row.before === undefined) {
        if (!complete(row.after)) return this.slowPath(ev, rows, shape, r, out, txStart);
        const values = shape.objectOf(row.after);
        out.push(this.change(ev, shape, 'upsert', imageKey(shape, row.after, values), values, 'c', null));
      } else if (row.after === undefined && row.before !== undefined) {
        if (!complete(row.before)) return this.slowPath(ev, rows, shape, r, out, txStart);
        const before = shape.objectOf(row.before);
        out.push(this.change(ev, shape, 'delete', imageKey(shape, row.before, before), null, 'd', before));
      } else {
        const b = row.before!;
        const a = row.after!;
        if (!complete(b) || !complete(a) || ('jsonDiffs' in row && row.jsonDiffs)) return this.slowPath(ev, rows, shape, r, out, txStart);
        const after = shape.objectOf(a);
        // Without a sink, an update that keeps its key needs neither its before image nor its old key as objects.
        if (!this.changeEvents && shape.keyIndexes.length > 0 && sameKeyCells(shape.keyIndexes, b, a)) {
          out.push(this.change(ev, shape, 'upsert', shape.keyOfImage(a), after, 'u', null));
          continue;
        }
        this.update(ev, shape, shape.objectOf(b), after, out);
      }
    }
    return out;
  }

  private update(ev: RowsEvent, shape: TableShape, before: RowValues, after: RowValues, out: RowChange[]): void {
    const oldKey = keyOf(shape, before);
    const newKey = keyOf(shape, after);
    if (shape.keyIndexes.length === 0 || !sameKey(oldKey, newKey)) out.push(this.change(ev, shape, 'delete', oldKey, null, 'x', before));
    out.push(this.change(ev, shape, 'upsert', newKey, after, 'u', before));
  }

  private change(
    ev: RowsEvent,
    shape: TableShape,
    op: 'upsert' | 'delete',
    key: RowKey,
    values: RowValues | null,
    sourceOp: 'c' | 'u' | 'd' | 'x',
    before: RowValues | null,
  ): RowChange {
    const c: RowChange = {
      table: shape.name,
      version: { fileNumber: ev.pos.fileNumber, offset: ev.pos.offset, rowIndex: this.nextIndex++ },
      op,
      identity: shape.keyIndexes.length === 0 ? 'whole-row' : 'primary-key',
      key,
      values,
      ...(shape.numericKeyColumns ? { numericKeyColumns: shape.numericKeyColumns } : {}),
      ...(this.changeEvents ? { event: { op: sourceOp, before, serverId: ev.serverId } } : {}),
    };
    if (this.cache !== undefined) this.remember(c);
    return c;
  }

  /** Rows from index `from` on, some with absent columns: merged onto their previous versions. */
  private async slowPath(ev: RowsEvent, rows: RowsEvent['rows'], shape: TableShape, from: number, out: RowChange[], txStart: BinlogPosition): Promise<RowChange[]> {
    if (this.cache === undefined) throw new PartialImageSeen();
    const names = ev.columnNames;
    for (let r = from; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.before === undefined) {
        const values = partialObject(row.after, names);
        if (values.absent) this.warnAbsent(shape, ev);
        out.push(this.change(ev, shape, 'upsert', keyOf(shape, values.row), values.row, 'c', null));
        continue;
      }
      const before = partialObject(row.before, names);
      let full = before.row;
      if (before.absent) {
        if (shape.keyIndexes.length === 0) throw imageMerge(shape, ev, 'a table without a primary key needs a complete before image');
        full = await this.previous(shape, keyOf(shape, before.row), ev, txStart, before.row);
      }
      if (row.after === undefined) {
        out.push(this.change(ev, shape, 'delete', keyOf(shape, full), null, 'd', full));
        continue;
      }
      const after = partialObject(row.after, names);
      let merged: Record<string, JsonValue> = after.absent || before.absent ? { ...full, ...after.row } : after.row;
      if ('jsonDiffs' in row && row.jsonDiffs && row.jsonDiffs.length > 0) merged = this.applyDiffs(row.jsonDiffs, names, full, merged);
      this.update(ev, shape, full, orderLike(merged, names), out);
    }
    return out;
  }

  private applyDiffs(
    diffs: readonly { readonly column: number; readonly diffs: Buffer }[],
    names: readonly string[],
    full: RowValues,
    merged: Record<string, JsonValue>,
  ): Record<string, JsonValue> {
    const out = { ...merged };
    for (const d of diffs) {
      const name = names[d.column]!;
      out[name] = applyJsonDiffs((full[name] ?? null) as Parameters<typeof applyJsonDiffs>[0], d.diffs, 0, d.diffs.length);
    }
    return out;
  }

  private async previous(shape: TableShape, key: RowKey, ev: RowsEvent, txStart: BinlogPosition, partial: RowValues): Promise<RowValues> {
    const k = cacheKey(shape.name, key);
    const cached = this.cache?.get(k);
    if (cached !== undefined && cached !== null) return { ...cached, ...partial };
    if (cached === null) throw imageMerge(shape, ev, `the row ${JSON.stringify(key)} was deleted earlier in this transaction`);
    if (this.cacheIncomplete) throw imageMerge(shape, ev, 'the transaction changed more rows than binsnap keeps for image merging');
    const stored = await this.store.readRow(
      shape.name,
      key,
      { kind: 'position', position: txStart },
      shape.numericKeyColumns ? { numericKeyColumns: shape.numericKeyColumns } : undefined,
    );
    if (stored === null) {
      this.warnAbsent(shape, ev);
      return partial;
    }
    return { ...stored, ...partial };
  }

  private warnAbsent(shape: TableShape, ev: RowsEvent): void {
    if (this.warnedAbsent.has(shape.name)) return;
    this.warnedAbsent.add(shape.name);
    this.log.warn(
      { table: shape.name, position: ev.pos.format() },
      'a row image leaves columns out and no earlier version of the row is stored: those columns stay absent (seed the table or replay from an earlier position)',
    );
  }

  private shapeOf(ev: RowsEvent, schema: TableSchema | undefined): TableShape {
    if (schema === undefined) {
      // No schema history for the table: shapes by name and columns (each compiles its object makers once).
      const id = `${ev.database}\0${ev.table}\0${ev.columnNames.join('\0')}`;
      let shape = this.unknownShapes.get(id);
      if (shape === undefined) {
        if (this.unknownShapes.size >= 1_000) this.unknownShapes.clear();
        shape = this.newShape(ev, undefined);
        this.unknownShapes.set(id, shape);
      }
      return shape;
    }
    // Each TABLE_MAP brings a new names array: the cache is keyed by the schema and compares names by content.
    const known = this.shapes.get(schema);
    if (known && known.db === ev.database && known.table === ev.table && sameNames(known.names, ev.columnNames)) return known.shape;
    const shape = this.newShape(ev, schema);
    this.shapes.set(schema, { db: ev.database, table: ev.table, names: ev.columnNames, shape });
    return shape;
  }

  private newShape(ev: RowsEvent, schema: TableSchema | undefined): TableShape {
    const name = `${ev.database}.${ev.table}`;
    const keyNames = schema ? rowIdentityKey(schema) : [];
    const keyIndexes: number[] = [];
    const lower = ev.columnNames.map((n) => n.toLowerCase());
    for (const k of keyNames) {
      const i = lower.indexOf(k.toLowerCase());
      if (i < 0) {
        throw new BinsnapError('BINSNAP_E_SCHEMA_MISMATCH', `key column ${k} of ${name} is not among the columns of its rows`, {
          table: name,
          position: ev.pos.format(),
        });
      }
      keyIndexes.push(i);
    }
    const numeric = schema ? numericKeyColumnsOf(schema).filter((c) => keyNames.some((k) => k.toLowerCase() === c.toLowerCase())) : [];
    const eventKeyNames = keyIndexes.map((i) => ev.columnNames[i]!);
    const shape: TableShape = {
      name,
      keyIndexes,
      keyNames: eventKeyNames,
      numericKeyColumns: numeric.length > 0 ? numeric.map((c) => ev.columnNames[lower.indexOf(c.toLowerCase())] ?? c) : undefined,
      objectOf: objectMaker(ev.columnNames),
      keyOfImage: objectMaker(eventKeyNames, keyIndexes),
    };
    return shape;
  }
}

/** Thrown by the fast path when the first partial image of the stream appears: the caller starts the cache and retries. */
export class PartialImageSeen extends Error {
  constructor() {
    super('a row image leaves columns out');
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function imageMerge(shape: TableShape, ev: RowsEvent, why: string): BinsnapError {
  return new BinsnapError('BINSNAP_E_IMAGE_MERGE', `cannot complete a partial row image of ${shape.name}: ${why}`, {
    table: shape.name,
    position: ev.pos.format(),
    file: ev.pos.file,
    offset: ev.pos.offset,
  });
}

function partialObject(image: RowImage, names: readonly string[]): { row: Record<string, JsonValue>; absent: boolean } {
  const row: Record<string, JsonValue> = {};
  let absent = false;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v === undefined) absent = true;
    else setOwn(row, names[i]!, v);
  }
  return { row, absent };
}

/** Keys in column order (spreading a previous version first may reorder them). */
function orderLike(row: Record<string, JsonValue>, names: readonly string[]): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = {};
  for (const n of names) if (Object.hasOwn(row, n)) setOwn(o, n, row[n] as JsonValue);
  return o;
}

/** The key of a complete image (`values`: the image as an object): the whole row without key columns. */
function imageKey(shape: TableShape, image: RowImage, values: RowValues): RowKey {
  return shape.keyIndexes.length === 0 ? values : shape.keyOfImage(image);
}

function keyOf(shape: TableShape, values: RowValues): RowKey {
  if (shape.keyIndexes.length === 0) return values;
  const key: Record<string, JsonValue> = {};
  for (const n of shape.keyNames) setOwn(key, n, ownValue(values, n) ?? null);
  return key;
}

/** Whether no column of the image is absent. */
function complete(image: RowImage): boolean {
  for (let i = 0; i < image.length; i++) if (image[i] === undefined) return false;
  return true;
}

/** sameKey on the key cells of two complete images. */
function sameKeyCells(keyIndexes: readonly number[], a: RowImage, b: RowImage): boolean {
  for (let i = 0; i < keyIndexes.length; i++) {
    const k = keyIndexes[i] as number;
    if (!sameCell(a[k], b[k])) return false;
  }
  return true;
}

function sameKey(a: RowKey, b: RowKey): boolean {
  for (const k in a) if (!sameCell(a[k], b[k])) return false;
  return true;
}

/** Equal key values: the same primitive, or objects of the same JSON. */
function sameCell(x: JsonValue | undefined, y: JsonValue | undefined): boolean {
  if (x === y) return true;
  if (typeof x === 'object' || typeof y === 'object') return JSON.stringify(x) === JSON.stringify(y);
  return false;
}

function cacheKey(table: string, key: RowKey): string {
  return `${table}\u0000${JSON.stringify(key)}`;
}
