/**
 * `binsnap seed --source URL [--tables db.t,db2.*] [--parallel N]`: a
 * consistent snapshot of the chosen tables at one exact binlog position P,
 * written into the store as versions at P with each table's schema, and the
 * checkpoint P (with the GTID position at P) so `binsnap run` continues from
 * there. Wiring only: the read views are seed-reader.ts, the values
 * row-values.ts, the store transaction pipeline/seed.ts.
 *
 * The seed is one store transaction: interrupted (signal, error, crash), it
 * leaves nothing behind, and resuming means running it again.
 * --parallel N reads on N connections (whole tables, and tables with a single
 * integer primary-key column split into N key ranges); see seed-reader.ts
 * for how the N read views share P.
 */
import { BinsnapError } from '../../core/errors.js';
import { formatGtidSet } from '../../core/gtid.js';
import type { SinkLocation, SourceUrl, StoreLocation, TableName } from '../../config/values.js';
import { MARIADB_DEFAULTS, MYSQL8_DEFAULTS } from '../../pipeline/ddl/index.js';
import { SeedWriter, seedSchema, type SeedTable } from '../../pipeline/seed.js';
import { convertRow, seedColumns } from '../../source/row-values.js';
import {
  integerBounds,
  listTables,
  openSnapshot,
  readRows,
  serverCharset,
  showCreateDatabase,
  showCreateTable,
  sourceError,
  splitRange,
  type RowRange,
} from '../../source/seed-reader.js';
import type { CommandHandler } from '../command.js';
import { checkServer } from '../check-server.js';
import { openStore } from '../open-store.js';
import { describeSink, openKafkaSink } from '../../sink/kafka-sink.js';
import type { Sink } from '../../sink/sink.js';
import { count, duration, progressLine } from '../progress.js';

const BATCH_ROWS = 5_000;
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

interface Unit {
  readonly table: SeedTable;
  readonly ref: TableName;
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

  await checkServer(source, undefined, ctx.logger, { needSelect: true });
  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: true });
  let sink: Sink | undefined;
  const began = Date.now();
  try {
    const snap = await openSnapshot(source, parallel);
    try {
      const conn = snap.connections[0]!;
      ctx.logger.info(
        { position: snap.position.format(), gtidSet: snap.gtidSet ? formatGtidSet(snap.gtidSet) : undefined, connections: parallel, lockHeldMs: snap.lockHeldMs },
        snap.lockHeldMs !== undefined ? `seed snapshot taken (global read lock held ${snap.lockHeldMs} ms)` : 'seed snapshot taken (no global lock)',
      );
      let refs: TableName[];
      let schema: ReturnType<typeof seedSchema>;
      const estimates = new Map<string, number>();
      try {
        refs = await listTables(conn, patterns);
        if (patterns !== undefined && refs.length === 0) {
          throw new BinsnapError('BINSNAP_E_USAGE', `--tables ${patterns.map((p) => `${p.db}.${p.table}`).join(',')} matches no table on the source`, { field: 'tables' });
        }
        const databases = new Map<string, string>();
        for (const db of [...new Set(refs.map((r) => r.db))]) databases.set(db, await showCreateDatabase(conn, db));
        const sources = [];
        for (const r of refs) sources.push({ db: r.db, table: r.table, ddl: await showCreateTable(conn, r) });
        const server = await serverCharset(conn);
        const base = snap.flavor === 'mysql' ? MYSQL8_DEFAULTS : MARIADB_DEFAULTS;
        schema = seedSchema(databases, sources, { ...base, charset: server.charset, collation: server.collation });
        const [est] = await conn.query(
          `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS n, TABLE_ROWS AS r FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (${[...databases.keys()].map(() => '?').join(', ') || "''"})`,
          [...databases.keys()],
        );
        for (const e of est as Array<{ n: string; r: unknown }>) estimates.set(e.n, Number(e.r ?? 0));
      } catch (err) {
        throw sourceError(err, source, 'reading the table definitions');
      }

      // Work units: whole tables, or key ranges of tables with one integer key column.
      const units: Unit[] = [];
      for (let i = 0; i < schema.tables.length; i++) {
        const t = schema.tables[i]!;
        const ref = refs[i]!;
        const keyCol = t.keyColumns.length === 1 ? t.schema.columns.find((c) => c.name === t.keyColumns[0]) : undefined;
        if (parallel > 1 && keyCol !== undefined && INTEGER_TYPES.has(keyCol.type)) {
          const bounds = await integerBounds(conn, ref, keyCol.name).catch((err: unknown) => {
            throw sourceError(err, source, `reading the key range of ${t.name}`);
          });
          if (bounds) {
            for (const range of splitRange(keyCol.name, bounds.min, bounds.max, parallel)) units.push({ table: t, ref, range });
            continue;
          }
        }
        units.push({ table: t, ref });
      }

      const sinkAt = v.get('sink') as SinkLocation | undefined;
      if (sinkAt !== undefined) {
        ctx.logger.info({ sink: describeSink(sinkAt) }, 'opening the Kafka sink: seeded rows go out as op r');
        sink = await openKafkaSink(sinkAt, { clientId: 'binsnap-seed', log: ctx.logger, signal: ctx.signal });
      }
      const writer = await SeedWriter.begin(store, snap.position, sink);
      const progress = progressLine(ctx.stderr, ctx.interactive);
      const perTable = new Map<string, TableProgress>();
      for (const t of schema.tables) perTable.set(t.name, { rows: 0, estimate: estimates.get(t.name) ?? 0, started: 0 });
      const show = (t: SeedTable, force = false): void => {
        const p = perTable.get(t.name)!;
        const secs = (Date.now() - p.started) / 1000;
        const rate = secs > 0 ? p.rows / secs : 0;
        const total = (Date.now() - began) / 1000;
        const eta = p.estimate > p.rows && rate > 0 ? duration((p.estimate - p.rows) / rate) : '?';
        progress.update(
          `seed ${t.name}  ${count(p.rows)}/~${count(Math.max(p.estimate, p.rows))} rows  ${count(rate)} rows/s  ETA ${eta}  ` +
            `total ${count(writer.rowCount)} rows  ${count(total > 0 ? writer.rowCount / total : 0)} rows/s`,
          force,
        );
      };

      let next = 0;
      let failed = false;
      const stop = (): boolean => failed || ctx.signal.aborted;
      const worker = async (w: number): Promise<void> => {
        const c = snap.connections[w]!;
        while (next < units.length) {
          if (stop()) return;
          const u = units[next++]!;
          const p = perTable.get(u.table.name)!;
          if (p.started === 0) p.started = Date.now();
          const columns = seedColumns(u.table.schema, snap.flavor);
          try {
            for await (const raw of readRows(c, u.ref, columns, u.range, BATCH_ROWS)) {
              const rows = raw.map((r) => convertRow(columns, r, snap.flavor));
              await writer.addRows(u.table, rows);
              p.rows += rows.length;
              show(u.table);
              if (stop()) return;
            }
          } catch (err) {
            failed = true;
            throw sourceError(err, source, `reading ${u.table.name}`);
          }
        }
      };
      try {
        await Promise.all(snap.connections.map((_, w) => worker(w)));
        if (ctx.signal.aborted) {
          await writer.abort();
          progress.done();
          ctx.logger.warn({ position: snap.position.format() }, 'seed interrupted: nothing was written; run `binsnap seed` again to take a new snapshot');
          ctx.stderr.write('seed interrupted: nothing was written (run `binsnap seed` again)\n');
          return 1;
        }
        const commitTimestamp = Date.now();
        await writer.commit(schema, commitTimestamp, snap.gtidSet);
      } catch (err) {
        await writer.abort();
        throw err;
      } finally {
        progress.done();
      }

      const seconds = (Date.now() - began) / 1000;
      const summary = {
        position: snap.position.format(),
        gtidSet: snap.gtidSet ? formatGtidSet(snap.gtidSet) : null,
        tables: schema.tables.map((t) => ({ table: t.name, rows: perTable.get(t.name)!.rows })),
        rows: writer.rowCount,
        parallel,
        lockHeldMs: snap.lockHeldMs ?? null,
        seconds: Math.round(seconds * 1000) / 1000,
      };
      ctx.logger.info(summary, 'seed done');
      if (v.get('json') === true) {
        ctx.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        ctx.stdout.write(
          `seeded ${count(summary.rows)} rows of ${summary.tables.length} tables at ${summary.position}` +
            `${summary.gtidSet ? ` (GTID ${summary.gtidSet})` : ''} in ${seconds.toFixed(1)} s\n`,
        );
      }
      return 0;
    } finally {
      await snap.close();
    }
  } finally {
    await sink?.close().catch(() => undefined);
    await store.close();
  }
};
