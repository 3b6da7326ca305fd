/**
 * Small builders for store tests: positions in `mysql-bin.NNNNNN`, row
 * changes, transactions, and readers that collect a table into an array.
 * Test-only helpers; nothing here is used by the program.
 */
import { BinlogPosition } from '../core/position.js';
import type { TableSchema } from '../core/schema.js';
import type {
  AsOf,
  CommittedTransaction,
  RowChange,
  RowKey,
  RowValues,
  SchemaChange,
  SnapshotStore,
  TableEvent,
} from './snapshot-store.js';

export function pos(file: number, offset: number | bigint): BinlogPosition {
  return BinlogPosition.of(`mysql-bin.${String(file).padStart(6, '0')}`, offset);
}

export const at = (file: number, offset: number): AsOf => ({ kind: 'position', position: pos(file, offset) });
export const LATEST: AsOf = { kind: 'latest' };

type Where = readonly [file: number, offset: number, row?: number];

function version(w: Where): RowChange['version'] {
  return { fileNumber: w[0], offset: BigInt(w[1]), rowIndex: w[2] ?? 0 };
}

export function upsert(table: string, key: RowKey, values: RowValues, w: Where, numericKeyColumns?: readonly string[]): RowChange {
  return { table, version: version(w), op: 'upsert', identity: 'primary-key', key, values, ...(numericKeyColumns ? { numericKeyColumns } : {}) };
}

export function del(table: string, key: RowKey, w: Where): RowChange {
  return { table, version: version(w), op: 'delete', identity: 'primary-key', key, values: null };
}

/** A row of a table without primary key: one occurrence added. */
export function add(table: string, row: RowValues, w: Where): RowChange {
  return { table, version: version(w), op: 'upsert', identity: 'whole-row', key: row, values: row };
}

/** A row of a table without primary key: one occurrence removed. */
export function remove(table: string, row: RowValues, w: Where): RowChange {
  return { table, version: version(w), op: 'delete', identity: 'whole-row', key: row, values: null };
}

export interface TxnSpec {
  readonly start: readonly [number, number];
  readonly commit: readonly [number, number];
  readonly ts?: number;
  readonly gtid?: string;
  readonly rows?: readonly RowChange[];
  readonly events?: readonly TableEvent[];
  readonly schemas?: readonly SchemaChange[];
}

export function txn(s: TxnSpec): CommittedTransaction {
  return {
    startPosition: pos(s.start[0], s.start[1]),
    commitPosition: pos(s.commit[0], s.commit[1]),
    commitTimestamp: s.ts ?? 1_700_000_000_000 + s.commit[0] * 1_000_000 + s.commit[1],
    rowChanges: s.rows ?? [],
    ...(s.gtid === undefined ? {} : { gtid: s.gtid }),
    ...(s.events === undefined ? {} : { tableEvents: s.events }),
    ...(s.schemas === undefined ? {} : { schemaChanges: s.schemas }),
  };
}

export async function readAll(store: SnapshotStore, table: string, asOf: AsOf = LATEST): Promise<RowValues[]> {
  const out: RowValues[] = [];
  for await (const row of store.readTable(table, asOf)) out.push(row);
  return out;
}

export async function versionCount(store: SnapshotStore): Promise<number> {
  return (await store.tableStats()).reduce((n, t) => n + t.versions, 0);
}

export function tableSchema(db: string, name: string, columns: readonly string[], primaryKey: readonly string[] = ['id']): TableSchema {
  return {
    db,
    name,
    columns: columns.map((c) => ({ name: c, type: c === 'id' ? 'int' : 'varchar', unsigned: false, nullable: c !== 'id' })),
    primaryKey,
    uniqueKeys: [],
  };
}
