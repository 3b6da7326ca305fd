/**
 * `binsnap seed --source URL [--tables db.t,db2.*] [--parallel N]`: a
 * consistent snapshot of the chosen tables at one exact binlog position P,
 * written into the store as versions at P with each table's schema, and the
 * checkpoint P (with the GTID position at P) so `binsnap run` continues from
 * there. Wiring only: the read views are seed-reader.ts, the values
 * row-values.ts, the store transactions pipeline/seed.ts, the resume record
 * pipeline/seed-progress.ts.
 *
 * The rows are stored in chunks of about --commit-every rows, each a store
 * transaction at P, and the store's `seed` document records what they hold.
 * Interrupted (signal, error, crash), a seed run again with the same --tables
 * resumes: it brings the stored parts to a new snapshot position through the
 * binlog, then reads only the rest (see seed-progress.ts). Tables with one
 * integer primary-key column are read in key order and resume mid-table;
 * others resume from their start. `binsnap run` refuses a store with an
 * unfinished seed.
 * --parallel N reads on N connections (whole tables, and tables with a single
 * integer primary-key column split into N key ranges); see seed-reader.ts
 * for how the N read views share P.
 */
import { BinsnapError } from '../../core/errors.js';
import { formatGtidSet } from '../../core/gtid.js';
import type { SinkLocation, SourceUrl, StoreLocation, TableName } from '../../config/values.js';
import { MARIADB_DEFAULTS, MYSQL8_DEFAULTS } from '../../pipeline/ddl/index.js';
import { SeedWriter, seedSchema, type SeedChunkSchema, type SeedSchema, type SeedTable } from '../../pipeline/seed.js';
import { SeedEncoder, type EncodedBatch, type EncoderTable } from '../../pipeline/seed-encoder.js';
import { addDone, complementRanges, decodeSeedProgress, encodeSeedProgress, SEED_META, type SeedProgress, type TableDone } from '../../pipeline/seed-progress.js';
import { runPipeline } from '../../pipeline/pipeline.js';
import { catalogFromStore } from '../../pipeline/initial-schema.js';
import { readServerBinlog } from '../../source/server-source.js';
import type { BinlogPosition } from '../../core/position.js';
import type { ColumnSchema } from '../../core/schema.js';
import type { EncodingIds, MetaWrites, SchemaChange, SnapshotStore, TableEvent } from '../../store/index.js';
import { rowObject, seedColumns } from '../../source/row-values.js';
import {
  integerBounds,
  listTables,
  openSnapshot,
  readRowPackets,
  readRows,
  serverCharset,
  showCreateDatabase,
  showCreateTable,
  sourceError,
  splitRange,
  type GlobalLockMode,
  type RowRange,
} from '../../source/seed-reader.js';
import type { CommandHandler } from '../command.js';
import { checkServer } from '../check-server.js';
import { nameCaseFor } from '../name-case.js';
import { openStore } from '../open-store.js';
import { describeSink, openKafkaSink } from '../../sink/kafka-sink.js';
import type { Sink } from '../../sink/sink.js';
import { count, duration, progressLine } from '../progress.js';

/** Rows read per batch: small enough that a batch's objects die young (ADR 0012). */
const BATCH_ROWS = 1_000;
/** Rows per batch sent to an encoding thread (fewer, larger messages than BATCH_ROWS). */
const ENCODING_BATCH_ROWS = 4_000;
/** Batches of one reading connection on its encoding thread at once (ADR 0019). */
const ENCODING_DEPTH = 3;
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

interface Unit {
  readonly id: number;
  readonly table: SeedTable;
  readonly ref: TableName;
  /** Tables with one integer key column: a key range, read in key order. */
  readonly range?: RowRange;
}

interface TableProgress {
  rows: number;
  readonly estimate: number;
  started: number;
}

export const seedCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const source = v.get('source') as SourceUrl | undefined;
  if (source === undefined) {
    throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap seed` needs --source mysql://user:password@host:port (or BINSNAP_SOURCE)', { field: 'source' });
  }
  const patterns = v.get('tables') as TableName[] | undefined;
  const parallel = (v.get('parallel') as number | undefined) ?? 1;
  const commitEvery = (v.get('commitEvery') as number | undefined) ?? 200_000;
  const globalLock = (v.get('globalLock') as GlobalLockMode | undefined) ?? 'auto';
  const request = patterns === undefined ? null : patterns.map((p) => `${p.db}.${p.table}`).join(',');

  const server = await checkServer(source, undefined, ctx.logger, { needSelect: true });
  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: true, log: ctx.logger, rollbackJournal: true, backgroundCheckpoints: true });
  let sink: Sink | undefined;
  const began = Date.now();
  try {
    const nameCase = await nameCaseFor(store, { server: server.lowerCaseTableNames });
    const priorText = await store.getMeta(SEED_META);
    const recorded = priorText === null ? undefined : decodeSeedProgress(priorText);
    if (recorded !== undefined && recorded.request !== request) {
      throw new BinsnapError(
        'BINSNAP_E_SEED_INCOMPLETE',
        `the store holds an unfinished seed of ${recorded.request ?? 'every table'} (started at ${recorded.firstPosition.format()}); ` +
          `run it again with ${recorded.request === null ? 'no --tables' : `--tables ${recorded.request}`} to finish it, or seed into a new store`,
        { field: 'tables' },
      );
    }
    // Nothing recorded as stored: whatever an earlier attempt may have written is hidden by the
    // creates a fresh seed writes at its position, so it simply starts over.
    const prior = recorded !== undefined && recorded.done.size > 0 ? recorded : undefined;
    const snap = await openSnapshot(source, parallel, { globalLock, onNotice: (message) => ctx.logger.warn({ source: source.redacted }, message) });
    try {
      const conn = snap.connections[0]!;
      ctx.logger.info(
        {
          position: snap.position.format(),
          gtidSet: snap.gtidSet ? formatGtidSet(snap.gtidSet) : undefined,
          connections: parallel,
          method: snap.method,
          alignAttempts: snap.alignAttempts,
          lockHeldMs: snap.lockHeldMs,
          backupLock: snap.backupLock,
        },
        snap.lockHeldMs !== undefined
          ? `seed snapshot taken (global read lock held ${snap.lockHeldMs} ms)`
          : `seed snapshot taken (no global lock${snap.method === 'aligned' ? `: ${parallel} read views aligned in ${snap.alignAttempts} attempt${snap.alignAttempts === 1 ? '' : 's'}` : ''})`,
      );
      if (snap.backupLock) ctx.logger.info('LOCK INSTANCE FOR BACKUP held until the rows are read: DDL on the source waits');
      if (prior !== undefined && snap.position.isBefore(prior.position)) {
        throw new BinsnapError(
          'BINSNAP_E_SEED_INCOMPLETE',
          `the source's binlog is at ${snap.position.format()}, before the unfinished seed's ${prior.position.format()}: it is another server, or its binlog was reset; seed into a new store`,
          { position: snap.position.format() },
        );
      }
      let refs: TableName[];
      let schema: ReturnType<typeof seedSchema>;
      const estimates = new Map<string, number>();
      try {
        refs = await listTables(conn, patterns, nameCase !== 0);
        if (patterns !== undefined && refs.length === 0) {
          throw new BinsnapError('BINSNAP_E_USAGE', `--tables ${patterns.map((p) => `${p.db}.${p.table}`).join(',')} matches no table on the source`, { field: 'tables' });
        }
        const databases = new Map<string, string>();
        for (const db of [...new Set(refs.map((r) => r.db))]) databases.set(db, await showCreateDatabase(conn, db));
        const sources = [];
        for (const r of refs) sources.push({ db: r.db, table: r.table, ddl: await showCreateTable(conn, r) });
        const charsets = await serverCharset(conn);
        const base = snap.flavor === 'mysql' ? MYSQL8_DEFAULTS : MARIADB_DEFAULTS;
        schema = seedSchema(databases, sources, { ...base, charset: charsets.charset, collation: charsets.collation }, nameCase);
        const [est] = await conn.query(
          `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS n, TABLE_ROWS AS r FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${[...databases.keys()].map(() => '?').join(', ') || "''"})`,
          [...databases.keys()],
        );
        for (const e of est as Array<{ n: string; r: unknown }>) estimates.set(e.n, Number(e.r ?? 0));
      } catch (err) {
        throw sourceError(err, source, 'reading the table definitions');
      }

      const sinkAt = v.get('sink') as SinkLocation | undefined;
      if (sinkAt !== undefined) {
        ctx.logger.info({ sink: describeSink(sinkAt) }, 'opening the Kafka sink: seeded rows go out as op r');
        sink = await openKafkaSink(sinkAt, { clientId: 'binsnap-seed', log: ctx.logger, signal: ctx.signal });
      }

      // A resumed seed first brings what it stored to this snapshot's position, as `run` would.
      const done = new Map<string, TableDone>(prior?.done ?? []);
      if (prior !== undefined) {
        ctx.logger.info(
          { from: prior.position.format(), to: snap.position.format(), storedTables: prior.done.size, firstPosition: prior.firstPosition.format() },
          'resuming an unfinished seed: applying the binlog to the parts already stored',
        );
        if (prior.position.isBefore(snap.position)) {
          await runPipeline({
            store,
            ...(sink ? { sink } : {}),
            events: (lookup) =>
              readServerBinlog({
                source,
                serverId: v.get('serverId') as number,
                start: { kind: 'position', position: prior.position },
                to: snap.position,
                schema: lookup,
                signal: ctx.signal,
                onWarning: (message) => ctx.logger.warn({ source: source.redacted }, message),
              }),
            catalog: await catalogFromStore(store, prior.position, nameCase),
            log: ctx.logger,
          });
          if (ctx.signal.aborted) {
            ctx.stderr.write('seed interrupted while catching up: what was stored is kept (run `binsnap seed` again to resume)\n');
            return 1;
          }
        }
      }

      // What this attempt writes at P: every table (a fresh seed), or what is not stored yet.
      const units: Unit[] = [];
      const keyless = new Set<string>();
      for (let i = 0; i < schema.tables.length; i++) {
        const t = schema.tables[i]!;
        const ref = refs[i]!;
        const stored = done.get(t.name);
        if (stored?.kind === 'all') continue;
        const keyCol = t.keyColumns.length === 1 ? t.schema.columns.find((c) => c.name === t.keyColumns[0]) : undefined;
        if (keyCol !== undefined && INTEGER_TYPES.has(keyCol.type)) {
          const todo = complementRanges(stored?.kind === 'ranges' && stored.column === keyCol.name ? stored.ranges : []);
          for (const r of todo) {
            const whole = r[0] === null && r[1] === null;
            if (parallel > 1 && whole) {
              const bounds = await integerBounds(conn, ref, keyCol.name).catch((err: unknown) => {
                throw sourceError(err, source, `reading the key range of ${t.name}`);
              });
              if (bounds) {
                for (const range of splitRange(keyCol.name, bounds.min, bounds.max, parallel)) units.push({ id: units.length, table: t, ref, range });
                continue;
              }
            }
            units.push({ id: units.length, table: t, ref, range: { column: keyCol.name, ...(r[0] !== null ? { from: r[0] } : {}), ...(r[1] !== null ? { to: r[1] } : {}) } });
          }
        } else {
          if (t.keyColumns.length === 0) keyless.add(t.name);
          units.push({ id: units.length, table: t, ref });
        }
      }

      // Rows of a table without a key that an earlier attempt stored are told from the rows read
      // again only by their position (a truncate or create at P hides what lies before P). At the
      // position the earlier attempt took (nothing was written to the source since), they cannot be.
      const rereadKeyless = units.filter((u) => keyless.has(u.table.name)).map((u) => u.table.name);
      if (recorded !== undefined && recorded.nextIndex > 0 && rereadKeyless.length > 0 && snap.position.equals(recorded.position)) {
        throw new BinsnapError(
          'BINSNAP_E_SEED_INCOMPLETE',
          `the source's binlog has not moved since the interrupted seed (still at ${snap.position.format()}), and ${rereadKeyless[0]!} has no key: ` +
            'rows of it stored by that attempt could not be told from rows read again. Run FLUSH BINARY LOGS on the source (a new binlog file, so a new position; no data changes), then run the same seed again',
          { position: snap.position.format(), table: rereadKeyless[0]! },
        );
      }
      // A fresh seed records every table's schema at P; a resumed one only those the store lacks,
      // and truncates at P the tables without a key it reads again (no row counted twice).
      const chunkSchema = prior === undefined
        ? { schemaChanges: schema.schemaChanges, tableEvents: schema.tableEvents }
        : await resumeSchema(store, schema, snap.position, new Set(rereadKeyless));
      const commitTimestamp = Date.now();
      let progressDoc: SeedProgress = prior !== undefined
        ? { ...prior, position: snap.position, attempts: prior.attempts + 1 }
        : {
            request,
            firstPosition: recorded?.firstPosition ?? snap.position,
            position: snap.position,
            done: new Map(),
            startedAt: recorded?.startedAt ?? began,
            attempts: (recorded?.attempts ?? 0) + 1,
            nextIndex: recorded?.nextIndex ?? 0,
          };
      // Recorded before anything is written: `run` refuses the store until the seed is done.
      await store.setMeta(SEED_META, encodeSeedProgress(progressDoc));
      const truncates = chunkSchema.tableEvents.filter((e) => e.kind === 'truncate');
      if (sink && truncates.length > 0) {
        // Consumers drop what they hold of these tables before the rows read again arrive.
        await sink.commit({ startPosition: snap.position, commitPosition: snap.position, commitTimestamp, tableEvents: truncates });
        await sink.flush();
      }
      const writer = await SeedWriter.begin(store, snap.position, chunkSchema, commitTimestamp, sink, progressDoc.nextIndex);

      const progress = progressLine(ctx.stderr, ctx.interactive);
      const perTable = new Map<string, TableProgress>();
      for (const t of schema.tables) perTable.set(t.name, { rows: 0, estimate: estimates.get(t.name) ?? 0, started: 0 });
      const show = (t: SeedTable, force = false): void => {
        progress.update(() => {
          const p = perTable.get(t.name)!;
          const secs = (Date.now() - p.started) / 1000;
          const rate = secs > 0 ? p.rows / secs : 0;
          const total = (Date.now() - began) / 1000;
          const eta = p.estimate > p.rows && rate > 0 ? duration((p.estimate - p.rows) / rate) : '?';
          return (
            `seed ${t.name}  ${count(p.rows)}/~${count(Math.max(p.estimate, p.rows))} rows  ${count(rate)} rows/s  ETA ${eta}  ` +
            `total ${count(writer.rowCount)} rows  ${count(total > 0 ? writer.rowCount / total : 0)} rows/s`
          );
        }, force);
      };

      let chunking: Promise<void> | undefined;
      // The record of what a chunk stores, committed with it (SeedWriter.chunk).
      const record = (covered: ReadonlyMap<number, bigint | 'end'>, nextIndex: number): MetaWrites => {
        const nextDone = new Map(progressDoc.done);
        for (const [id, below] of covered) {
          const u = units[id]!;
          if (below === 'end') {
            if (u.range === undefined) addDone(nextDone, u.table.name, { kind: 'all' });
            else addDone(nextDone, u.table.name, { kind: 'ranges', column: u.range.column, ranges: [[u.range.from ?? null, u.range.to ?? null]] });
          } else if (u.range !== undefined) {
            addDone(nextDone, u.table.name, { kind: 'ranges', column: u.range.column, ranges: [[u.range.from ?? null, below]] });
          }
        }
        progressDoc = { ...progressDoc, done: nextDone, nextIndex };
        return { [SEED_META]: encodeSeedProgress(progressDoc) };
      };
      const chunk = async (): Promise<void> => {
        await writer.chunk(record);
        ctx.logger.info({ position: snap.position.format(), rows: writer.rowCount, storedTables: progressDoc.done.size }, 'seed chunk stored');
      };
      const maybeChunk = async (): Promise<void> => {
        if (chunking === undefined && writer.pendingRows >= commitEvery) {
          chunking = chunk().finally(() => {
            chunking = undefined;
          });
        }
        if (chunking !== undefined) await chunking;
      };

      let next = 0;
      let failed = false;
      const stop = (): boolean => failed || ctx.signal.aborted;
      // Into the embedded store (and with no sink), rows of tables with a key are parsed and
      // encoded on threads of their own, one per reading connection (ADR 0019); other seeds read
      // them here.
      const encoders = writer.takesEncoded ? snap.connections.map(() => new SeedEncoder()) : undefined;
      const encodingIds = new Map<string, Promise<EncodingIds>>();
      const encoderTable = async (e: SeedEncoder, t: SeedTable, columns: readonly ColumnSchema[], markColumn: string | null): Promise<EncoderTable> => {
        let ids = encodingIds.get(t.name);
        if (ids === undefined) {
          ids = writer.encodingOf(t, columns.map((col) => col.name));
          encodingIds.set(t.name, ids);
        }
        return e.addTable({ table: t.name, columns, flavor: snap.flavor, keyColumns: t.keyColumns, numericKeyColumns: t.numericKeyColumns, markColumn, ...(await ids) });
      };
      /** One unit's rows through the encoding thread; false when the seed stopped before its end. */
      const encodeUnit = async (e: SeedEncoder, c: (typeof snap.connections)[number], u: Unit, columns: readonly ColumnSchema[], p: TableProgress): Promise<boolean> => {
        const et = await encoderTable(e, u.table, columns, u.range?.column ?? null);
        const inFlight: Promise<EncodedBatch>[] = [];
        // Adds the oldest batches to the store until at most `keep` are on the thread.
        const settle = async (keep: number): Promise<boolean> => {
          while (inFlight.length > keep) {
            const b = await inFlight.shift()!;
            await writer.addEncoded(b.rows, u.range !== undefined && b.last !== null ? { unit: u.id, below: BigInt(b.last) + 1n } : undefined);
            p.rows += b.rows.starts.length;
            show(u.table);
            if (stop()) return false;
            await maybeChunk();
          }
          return true;
        };
        try {
          for await (const packets of readRowPackets(c, u.ref, columns, u.range, ENCODING_BATCH_ROWS, u.range !== undefined, snap.flavor)) {
            const batch = e.encode(et, packets, snap.position);
            // Settled below in order; a batch left behind when the seed stops must not go unhandled.
            batch.catch(() => undefined);
            inFlight.push(batch);
            if (!(await settle(ENCODING_DEPTH - 1))) return false;
          }
          return await settle(0);
        } finally {
          inFlight.length = 0;
        }
      };
      const worker = async (w: number): Promise<void> => {
        const c = snap.connections[w]!;
        while (next < units.length) {
          if (stop()) return;
          const u = units[next++]!;
          const p = perTable.get(u.table.name)!;
          if (p.started === 0) p.started = Date.now();
          const columns = seedColumns(u.table.schema, snap.flavor);
          const keyIndex = u.range ? columns.findIndex((col) => col.name === u.range!.column) : -1;
          if (encoders !== undefined && u.table.keyColumns.length > 0) {
            try {
              if (!(await encodeUnit(encoders[w]!, c, u, columns, p))) return;
              await writer.addRows(u.table, [], { unit: u.id, below: 'end' });
            } catch (err) {
              failed = true;
              throw sourceError(err, source, `reading ${u.table.name}`);
            }
            await maybeChunk();
            continue;
          }
          try {
            for await (const values of readRows(c, u.ref, columns, u.range, BATCH_ROWS, u.range !== undefined, snap.flavor)) {
              const rows = values.map((r) => rowObject(columns, r));
              const last = keyIndex >= 0 ? values[values.length - 1]?.[keyIndex] : undefined;
              await writer.addRows(u.table, rows, typeof last === 'number' || typeof last === 'string' ? { unit: u.id, below: BigInt(last) + 1n } : undefined);
              p.rows += rows.length;
              show(u.table);
              if (stop()) return;
              await maybeChunk();
            }
            await writer.addRows(u.table, [], { unit: u.id, below: 'end' });
          } catch (err) {
            failed = true;
            throw sourceError(err, source, `reading ${u.table.name}`);
          }
          await maybeChunk();
        }
      };
      try {
        await Promise.all(snap.connections.map((_, w) => worker(w)));
        if (ctx.signal.aborted) {
          // Keep what was read so far; the resume reads the rest (and half-read tables without an
          // integer key again, see seed-progress.ts).
          if (chunking !== undefined) await chunking;
          await chunk();
          await writer.abort();
          progress.done();
          ctx.logger.warn({ position: snap.position.format(), rows: writer.rowCount }, 'seed interrupted: what was stored is kept; run `binsnap seed` again with the same --tables to resume');
          ctx.stderr.write('seed interrupted: what was stored is kept (run `binsnap seed` again with the same --tables to resume)\n');
          return 1;
        }
        if (chunking !== undefined) await chunking;
        // The record of the unfinished seed goes with the last chunk.
        await writer.commit(snap.gtidSet, { [SEED_META]: null });
      } catch (err) {
        // The failure is what is reported; a failed rollback (nothing of the chunk is committed either way) is logged.
        await writer.abort().catch((abortErr: unknown) => ctx.logger.warn({ error: String(abortErr) }, 'could not roll back the seed chunk in progress'));
        throw err;
      } finally {
        progress.done();
        await Promise.all((encoders ?? []).map((e) => e.close()));
      }

      const seconds = (Date.now() - began) / 1000;
      const summary = {
        position: snap.position.format(),
        gtidSet: snap.gtidSet ? formatGtidSet(snap.gtidSet) : null,
        tables: schema.tables.map((t) => ({ table: t.name, rows: perTable.get(t.name)!.rows })),
        rows: writer.rowCount,
        parallel,
        snapshot: snap.method,
        alignAttempts: snap.alignAttempts,
        lockHeldMs: snap.lockHeldMs ?? null,
        backupLock: snap.backupLock,
        seconds: Math.round(seconds * 1000) / 1000,
        resumed: prior !== undefined,
      };
      ctx.logger.info(summary, 'seed done');
      if (v.get('json') === true) {
        ctx.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        ctx.stdout.write(
          `seeded ${count(summary.rows)} rows of ${summary.tables.length} tables at ${summary.position}` +
            `${summary.gtidSet ? ` (GTID ${summary.gtidSet})` : ''} in ${seconds.toFixed(1)} s${prior !== undefined ? ' (resumed)' : ''}\n`,
        );
      }
      return 0;
    } finally {
      await snap.close();
    }
  } finally {
    await sink?.close().catch((err: unknown) => ctx.logger.warn({ error: String(err) }, 'the Kafka sink did not close cleanly'));
    await store.close();
  }
};

/** The schema a resumed seed records at P: tables the store has no schema of as of P, and truncates of `rereadKeyless`. */
async function resumeSchema(store: SnapshotStore, schema: SeedSchema, at: BinlogPosition, rereadKeyless: ReadonlySet<string>): Promise<SeedChunkSchema> {
  const schemaChanges: SchemaChange[] = [];
  const tableEvents: TableEvent[] = [];
  for (const c of schema.schemaChanges) {
    // Database entries (`db.`) and tables the binlog did not bring (seed-progress.ts).
    if ((await store.schemaAt(c.table, { kind: 'position', position: at })) === null) {
      schemaChanges.push(c);
      if (!c.table.endsWith('.')) tableEvents.push({ kind: 'create', table: c.table });
    }
  }
  for (const name of rereadKeyless) {
    if (!tableEvents.some((e) => e.table === name)) tableEvents.push({ kind: 'truncate', table: name });
  }
  return { schemaChanges, tableEvents };
}
