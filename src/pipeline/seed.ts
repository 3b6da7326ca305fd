/**
 * The store side of `binsnap seed` (issue 6, item 1): the seeded tables'
 * schemas (from SHOW CREATE TABLE / DATABASE text) and their rows written as
 * versions at the seed position P.
 *
 * Invariants:
 * - The whole seed is ONE store transaction (start = commit = P): the store
 *   keys transactions by (commit, start), so per-table transactions at the
 *   same P would collide. It is atomic: an interrupted seed leaves nothing
 *   and is resumed by starting it again.
 * - Rows are versions `(P.fileNumber, P.offset, i)` with `i` a running
 *   counter over the whole seed (every table), so version ids are unique.
 * - A row's identity and key are what the change processor derives from the
 *   same schema (rowIdentityKey; whole-row multiset without one), so replayed
 *   changes after P address the seeded rows.
 * - Every seeded table gets an `initial` schema version and a `create` table
 *   event at P (a re-seed starts a new segment of the name); every database a
 *   `db.` entry with its defaults.
 */
import { BinsnapError, isBinsnapError } from '../core/errors.js';
import { ownValue, setOwn } from '../core/row-object.js';
import type { GtidSet } from '../core/gtid.js';
import type { BinlogPosition } from '../core/position.js';
import { qualifiedName, type TableSchema } from '../core/schema.js';
import { isEncodedRowsWriter, numericKeyColumnsOf, type Checkpoint, type EncodedRows, type EncodingIds, type JsonValue, type MetaWrites, type RowChange, type RowValues, type SchemaChange, type SnapshotStore, type TableEvent, type TransactionWriter } from '../store/index.js';
import { applyDdl, emptyCatalog, findTable, parseDdl, rowIdentityKey, type SchemaCatalog, type ServerDefaults } from './ddl/index.js';
import { databaseChanges } from './schema-processor.js';
import type { Sink } from '../sink/sink.js';

export interface SeedTableSource {
  readonly db: string;
  readonly table: string;
  /** SHOW CREATE TABLE text. */
  readonly ddl: string;
}

export interface SeedTable {
  /** `db.table`. */
  readonly name: string;
  readonly schema: TableSchema;
  readonly ddl: string;
  /** Identity columns (primary key or NOT NULL unique key); empty: a whole-row multiset. */
  readonly keyColumns: readonly string[];
  readonly numericKeyColumns: readonly string[];
}

export interface SeedSchema {
  readonly catalog: SchemaCatalog;
  readonly tables: readonly SeedTable[];
  /** Database entries first, then every table, all kind 'initial'. */
  readonly schemaChanges: readonly SchemaChange[];
  readonly tableEvents: readonly TableEvent[];
}

/** Builds the seeded schema from SHOW CREATE DATABASE / TABLE text. */
export function seedSchema(databases: ReadonlyMap<string, string>, tables: readonly SeedTableSource[], defaults: ServerDefaults, lowerCaseTableNames: 0 | 1 | 2 = 0): SeedSchema {
  let cat = emptyCatalog(lowerCaseTableNames);
  const schemaChanges: SchemaChange[] = [];
  for (const [db, ddl] of databases) {
    const before = cat;
    cat = apply(cat, ddl, undefined, defaults, db);
    schemaChanges.push(...databaseChanges(before, cat, ddl).map((c) => ({ ...c, kind: 'initial' as const })));
  }
  const out: SeedTable[] = [];
  const tableEvents: TableEvent[] = [];
  for (const t of tables) {
    cat = apply(cat, t.ddl, t.db, defaults, `${t.db}.${t.table}`);
    const schema = findTable(cat, t.db, t.table);
    if (!schema) throw new BinsnapError('BINSNAP_E_INTERNAL', `SHOW CREATE TABLE of ${t.db}.${t.table} did not define it`, { table: `${t.db}.${t.table}` });
    const name = qualifiedName(schema);
    const keyColumns = rowIdentityKey(schema);
    const lowerKeys = keyColumns.map((k) => k.toLowerCase());
    const numericKeyColumns = numericKeyColumnsOf(schema).filter((c) => lowerKeys.includes(c.toLowerCase()));
    out.push({ name, schema, ddl: t.ddl, keyColumns, numericKeyColumns });
    schemaChanges.push({ table: name, schema, ddl: t.ddl, kind: 'initial' });
    tableEvents.push({ kind: 'create', table: name });
  }
  return { catalog: cat, tables: out, schemaChanges, tableEvents };
}

function apply(cat: SchemaCatalog, ddl: string, defaultDb: string | undefined, defaults: ServerDefaults, what: string): SchemaCatalog {
  const parsed = parseDdl(ddl);
  if (!parsed.ok) {
    throw new BinsnapError('BINSNAP_E_DDL_UNPARSEABLE', `cannot parse the server's definition of ${what}: ${parsed.failure.message} near '${parsed.failure.near}'`, {
      table: what,
      statement: ddl.slice(0, 1000),
    });
  }
  try {
    return applyDdl(cat, parsed.statement, { ...(defaultDb !== undefined ? { defaultDb } : {}), serverDefaults: defaults }).catalog;
  } catch (err) {
    if (isBinsnapError(err)) throw err;
    throw new BinsnapError('BINSNAP_E_INTERNAL', `the server's definition of ${what} does not apply: ${String(err)}`, { table: what }, { cause: err });
  }
}

/** The row change of one seeded row; `event` (op r) only for a sink, the one reader of it. */
export function seedRowChange(t: SeedTable, values: RowValues, position: BinlogPosition, rowIndex: number, event = true): RowChange {
  let key: Record<string, JsonValue> | RowValues = values;
  if (t.keyColumns.length > 0) {
    const k: Record<string, JsonValue> = {};
    for (const c of t.keyColumns) setOwn(k, c, ownValue(values, c) ?? null);
    key = k;
  }
  return {
    table: t.name,
    version: { fileNumber: position.fileNumber, offset: position.offset, rowIndex },
    op: 'upsert',
    identity: t.keyColumns.length > 0 ? 'primary-key' : 'whole-row',
    key,
    values,
    ...(t.numericKeyColumns.length > 0 ? { numericKeyColumns: t.numericKeyColumns } : {}),
    ...(event ? { event: SEED_EVENT } : {}),
  };
}

const SEED_EVENT: NonNullable<RowChange['event']> = Object.freeze({ op: 'r', before: null });

const U32_MAX = 0xffff_ffff;

/**
 * How far a reading unit got with a batch: every row of a unit read in key
 * order is below `below`; 'end' when the unit is read completely.
 */
export interface SeedMark {
  readonly unit: number;
  readonly below: bigint | 'end';
}

/** The schema changes and table events every chunk of a seed records at P (none when a seed resumes). */
export interface SeedChunkSchema {
  readonly schemaChanges: readonly SchemaChange[];
  readonly tableEvents: readonly TableEvent[];
}

/**
 * The store side of a seed at P, written in chunks: each chunk is a store
 * transaction at P (start = commit = P) with the same schema changes and
 * table events, and rows with row indexes that continue across chunks, so the
 * chunks of one seed add up to one transaction at P (the stores merge them
 * version by version). Only the last chunk (`commit`) writes the checkpoint.
 *
 * Batches may come from several readers at once: writes are serialised (the
 * store has one writer), and each `addRows` resolves once its batch is
 * written, so a reader holds at most one batch in memory. `chunk()` gives the
 * marks of every batch written before it and the next row index to the
 * caller, whose record of them is committed with the chunk: what the record
 * says is stored is exactly what is. A resumed seed starts at the recorded
 * index, so no index at P is given twice (at an unchanged position, another
 * row at an index already stored would be a conflicting version).
 */
export class SeedWriter {
  private queue: Promise<void> = Promise.resolve();
  private rows = 0;
  private rowsInChunk = 0;
  private readonly marks = new Map<number, bigint | 'end'>();
  private committed = false;

  private constructor(
    private readonly store: SnapshotStore,
    private writer: TransactionWriter,
    private readonly position: BinlogPosition,
    private readonly schema: SeedChunkSchema,
    private readonly commitTimestamp: number,
    private readonly sink: Sink | undefined,
    private nextIndex: number,
  ) {}

  /**
   * With a sink, the seed rows also go out as change events (`op: r`), acknowledged before the
   * store commits. `firstIndex`: the row index of the first row (a resumed seed's recorded one).
   */
  static async begin(store: SnapshotStore, position: BinlogPosition, schema: SeedChunkSchema, commitTimestamp: number, sink?: Sink, firstIndex = 0): Promise<SeedWriter> {
    if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || firstIndex > U32_MAX + 1) {
      throw new BinsnapError('BINSNAP_E_INTERNAL', `a seed's first row index must be in 0…2^32, not ${firstIndex}`);
    }
    return new SeedWriter(store, await store.beginTransaction({ startPosition: position }), position, schema, commitTimestamp, sink, firstIndex);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Rows written since the last chunk. */
  get pendingRows(): number {
    return this.rowsInChunk;
  }

  addRows(table: SeedTable, rows: readonly RowValues[], mark?: SeedMark): Promise<void> {
    return this.enqueue(async () => {
      if (this.nextIndex + rows.length > U32_MAX + 1) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', 'a seed holds at most 2^32 rows (row indexes are 32-bit)', { table: table.name });
      }
      const event = this.sink !== undefined;
      const batch = rows.map((r) => seedRowChange(table, r, this.position, this.nextIndex++, event));
      await this.sink?.rows({ startPosition: this.position }, batch);
      await this.writer.addRows(batch);
      this.rows += batch.length;
      this.rowsInChunk += batch.length;
      if (mark !== undefined) this.marks.set(mark.unit, mark.below);
    });
  }

  /**
   * Whether rows may come encoded as the embedded store's entries (addEncoded): the store's writer
   * takes them and no sink needs the rows as objects.
   */
  get takesEncoded(): boolean {
    return this.sink === undefined && isEncodedRowsWriter(this.writer);
  }

  /** The store's ids for encoding a table's rows elsewhere (only when takesEncoded). */
  encodingOf(table: SeedTable, valueNames: readonly string[]): Promise<EncodingIds> {
    return this.enqueue(async () => {
      const w = this.writer;
      if (!isEncodedRowsWriter(w)) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store does not take encoded rows');
      return w.encodingOf(table.name, valueNames, table.keyColumns);
    });
  }

  /**
   * Rows encoded as store entries (EncodedRows without their row indexes, which are given here,
   * running on from the rows added before, as addRows gives them): as addRows.
   */
  addEncoded(rows: Omit<EncodedRows, 'firstIndex'>, mark?: SeedMark): Promise<void> {
    return this.enqueue(async () => {
      const w = this.writer;
      if (!isEncodedRowsWriter(w)) throw new BinsnapError('BINSNAP_E_INTERNAL', 'the store does not take encoded rows');
      const n = rows.starts.length;
      if (this.nextIndex + n > U32_MAX + 1) {
        throw new BinsnapError('BINSNAP_E_INTERNAL', 'a seed holds at most 2^32 rows (row indexes are 32-bit)');
      }
      const firstIndex = this.nextIndex;
      this.nextIndex += n;
      await w.addEncodedRows({ ...rows, firstIndex });
      this.rows += rows.starts.length;
      this.rowsInChunk += rows.starts.length;
      if (mark !== undefined) this.marks.set(mark.unit, mark.below);
    });
  }

  /**
   * Makes every row written so far durable as one store transaction at P, with the documents
   * `record` returns for the marks the chunk covers and the row index after it (the caller's
   * record of its progress), then opens the next writer.
   */
  chunk(record: (covered: ReadonlyMap<number, bigint | 'end'>, nextIndex: number) => MetaWrites = () => ({})): Promise<void> {
    return this.enqueue(async () => {
      await this.commitWriter(undefined, record(new Map(this.marks), this.nextIndex));
      this.writer = await this.store.beginTransaction({ startPosition: this.position });
      this.rowsInChunk = 0;
    });
  }

  /** The last chunk, with the checkpoint P (and the GTID position at P), and `meta` (as chunk's documents). */
  commit(gtidSet: GtidSet | undefined, meta?: MetaWrites): Promise<void> {
    return this.enqueue(async () => {
      await this.commitWriter({ position: this.position, commitTimestamp: this.commitTimestamp, ...(gtidSet ? { gtidSet } : {}) }, meta);
      this.committed = true;
    });
  }

  /** Rolls back the chunk in progress (nothing after the last chunk is kept); a no-op after `commit`. */
  async abort(): Promise<void> {
    await this.queue;
    if (this.committed) return;
    await this.writer.abort();
  }

  private async commitWriter(checkpoint: Checkpoint | undefined, meta: MetaWrites | undefined): Promise<void> {
    const end = {
      commitPosition: this.position,
      commitTimestamp: this.commitTimestamp,
      schemaChanges: this.schema.schemaChanges,
      tableEvents: this.schema.tableEvents,
      ...(checkpoint ? { checkpoint } : {}),
    };
    if (this.sink) {
      // The sink hears of the seed transaction once, at its end (its schema changes and creates
      // after the rows, as before chunks); truncates went out before the rows (see the command).
      if (checkpoint) await this.sink.commit({ startPosition: this.position, ...end, tableEvents: end.tableEvents.filter((e) => e.kind !== 'truncate') });
      await this.sink.flush();
    }
    await this.writer.commit(end, meta);
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }
}
