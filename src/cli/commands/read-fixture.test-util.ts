/**
 * Test-only: a real SQLite store in a temp directory filled with a small
 * history that exercises what the read commands must get right — schema
 * changes (create, alter, rename, drop), a rename carrying rows and history,
 * a table without primary key (a multiset) with a truncate, an unsigned
 * BIGINT beyond 2^53 as a string key, DECIMAL strings, JSON values, text that
 * needs CSV quoting, a table with rows but no schema — and `runCli`, which
 * calls main() with in-memory streams.
 *
 * Commit times are T0 + n minutes (T0 = 2026-01-02T03:04:05.000Z).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { parseGtidSet } from '../../core/gtid.js';
import type { ColumnSchema, TableSchema } from '../../core/schema.js';
import { add, del, pos, remove, txn, upsert } from '../../store/contract-fixtures.test-util.js';
import { numericKeyColumnsOf, openSqliteStore, type CommittedTransaction } from '../../store/index.js';
import { main } from '../main.js';

export const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
export const minute = (n: number): number => T0 + n * 60_000;

const col = (name: string, type: string, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({ name, type, unsigned: false, nullable: true, ...extra });

export const ORDERS: TableSchema = {
  db: 'shop',
  name: 'orders',
  columns: [
    col('id', 'bigint', { unsigned: true, nullable: false }),
    col('name', 'varchar', { length: 32, charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }),
    col('price', 'decimal', { precision: 10, scale: 2, nullable: false }),
    col('doc', 'json'),
  ],
  primaryKey: ['id'],
  uniqueKeys: [{ name: 'uk_name', unique: true, columns: ['name'] }],
  charset: 'utf8mb4',
  collation: 'utf8mb4_general_ci',
};
export const ORDERS_V2: TableSchema = { ...ORDERS, columns: [...ORDERS.columns, col('note', 'text', { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' })] };
export const SALES: TableSchema = { ...ORDERS_V2, name: 'sales' };
export const LOG: TableSchema = {
  db: 'shop',
  name: 'log',
  columns: [col('msg', 'varchar', { length: 8 }), col('n', 'int'), col('v', 'vector', { length: 2 })],
  primaryKey: [],
  uniqueKeys: [],
};

export const TMP: TableSchema = { db: 'shop', name: 'tmp', columns: [col('id', 'int', { nullable: false })], primaryKey: ['id'], uniqueKeys: [] };

export const BIG = '18446744073709551615';
const NUM = numericKeyColumnsOf(ORDERS);

/** The history, in commit order. */
export function fixtureTransactions(): CommittedTransaction[] {
  return [
    txn({
      start: [1, 4],
      commit: [1, 300],
      ts: minute(0),
      gtid: '0-1-1',
      schemas: [
        { table: 'shop.orders', schema: ORDERS, ddl: 'CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, …)', kind: 'create' },
        { table: 'shop.tmp', schema: TMP, ddl: 'CREATE TABLE tmp (id INT PRIMARY KEY)', kind: 'create' },
      ],
      events: [
        { kind: 'create', table: 'shop.orders' },
        { kind: 'create', table: 'shop.tmp' },
      ],
      rows: [
        upsert('shop.tmp', { id: 1 }, { id: 1 }, [1, 100, 0]),
        upsert('shop.orders', { id: 1 }, { id: 1, name: 'a,b', price: '1.50', doc: { k: [1, 2], s: 'x"y' } }, [1, 200, 0], NUM),
        upsert('shop.orders', { id: BIG }, { id: BIG, name: 'quote "q"', price: '-0.50', doc: null }, [1, 200, 1], NUM),
        upsert('shop.orders', { id: 2 }, { id: 2, name: '', price: '0.00', doc: null }, [1, 200, 2], NUM),
      ],
    }),
    txn({
      start: [1, 400],
      commit: [1, 600],
      ts: minute(1),
      gtid: '0-1-2',
      rows: [
        upsert('shop.orders', { id: 1 }, { id: 1, name: 'line\nbreak', price: '2.00', doc: [1, 'two'] }, [1, 500, 0], NUM),
        del('shop.orders', { id: 2 }, [1, 500, 1]),
      ],
    }),
    txn({
      start: [1, 700],
      commit: [1, 900],
      ts: minute(2),
      gtid: '0-1-3',
      schemas: [{ table: 'shop.orders', schema: ORDERS_V2, ddl: 'ALTER TABLE orders\n  ADD COLUMN note TEXT', kind: 'alter' }],
    }),
    txn({
      start: [1, 1000],
      commit: [1, 1200],
      ts: minute(3),
      gtid: '0-1-4',
      rows: [upsert('shop.orders', { id: 3 }, { id: 3, name: 'c', price: '3.00', doc: null, note: 'n' }, [1, 1100, 0], NUM)],
    }),
    txn({
      start: [2, 4],
      commit: [2, 200],
      ts: minute(4),
      gtid: '0-1-5',
      schemas: [
        { table: 'shop.orders', schema: null, ddl: 'RENAME TABLE orders TO sales', kind: 'rename' },
        { table: 'shop.sales', schema: SALES, ddl: 'RENAME TABLE orders TO sales', kind: 'rename' },
      ],
      events: [{ kind: 'rename', table: 'shop.orders', to: 'shop.sales' }],
    }),
    txn({
      start: [2, 300],
      commit: [2, 500],
      ts: minute(5),
      gtid: '0-1-6',
      rows: [
        upsert('shop.sales', { id: 1 }, { id: 1, name: 'renamed', price: '2.00', doc: null, note: null }, [2, 400, 0], NUM),
        // Rows of a table the store has no schema for (csv header = union of keys).
        upsert('shop.raw', { a: 1 }, { a: 1 }, [2, 400, 1]),
        upsert('shop.raw', { a: 2 }, { a: 2, b: 'x' }, [2, 400, 2]),
      ],
    }),
    txn({
      start: [2, 600],
      commit: [2, 800],
      ts: minute(6),
      gtid: '0-1-7',
      schemas: [{ table: 'shop.log', schema: LOG, ddl: 'CREATE TABLE log (msg VARCHAR(8), n INT, v VECTOR(2))', kind: 'create' }],
      events: [{ kind: 'create', table: 'shop.log' }],
      rows: [
        add('shop.log', { msg: 'x', n: 1, v: [0.5, 1] }, [2, 700, 0]),
        add('shop.log', { msg: 'x', n: 1, v: [0.5, 1] }, [2, 700, 1]),
        add('shop.log', { msg: 'y', n: 2, v: null }, [2, 700, 2]),
      ],
    }),
    txn({
      start: [2, 900],
      commit: [2, 1000],
      ts: minute(7),
      gtid: '0-1-8',
      rows: [remove('shop.log', { msg: 'x', n: 1, v: [0.5, 1] }, [2, 950, 0])],
    }),
    txn({
      start: [2, 1100],
      commit: [2, 1300],
      ts: minute(8),
      gtid: '0-1-9',
      schemas: [
        { table: 'shop.log', schema: LOG, ddl: 'TRUNCATE TABLE log', kind: 'truncate' },
        { table: 'shop.tmp', schema: null, ddl: 'DROP TABLE tmp', kind: 'drop' },
      ],
      events: [
        { kind: 'truncate', table: 'shop.log' },
        { kind: 'drop', table: 'shop.tmp' },
      ],
      rows: [add('shop.log', { msg: 'z', n: 3, v: [2, 3] }, [2, 1200, 0])],
    }),
  ].map((t, i, all) =>
    i === all.length - 1 ? { ...t, checkpoint: { position: t.commitPosition, commitTimestamp: t.commitTimestamp, gtidSet: parseGtidSet('0-1-9') } } : t,
  );
}

export interface TempStore {
  readonly dir: string;
  readonly path: string;
  cleanup(): void;
}

/** A store file holding `transactions` (default: the fixture), closed again. */
export async function makeStore(transactions: CommittedTransaction[] = fixtureTransactions()): Promise<TempStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'binsnap-read-'));
  const file = path.join(dir, 'store.db');
  const store = await openSqliteStore({ path: file });
  try {
    if (transactions.length > 0) await store.apply(transactions);
  } finally {
    await store.close();
  }
  return { dir, path: file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly logs: string;
}

/** Runs main() with in-memory standard output, standard error and log stream. */
export async function runCli(argv: string[], opts: { interactive?: boolean; stdout?: NodeJS.WritableStream } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const logStream = new PassThrough();
  let out = '';
  let err = '';
  let logs = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  logStream.on('data', (d) => (logs += String(d)));
  const code = await main(argv, {}, {
    stdout: opts.stdout ?? stdout,
    stderr,
    interactive: opts.interactive ?? false,
    createLogger: (level) => pino({ level }, logStream),
  });
  return { code, out, err, logs };
}

export { pos };
