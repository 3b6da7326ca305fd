/**
 * `binsnap verify --source URL [--tables db.t,db2.*]`: compares the store
 * with the live tables at one consistent point and reports every differing
 * key; exit 1 when anything differs.
 *
 * The point: a snapshot transaction on the source gives its exact binlog
 * position P (as for seed); verify waits (up to 60 s) for the store's
 * checkpoint to reach P — a daemon running beside it gets there — and
 * compares the store as of P with the snapshot, table by table. Per table it
 * keeps one 16-byte digest per stored row (not the rows), then streams the
 * live rows against them: memory grows with the number of rows of the largest
 * table, not with their size.
 *
 * Output: per table the rows compared and every key that is missing from the
 * store, missing from the source, or different (at most 100 printed per table
 * on a terminal; all with --json).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BinsnapError } from '../../core/errors.js';
import type { BinlogPosition } from '../../core/position.js';
import { sameTableName, type ColumnSchema, type TableSchema } from '../../core/schema.js';
import type { SourceUrl, StoreLocation, TableName } from '../../config/values.js';
import { rowIdentityKey } from '../../pipeline/ddl/index.js';
import type { JsonValue, RowValues, SnapshotStore } from '../../store/index.js';
import { rowObject, seedColumns } from '../../source/row-values.js';
import { openSnapshot, readRows, sourceError } from '../../source/seed-reader.js';
import type { CommandHandler } from '../command.js';
import { checkServer } from '../check-server.js';
import { openStore } from '../open-store.js';

const CATCH_UP_MS = 60_000;
const PRINT_LIMIT = 100;

interface Difference {
  readonly key: Readonly<Record<string, JsonValue>>;
  readonly kind: 'missing-in-store' | 'missing-in-source' | 'different';
}

interface TableReport {
  readonly table: string;
  readonly sourceRows: number;
  readonly storeRows: number;
  readonly differences: Difference[];
}

export const verifyCommand: CommandHandler = async (ctx) => {
  const v = ctx.config.values;
  const source = v.get('source') as SourceUrl | undefined;
  if (source === undefined) throw new BinsnapError('BINSNAP_E_USAGE', '`binsnap verify` needs --source URL (or BINSNAP_SOURCE)', { field: 'source' });
  const patterns = v.get('tables') as TableName[] | undefined;
  const store = await openStore(v.get('store') as StoreLocation | undefined, { create: false });
  try {
    if ((await store.checkpoint()) === null) throw new BinsnapError('BINSNAP_E_STORE_EMPTY', 'the store holds no transaction to verify', {});
    const server = await checkServer(source, undefined, ctx.logger, { needSelect: true });
    const snap = await openSnapshot(source, 1).catch((err: unknown) => {
      throw sourceError(err, source, 'opening a snapshot');
    });
    try {
      const at = snap.position;
      await waitForStore(store, at, ctx.signal);
      const tables = await tablesToVerify(store, at, patterns, server.lowerCaseTableNames !== 0);
      const reports: TableReport[] = [];
      for (const t of tables) {
        if (ctx.signal.aborted) break;
        reports.push(await verifyTable(store, snap.connections[0]!, t, at, snap.flavor));
        ctx.logger.info({ table: qualified(t), differences: reports.at(-1)!.differences.length }, 'table verified');
      }
      const differing = reports.filter((r) => r.differences.length > 0);
      if (v.get('json') === true) {
        ctx.stdout.write(`${JSON.stringify({ position: at.format(), equal: differing.length === 0, tables: reports })}\n`);
      } else {
        for (const r of reports) {
          ctx.stdout.write(`${r.differences.length === 0 ? 'ok  ' : 'DIFF'} ${r.table}: ${r.sourceRows} rows on the source, ${r.storeRows} in the store`);
          ctx.stdout.write(r.differences.length === 0 ? '\n' : `, ${r.differences.length} differing keys\n`);
          for (const d of r.differences.slice(0, PRINT_LIMIT)) ctx.stdout.write(`     ${d.kind.padEnd(17)} ${JSON.stringify(d.key)}\n`);
          if (r.differences.length > PRINT_LIMIT) ctx.stdout.write(`     … ${r.differences.length - PRINT_LIMIT} more (--json lists all)\n`);
        }
        ctx.stdout.write(
          differing.length === 0
            ? `the store equals the source as of ${at.format()} (${reports.length} tables)\n`
            : `${differing.length} of ${reports.length} tables differ as of ${at.format()}\n`,
        );
      }
      return differing.length === 0 ? 0 : 1;
    } finally {
      await snap.close();
    }
  } finally {
    await store.close();
  }
};

function qualified(t: TableSchema): string {
  return `${t.db}.${t.name}`;
}

/** The store must have applied everything up to the snapshot's position. */
async function waitForStore(store: SnapshotStore, at: BinlogPosition, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + CATCH_UP_MS;
  for (;;) {
    const cp = await store.checkpoint();
    if (cp && cp.position.compare(at) >= 0) return;
    if (Date.now() > deadline || signal.aborted) {
      throw new BinsnapError(
        'BINSNAP_E_VERIFY_BEHIND',
        `the store's checkpoint ${cp?.position.format() ?? '(none)'} is behind the source's position ${at.format()}`,
        { position: at.format() },
      );
    }
    await sleep(500);
  }
}

/** The stored tables `patterns` name (all without), as of `at`; `foldNames`: the source compares names in lower case. */
async function tablesToVerify(store: SnapshotStore, at: BinlogPosition, patterns: readonly TableName[] | undefined, foldNames: boolean): Promise<TableSchema[]> {
  const out: TableSchema[] = [];
  for (const name of await store.schemaTables()) {
    if (name.endsWith('.')) continue; // a database's defaults
    const v = await store.schemaAt(name, { kind: 'position', position: at });
    if (!v?.schema) continue;
    const s = v.schema;
    if (patterns && !patterns.some((p) => sameTableName(p.db, s.db, foldNames) && (p.table === '*' || sameTableName(p.table, s.name, foldNames)))) continue;
    out.push(s);
  }
  if (patterns && out.length === 0) {
    throw new BinsnapError('BINSNAP_E_STORE_TABLE_UNKNOWN', `--tables ${patterns.map((p) => `${p.db}.${p.table}`).join(',')} matches no table of the store`, {
      field: 'tables',
    });
  }
  return out;
}

function digest(columns: readonly ColumnSchema[], row: RowValues): string {
  const byLower = new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
  const values = columns.map((c) => {
    const k = byLower.get(c.name.toLowerCase());
    return k === undefined ? null : (row[k] ?? null);
  });
  return createHash('sha256').update(JSON.stringify(values)).digest('base64').slice(0, 22);
}

function keyOf(keyColumns: readonly string[], row: RowValues): Record<string, JsonValue> {
  if (keyColumns.length === 0) return { ...row };
  const byLower = new Map(Object.keys(row).map((k) => [k.toLowerCase(), k]));
  const key: Record<string, JsonValue> = {};
  for (const c of keyColumns) key[c] = row[byLower.get(c.toLowerCase()) ?? c] ?? null;
  return key;
}

async function verifyTable(
  store: SnapshotStore,
  conn: Parameters<typeof readRows>[0],
  table: TableSchema,
  at: BinlogPosition,
  flavor: 'mysql' | 'mariadb',
): Promise<TableReport> {
  const columns = seedColumns(table, flavor);
  const keyColumns = rowIdentityKey(table);
  // keyJson → digests of the stored rows with that key (several for a multiset's duplicates).
  const stored = new Map<string, string[]>();
  let storeRows = 0;
  for await (const row of store.readTable(qualified(table), { kind: 'position', position: at })) {
    const k = JSON.stringify(keyOf(keyColumns, row));
    const list = stored.get(k);
    if (list) list.push(digest(columns, row));
    else stored.set(k, [digest(columns, row)]);
    storeRows++;
  }
  const differences: Difference[] = [];
  let sourceRows = 0;
  try {
    for await (const batch of readRows(conn, { db: table.db, table: table.name }, columns, undefined, 1000, false, flavor)) {
      for (const values of batch) {
        const row = rowObject(columns, values);
        sourceRows++;
        const keyObj = keyOf(keyColumns, row);
        const k = JSON.stringify(keyObj);
        const list = stored.get(k);
        if (!list || list.length === 0) {
          differences.push({ key: keyObj, kind: 'missing-in-store' });
          continue;
        }
        const d = digest(columns, row);
        const i = list.indexOf(d);
        if (i >= 0) list.splice(i, 1);
        else {
          list.shift();
          differences.push({ key: keyObj, kind: 'different' });
        }
        if (list.length === 0) stored.delete(k);
      }
    }
  } catch (err) {
    throw new BinsnapError('BINSNAP_E_SOURCE_REPLICATION', `reading ${qualified(table)} on the source failed: ${(err as Error).message}`, { table: qualified(table) }, { cause: err });
  }
  for (const [k, list] of stored) for (let i = 0; i < list.length; i++) differences.push({ key: JSON.parse(k) as Record<string, JsonValue>, kind: 'missing-in-source' });
  return { table: qualified(table), sourceRows, storeRows, differences };
}
